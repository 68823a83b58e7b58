//! The variables each job's template sees: the page, the listing and its pager, a feed's
//! entries, the sitemap's addresses (see docs/templates.md).

use tera::{Context, Value};

use super::views::{self, Fields};
use super::{Job, Renderer, cite};
use crate::site::{Listing, ListingKind, SiteModel};

impl Renderer {
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
                Job::Pager(..) | Job::TaxonomyList(_) | Job::AuthorList(_) => Value::none(),
                _ => continue,
            };
            let mut f = Fields::new();
            f.insert(
                "permalink",
                Value::from(model.urls.permalink(&self.site_path(&job))),
            );
            f.insert("lastmod", lastmod);
            f.insert("alternates", self.sitemap_alternates(&job));
            entries.push(Value::from(f));
        }
        Value::from(entries)
    }

    /// What every template sees: `config` (in the job's language), `current_path`,
    /// `current_url`, `lang` and `dir` (the job's language and its direction), `words` (its
    /// interface words), `feed_url` (the language's feed) and `translations` (see
    /// [`Renderer::translations_view`]).
    fn base_context(&self, job: &Job, site_path: &str) -> Context {
        let model = &self.model;
        let lang = self.job_language(job);
        let language = model.config.languages.get(lang);
        let mut context = Context::new();
        let config = self.views.configs.get(lang).unwrap_or(&self.views.config);
        context.insert_value("config", config.clone());
        context.insert_value("current_path", Value::from(model.urls.href(site_path)));
        context.insert_value("current_url", Value::from(model.urls.permalink(site_path)));
        let code = language.map_or(model.config.language.as_str(), |l| l.code.as_str());
        context.insert_value("lang", Value::from(code));
        let direction = language.map_or(crate::config::Direction::of(code), |l| l.direction);
        context.insert_value("dir", Value::from(direction.as_str()));
        // The language's interface words, one map built with the catalogs (see `super::i18n`).
        context.insert_value("words", self.words(code));
        let prefix = language.map_or("", |l| l.prefix.as_str());
        let feed = &model.config.feed;
        context.insert_value(
            "feed_url",
            if feed.enabled {
                Value::from(model.urls.permalink(&format!("{prefix}/{}", feed.filename)))
            } else {
                Value::none()
            },
        );
        context.insert_value("translations", self.translations_view(job));
        context.insert_value(
            "home_path",
            Value::from(model.urls.href(&format!("{prefix}/"))),
        );
        // Each language searches its own index (see `crate::search`).
        context.insert_value(
            "search_url",
            if model.config.search {
                Value::from(
                    model
                        .urls
                        .href(&format!("{prefix}{}", crate::search::PAGE_PATH)),
                )
            } else {
                Value::none()
            },
        );
        context
    }

    pub(super) fn context(&self, job: &Job, site_path: &str) -> Context {
        let model = &self.model;
        let mut context = self.base_context(job, site_path);
        match job {
            Job::Page(i) | Job::Pdf(i) => {
                context.insert_value("page", self.views.full_page(model, *i));
                context.insert_value("pdf", self.pdf_link(*i));
            }
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
            Job::AuthorList(lang) => self.insert_author_list(&mut context, *lang),
            Job::Alias(p, _) => context.insert_value(
                "target",
                Value::from(model.urls.permalink(&model.pages[*p].path)),
            ),
            Job::Sitemap => context.insert_value("entries", self.sitemap_entries()),
            Job::Robots => context.insert_value(
                "sitemap_url",
                Value::from(model.urls.permalink("/sitemap.xml")),
            ),
            Job::Cite(p, format) => {
                context.insert_value("page", self.views.pages[*p].clone());
                context.insert_value("cite", cite::file_view(model, *p, *format));
            }
            Job::NotFound | Job::Search(_) => {}
            Job::Host(file) => self.insert_host_file(&mut context, *file),
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
                let author = views::author_view(
                    model,
                    &model.authors[a],
                    listing.lang,
                    &listing.pages,
                    &self.views.pages,
                );
                context.insert_value("author", author);
                "author"
            }
            ListingKind::Timeline => {
                context.insert_value("timeline", self.timeline_view(listing));
                "timeline"
            }
        };
        f.insert("kind", Value::from(kind));
        f.insert(
            "home",
            Value::from(matches!(listing.kind, ListingKind::Section(s) if model.sections[s].parent.is_none())),
        );
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
        let filter = timeline_taxonomy(model, listing.lang);
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

    /// What `authors.html` sees: `authors` (each with their briefs in language `lang`, named
    /// in it; in a language other than the default, only those with briefs in it), and the
    /// title and text of `content/authors/_index.md` as `section`-like `index` (none without
    /// the file, and in other languages, which take the catalog's words).
    fn insert_author_list(&self, context: &mut Context, lang: usize) {
        let model = &self.model;
        let authors: Vec<Value> = model
            .authors
            .iter()
            .filter_map(|a| {
                let listed: Vec<usize> = if model.config.is_multilingual() {
                    let pages = a.pages.iter().copied();
                    pages.filter(|&p| model.pages[p].lang == lang).collect()
                } else {
                    a.pages.clone()
                };
                if lang != 0 && listed.is_empty() {
                    return None;
                }
                Some(views::author_view(
                    model,
                    a,
                    lang,
                    &listed,
                    &self.views.pages,
                ))
            })
            .collect();
        context.insert_value("authors", Value::from(authors));
        let index = model.authors_index.as_ref().filter(|_| lang == 0);
        let index = index.map_or(Value::none(), |index| {
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

/// The taxonomy the timeline of language `lang` filters by: `topics` when the site has it,
/// else its first one (configured taxonomies come first in each language's, see
/// `site::taxonomy::build_all`).
fn timeline_taxonomy(model: &SiteModel, lang: usize) -> Option<usize> {
    let start = model.taxonomies.iter().position(|t| t.lang == lang)?;
    let configured = model
        .config
        .taxonomies
        .len()
        .min(model.taxonomies.len() - start);
    let taxonomies = &model.taxonomies[start..start + configured];
    taxonomies
        .iter()
        .position(|t| t.name == "topics")
        .or((!taxonomies.is_empty()).then_some(0))
        .map(|t| start + t)
}
