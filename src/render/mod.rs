//! Rendering: the site model and templates → every output file, as data.
//!
//! Each output is a [`Job`]; jobs render in parallel and independently, each recording what it
//! read (see [`deps`]). Writing the files is the `output` stage's business.

pub mod data;
pub mod deps;
pub mod feeds;
pub mod filters;
pub mod functions;
pub mod limit;
pub mod ownership;
pub mod signature;
pub mod templates;
pub mod views;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rayon::prelude::*;
use tera::{Context, Tera, Value};

use crate::diagnostics::Diagnostic;
use crate::site::{SiteModel, Urls};
pub use templates::TemplateSet;
use views::{Fields, Views};

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
    /// Pager page `n` (1-based) of a section.
    SectionPager(usize, usize),
    /// A taxonomy's term list.
    TaxonomyList(usize),
    /// Pager page `n` of a term: (taxonomy, term, n).
    TermPager(usize, usize, usize),
    /// A redirect page for a page's alias: (page, alias index).
    Alias(usize, usize),
    /// `404.html`.
    NotFound,
    /// The Atom feed.
    Feed,
    /// `sitemap.xml`.
    Sitemap,
    /// `robots.txt`.
    Robots,
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
}

fn pager_count(total: usize, per: usize) -> usize {
    if per == 0 {
        1
    } else {
        total.div_ceil(per).max(1)
    }
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
        let lookup = Arc::new(functions::Lookup {
            model: model.clone(),
            views: views.clone(),
            data: templates.root.as_deref().map(data::DataRoot::new),
        });
        let tera = templates.compile(|tera| functions::register_functions(tera, lookup))?;
        let renderer = Renderer {
            limit: model.config.template_time_limit(),
            model,
            views,
            templates,
            tera,
            watch: limit::Watch::new(),
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

    /// The template a job renders with, if any.
    pub fn template_of(&self, job: &Job) -> Option<String> {
        let model = &self.model;
        Some(match job {
            Job::Page(i) => model.pages[*i]
                .meta()
                .template
                .clone()
                .unwrap_or_else(|| "brief.html".into()),
            Job::SectionPager(0, _) => model.sections[0]
                .meta()
                .template
                .clone()
                .unwrap_or_else(|| "index.html".into()),
            Job::SectionPager(s, _) => model.sections[*s]
                .meta()
                .template
                .clone()
                .unwrap_or_else(|| "section.html".into()),
            Job::TaxonomyList(_) => "taxonomy_list.html".into(),
            Job::TermPager(..) => "taxonomy_term.html".into(),
            Job::NotFound => "404.html".into(),
            Job::Alias(..) | Job::Feed | Job::Sitemap | Job::Robots => return None,
        })
    }

    /// Every job of the site.
    pub fn jobs(&self) -> Vec<Job> {
        let model = &self.model;
        let config = &model.config;
        let mut jobs: Vec<Job> = (0..model.pages.len()).map(Job::Page).collect();
        for (s, section) in model.sections.iter().enumerate() {
            let n = pager_count(section.pages.len(), section.paginate_by(config));
            jobs.extend((1..=n).map(|k| Job::SectionPager(s, k)));
        }
        for (t, taxonomy) in model.taxonomies.iter().enumerate() {
            jobs.push(Job::TaxonomyList(t));
            for (k, term) in taxonomy.terms.iter().enumerate() {
                let n = pager_count(term.pages.len(), config.paginate_by);
                jobs.extend((1..=n).map(|p| Job::TermPager(t, k, p)));
            }
        }
        for (p, page) in model.pages.iter().enumerate() {
            jobs.extend((0..page.meta().aliases.len()).map(|a| Job::Alias(p, a)));
        }
        jobs.push(Job::NotFound);
        if config.feed.enabled {
            jobs.push(Job::Feed);
        }
        jobs.push(Job::Sitemap);
        jobs.push(Job::Robots);
        jobs
    }

    /// The site path a job publishes at.
    pub fn site_path(&self, job: &Job) -> String {
        let model = &self.model;
        match job {
            Job::Page(i) => model.pages[*i].path.clone(),
            Job::SectionPager(s, n) => Urls::pager(&model.sections[*s].path, *n),
            Job::TaxonomyList(t) => Urls::taxonomy(&model.taxonomies[*t].name),
            Job::TermPager(t, k, n) => {
                let taxonomy = &model.taxonomies[*t];
                Urls::pager(&Urls::term(&taxonomy.name, &taxonomy.terms[*k].slug), *n)
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
            Job::Feed => format!("/{}", model.config.feed.filename),
            Job::Sitemap => "/sitemap.xml".into(),
            Job::Robots => "/robots.txt".into(),
        }
    }

    /// Renders every job in parallel; collects every error.
    pub fn render_all(&self) -> Result<Vec<Rendered>, Vec<Diagnostic>> {
        self.render_jobs(&self.jobs())
    }

    /// Renders the given jobs in parallel.
    pub fn render_jobs(&self, jobs: &[Job]) -> Result<Vec<Rendered>, Vec<Diagnostic>> {
        let results: Vec<Result<Rendered, Diagnostic>> =
            jobs.par_iter().map(|job| self.render(job)).collect();
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
        Ok(Rendered {
            job: job.clone(),
            file: OutputFile {
                path: Urls::output_file(&site_path),
                contents: Contents::Bytes(bytes?),
            },
            reads,
        })
    }

    fn render_bytes(&self, job: &Job, site_path: &str) -> Result<Vec<u8>, Diagnostic> {
        let model = &self.model;
        let text = match job {
            Job::Feed => feeds::atom(model),
            Job::Sitemap => feeds::sitemap(model, &self.sitemap_entries()),
            Job::Robots => feeds::robots(model),
            Job::Alias(p, _) => redirect_page(&model.urls.permalink(&model.pages[*p].path)),
            _ => {
                let template = self.template_of(job).unwrap_or_default();
                let context = self.context(job, site_path);
                return self.render_template(&template, &context, site_path);
            }
        };
        Ok(text.into_bytes())
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
                Err(e) => Err(self.templates.diagnostic(&e, Some(template))),
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

    fn sitemap_entries(&self) -> Vec<(String, Option<String>)> {
        let model = &self.model;
        let mut entries: Vec<(String, Option<String>)> = Vec::new();
        for job in self.jobs() {
            let lastmod = match &job {
                Job::Page(i) => {
                    let m = model.pages[*i].meta();
                    Some(m.updated.as_ref().unwrap_or(&m.date).rfc3339())
                }
                Job::SectionPager(..) | Job::TaxonomyList(_) | Job::TermPager(..) => None,
                _ => continue,
            };
            entries.push((self.site_path(&job), lastmod));
        }
        entries
    }

    fn base_context(&self, site_path: &str) -> Context {
        let model = &self.model;
        let mut context = Context::new();
        context.insert_value("config", self.views.config.clone());
        context.insert_value("current_path", Value::from(model.urls.href(site_path)));
        context.insert_value("current_url", Value::from(model.urls.permalink(site_path)));
        context.insert_value("lang", Value::from(model.config.language.as_str()));
        let feed = &model.config.feed;
        context.insert_value(
            "feed_url",
            if feed.enabled {
                Value::from(model.urls.permalink(&format!("/{}", feed.filename)))
            } else {
                Value::none()
            },
        );
        context
    }

    fn context(&self, job: &Job, site_path: &str) -> Context {
        let model = &self.model;
        let mut context = self.base_context(site_path);
        match job {
            Job::Page(i) => context.insert_value("page", self.views.full_page(model, *i)),
            Job::SectionPager(s, n) => {
                let section = &model.sections[*s];
                context.insert_value("section", self.views.sections[*s].clone());
                let per = section.paginate_by(&model.config);
                context.insert_value(
                    "paginator",
                    self.paginator(&section.path, &section.pages, per, *n),
                );
            }
            Job::TaxonomyList(t) => {
                context.insert_value("taxonomy", self.views.taxonomies[*t].clone())
            }
            Job::TermPager(t, k, n) => {
                let taxonomy = &model.taxonomies[*t];
                let term = &taxonomy.terms[*k];
                context.insert_value("taxonomy", self.views.taxonomies[*t].clone());
                context.insert_value("term", views::term_view(model, taxonomy, term));
                let path = Urls::term(&taxonomy.name, &term.slug);
                context.insert_value(
                    "paginator",
                    self.paginator(&path, &term.pages, model.config.paginate_by, *n),
                );
            }
            _ => {}
        }
        context
    }

    fn paginator(&self, listing_path: &str, pages: &[usize], per: usize, n: usize) -> Value {
        let urls = &self.model.urls;
        let count = pager_count(pages.len(), per);
        let range = if per == 0 {
            0..pages.len()
        } else {
            ((n - 1) * per).min(pages.len())..(n * per).min(pages.len())
        };
        let href = |k: usize| Value::from(urls.href(&Urls::pager(listing_path, k)));
        let mut f = Fields::new();
        f.insert(
            "pages",
            Value::from(
                pages[range]
                    .iter()
                    .map(|&i| self.views.pages[i].clone())
                    .collect::<Vec<_>>(),
            ),
        );
        f.insert("current_index", Value::from(n));
        f.insert("number_pagers", Value::from(count));
        f.insert("paginate_by", Value::from(per));
        f.insert("total_pages", Value::from(pages.len()));
        f.insert("first", href(1));
        f.insert("last", href(count));
        f.insert("previous", if n > 1 { href(n - 1) } else { Value::none() });
        f.insert(
            "next",
            if n < count {
                href(n + 1)
            } else {
                Value::none()
            },
        );
        Value::from(f)
    }
}

/// A page that sends browsers to `target`.
fn redirect_page(target: &str) -> String {
    let target = crate::diagnostics::escape_html(target);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Moved</title>\n<link rel=\"canonical\" href=\"{target}\">\n<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n</head>\n<body>\n<p>This page has moved to <a href=\"{target}\">{target}</a>.</p>\n</body>\n</html>\n"
    )
}
