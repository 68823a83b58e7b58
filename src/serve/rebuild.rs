//! Rebuilding after a change, re-doing only what the change touches.
//!
//! Between builds we keep the parsed content, the rendered Markdown and, for every output file,
//! the signature of its inputs (see [`crate::render::signature`]) and what its template read.
//! A rebuild re-reads only changed files, re-renders Markdown only where the text or a link
//! target changed, rebuilds the (cheap) site model, and renders only the jobs whose signature
//! moved. The result is the same as a full build: `tests/incremental.rs` checks it byte for byte.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use super::watch::InputKind;
use crate::content::{self, Content, Reuse};
use crate::pipeline::{self, Inputs};
use crate::render::deps::Read;
use crate::render::limit::{self, Watch};
use crate::render::signature::{Fingerprints, light_fingerprint, light_fingerprints};
use crate::render::views::{ViewCache, Views};
use crate::render::{Job, OutputFile, Renderer, TemplateSet};
use crate::site::{self, CacheSlot, MarkdownCache, Urls};
use crate::{BuildOptions, Config, Diagnostics, SiteDirs, load_config};

/// The result of a rebuild.
#[derive(Debug, Clone)]
pub struct Update {
    /// Output files produced (all of them when `complete`).
    pub files: Vec<OutputFile>,
    /// Output paths that no longer exist (when not `complete`).
    pub removed: Vec<String>,
    /// Whether `files` is the whole site.
    pub complete: bool,
    /// Whether the edit took the fast path: only page bodies changed, and were patched into
    /// the kept model instead of rebuilding it.
    pub bodies_only: bool,
    /// Files rendered by this rebuild.
    pub rendered: usize,
    /// Pages (briefs) in the site.
    pub pages: usize,
    /// Warnings found on the way (entries the link policy skipped, among others).
    pub warnings: Diagnostics,
    /// When the next brief under embargo publishes: the site changes then without any file
    /// changing, so `serve` rebuilds at that time.
    pub next_publication: Option<jiff::Timestamp>,
    /// The model built, for the search index `serve` refreshes in the background.
    pub model: Arc<site::SiteModel>,
}

#[derive(Default)]
struct Memory {
    config: Option<Arc<Config>>,
    templates: Option<TemplateSet>,
    content: Option<Content>,
    markdown: MarkdownCache,
    views: ViewCache,
    /// The model of the last successful build.
    model: Option<Arc<site::SiteModel>>,
    /// Output path → (signature, what its template read).
    jobs: JobTable,
    /// The jobs of the last build in order, with their output paths: a body edit keeps them.
    job_list: Vec<Job>,
    job_paths: Vec<String>,
    /// The pages' light and full fingerprints in the last build (see [`Fingerprints`]).
    page_fingerprints: Option<(Vec<u64>, Vec<u64>)>,
    /// The hashes of the data and static files templates read, as of the last build.
    file_hashes: HashMap<PathBuf, Option<u64>>,
    /// Output paths of copied files.
    copies: HashSet<String>,
    /// Copied files of the last build, while no static file or folder page changed.
    copy_list: Option<Vec<OutputFile>>,
    /// The warnings of the last model (see [`pipeline::assemble`]), kept up to date by the
    /// fast path so that it reports what a build would.
    model_warnings: Diagnostics,
    /// The warnings of the last output plan (see [`pipeline::plan_outputs`]).
    plan_warnings: Diagnostics,
}

/// Output path → (signature, what its template read when it last rendered).
type JobTable = HashMap<String, (u64, Vec<Read>)>;

/// What a rebuild made anew before rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rebuilt {
    /// Everything: nothing was remembered, and every output renders.
    Everything,
    /// The model, after changed inputs.
    Model,
    /// Only the body of the page given, patched into the kept model (see
    /// [`Rebuilder::body_edit`]).
    Bodies(usize),
}

/// Runs builds for `serve`, keeping what can be reused between them.
pub struct Rebuilder {
    dirs: SiteDirs,
    options: BuildOptions,
    memory: Memory,
    /// The watch of the rebuild in progress: its renders report to it, and it can stop them.
    watch: Arc<Watch>,
}

impl Rebuilder {
    /// A rebuilder for a site.
    pub fn new(dirs: SiteDirs, options: BuildOptions) -> Self {
        Rebuilder {
            dirs,
            options,
            memory: Memory::default(),
            watch: Watch::new(),
        }
    }

    /// Makes `watch` the watch of the next rebuild: a supervisor sees its renders and can stop
    /// it (see [`crate::serve::supervise`]).
    pub fn set_watch(&mut self, watch: Arc<Watch>) {
        self.watch = watch;
    }

    /// Fails when the rebuild was told to stop: checked between stages, so that a superseded
    /// rebuild ends early. What it leaves in memory is what a failed rebuild leaves.
    fn check_stop(&self) -> Result<(), Diagnostics> {
        match self.watch.stopped() {
            Some(why) => Err(limit::stopped(why).into()),
            None => Ok(()),
        }
    }

    /// Builds the whole site, forgetting everything kept so far.
    pub fn full(&mut self) -> Result<Update, Diagnostics> {
        self.memory = Memory::default();
        self.run(&[])
    }

    /// Rebuilds after the inputs in `changes` changed.
    pub fn rebuild(
        &mut self,
        changes: &BTreeSet<(InputKind, PathBuf)>,
    ) -> Result<Update, Diagnostics> {
        if changes.iter().any(|(kind, _)| *kind == InputKind::Config) {
            self.memory = Memory::default();
        }
        if changes.iter().any(|(kind, _)| *kind == InputKind::Template) {
            self.memory.templates = None;
            // Whether the built-in theme's static files are copied depends on the templates.
            self.memory.copy_list = None;
        }
        if changes.iter().any(|(kind, _)| *kind == InputKind::Static) {
            self.memory.copy_list = None;
        }
        // Image sizes are read while Markdown renders (`<img width height>`): renderings kept
        // from before a changed image could show its old size.
        if changes
            .iter()
            .any(|(_, path)| crate::content::images::is_image_file(path))
        {
            self.memory.markdown = MarkdownCache::default();
        }
        let changed: Vec<PathBuf> = changes
            .iter()
            .filter(|(kind, _)| *kind == InputKind::Content)
            .map(|(_, path)| path.clone())
            .collect();
        self.run(&changed)
    }

    fn run(&mut self, changed_content: &[PathBuf]) -> Result<Update, Diagnostics> {
        self.check_stop()?;
        if let [path] = changed_content
            && let Some((model, patched)) = self.body_edit(path)
        {
            let warnings = self.memory.model_warnings.clone();
            return self.render_model(model, Rebuilt::Bodies(patched), warnings);
        }
        let memory = &mut self.memory;
        // Until this build succeeds, the kept model is not the content's: no fast path.
        memory.model = None;
        // Folder pages may have gained or lost assets.
        memory.copy_list = None;
        // Nothing remembered: every job renders and the update is the whole site.
        let complete = memory.jobs.is_empty();
        let config = match &memory.config {
            Some(c) => c.clone(),
            None => {
                let c = Arc::new(load_config(&self.dirs, &self.options)?);
                memory.config = Some(c.clone());
                c
            }
        };
        let trace = std::env::var_os("COMMUNIQUE_TRACE").is_some();
        let clock = std::time::Instant::now();
        let lap = |what: &str| {
            if trace {
                eprintln!("  {what}: {} ms", clock.elapsed().as_millis());
            }
        };
        let reuse = memory.content.as_ref().map(|previous| Reuse {
            previous,
            changed: changed_content,
        });
        let (content, content_diagnostics) =
            content::load_incremental(&self.dirs.content(), &self.dirs.root, &config, reuse);
        lap("content");
        memory.content = Some(content.clone());
        self.check_stop()?;
        let memory = &mut self.memory;
        let templates = match &memory.templates {
            Some(t) => Ok(t.clone()),
            None => TemplateSet::load(&self.dirs.templates(), &self.dirs.root),
        };
        if let Ok(t) = &templates {
            memory.templates = Some(t.clone());
        }
        let inputs = Inputs {
            config,
            content,
            content_diagnostics,
            templates,
        };
        let mut slot = CacheSlot {
            previous: std::mem::take(&mut memory.markdown),
            next: None,
            record: true,
        };
        let assembled = pipeline::assemble(inputs, &self.options, &mut slot);
        memory.markdown = slot.next.unwrap_or(slot.previous);
        lap("model");
        let assembled = assembled?;
        memory.model_warnings = assembled.warnings.clone();
        self.check_stop()?;
        let rebuilt = if complete {
            Rebuilt::Everything
        } else {
            Rebuilt::Model
        };
        self.render_model(assembled.model, rebuilt, assembled.warnings)
    }

    /// The fast path for the commonest edit: one existing brief (or translation) whose front
    /// matter did not change. Its URL, place in listings, terms and related briefs are then unchanged, so the
    /// previous model is patched with the new body instead of being rebuilt. Returns `None`
    /// whenever the general path is needed (anything else changed, or the edit has an error,
    /// which the general path reports in full).
    fn body_edit(&mut self, path: &std::path::Path) -> Option<(site::SiteModel, usize)> {
        let memory = &mut self.memory;
        let config = memory.config.clone()?;
        let content = memory.content.as_mut()?;
        if !content.failed.is_empty() || memory.templates.is_none() {
            return None;
        }
        let rel = path
            .strip_prefix(self.dirs.content())
            .ok()?
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        // The background search refresh may still hold the model (a first edit while the
        // first index is made): patch a copy then. Pages share their text and rendering
        // through `Arc`s, so the copy is cheap, and the edit keeps the fast path.
        let mut model = Arc::unwrap_or_clone(memory.model.take()?);
        let restore = |memory: &mut Memory, model: site::SiteModel| {
            memory.model = Some(Arc::new(model));
            None
        };
        let Some(&site::ContentRef::Page(index)) = model.by_rel.get(&rel) else {
            return restore(memory, model);
        };
        let old = model.pages[index].source.clone();
        // A file that became a link goes through discovery, which checks where it leads.
        if path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return restore(memory, model);
        }
        let display = self.dirs.display(path);
        let found = content::Found {
            rel: rel.clone(),
            abs: path.to_path_buf(),
            kind: content::Kind::Page,
            assets: old.assets.clone(),
        };
        let parsed = content::read_text(path, &display)
            .and_then(|text| content::parse_file(&found, &display, &text, &config));
        let Ok(content::Loaded::Page(new)) = parsed else {
            return restore(memory, model);
        };
        let front = |p: &content::Parsed<content::PageMeta>| {
            p.source.get(..p.body_range.start).map(str::to_string)
        };
        if front(&old) != front(&new) || old.display_path != new.display_path {
            return restore(memory, model);
        }
        // A translation renders as the build renders it: with its language's words, its
        // links leading to pages in its language.
        let lang = model.pages[index].lang;
        let labels = crate::markdown::CitationLabels::from(site::markdown_cache::language_strings(
            &config, lang,
        ));
        let own = content.page_bibliographies.get(&rel);
        let citer = content::bibliography::citer_for(content.citations.as_ref(), own);
        let markdown = site::markdown_cache::render_page(
            &new,
            &site::markdown_cache::language_markdown(&config, lang),
            &site::LanguageResolver {
                model: &model,
                lang,
            },
            true,
            citer
                .as_ref()
                .map(|formatter| crate::markdown::CitationContext {
                    formatter,
                    labels: &labels,
                }),
            &content.images,
        );
        if !markdown.errors.is_empty() {
            return restore(memory, model);
        }
        let previous_page = model.pages[index].clone();
        {
            let page = &mut model.pages[index];
            page.source = new.clone();
            page.rendered = markdown.rendered.clone();
            page.key_points = markdown.key_points.clone();
            page.recommendations = markdown.recommendations.clone();
            page.brief = markdown.brief.clone();
        }
        if !site::check_anchors_around(&model, index).is_empty() {
            model.pages[index] = previous_page;
            return restore(memory, model);
        }
        let resolver = site::LanguageResolver {
            model: &model,
            lang,
        };
        memory.markdown.insert(&new, &resolver, Arc::new(markdown));
        // The body's shortcode warnings are the only ones a body edit can change.
        let stale = pipeline::shortcodes_in(&old);
        let warnings = &mut memory.model_warnings;
        warnings.0.retain(|w| !stale.contains(w));
        warnings.extend(pipeline::shortcodes_in(&new));
        warnings.sort();
        if let Some(slot) = content.pages.iter_mut().find(|p| p.rel == rel) {
            *slot = new;
        }
        Some((model, index))
    }

    /// Renders the jobs of `model` whose signatures changed since the last build. `warnings`
    /// are those found so far; like a build's, they come with errors too.
    fn render_model(
        &mut self,
        model: site::SiteModel,
        rebuilt: Rebuilt,
        mut warnings: Diagnostics,
    ) -> Result<Update, Diagnostics> {
        let memory = &mut self.memory;
        let Some(templates) = memory.templates.clone() else {
            return Err(Diagnostics::new());
        };
        let trace = std::env::var_os("COMMUNIQUE_TRACE").is_some();
        let clock = std::time::Instant::now();
        let lap = |what: &str| {
            if trace {
                eprintln!("  {what}: {} ms", clock.elapsed().as_millis());
            }
        };
        let failed = |mut errors: Diagnostics, warnings: &Diagnostics| {
            errors.extend(warnings.iter().cloned());
            errors.sort();
            errors
        };
        // A body edit can move only the patched page's light fingerprint.
        let light = match (rebuilt, &memory.page_fingerprints) {
            (Rebuilt::Bodies(patched), Some((previous, _)))
                if previous.len() == model.pages.len() && patched < previous.len() =>
            {
                let mut light = previous.clone();
                light[patched] = light_fingerprint(&model, &model.pages[patched]);
                light
            }
            _ => light_fingerprints(&model),
        };
        lap("light fingerprints");
        let (views, view_cache) = Views::build_cached(&model, &light, &memory.views);
        memory.views = view_cache;
        lap("views");
        let renderer = Renderer::with_views(Arc::new(model), templates, views)
            .map_err(|es| failed(Diagnostics(es), &warnings))?
            .watched_by(self.watch.clone())
            .typeset_on_request();
        lap("templates");
        // A body edit changes no output's path and no copied file: the last plan holds.
        let copies = match (rebuilt, memory.copy_list.take()) {
            (Rebuilt::Bodies(_), Some(copies)) => {
                warnings.extend(memory.plan_warnings.iter().cloned());
                copies
            }
            (_, copies) => {
                let planned = pipeline::plan_outputs(&self.dirs, &renderer, copies)
                    .map_err(|es| failed(es, &warnings))?;
                memory.plan_warnings = planned.warnings.clone();
                warnings.extend(planned.warnings.0);
                planned.copies
            }
        };
        lap("plan");

        let fingerprints = Fingerprints::new(&renderer, light);
        lap("fingerprints");
        let jobs = renderer.jobs();
        let body_edit = match rebuilt {
            Rebuilt::Bodies(_) => sign_after_body_edit(memory, &renderer, &fingerprints, &jobs),
            _ => None,
        };
        let took_table = body_edit.is_some();
        let (stale, mut next_jobs) = match body_edit {
            Some(signed) => signed,
            None => sign_all(memory, &renderer, &fingerprints, jobs),
        };
        lap("signatures");
        let rendered = match renderer.render_jobs(&stale) {
            Ok(rendered) => rendered,
            Err(errors) => {
                if took_table {
                    // Keep the table, less the jobs that did not render: they render next time.
                    for job in &stale {
                        next_jobs.remove(&Urls::output_file(&renderer.site_path(job)));
                    }
                    memory.jobs = next_jobs;
                }
                return Err(Diagnostics(errors));
            }
        };
        lap("render");
        for r in &rendered {
            // Signatures depend on what the template read: record the fresh reads.
            let signature = fingerprints.signature(&renderer, &r.job, &r.reads);
            next_jobs.insert(r.file.path.clone(), (signature, r.reads.clone()));
        }
        memory.file_hashes.extend(fingerprints.files_read());
        memory.page_fingerprints = Some((fingerprints.light, fingerprints.full));
        let removed: Vec<String> = memory
            .jobs
            .keys()
            .filter(|p| !next_jobs.contains_key(*p))
            .cloned()
            .collect();
        memory.jobs = next_jobs;

        let copy_paths: HashSet<String> = copies.iter().map(|c| c.path.clone()).collect();
        let mut removed: Vec<String> = removed
            .into_iter()
            .filter(|p| !copy_paths.contains(p))
            .collect();
        removed.extend(
            memory
                .copies
                .iter()
                .filter(|p| !copy_paths.contains(*p) && !memory.jobs.contains_key(*p))
                .cloned(),
        );
        memory.copies = copy_paths;
        memory.copy_list = Some(copies.clone());
        lap("copies");
        let model = renderer.model().clone();
        let count = rendered.len();
        let mut files: Vec<OutputFile> = rendered.into_iter().map(|r| r.file).collect();
        files.extend(copies);
        let pages = model.pages.len();
        let next_publication = model.upcoming.first().map(|u| u.publish_date.timestamp);
        // Keep the model for the fast path; the renderer (which shares it) goes first.
        drop(renderer);
        memory.model = Some(model.clone());
        Ok(Update {
            model,
            files,
            removed,
            complete: rebuilt == Rebuilt::Everything,
            bodies_only: matches!(rebuilt, Rebuilt::Bodies(_)),
            rendered: count,
            pages,
            warnings,
            next_publication,
        })
    }
}

/// Signs every job of `renderer` again: the stale ones (signature moved or new) and the next
/// job table, whose entries keep what each template read last time.
fn sign_all(
    memory: &mut Memory,
    renderer: &Renderer,
    fingerprints: &Fingerprints,
    jobs: Vec<Job>,
) -> (Vec<Job>, JobTable) {
    use rayon::prelude::*;
    let no_reads: Vec<Read> = Vec::new();
    let signed: Vec<(String, u64, bool)> = jobs
        .par_iter()
        .map(|job| {
            let path = Urls::output_file(&renderer.site_path(job));
            let (previous_signature, reads) = memory
                .jobs
                .get(&path)
                .map_or((None, &no_reads), |(s, r)| (Some(*s), r));
            let signature = fingerprints.signature(renderer, job, reads);
            (path, signature, previous_signature != Some(signature))
        })
        .collect();
    let stale: Vec<Job> = signed
        .iter()
        .zip(&jobs)
        .filter(|((_, _, stale), _)| *stale)
        .map(|(_, job)| job.clone())
        .collect();
    let mut next_jobs = JobTable::with_capacity(jobs.len());
    let mut paths = Vec::with_capacity(jobs.len());
    for (path, signature, _) in signed {
        let reads = memory
            .jobs
            .get_mut(&path)
            .map(|(_, r)| std::mem::take(r))
            .unwrap_or_default();
        paths.push(path.clone());
        next_jobs.insert(path, (signature, reads));
    }
    memory.job_list = jobs;
    memory.job_paths = paths;
    (stale, next_jobs)
}

/// After a body edit (same pages, same jobs as the last build), signs again only the jobs whose
/// signature the edit can have moved ([`Fingerprints::may_have_moved`]): at 10,000 briefs that
/// is a handful of 33,000, and signing them all took most of the edit's rebuild. `None` when
/// the jobs are not the last build's, or nothing is known of it.
fn sign_after_body_edit(
    memory: &mut Memory,
    renderer: &Renderer,
    fingerprints: &Fingerprints,
    jobs: &[Job],
) -> Option<(Vec<Job>, JobTable)> {
    use rayon::prelude::*;
    if memory.job_list != jobs || memory.job_paths.len() != jobs.len() {
        return None;
    }
    let (light, full) = memory.page_fingerprints.as_ref()?;
    let model = renderer.model();
    let changes = fingerprints.body_edit_changes(model, (light, full), &memory.file_hashes)?;
    let mut table = std::mem::take(&mut memory.jobs);
    let no_reads: Vec<Read> = Vec::new();
    let moved: Vec<(usize, u64)> = jobs
        .par_iter()
        .enumerate()
        .filter_map(|(k, job)| {
            let (signature, reads) = table
                .get(&memory.job_paths[k])
                .map_or((None, &no_reads), |(s, r)| (Some(*s), r));
            if signature.is_some() && !fingerprints.may_have_moved(model, job, reads, &changes) {
                return None;
            }
            let now = fingerprints.signature(renderer, job, reads);
            (signature != Some(now)).then_some((k, now))
        })
        .collect();
    for &(k, signature) in &moved {
        table.entry(memory.job_paths[k].clone()).or_default().0 = signature;
    }
    let stale = moved.iter().map(|&(k, _)| jobs[k].clone()).collect();
    Some((stale, table))
}
