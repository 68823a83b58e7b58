//! communique: a static site generator for policy briefs.
//!
//! A build is one pass through pure stages, each a module:
//!
//! ```text
//! config    communique.toml   -> Config
//! content   content/**.md     -> Content (typed front matter + Markdown bodies)
//! markdown  bodies            -> Rendered (HTML, toc, summary, links)   [called by site]
//! site      Content + Config  -> SiteModel (URLs, listings, taxonomies, resolved links)
//! render    SiteModel + Tera  -> Vec<OutputFile>
//! output    Vec<OutputFile>   -> public/ (staged; only changed files replaced, at the end)
//! ```
//!
//! [`build`] and [`check`] run the pipeline; `serve` sits on top and re-runs what a change touches.

// Diagnostics are returned by value on cold paths only; boxing them would buy nothing measurable
// and make every error site noisier.
#![allow(clippy::result_large_err)]

pub mod check;
pub mod config;
pub mod content;
pub mod deploy;
pub mod diagnostics;
pub mod direction;
pub mod i18n;
pub mod import;
pub mod markdown;
pub mod output;
pub mod pdf;
pub mod pipeline;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
#[cfg(test)]
mod test_support;
pub mod theme;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use config::Config;
pub use diagnostics::{Diagnostic, Diagnostics, Location};
pub use pipeline::{PreparedSite, copied_files, load_config, prepare_site};
use render::{OutputFile, Renderer};
pub use site::SiteModel;

/// Where a site's inputs live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDirs {
    /// The site root.
    pub root: PathBuf,
    /// The configuration file.
    pub config_file: PathBuf,
}

impl SiteDirs {
    /// A site at `root`, with its config at `config` (default `communique.toml` in the root).
    pub fn new(root: impl Into<PathBuf>, config: Option<PathBuf>) -> Self {
        let root = root.into();
        let config_file = config.map_or_else(
            || root.join("communique.toml"),
            |c| if c.is_absolute() { c } else { root.join(c) },
        );
        SiteDirs { root, config_file }
    }

    /// The same folders as absolute, canonical paths (file watchers report those).
    pub fn canonical(&self) -> std::io::Result<SiteDirs> {
        let root = self.root.canonicalize()?;
        let config_file = match (self.config_file.parent(), self.config_file.file_name()) {
            (Some(dir), Some(name)) if !dir.as_os_str().is_empty() => {
                dir.canonicalize()?.join(name)
            }
            _ => root.join(&self.config_file),
        };
        Ok(SiteDirs { root, config_file })
    }

    /// `content/`.
    pub fn content(&self) -> PathBuf {
        self.root.join("content")
    }

    /// `templates/`.
    pub fn templates(&self) -> PathBuf {
        self.root.join("templates")
    }

    /// `i18n/`: the site's interface strings (see [`i18n`]).
    pub fn i18n(&self) -> PathBuf {
        self.root.join("i18n")
    }

    /// `static/`.
    pub fn static_dir(&self) -> PathBuf {
        self.root.join("static")
    }

    /// A path as shown in messages: relative to the root when inside it.
    pub fn display(&self, path: &Path) -> PathBuf {
        diagnostics::relative_to(path, &self.root)
    }
}

/// Options that change what a build produces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// Include drafts.
    pub drafts: bool,
    /// Replace the config's base URL.
    pub base_url: Option<String>,
    /// The time the build publishes at: briefs whose `publish_date` is later are held back
    /// (embargoed). `None` is the time each build starts; tests fix it.
    pub now: Option<jiff::Timestamp>,
    /// Build the site model even when links in content are broken (unknown `@/` targets and
    /// anchors are still reported, by [`check::run`], which renders such a site to report
    /// everything else at once).
    pub keep_going: bool,
}

/// A site built in memory: every output file, not yet written.
pub struct BuiltSite {
    /// The renderer (model, views, templates), reusable for partial re-renders.
    pub renderer: Renderer,
    /// Rendered outputs with what each read.
    pub rendered: Vec<render::Rendered>,
    /// Copied files (static files and page assets).
    pub copies: Vec<OutputFile>,
    /// Warnings found on the way.
    pub warnings: Diagnostics,
    /// Time spent in each stage.
    pub timings: Timings,
}

/// Where the time of a build went.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Reading and parsing content.
    pub load: Duration,
    /// Markdown and the site model.
    pub model: Duration,
    /// Templates (and, for `build`, writing the files as they render).
    pub render: Duration,
}

impl BuiltSite {
    /// Every output file: rendered pages and copies.
    pub fn files(&self) -> Vec<OutputFile> {
        let mut files: Vec<OutputFile> = self.rendered.iter().map(|r| r.file.clone()).collect();
        files.extend(self.copies.iter().cloned());
        files
    }

    /// The number of pages (briefs) in the site.
    pub fn page_count(&self) -> usize {
        self.renderer.model().pages.len()
    }
}

fn sorted(mut errors: Vec<Diagnostic>) -> Diagnostics {
    errors.sort_by(|a, b| {
        a.location
            .as_ref()
            .map(|l| (&l.file, l.line))
            .cmp(&b.location.as_ref().map(|l| (&l.file, l.line)))
    });
    Diagnostics(errors)
}

/// Runs every stage but writing: the whole site in memory, or every problem found.
pub fn build_site(dirs: &SiteDirs, options: &BuildOptions) -> Result<BuiltSite, Diagnostics> {
    let prepared = prepare_site(dirs, options)?;
    let started = Instant::now();
    let renderer = prepared.renderer;
    let watch = renderer.watch().clone();
    let (renderer, rendered) = render::limit::supervise(&watch, move || {
        let rendered = renderer.render_all();
        (renderer, rendered)
    })
    .map_err(|running| Diagnostics(vec![render::limit::overran(&running)]))?;
    let rendered = rendered.map_err(sorted)?;
    Ok(BuiltSite {
        renderer,
        rendered,
        copies: prepared.copies,
        warnings: prepared.warnings,
        timings: Timings {
            render: started.elapsed(),
            ..prepared.timings
        },
    })
}

/// The result of a successful build.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// Pages (briefs) built.
    pub pages: usize,
    /// Output files in all.
    pub files: usize,
    /// What writing did.
    pub write: output::WriteStats,
    /// Warnings.
    pub warnings: Diagnostics,
    /// Wall time.
    pub elapsed: Duration,
    /// Stage times.
    pub timings: Timings,
    /// Briefs under embargo, soonest first.
    pub upcoming: Vec<site::embargo::Upcoming>,
    /// PDFs typeset and taken from the cache.
    pub pdfs: pdf::PdfStats,
    /// Why PDFs failed: their briefs' pages were written without them, and the build fails.
    pub pdf_failures: Diagnostics,
}

/// Why a build failed.
#[derive(Debug)]
pub enum BuildError {
    /// Problems in the site's files.
    Site(Diagnostics),
    /// The output could not be written.
    Output(Diagnostic),
}

/// Builds the site into `output`, refusing a folder communique did not create (see
/// [`build_with`]).
pub fn build(
    dirs: &SiteDirs,
    options: &BuildOptions,
    output_dir: &Path,
) -> Result<BuildReport, BuildError> {
    build_with(dirs, options, output_dir, &output::WriteOptions::default())
}

/// Builds the site into `output`. The previous output stays whole unless the build succeeds,
/// and files communique did not write are never deleted (see [`output`]).
///
/// Before anything else, a commit that an earlier build left half done (killed) is completed.
/// Files are written into a stage beside the output as they are rendered (so the site never sits
/// whole in memory), and go into the output only when every file rendered; over a previous
/// output, only the files whose bytes changed are written (see [`output::Stage`]). Every error
/// says what state the output is in.
pub fn build_with(
    dirs: &SiteDirs,
    options: &BuildOptions,
    output_dir: &Path,
    write: &output::WriteOptions,
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    output::check_output_dir(&dirs.root, output_dir, &dirs.config_file)
        .map_err(BuildError::Output)?;
    let opened = output::Output::open(output_dir, write).map_err(BuildError::Output)?;
    let mut notes = Diagnostics::new();
    notes.extend(opened.notes.iter().cloned());
    let mut prepared = prepare_site(dirs, options).map_err(|mut errors| {
        errors.extend(notes.iter().cloned());
        BuildError::Site(errors)
    })?;
    // The search index: its files are written like copies (see [`search`]).
    let index = search::index(prepared.renderer.model(), &dirs.root);
    prepared.copies.extend(index.files);
    // PDFs first: one that fails is left out of the output (its page does not link it), and
    // every page then knows its PDF's size.
    let pdf_failures = prepared.renderer.typeset_pdfs();
    let failed_pdfs: HashSet<render::Job> = pdf_failures.iter().map(|(j, _)| j.clone()).collect();
    let failed_paths: HashSet<String> = failed_pdfs
        .iter()
        .map(|job| site::Urls::output_file(&prepared.renderer.site_path(job)))
        .collect();
    let mut paths = prepared.output_paths();
    paths.retain(|p| !failed_paths.contains(p));
    let keep = paths.iter().map(String::as_str).collect();
    let stage = opened
        .stage(&keep)
        .map_err(|e| BuildError::Output(output::unchanged(output_dir, &e, Ok(()))))?;

    let rendering = Instant::now();
    // Rendering runs under a supervisor: a template stuck in a loop that no time-limit check
    // sees cannot be stopped, so the build stops waiting for it, fails, removes the stage the
    // stuck thread still holds and leaves the output as it was.
    let prepared = Arc::new(prepared);
    let abandoned = stage.abandon_handle();
    let filling = {
        let prepared = prepared.clone();
        move || (fill_stage(&prepared, &stage, &failed_pdfs), stage)
    };
    let (results, stage) = render::limit::supervise(prepared.renderer.watch(), filling)
        .map_err(|running| {
            let overran = render::limit::overran(&running);
            let state = match abandoned.discard() {
                Ok(()) => "the output folder was left as it was".to_string(),
                Err(e) => format!(
                    "the output folder was left as it was; its staging folder could not be removed ({e}) and the next build removes it"
                ),
            };
            let hint = overran.hint.clone().unwrap_or_default();
            BuildError::Site(overran.hint(format!("{hint}; {state}")).into())
        })?;
    let renderer = &prepared.renderer;
    let mut site_errors = Vec::new();
    let mut first_io = None;
    for result in results {
        match result {
            Ok(_) => {}
            Err(StageFailure::Site(d)) => {
                if !site_errors.contains(&d) {
                    site_errors.push(d);
                }
            }
            Err(StageFailure::Io(e)) => first_io = first_io.or(Some(e)),
        }
    }
    if !site_errors.is_empty() {
        // A stage left behind is removed by the next build; the site errors matter more.
        let _ = stage.abort();
        let mut errors = sorted(site_errors);
        errors.extend(notes.iter().cloned());
        return Err(BuildError::Site(errors));
    }
    if let Some(e) = first_io {
        let cleanup = stage.abort();
        return Err(BuildError::Output(output::unchanged(
            output_dir, &e, cleanup,
        )));
    }
    let render_and_write = rendering.elapsed();
    let committed = stage.commit().map_err(BuildError::Output)?;
    prepared.renderer.prune_pdf_cache();
    let mut warnings = prepared.warnings.clone();
    warnings.extend(notes.iter().cloned());
    warnings.extend(committed.warnings);
    let report = BuildReport {
        pages: renderer.model().pages.len(),
        files: paths.len(),
        write: committed.stats,
        warnings,
        elapsed: started.elapsed(),
        timings: Timings {
            render: render_and_write,
            ..prepared.timings.clone()
        },
        upcoming: renderer.model().upcoming.clone(),
        pdfs: renderer.pdf_stats(),
        pdf_failures: Diagnostics(pdf_failures.into_iter().map(|(_, d)| d).collect()),
    };
    // Freeing a large site's memory takes a noticeable fraction of a build: do it off the
    // caller's path (a command-line build exits without waiting for it).
    std::thread::spawn(move || drop(prepared));
    Ok(report)
}

/// Why a file did not reach the stage.
enum StageFailure {
    Site(Diagnostic),
    Io(std::io::Error),
}

/// Renders every job and copies every file into `stage`, in parallel: for each, whether its
/// bytes changed, or why it failed.
fn fill_stage(
    prepared: &PreparedSite,
    stage: &output::Stage,
    failed_pdfs: &HashSet<render::Job>,
) -> Vec<Result<bool, StageFailure>> {
    use rayon::prelude::*;
    let renderer = &prepared.renderer;
    let mut jobs = renderer.jobs();
    jobs.retain(|job| !failed_pdfs.contains(job));
    let rendered = jobs.par_iter().map(|job| {
        let r = renderer.render(job).map_err(StageFailure::Site)?;
        stage.write(&r.file).map_err(StageFailure::Io)
    });
    let copied = prepared
        .copies
        .par_iter()
        .map(|c| stage.write(c).map_err(StageFailure::Io));
    rendered.chain(copied).collect()
}

/// Everything `build` does except writing, then an audit of what it produced (see
/// [`check::run`]); every problem found, or the warnings.
pub fn check(dirs: &SiteDirs, options: &BuildOptions) -> Result<BuildReport, Diagnostics> {
    let report = check::run(dirs, options, &check::CheckOptions::default());
    if report.has_errors() {
        return Err(report.diagnostics());
    }
    Ok(BuildReport {
        pages: report.pages,
        files: report.files,
        write: output::WriteStats::default(),
        warnings: report.diagnostics(),
        elapsed: report.elapsed,
        timings: Timings::default(),
        upcoming: report.upcoming,
        pdfs: Default::default(),
        pdf_failures: Diagnostics::new(),
    })
}
