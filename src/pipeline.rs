//! The one orchestration of a build, shared by `build`, `check` and `serve`.
//!
//! A run reads its inputs ([`Inputs`]: configuration, content, templates), then [`assemble`]s
//! them into a site model and compiled templates, and [`plan_outputs`] checks that every output
//! has one owner. `build` reads everything afresh; `serve` keeps what did not change and reads
//! the rest (see [`crate::serve`]), but both call these same functions, so they report the same
//! problems in the same order (`tests/orchestration.rs` runs bad inputs through both).

use std::sync::Arc;
use std::time::Instant;

use crate::content::{self, Content};
use crate::diagnostics::{self, Diagnostic, Diagnostics, Location};
use crate::render::{self, Contents, OutputFile, Renderer, TemplateSet};
use crate::site::{self, CacheSlot, SiteModel};
use crate::{BuildOptions, Config, SiteDirs, Timings, markdown, theme};

/// Reads and validates the configuration, applying build options.
pub fn load_config(dirs: &SiteDirs, options: &BuildOptions) -> Result<Config, Diagnostics> {
    let display = dirs.display(&dirs.config_file);
    // Config errors quote the file: never read one that a link brings in from outside the site.
    if content::sources::is_link_out_of_site(&dirs.config_file, &dirs.root) {
        return Err(Diagnostic::error(
            "the site configuration is a link to a file outside the site root, and is not read",
        )
        .at(Location::file(&display))
        .hint("replace the link with the file itself")
        .into());
    }
    let text = std::fs::read_to_string(&dirs.config_file).map_err(|e| {
        Diagnostic::error(format!("cannot read the site configuration: {e}"))
            .at(Location::file(&display))
            .hint("run communique in a site folder (one with communique.toml), pass --root, or create a site with `communique init`")
    })?;
    let mut config = Config::parse(&text, &display)?;
    if let Some(base_url) = &options.base_url {
        config.set_base_url(base_url.clone());
    }
    let legacy = (!config.legacy_strings.is_empty())
        .then_some((config.language.as_str(), &config.legacy_strings));
    let catalogs =
        crate::i18n::Catalogs::load(&dirs.i18n(), &dirs.root, legacy, |p| dirs.display(p))
            .map_err(Diagnostics)?;
    config.use_catalogs(catalogs).map_err(|e| {
        let place = Location::file(&display);
        Diagnostics(vec![if e.location.is_some() { e } else { e.at(place) }])
    })?;
    Ok(config)
}

/// What a run read: the configuration, the content with what reading it found, and the
/// templates (or why they could not be read).
pub struct Inputs {
    /// The configuration.
    pub config: Arc<Config>,
    /// Parsed content.
    pub content: Content,
    /// Problems found reading the content (errors and warnings).
    pub content_diagnostics: Vec<Diagnostic>,
    /// The templates, or their read errors.
    pub templates: Result<TemplateSet, Vec<Diagnostic>>,
}

impl Inputs {
    /// Reads every input afresh.
    pub fn read(dirs: &SiteDirs, config: Arc<Config>) -> Inputs {
        warm_citation_style(&config);
        let (content, content_diagnostics) = content::load(&dirs.content(), &dirs.root, &config);
        Inputs {
            templates: TemplateSet::load(&dirs.templates(), &dirs.root),
            config,
            content,
            content_diagnostics,
        }
    }
}

/// Starts loading the site's citation style in the background. Every brief's "Cite this brief"
/// needs it, and decoding it takes a tenth of a second that the render would otherwise spend
/// waiting with one core idle; reading the content hides it. Loaded once per process.
fn warm_citation_style(config: &Arc<Config>) {
    let config = config.clone();
    rayon::spawn(move || {
        let _ = crate::content::bibliography::cite_cache::shared(
            &config.citation_style,
            &config.language,
        );
    });
}

/// A site model with the templates to render it.
pub struct Assembled {
    /// The model.
    pub model: SiteModel,
    /// The templates.
    pub templates: TemplateSet,
    /// Warnings found on the way.
    pub warnings: Diagnostics,
}

/// Builds the model from the inputs (reusing Markdown renderings from `cache`), or reports
/// every problem: content errors, template read and syntax errors, model errors, and the
/// warnings found on the way, sorted by place.
pub fn assemble(
    inputs: Inputs,
    options: &BuildOptions,
    cache: &mut CacheSlot,
) -> Result<Assembled, Diagnostics> {
    let mut errors = Diagnostics::new();
    // Warnings (entries skipped by the link policy, among others) are reported whether or not
    // the build succeeds.
    let mut warnings = Diagnostics::new();
    let (content_errors, content_warnings): (Vec<_>, Vec<_>) = inputs
        .content_diagnostics
        .into_iter()
        .partition(Diagnostic::is_error);
    errors.extend(content_errors);
    warnings.extend(content_warnings);
    warnings.extend(shortcode_warnings(&inputs.content));
    warnings.extend(inputs.config.warnings.iter().cloned());
    let templates = match inputs.templates {
        Ok(t) => {
            warnings.extend(t.warnings.iter().cloned());
            Some(t)
        }
        Err(es) => {
            errors.extend(es);
            None
        }
    };
    let model_options = site::ModelOptions {
        drafts: options.drafts,
        now: options.now.unwrap_or_else(jiff::Timestamp::now),
        keep_going: options.keep_going,
    };
    let images = inputs.content.images.clone();
    let model = site::build_cached(inputs.content, inputs.config, &model_options, cache)
        .map_err(|es| errors.extend(es))
        .ok();
    warnings.extend(images.warnings());
    match (model, templates) {
        (Some(model), Some(templates)) if !errors.has_errors() => {
            warnings.sort();
            Ok(Assembled {
                model,
                templates,
                warnings,
            })
        }
        (_, templates) => {
            // Template syntax errors are worth knowing about even when content errors stop
            // the run before the templates are compiled.
            if let Some(templates) = templates {
                errors.extend(templates.check_syntax());
            }
            errors.extend(warnings.0);
            errors.sort();
            Err(errors)
        }
    }
}

/// What a run will write besides rendered pages.
pub struct Planned {
    /// Copied files (static files and page assets).
    pub copies: Vec<OutputFile>,
    /// Warnings: static files left out, navigation links to no page.
    pub warnings: Diagnostics,
}

/// Lists the copied files (unless `copies` are known already) and checks that every output
/// file has exactly one owner.
pub fn plan_outputs(
    dirs: &SiteDirs,
    renderer: &Renderer,
    copies: Option<Vec<OutputFile>>,
) -> Result<Planned, Diagnostics> {
    let jobs = renderer.jobs();
    let rendered_paths: Vec<String> = jobs
        .iter()
        .map(|job| site::Urls::output_file(&renderer.site_path(job)))
        .collect();
    let taken = rendered_paths.iter().map(String::as_str).collect();
    let (copies, copy_diagnostics) = match copies {
        Some(copies) => (copies, Diagnostics::new()),
        None => copied_files(dirs, renderer, &taken),
    };
    let (copy_errors, copy_warnings): (Vec<_>, Vec<_>) = copy_diagnostics
        .0
        .into_iter()
        .partition(Diagnostic::is_error);
    let mut warnings = Diagnostics(copy_warnings);
    let mut clashes = copy_errors;
    clashes.extend(render::ownership::check(
        renderer, &jobs, &copies, &dirs.root,
    ));
    let copied = copies.iter().map(|c| c.path.as_str()).collect();
    clashes.extend(site::check_static_links(renderer.model(), &copied));
    if !clashes.is_empty() {
        clashes.extend(warnings.0);
        return Err(Diagnostics(clashes));
    }
    warnings.extend(nav_links(dirs, renderer, &rendered_paths, &copies));
    Ok(Planned { copies, warnings })
}

/// A site ready to render: model, compiled templates and the list of copied files.
pub struct PreparedSite {
    /// The renderer (model, views, templates).
    pub renderer: Renderer,
    /// Copied files (static files and page assets).
    pub copies: Vec<OutputFile>,
    /// Warnings found on the way.
    pub warnings: Diagnostics,
    /// Time spent in each stage so far.
    pub timings: Timings,
}

impl PreparedSite {
    /// The output path of every file the site will have.
    pub fn output_paths(&self) -> Vec<String> {
        let renderer = &self.renderer;
        let mut paths: Vec<String> = renderer
            .jobs()
            .iter()
            .map(|job| site::Urls::output_file(&renderer.site_path(job)))
            .collect();
        paths.extend(self.copies.iter().map(|c| c.path.clone()));
        paths
    }
}

/// Runs every stage up to rendering: configuration, content, Markdown, the site model and the
/// templates. Every problem found is reported.
pub fn prepare_site(dirs: &SiteDirs, options: &BuildOptions) -> Result<PreparedSite, Diagnostics> {
    let config = Arc::new(load_config(dirs, options)?);
    let started = Instant::now();
    let inputs = Inputs::read(dirs, config);
    let load = started.elapsed();
    let assembled = assemble(inputs, options, &mut CacheSlot::default())?;
    let model_time = started.elapsed() - load;
    let mut warnings = assembled.warnings;
    let failed = |mut errors: Diagnostics, warnings: Diagnostics| {
        errors.extend(warnings.0);
        errors.sort();
        errors
    };
    let renderer = Renderer::new(Arc::new(assembled.model), assembled.templates)
        .map_err(|es| failed(Diagnostics(es), warnings.clone()))?;
    let planned = plan_outputs(dirs, &renderer, None).map_err(|es| failed(es, warnings.clone()))?;
    warnings.extend(planned.warnings.0);
    warnings.extend(robots_under_a_path(&renderer.model().urls));
    Ok(PreparedSite {
        renderer,
        copies: planned.copies,
        warnings,
        timings: Timings {
            load,
            model: model_time,
            ..Timings::default()
        },
    })
}

/// Crawlers read `robots.txt` only at a host's root: under a sub-path the file is written but
/// never read.
fn robots_under_a_path(urls: &site::Urls) -> Option<Diagnostic> {
    let prefix = urls.prefix();
    (!prefix.is_empty()).then(|| {
        Diagnostic::warning(format!(
            "robots.txt is written at {prefix}/robots.txt, but crawlers read it only at the root of the host"
        ))
        .hint("add its lines (and the Sitemap: line) to the robots.txt at the host's root; see docs/content.md, \"Publishing under a sub-path\"")
    })
}

/// Hugo and Zola shortcodes left in Markdown bodies, which communique shows as written.
fn shortcode_warnings(content: &Content) -> Vec<Diagnostic> {
    let pages = content.pages.iter().flat_map(|p| shortcodes_in(p));
    pages
        .chain(content.sections.iter().flat_map(|s| shortcodes_in(s)))
        .collect()
}

/// The shortcode warnings of one file (see [`assemble`]'s warnings).
pub fn shortcodes_in<M>(parsed: &content::Parsed<M>) -> Vec<Diagnostic> {
    markdown::shortcodes::find(parsed.body())
        .into_iter()
        .map(|s| Diagnostic {
            severity: diagnostics::Severity::Warning,
            ..parsed.error_in_body(s.offset, s.message()).hint(s.hint())
        })
        .collect()
}

/// Navigation links in the configuration that lead to no page (see [`theme::nav_links`]).
pub(crate) fn nav_links(
    dirs: &SiteDirs,
    renderer: &Renderer,
    rendered_paths: &[String],
    copies: &[OutputFile],
) -> Vec<Diagnostic> {
    let produced = rendered_paths
        .iter()
        .chain(copies.iter().map(|c| &c.path))
        .map(String::as_str)
        .collect();
    theme::nav_links(dirs, &renderer.model().config, &produced)
}

/// Static files and page assets, as copies. A static file that a rendered page would overwrite
/// is left out with a warning; so is every entry of `static/` the link policy skips (see
/// [`content::sources`]). Page assets were checked when their page was discovered. An entry
/// that cannot be read is an error.
pub fn copied_files(
    dirs: &SiteDirs,
    renderer: &Renderer,
    taken: &std::collections::HashSet<&str>,
) -> (Vec<OutputFile>, Diagnostics) {
    let model = renderer.model();
    let folders = content::sources::SourceFolders::of_site(&dirs.root);
    let walked = folders.walk_files(&dirs.static_dir());
    let mut diagnostics = Diagnostics(walked.skipped);
    let mut files = Vec::new();
    for file in walked.files {
        if taken.contains(file.rel.as_str()) {
            diagnostics.push(
                Diagnostic::warning(format!(
                    "static file {} has the same path as a generated page and is not copied",
                    file.rel
                ))
                .at(Location::file(folders.display(&file.abs)))
                .hint("rename or move the static file"),
            );
            continue;
        }
        files.push(OutputFile {
            path: file.rel,
            contents: Contents::Copy(file.abs),
        });
    }
    // Anything at the path in static/, even an entry skipped above, is the site's choice.
    let static_dir = dirs.static_dir();
    let fallback = theme::fallback_static(renderer.templates(), |p| {
        taken.contains(p) || static_dir.join(p).symlink_metadata().is_ok()
    });
    files.extend(fallback);
    // Fingerprinted names and minified stylesheets (see `render::assets`); page assets keep
    // their names.
    let mut files = renderer.assets().publish(files, model.config.minify);
    let content_dir = dirs.content();
    for page in &model.pages {
        if page.source.assets.is_empty() {
            continue;
        }
        let folder = content::translation::page_folder(&page.source.rel);
        let page_dir = content_dir.join(folder.unwrap_or(&page.source.rel));
        let out_dir = site::Urls::output_file(&page.path)
            .trim_end_matches("index.html")
            .to_string();
        for asset in &page.source.assets {
            files.push(OutputFile {
                path: format!("{out_dir}{asset}"),
                contents: Contents::Copy(page_dir.join(asset)),
            });
        }
    }
    (files, diagnostics)
}
