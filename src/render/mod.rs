//! Rendering: the site model and templates → every output file, as data.
//!
//! Each output is a [`Job`]; jobs render in parallel and independently, each recording what it
//! read (see [`deps`]). Writing the files is the `output` stage's business.

pub mod assets;
pub mod cite;
pub mod context;
pub mod data;
pub mod deps;
pub mod filters;
pub mod functions;
mod host_files;
pub mod i18n;
pub mod json_ld;
pub mod languages;
pub mod limit;
pub mod minify;
pub mod ownership;
pub mod pdf;
pub mod signature;
pub mod templates;
pub mod views;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rayon::prelude::*;
use tera::{Context, Tera};

use crate::diagnostics::Diagnostic;
use crate::site::{SiteModel, Urls};
pub use templates::TemplateSet;
use views::Views;

/// What an output file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contents {
    /// Rendered bytes.
    Bytes(Vec<u8>),
    /// A copy of a source file (static files, page assets).
    Copy(PathBuf),
}

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output folder, with `/` separators.
    pub path: String,
    /// What to write there.
    pub contents: Contents,
}

/// One unit of rendering work: produces one output file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Job {
    /// A page.
    Page(usize),
    /// Pager page `n` (1-based) of a listing: (listing, n).
    Pager(usize, usize),
    /// The Atom feed of a listing.
    Feed(usize),
    /// A taxonomy's term list.
    TaxonomyList(usize),
    /// The list of all authors of a language (`/authors/`, `/ar/authors/`).
    AuthorList(usize),
    /// A redirect page for a page's alias: (page, alias index).
    Alias(usize, usize),
    /// `404.html`.
    NotFound,
    /// `sitemap.xml`.
    Sitemap,
    /// `robots.txt`.
    Robots,
    /// A page's citation file (`cite.bib`, `cite.ris`): (page, format).
    Cite(usize, cite::CiteFormat),
    /// The search page of a language (`/search/`, `/ar/search/`), unless the site turned
    /// search off.
    Search(usize),
    /// A host's configuration file (`_redirects`, `_headers`), when `[output]` asks for it.
    Host(HostFile),
    /// A page's PDF (see [`pdf`]).
    Pdf(usize),
}

/// The files that configure Netlify and Cloudflare Pages (both read the same formats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostFile {
    /// `_redirects`: a 301 from each page alias to its page.
    Redirects,
    /// `_headers`: how long browsers and CDNs may cache what.
    Headers,
}

impl HostFile {
    /// The file's name.
    pub fn name(self) -> &'static str {
        match self {
            HostFile::Redirects => "_redirects",
            HostFile::Headers => "_headers",
        }
    }

    /// Its template's name (a name starting with `_` would be skipped in `templates/`).
    pub fn template(self) -> &'static str {
        match self {
            HostFile::Redirects => "redirects.txt",
            HostFile::Headers => "headers.txt",
        }
    }

    /// The host files a configuration asks for.
    pub fn wanted(config: &crate::Config) -> Vec<HostFile> {
        let output = &config.output;
        let mut files = Vec::new();
        if output.redirects_file {
            files.push(HostFile::Redirects);
        }
        if output.headers_file {
            files.push(HostFile::Headers);
        }
        files
    }
}

/// A rendered job.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The job.
    pub job: Job,
    /// Its output.
    pub file: OutputFile,
    /// What its template read through functions.
    pub reads: Vec<deps::Read>,
}

/// A renderer for one site model: compiled templates plus shared views.
pub struct Renderer {
    model: Arc<SiteModel>,
    views: Arc<Views>,
    templates: TemplateSet,
    tera: Tera,
    /// The time limit per page, from the configuration.
    limit: Duration,
    /// The renders in progress, for a supervisor to watch and stop (see [`limit`]).
    watch: Arc<limit::Watch>,
    /// Hashes of static files, for `get_url` and fingerprinted names (see [`assets`]).
    assets: Arc<assets::Assets>,
    /// PDFs: typeset or kept as source, and their sizes.
    pdfs: pdf::Pdfs,
}

impl Renderer {
    /// Builds the views and compiles the templates.
    pub fn new(model: Arc<SiteModel>, templates: TemplateSet) -> Result<Renderer, Vec<Diagnostic>> {
        let views = Views::build(&model);
        Renderer::with_views(model, templates, views)
    }

    /// Compiles the templates for views already built (see [`Views::build_cached`]).
    pub fn with_views(
        model: Arc<SiteModel>,
        templates: TemplateSet,
        views: Views,
    ) -> Result<Renderer, Vec<Diagnostic>> {
        let views = Arc::new(views);
        let assets = Arc::new(assets::Assets::new(
            templates.root.as_deref(),
            templates.uses_builtin("base.html"),
            model.config.assets.fingerprint,
        ));
        let lookup = Arc::new(functions::Lookup {
            model: model.clone(),
            views: views.clone(),
            data: templates.root.as_deref().map(data::DataRoot::new),
            assets: assets.clone(),
        });
        let pdfs = pdf::Pdfs::new(templates.root.as_deref(), model.config.pdf_time_limit());
        let templates = templates.keeping(&needed_templates(&model));
        let tera = templates.compile(|tera| functions::register_functions(tera, lookup))?;
        let renderer = Renderer {
            limit: model.config.template_time_limit(),
            model,
            views,
            templates,
            tera,
            watch: limit::Watch::new(),
            assets,
            pdfs,
        };
        renderer.check_templates_exist()?;
        Ok(renderer)
    }

    /// Reports this renderer's renders to `watch`, and stops when it says so.
    pub fn watched_by(mut self, watch: Arc<limit::Watch>) -> Renderer {
        self.watch = watch;
        self
    }

    /// The renders in progress.
    pub fn watch(&self) -> &Arc<limit::Watch> {
        &self.watch
    }

    /// The model being rendered.
    pub fn model(&self) -> &Arc<SiteModel> {
        &self.model
    }

    /// The templates in use.
    pub fn templates(&self) -> &TemplateSet {
        &self.templates
    }

    /// The hashes of the static files (see [`assets`]).
    pub fn assets(&self) -> &Arc<assets::Assets> {
        &self.assets
    }

    fn check_templates_exist(&self) -> Result<(), Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let known = |name: &str| self.templates.templates.contains_key(name);
        for page in &self.model.pages {
            if let Some(t) = &page.meta().template
                && !known(t)
            {
                errors.push(
                    page.source
                        .error_at_field("template", format!("template \"{t}\" does not exist"))
                        .hint(format!(
                            "create templates/{t}, or remove the `template` field to use brief.html"
                        )),
                );
            }
        }
        for section in &self.model.sections {
            if let Some(t) = &section.meta().template
                && !known(t)
            {
                errors.push(
                    section
                        .source
                        .error_at_field("template", format!("template \"{t}\" does not exist"))
                        .hint(format!(
                            "create templates/{t}, or remove the `template` field"
                        )),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The template a job renders with. Every output has one: feeds, the sitemap, robots.txt
    /// and redirects use built-in templates a site can override like any other.
    pub fn template_of(&self, job: &Job) -> String {
        let model = &self.model;
        match job {
            Job::Page(i) => model.pages[*i]
                .meta()
                .template
                .clone()
                .unwrap_or_else(|| "brief.html".into()),
            Job::Pager(l, _) => model.listings[*l].template.clone(),
            Job::Feed(_) => "atom.xml".into(),
            Job::TaxonomyList(_) => "taxonomy_list.html".into(),
            Job::AuthorList(_) => "authors.html".into(),
            Job::Alias(..) => "alias.html".into(),
            Job::NotFound => "404.html".into(),
            Job::Sitemap => "sitemap.xml".into(),
            Job::Robots => "robots.txt".into(),
            Job::Cite(_, format) => format.file_name().into(),
            Job::Search(_) => "search.html".into(),
            Job::Host(file) => file.template().into(),
            Job::Pdf(_) => pdf::TEMPLATE.into(),
        }
    }

    /// Every job of the site.
    pub fn jobs(&self) -> Vec<Job> {
        let model = &self.model;
        let mut jobs: Vec<Job> = (0..model.pages.len()).map(Job::Page).collect();
        for (l, listing) in model.listings.iter().enumerate() {
            jobs.extend((1..=listing.pager_count()).map(|n| Job::Pager(l, n)));
            if listing.feed.is_some() {
                jobs.push(Job::Feed(l));
            }
        }
        jobs.extend((0..model.taxonomies.len()).map(Job::TaxonomyList));
        jobs.extend(
            self.author_list_languages()
                .into_iter()
                .map(Job::AuthorList),
        );
        for (p, page) in model.pages.iter().enumerate() {
            jobs.extend((0..page.meta().aliases.len()).map(|a| Job::Alias(p, a)));
        }
        for p in 0..model.pages.len() {
            jobs.extend(cite::CiteFormat::ALL.map(|format| Job::Cite(p, format)));
        }
        jobs.extend(
            (0..model.pages.len())
                .filter(|&p| self.wants_pdf(p))
                .map(Job::Pdf),
        );
        jobs.push(Job::NotFound);
        jobs.push(Job::Sitemap);
        jobs.push(Job::Robots);
        if model.config.search {
            let languages = model.config.languages.len().max(1);
            jobs.extend((0..languages).map(Job::Search));
        }
        jobs.extend(HostFile::wanted(&model.config).into_iter().map(Job::Host));
        jobs
    }

    /// The site path a job publishes at.
    pub fn site_path(&self, job: &Job) -> String {
        let model = &self.model;
        match job {
            Job::Page(i) => model.pages[*i].path.clone(),
            Job::Pager(l, n) => model.listings[*l].pager_path(*n),
            Job::Feed(l) => model.listings[*l].feed.clone().unwrap_or_default(),
            Job::TaxonomyList(t) => model.taxonomies[*t].path.clone(),
            Job::AuthorList(lang) => {
                format!(
                    "{}{}",
                    views::language_prefix(model, *lang),
                    Urls::authors()
                )
            }
            Job::Alias(p, a) => {
                let alias = model.pages[*p].meta().aliases[*a].trim_matches('/');
                if alias.ends_with(".html") {
                    format!("/{alias}")
                } else {
                    format!("/{alias}/")
                }
            }
            Job::NotFound => "/404.html".into(),
            Job::Sitemap => "/sitemap.xml".into(),
            Job::Robots => "/robots.txt".into(),
            Job::Cite(p, format) => cite::site_path(&model.pages[*p].path, *format),
            Job::Search(lang) => format!(
                "{}{}",
                views::language_prefix(model, *lang),
                crate::search::PAGE_PATH
            ),
            Job::Host(file) => format!("/{}", file.name()),
            Job::Pdf(p) => self.pdf_path(*p),
        }
    }

    /// Renders every job in parallel; collects every error.
    pub fn render_all(&self) -> Result<Vec<Rendered>, Vec<Diagnostic>> {
        self.render_jobs(&self.jobs())
    }

    /// Renders the given jobs in parallel, PDFs first (a brief's page shows its PDF's size).
    pub fn render_jobs(&self, jobs: &[Job]) -> Result<Vec<Rendered>, Vec<Diagnostic>> {
        let (pdfs, others): (Vec<&Job>, Vec<&Job>) =
            jobs.iter().partition(|job| matches!(job, Job::Pdf(_)));
        let mut results: Vec<Result<Rendered, Diagnostic>> =
            pdfs.par_iter().map(|job| self.render(job)).collect();
        results.par_extend(others.par_iter().map(|job| self.render(job)));
        let mut out = Vec::with_capacity(results.len());
        let mut errors = Vec::new();
        for result in results {
            match result {
                Ok(r) => out.push(r),
                Err(e) => {
                    // One broken template fails every page using it: report each place once.
                    if !errors.contains(&e) {
                        errors.push(e);
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// Renders one job; fails at once when the build was told to stop.
    pub fn render(&self, job: &Job) -> Result<Rendered, Diagnostic> {
        if let Some(why) = self.watch.stopped() {
            return Err(limit::stopped(why));
        }
        let site_path = self.site_path(job);
        let (bytes, reads) = deps::recording(|| self.render_bytes(job, &site_path));
        let path = Urls::output_file(&site_path);
        let mut bytes = bytes?;
        if self.model.config.minify && path.ends_with(".html") {
            bytes = minify::html(bytes);
        }
        Ok(Rendered {
            job: job.clone(),
            file: OutputFile {
                path,
                contents: Contents::Bytes(bytes),
            },
            reads,
        })
    }

    fn render_bytes(&self, job: &Job, site_path: &str) -> Result<Vec<u8>, Diagnostic> {
        if let Job::Pdf(i) = job {
            return self.render_pdf(*i, site_path);
        }
        // The built-in `cite.bib` and `cite.ris` print the entry and nothing else: a site has
        // two per brief, and a template context for each cost more than the entries. A site's
        // own template (even one extending the built-in) gets the full context.
        if let Job::Cite(p, format) = job
            && !self.templates.is_own(format.file_name())
        {
            return Ok(cite::file_text(&self.model, *p, *format).into_bytes());
        }
        let template = self.template_of(job);
        let context = self.context(job, site_path);
        self.render_template(&template, &context, site_path)
    }

    /// Renders a page's template within the time and size limits (see [`limit`]).
    fn render_template(
        &self,
        template: &str,
        context: &Context,
        site_path: &str,
    ) -> Result<Vec<u8>, Diagnostic> {
        let file = self.template_file(template);
        let guard = limit::Guard::start(&self.watch, self.limit, template, file.clone(), site_path);
        let mut sink = limit::Sink::new();
        let result = self.tera.render_to(template, context, &mut sink);
        let outcome = guard.outcome();
        drop(guard);
        match outcome {
            limit::Outcome::TimedOut(_) => {
                // Rendering the other pages would only repeat the wait, page after page.
                self.watch.stop(limit::Stop::TimedOut);
                let place = result
                    .err()
                    .map(|e| self.templates.diagnostic(&e, Some(template)));
                Err(limit::timed_out(template, site_path, self.limit, place))
            }
            limit::Outcome::Stopped(why) => Err(limit::stopped(why)),
            limit::Outcome::InTime if sink.too_large => {
                Err(limit::too_large(template, site_path, file))
            }
            limit::Outcome::InTime => match result {
                Ok(()) => Ok(sink.bytes),
                Err(e) => Err(self.template_error(&e, template, context)),
            },
        }
    }

    /// A template's file as messages show it.
    fn template_file(&self, template: &str) -> PathBuf {
        self.templates.templates.get(template).map_or_else(
            || PathBuf::from(format!("templates/{template}")),
            |t| t.display_path.clone(),
        )
    }
}

/// The templates a model's outputs render with (see [`Renderer::template_of`]): the page and
/// listing templates it names and the fixed ones.
fn needed_templates(model: &SiteModel) -> Vec<String> {
    let mut needed: std::collections::BTreeSet<String> = [
        "brief.html",
        "atom.xml",
        "sitemap.xml",
        "robots.txt",
        "alias.html",
        "404.html",
        "taxonomy_list.html",
        "cite.bib",
        "cite.ris",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    if !model.authors.is_empty() {
        needed.insert("authors.html".into());
    }
    if model.config.search {
        needed.insert("search.html".into());
    }
    needed.extend(
        HostFile::wanted(&model.config)
            .iter()
            .map(|f| f.template().to_string()),
    );
    for page in &model.pages {
        if let Some(t) = &page.meta().template {
            needed.insert(t.clone());
        }
    }
    for listing in &model.listings {
        needed.insert(listing.template.clone());
    }
    if model
        .pages
        .iter()
        .any(|p| crate::pdf::wanted(&model.config, p.meta()))
    {
        needed.insert(pdf::TEMPLATE.into());
    }
    needed.into_iter().collect()
}
