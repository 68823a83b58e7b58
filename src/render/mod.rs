//! Rendering: the site model and templates → every output file, as data.
//!
//! Each output is a [`Job`]; jobs render in parallel and independently, each recording what it
//! read (see [`deps`]). Writing the files is the `output` stage's business.

pub mod cite;
pub mod data;
pub mod deps;
pub mod filters;
pub mod functions;
pub mod json_ld;
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
use crate::site::{Listing, ListingKind, SiteModel, Urls};
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
    /// Pager page `n` (1-based) of a listing: (listing, n).
    Pager(usize, usize),
    /// The Atom feed of a listing.
    Feed(usize),
    /// A taxonomy's term list.
    TaxonomyList(usize),
    /// The list of all authors (`/authors/`).
    AuthorList,
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
        let templates = templates.keeping(&needed_templates(&model));
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
            Job::AuthorList => "authors.html".into(),
            Job::Alias(..) => "alias.html".into(),
            Job::NotFound => "404.html".into(),
            Job::Sitemap => "sitemap.xml".into(),
            Job::Robots => "robots.txt".into(),
            Job::Cite(_, format) => format.file_name().into(),
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
        if !model.authors.is_empty() {
            jobs.push(Job::AuthorList);
        }
        for (p, page) in model.pages.iter().enumerate() {
            jobs.extend((0..page.meta().aliases.len()).map(|a| Job::Alias(p, a)));
        }
        for p in 0..model.pages.len() {
            jobs.extend(cite::CiteFormat::ALL.map(|format| Job::Cite(p, format)));
        }
        jobs.push(Job::NotFound);
        jobs.push(Job::Sitemap);
        jobs.push(Job::Robots);
        jobs
    }

    /// The site path a job publishes at.
    pub fn site_path(&self, job: &Job) -> String {
        let model = &self.model;
        match job {
            Job::Page(i) => model.pages[*i].path.clone(),
            Job::Pager(l, n) => model.listings[*l].pager_path(*n),
            Job::Feed(l) => model.listings[*l].feed.clone().unwrap_or_default(),
            Job::TaxonomyList(t) => Urls::taxonomy(&model.taxonomies[*t].name),
            Job::AuthorList => Urls::authors(),
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

    /// Every address of the site with the date its content last changed, when it has one.
    fn sitemap_entries(&self) -> Value {
        let model = &self.model;
        let mut entries = Vec::new();
        for job in self.jobs() {
            let lastmod = match &job {
                Job::Page(i) => {
                    let m = model.pages[*i].meta();
                    Value::from(m.updated.as_ref().unwrap_or(&m.date).rfc3339())
                }
                Job::Pager(..) | Job::TaxonomyList(_) | Job::AuthorList => Value::none(),
                _ => continue,
            };
            let mut f = Fields::new();
            f.insert(
                "permalink",
                Value::from(model.urls.permalink(&self.site_path(&job))),
            );
            f.insert("lastmod", lastmod);
            entries.push(Value::from(f));
        }
        Value::from(entries)
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
            Job::Pager(l, n) => {
                let listing = &model.listings[*l];
                self.insert_listing(&mut context, listing);
                context.insert_value("paginator", self.paginator(listing, *n));
            }
            Job::Feed(l) => {
                let listing = &model.listings[*l];
                self.insert_listing(&mut context, listing);
                context.insert_value("feed", self.feed_view(listing));
            }
            Job::TaxonomyList(t) => {
                context.insert_value("taxonomy", self.views.taxonomies[*t].clone())
            }
            Job::AuthorList => self.insert_author_list(&mut context),
            Job::Alias(p, _) => context.insert_value(
                "target",
                Value::from(model.urls.permalink(&model.pages[*p].path)),
            ),
            Job::Sitemap => context.insert_value("entries", self.sitemap_entries()),
            Job::Robots => context.insert_value(
                "sitemap_url",
                Value::from(model.urls.permalink("/sitemap.xml")),
            ),
            Job::Cite(p, _) => {
                context.insert_value("page", self.views.pages[*p].clone());
                context.insert_value("cite", cite::file_view(model, *p));
            }
            Job::NotFound => {}
        }
        context
    }

    /// What a listing's templates see besides the pager: `listing`, plus the variables of its
    /// kind (`section`; `taxonomy` and `term`; `author`).
    fn insert_listing(&self, context: &mut Context, listing: &Listing) {
        let model = &self.model;
        let urls = &model.urls;
        let mut f = Fields::new();
        let kind = match listing.kind {
            ListingKind::Section(s) => {
                context.insert_value("section", self.views.sections[s].clone());
                "section"
            }
            ListingKind::Term(t, k) => {
                let taxonomy = &model.taxonomies[t];
                context.insert_value("taxonomy", self.views.taxonomies[t].clone());
                context.insert_value(
                    "term",
                    views::term_view(model, taxonomy, &taxonomy.terms[k]),
                );
                "term"
            }
            ListingKind::Author(a) => {
                let author = views::author_view(model, &model.authors[a], &self.views.pages);
                context.insert_value("author", author);
                "author"
            }
            ListingKind::Timeline => {
                context.insert_value("timeline", self.timeline_view(listing));
                "timeline"
            }
        };
        f.insert("kind", Value::from(kind));
        f.insert("home", Value::from(listing.kind == ListingKind::Section(0)));
        f.insert("title", Value::from(listing.title(model)));
        f.insert("path", Value::from(urls.href(&listing.path)));
        f.insert("permalink", Value::from(urls.permalink(&listing.path)));
        f.insert(
            "feed_url",
            listing
                .feed
                .as_ref()
                .map_or(Value::none(), |p| Value::from(urls.permalink(p))),
        );
        context.insert_value("listing", Value::from(f));
    }

    /// What `timeline.html` sees as `timeline`: `events`, every event of the listed briefs in
    /// date order, each `{ date, date_display, title, description, link, briefs, terms }` (`briefs`
    /// the light views of the briefs telling it, `terms` the slugs they file under in `taxonomy`), and
    /// `filters`, the terms of `taxonomy` that any event files under, to filter by.
    fn timeline_view(&self, listing: &Listing) -> Value {
        let model = &self.model;
        let filter = timeline_taxonomy(model);
        let mut events = Vec::new();
        for &p in &listing.pages {
            events.extend(
                views::event_views(&model.pages[p])
                    .into_iter()
                    .map(|(d, v)| (d, p, v)),
            );
        }
        // Date order; on one date, older briefs' events first.
        events.sort_by(|(a, p, _), (b, q, _)| {
            let (pa, pb) = (&model.pages[*p], &model.pages[*q]);
            a.cmp(b)
                .then_with(|| pa.meta().date.cmp(&pb.meta().date))
                .then(p.cmp(q))
        });
        // One event told by several briefs (same date and title) is one entry naming them all.
        let mut merged: Vec<(crate::content::EventDate, Vec<usize>, Value)> = Vec::new();
        for (date, p, event) in events {
            let title = |v: &Value| v.get_from_path("title").map(|t| t.to_string());
            match merged.last_mut() {
                Some((d, briefs, first)) if *d == date && title(first) == title(&event) => {
                    briefs.push(p)
                }
                _ => merged.push((date, vec![p], event)),
            }
        }
        let mut used_terms = std::collections::BTreeSet::new();
        let entries: Vec<Value> = merged
            .into_iter()
            .filter_map(|(_, briefs, event)| {
                let mut fields = event.into_map()?;
                let mut terms: Vec<String> = Vec::new();
                for &p in &briefs {
                    let filed = filter.and_then(|t| {
                        model.pages[p]
                            .meta()
                            .taxonomies
                            .get(&model.taxonomies[t].name)
                    });
                    for slug in filed.into_iter().flatten().map(|t| crate::site::slugify(t)) {
                        if !terms.contains(&slug) {
                            terms.push(slug);
                        }
                    }
                }
                used_terms.extend(terms.iter().cloned());
                fields.insert("terms".into(), Value::from(terms));
                let views: Vec<Value> = briefs
                    .iter()
                    .map(|&p| self.views.pages[p].clone())
                    .collect();
                fields.insert("briefs".into(), Value::from(views));
                Some(Value::from(fields))
            })
            .collect();
        let filters: Vec<Value> = filter
            .map(|t| &model.taxonomies[t])
            .into_iter()
            .flat_map(|taxonomy| {
                taxonomy
                    .terms
                    .iter()
                    .filter(|term| used_terms.contains(&term.slug))
                    .map(move |term| views::term_view(model, taxonomy, term))
            })
            .collect();
        let mut f = Fields::new();
        f.insert("events", Value::from(entries));
        f.insert("filters", Value::from(filters));
        f.insert(
            "taxonomy",
            filter.map_or(Value::none(), |t| {
                Value::from(model.taxonomies[t].name.as_str())
            }),
        );
        Value::from(f)
    }

    /// What `authors.html` sees: `authors` (each with their briefs), and the title and text of
    /// `content/authors/_index.md` as `section`-like `index` (none without the file).
    fn insert_author_list(&self, context: &mut Context) {
        let model = &self.model;
        let authors: Vec<Value> = model
            .authors
            .iter()
            .map(|a| views::author_view(model, a, &self.views.pages))
            .collect();
        context.insert_value("authors", Value::from(authors));
        let index = model.authors_index.as_ref().map_or(Value::none(), |index| {
            let mut f = Fields::new();
            f.insert("title", opt_value(index.source.meta.title.as_deref()));
            f.insert(
                "description",
                opt_value(index.source.meta.description.as_deref()),
            );
            f.insert("content", Value::safe_string(&index.rendered.html));
            Value::from(f)
        });
        context.insert_value("index", index);
    }

    /// The `feed` variable of `atom.xml`: the listing's newest pages in full.
    fn feed_view(&self, listing: &Listing) -> Value {
        let model = &self.model;
        let newest = listing.feed_pages(model);
        let updated = newest
            .iter()
            .map(|&i| {
                let m = model.pages[i].meta();
                m.updated.as_ref().unwrap_or(&m.date).clone()
            })
            .max()
            .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| d.rfc3339());
        let mut f = Fields::new();
        f.insert(
            "permalink",
            Value::from(model.urls.permalink(listing.feed.as_deref().unwrap_or("/"))),
        );
        f.insert("updated", Value::from(updated));
        f.insert(
            "pages",
            Value::from(
                newest
                    .iter()
                    .map(|&i| self.views.feed_entry(model, i))
                    .collect::<Vec<_>>(),
            ),
        );
        Value::from(f)
    }

    fn paginator(&self, listing: &Listing, n: usize) -> Value {
        let urls = &self.model.urls;
        let count = listing.pager_count();
        let href = |k: usize| Value::from(urls.href(&listing.pager_path(k)));
        let mut f = Fields::new();
        f.insert(
            "pages",
            Value::from(
                listing
                    .pager_pages(n)
                    .iter()
                    .map(|&i| self.views.pages[i].clone())
                    .collect::<Vec<_>>(),
            ),
        );
        f.insert("current_index", Value::from(n));
        f.insert("number_pagers", Value::from(count));
        f.insert("paginate_by", Value::from(listing.paginate_by));
        f.insert("total_pages", Value::from(listing.pages.len()));
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

fn opt_value(s: Option<&str>) -> Value {
    s.map_or(Value::none(), Value::from)
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
    for page in &model.pages {
        if let Some(t) = &page.meta().template {
            needed.insert(t.clone());
        }
    }
    for listing in &model.listings {
        needed.insert(listing.template.clone());
    }
    needed.into_iter().collect()
}

/// The taxonomy the timeline filters by: `topics` when the site has it, else its first one.
fn timeline_taxonomy(model: &SiteModel) -> Option<usize> {
    let configured = model.config.taxonomies.len().min(model.taxonomies.len());
    let taxonomies = &model.taxonomies[..configured];
    taxonomies
        .iter()
        .position(|t| t.name == "topics")
        .or((!taxonomies.is_empty()).then_some(0))
}
