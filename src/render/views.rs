//! Template views: the values templates see, built once per build and shared by reference.
//!
//! Tera 2 values are reference-counted, so a page's light view is built once and every
//! listing, pager page and term page that shows the page holds a pointer to it, not a copy.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use rayon::prelude::*;
use tera::Value;

use crate::markdown::TocEntry;
use crate::site::{Page, Section, SiteAuthor, SiteModel, Taxonomy, Term, Urls, slugify};

/// A view under construction.
pub type Fields = BTreeMap<&'static str, Value>;

/// Light page views of a previous build, by content path, with the fingerprint they were built
/// from.
#[derive(Default)]
pub struct ViewCache(Vec<(String, u64, Value)>);

/// Views shared by every template render of one build.
pub struct Views {
    /// The `config` variable of the default language.
    pub config: Value,
    /// The `config` variable of each language, by index into `Config::languages` (the
    /// default's is `config`): its title, description, `language`, `extra.nav` and `strings`.
    pub configs: Vec<Value>,
    /// Light view of each page (no content, toc or related).
    pub pages: Vec<Value>,
    /// View of each section, with its listed pages.
    pub sections: Vec<Value>,
    /// View of each taxonomy, with its terms.
    pub taxonomies: Vec<Value>,
    /// Each page as a feed entry (see [`Views::feed_entry`]), made the first time a feed lists
    /// it: a brief is in up to a dozen feeds (the site's, its topics', its authors'), and
    /// escaping its content for XML is most of an entry's cost.
    feed_entries: Vec<OnceLock<Value>>,
}

fn opt_str(s: &Option<String>) -> Value {
    s.as_deref().map_or(Value::none(), Value::from)
}

fn safe_list(items: &[String]) -> Value {
    Value::from(
        items
            .iter()
            .map(|s| Value::safe_string(s))
            .collect::<Vec<_>>(),
    )
}

/// JSON data (front matter `extra`) as a template value.
pub fn json_value(value: &serde_json::Value) -> Value {
    Value::from_serializable(value)
}

impl Views {
    /// Builds every shared view of a model.
    pub fn build(model: &SiteModel) -> Views {
        let terms = TermLinks::new(model);
        let pages: Vec<Value> = model
            .pages
            .par_iter()
            .map(|p| Value::from(light_fields(model, &terms, p)))
            .collect();
        Views::from_pages(model, pages)
    }

    /// Builds the views, taking each page's light view from `cache` when its fingerprint
    /// (`light[i]`, see [`super::signature::light_fingerprints`]) is unchanged. Returns the
    /// cache for the next build.
    pub fn build_cached(model: &SiteModel, light: &[u64], cache: &ViewCache) -> (Views, ViewCache) {
        // Pages keep their order between builds unless one is added or removed, so the cache
        // is checked by position first and searched by path only when that misses.
        let by_path: std::collections::HashMap<&str, &(String, u64, Value)> =
            if cache.0.len() == model.pages.len() {
                std::collections::HashMap::new()
            } else {
                cache.0.iter().map(|e| (e.0.as_str(), e)).collect()
            };
        let terms = TermLinks::new(model);
        let pages: Vec<Value> = model
            .pages
            .par_iter()
            .zip(light)
            .enumerate()
            .map(|(i, (p, fp))| {
                let cached = match cache.0.get(i) {
                    Some(entry) if entry.0 == p.source.rel => Some(entry),
                    _ => by_path.get(p.source.rel.as_str()).copied(),
                };
                match cached {
                    Some((_, cached_fp, value)) if cached_fp == fp => value.clone(),
                    _ => Value::from(light_fields(model, &terms, p)),
                }
            })
            .collect();
        let next = ViewCache(
            model
                .pages
                .iter()
                .zip(light)
                .zip(&pages)
                .map(|((p, fp), v)| (p.source.rel.clone(), *fp, v.clone()))
                .collect(),
        );
        (Views::from_pages(model, pages), next)
    }

    fn from_pages(model: &SiteModel, pages: Vec<Value>) -> Views {
        let config = config_view(model, 0);
        let configs = (0..model.config.languages.len().max(1))
            .map(|lang| {
                if lang == 0 {
                    config.clone()
                } else {
                    config_view(model, lang)
                }
            })
            .collect();
        let sections = (0..model.sections.len())
            .map(|i| section_view(model, &model.sections[i], &pages))
            .collect();
        let taxonomies = model
            .taxonomies
            .iter()
            .map(|t| taxonomy_view(model, t))
            .collect();
        let feed_entries = pages.iter().map(|_| OnceLock::new()).collect();
        Views {
            config,
            configs,
            pages,
            sections,
            taxonomies,
            feed_entries,
        }
    }

    /// A page as a feed entry: its light view plus content (as HTML, and escaped for XML as
    /// `content_xml`) and RFC 3339 times (`published`, `modified`), which Atom requires.
    pub fn feed_entry(&self, model: &SiteModel, index: usize) -> Value {
        match self.feed_entries.get(index) {
            Some(entry) => entry
                .get_or_init(|| self.make_feed_entry(model, index))
                .clone(),
            None => self.make_feed_entry(model, index),
        }
    }

    /// A page's feed entry, made once per build (see [`Views::feed_entry`]).
    fn make_feed_entry(&self, model: &SiteModel, index: usize) -> Value {
        let page = &model.pages[index];
        let Some(mut fields) = self.pages[index].clone().into_map() else {
            return Value::none();
        };
        let m = page.meta();
        fields.insert("content".into(), Value::safe_string(&page.rendered.html));
        let content_xml = super::filters::escape_xml(&page.rendered.html);
        fields.insert("content_xml".into(), Value::safe_string(&content_xml));
        fields.insert("published".into(), Value::from(m.date.rfc3339()));
        let modified = m.updated.as_ref().unwrap_or(&m.date).rfc3339();
        fields.insert("modified".into(), Value::from(modified));
        Value::from(fields)
    }

    /// The full view of a page: its light view plus content, toc and related pages.
    pub fn full_page(&self, model: &SiteModel, index: usize) -> Value {
        let page = &model.pages[index];
        // Start from the light view already built (its values are shared, not rebuilt).
        let Some(mut fields) = self.pages[index].clone().into_map() else {
            return Value::none();
        };
        fields.insert("content".into(), Value::safe_string(&page.rendered.html));
        fields.insert("toc".into(), toc_view(model, page, &page.rendered.toc));
        let json_ld = super::json_ld::report(model, index);
        fields.insert("json_ld".into(), Value::safe_string(&json_ld));
        if crate::pdf::wanted(&model.config, page.meta()) {
            let pdf = crate::pdf::site_path(&page.path, &page.slug);
            fields.insert("pdf_url".into(), Value::from(model.urls.permalink(&pdf)));
        }
        let related: Vec<Value> = page
            .related
            .iter()
            .map(|&r| self.pages[r].clone())
            .collect();
        fields.insert("related".into(), Value::from(related));
        let cite = super::cite::view(model, index);
        fields.insert("cite".into(), Value::from(cite));
        Value::from(fields)
    }
}

/// The `config` variable in language `lang`: the site's settings with the title, description,
/// language, menu (`extra.nav`) and interface words of that language.
fn config_view(model: &SiteModel, lang: usize) -> Value {
    let c = &model.config;
    let language = c.languages.get(lang);
    let mut fields = Fields::new();
    let title = language.map_or(c.title.as_str(), |l| l.title.as_str());
    fields.insert("title", Value::from(title));
    fields.insert("base_url", Value::from(model.urls.base_url()));
    let description = language.map_or(&c.description, |l| &l.description);
    fields.insert("description", opt_str(description));
    fields.insert(
        "language",
        Value::from(language.map_or(c.language.as_str(), |l| l.code.as_str())),
    );
    fields.insert("organization", opt_str(&c.organization));
    fields.insert("author", opt_str(&c.author));
    fields.insert("taxonomies", Value::from(c.taxonomies.clone()));
    let mut extra: BTreeMap<String, Value> = c
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), Value::from_serializable(v)))
        .collect();
    if let Some(nav) = language.and_then(|l| l.nav.as_ref()) {
        extra.insert("nav".to_string(), Value::from_serializable(nav));
    }
    fields.insert("extra", Value::from(extra));
    let strings = language.map_or(&c.strings, |l| l.strings.as_ref());
    fields.insert("strings", Value::from_serializable(strings));
    fields.insert("search", Value::from(c.search));
    Value::from(fields)
}

/// `{ name, slug, path, permalink }` of a term, in the language published under `prefix`.
pub fn term_link(model: &SiteModel, prefix: &str, taxonomy: &str, name: &str) -> Value {
    let slug = slugify(name);
    let path = format!("{prefix}{}", Urls::term(taxonomy, &slug));
    let mut fields = Fields::new();
    fields.insert("name", Value::from(name));
    fields.insert("slug", Value::from(slug));
    fields.insert("path", Value::from(model.urls.href(&path)));
    fields.insert("permalink", Value::from(model.urls.permalink(&path)));
    Value::from(fields)
}

/// The term links pages show, one shared value per spelling of a term: a site of ten thousand
/// briefs has tens of thousands of term mentions but a few hundred spellings, so each link is
/// built (slug, URLs) once and every page view points to it.
struct TermLinks<'a>(Vec<Vec<HashMap<&'a str, Value>>>);

impl<'a> TermLinks<'a> {
    /// The links of every spelling used by the model's pages, per language and configured
    /// taxonomy.
    fn new(model: &'a SiteModel) -> TermLinks<'a> {
        let taxonomies = &model.config.taxonomies;
        let languages = model.config.languages.len().max(1);
        let mut links: Vec<Vec<HashMap<&'a str, Value>>> =
            vec![vec![HashMap::new(); taxonomies.len()]; languages];
        for page in &model.pages {
            let prefix = language_prefix(model, page.lang);
            let Some(of_language) = links.get_mut(page.lang) else {
                continue;
            };
            for (name, spellings) in taxonomies.iter().zip(of_language.iter_mut()) {
                for term in page.meta().taxonomies.get(name).into_iter().flatten() {
                    if !spellings.contains_key(term.as_str()) {
                        spellings.insert(term.as_str(), term_link(model, prefix, name, term));
                    }
                }
            }
        }
        TermLinks(links)
    }

    /// The link of `term` as spelled in taxonomy number `taxonomy` in language `lang`.
    fn get(&self, model: &SiteModel, lang: usize, taxonomy: usize, term: &str) -> Value {
        let found = self
            .0
            .get(lang)
            .and_then(|l| l.get(taxonomy))
            .and_then(|links| links.get(term));
        match found {
            Some(link) => link.clone(),
            // Every spelling of the model is in the table; this only guards against misuse.
            None => term_link(
                model,
                language_prefix(model, lang),
                &model.config.taxonomies[taxonomy],
                term,
            ),
        }
    }
}

/// The site path prefix of language `lang` (`""` for the default, `/ar`).
pub fn language_prefix(model: &SiteModel, lang: usize) -> &str {
    model
        .config
        .languages
        .get(lang)
        .map_or("", |l| l.prefix.as_str())
}

fn light_fields(model: &SiteModel, terms: &TermLinks<'_>, page: &Page) -> Fields {
    let m = page.meta();
    let urls = &model.urls;
    let mut f = Fields::new();
    f.insert("title", Value::from(m.title.as_str()));
    f.insert("subtitle", opt_str(&m.subtitle));
    f.insert("description", opt_str(&m.description));
    f.insert("date", Value::from(m.date.text.as_str()));
    f.insert(
        "updated",
        m.updated
            .as_ref()
            .map_or(Value::none(), |d| Value::from(d.text.as_str())),
    );
    // A brief's own affiliation for an author wins in its byline.
    let authors: Vec<Value> = (m.authors.iter().zip(&page.authors))
        .map(|(entry, &a)| {
            author_link(
                model,
                &model.authors[a],
                entry.affiliation.as_ref(),
                page.lang,
            )
        })
        .collect();
    f.insert("authors", Value::from(authors));
    f.insert("slug", Value::from(page.slug.as_str()));
    f.insert("path", Value::from(urls.href(&page.path)));
    f.insert("permalink", Value::from(urls.permalink(&page.path)));
    f.insert(
        "section",
        Value::from(urls.href(&model.sections[page.section].path)),
    );
    f.insert("series", opt_str(&m.series));
    f.insert("number", m.number.map_or(Value::none(), Value::from));
    f.insert("status", opt_str(&m.status));
    f.insert("weight", m.weight.map_or(Value::none(), Value::from));
    f.insert("draft", Value::from(m.draft));
    f.insert(
        "embargoed_until",
        page.embargoed_until
            .as_ref()
            .map_or(Value::none(), |d| Value::from(d.rfc3339())),
    );
    f.insert("key_points", safe_list(&page.key_points));
    f.insert("recommendations", safe_list(&page.recommendations));
    let mut taxonomies = BTreeMap::new();
    for (t, name) in model.config.taxonomies.iter().enumerate() {
        let links: Vec<Value> = m
            .taxonomies
            .get(name)
            .map(|ts| {
                ts.iter()
                    .map(|term| terms.get(model, page.lang, t, term))
                    .collect()
            })
            .unwrap_or_default();
        taxonomies.insert(name.clone(), Value::from(links));
    }
    f.insert("taxonomies", Value::from(taxonomies));
    f.insert(
        "summary",
        page.rendered
            .summary
            .as_deref()
            .map_or(Value::none(), Value::safe_string),
    );
    f.insert("word_count", Value::from(page.rendered.word_count));
    f.insert("reading_time", Value::from(page.rendered.reading_time));
    f.insert(
        "assets",
        Value::from(
            page.source
                .assets
                .iter()
                .map(|a| urls.href(&format!("{}{a}", page.path)))
                .collect::<Vec<_>>(),
        ),
    );
    let extra: BTreeMap<String, Value> = m
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), json_value(v)))
        .collect();
    f.insert("extra", Value::from(extra));
    brief_fields(&mut f, page);
    field_term_paths(&mut f, model, page);
    f
}

/// `type`, `type_label`, `region`, `structured_summary` and `events` (docs/templates.md).
fn brief_fields(f: &mut Fields, page: &Page) {
    let m = page.meta();
    f.insert("type", opt_str(&m.page_type));
    f.insert(
        "type_label",
        m.page_type.as_deref().map_or(Value::none(), |t| {
            Value::from(crate::content::brief_fields::type_label(t))
        }),
    );
    f.insert("region", opt_str(&m.region));
    let safe = |html: &Option<String>| html.as_deref().map_or(Value::none(), Value::safe_string);
    let summary = page.brief.summary.as_ref().map_or(Value::none(), |s| {
        let mut sf = Fields::new();
        sf.insert("whats_new", safe(&s.whats_new));
        sf.insert("why_it_matters", safe(&s.why_it_matters));
        sf.insert("what_should_be_done", safe(&s.what_should_be_done));
        Value::from(sf)
    });
    f.insert("structured_summary", summary);
    let events: Vec<Value> = event_views(page).into_iter().map(|(_, v)| v).collect();
    f.insert("events", Value::from(events));
}

/// A page's events in date order (events on the same date keep the order they are written
/// in), each with its date and its view `{ date, date_display, title, description, link }`.
pub fn event_views(page: &Page) -> Vec<(crate::content::EventDate, Value)> {
    let safe = |html: &Option<String>| html.as_deref().map_or(Value::none(), Value::safe_string);
    let mut events: Vec<_> = page.meta().events.iter().zip(&page.brief.events).collect();
    events.sort_by_key(|(event, _)| event.date);
    events
        .into_iter()
        .map(|(event, html)| {
            let mut ef = Fields::new();
            ef.insert("date", Value::from(event.date.datetime()));
            ef.insert("date_display", Value::from(event.date.display_en()));
            ef.insert("title", Value::from(event.title.as_str()));
            ef.insert("description", safe(&html.description));
            ef.insert("link", opt_str(&html.link));
            (event.date, Value::from(ef))
        })
        .collect()
}

/// `type_path` and `region_path`: the listing pages of the brief's type and region (none when
/// the brief has none, or the site's own taxonomy of that name replaces the built-in one).
fn field_term_paths(f: &mut Fields, model: &SiteModel, page: &Page) {
    let m = page.meta();
    let type_label = m
        .page_type
        .as_deref()
        .map(crate::content::brief_fields::type_label);
    for (key, taxonomy, term) in [
        ("type_path", "types", type_label.as_deref()),
        ("region_path", "regions", m.region.as_deref()),
    ] {
        let built_in = !model.config.taxonomies.iter().any(|t| t == taxonomy);
        let path = match term {
            Some(term) if built_in => Value::from(model.urls.href(&format!(
                "{}{}",
                language_prefix(model, page.lang),
                Urls::term(taxonomy, &slugify(term))
            ))),
            _ => Value::none(),
        };
        f.insert(key, path);
    }
}

fn toc_view(model: &SiteModel, page: &Page, toc: &[TocEntry]) -> Value {
    let base = model.urls.href(&page.path);
    Value::from(
        toc.iter()
            .map(|e| {
                let mut f = Fields::new();
                f.insert("level", Value::from(e.level));
                f.insert("id", Value::from(e.id.as_str()));
                f.insert("title", Value::from(e.title.as_str()));
                f.insert("permalink", Value::from(format!("{base}#{}", e.id)));
                f.insert("children", toc_view(model, page, &e.children));
                Value::from(f)
            })
            .collect::<Vec<_>>(),
    )
}

fn section_view(model: &SiteModel, section: &Section, pages: &[Value]) -> Value {
    let urls = &model.urls;
    let mut f = Fields::new();
    f.insert("title", Value::from(section.title(&model.config)));
    // A title borrowed from the default language, to be marked with its `lang` and `dir`.
    let title_language = crate::site::languages::title_language(section)
        .and_then(|lang| model.config.languages.get(lang));
    f.insert(
        "title_lang",
        title_language.map_or(Value::none(), |l| Value::from(l.code.as_str())),
    );
    f.insert(
        "title_dir",
        title_language.map_or(Value::none(), |l| Value::from(l.direction.as_str())),
    );
    f.insert("description", opt_str(&section.meta().description));
    f.insert("content", Value::safe_string(&section.rendered.html));
    f.insert("path", Value::from(urls.href(&section.path)));
    f.insert("permalink", Value::from(urls.permalink(&section.path)));
    let extra: BTreeMap<String, Value> = section
        .meta()
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), json_value(v)))
        .collect();
    f.insert("extra", Value::from(extra));
    f.insert(
        "pages",
        Value::from(
            section
                .pages
                .iter()
                .map(|&i| pages[i].clone())
                .collect::<Vec<_>>(),
        ),
    );
    let subsections: Vec<Value> = section
        .subsections
        .iter()
        .map(|&i| {
            let s = &model.sections[i];
            let mut sf = Fields::new();
            sf.insert("title", Value::from(s.title(&model.config)));
            sf.insert("description", opt_str(&s.meta().description));
            sf.insert("path", Value::from(urls.href(&s.path)));
            sf.insert("permalink", Value::from(urls.permalink(&s.path)));
            sf.insert("page_count", Value::from(s.pages.len()));
            Value::from(sf)
        })
        .collect();
    f.insert("subsections", Value::from(subsections));
    Value::from(f)
}

/// `{ name, slug, path, permalink, page_count }` of a term.
pub fn term_view(model: &SiteModel, taxonomy: &Taxonomy, term: &Term) -> Value {
    let path = taxonomy.term_path(&term.slug);
    let mut f = Fields::new();
    let name = super::languages::term_name(model, taxonomy, term);
    f.insert("name", Value::from(name.as_ref()));
    f.insert("slug", Value::from(term.slug.as_str()));
    f.insert("path", Value::from(model.urls.href(&path)));
    f.insert("permalink", Value::from(model.urls.permalink(&path)));
    f.insert("page_count", Value::from(term.pages.len()));
    Value::from(f)
}

fn taxonomy_view(model: &SiteModel, taxonomy: &Taxonomy) -> Value {
    let path = &taxonomy.path;
    let mut f = Fields::new();
    f.insert("name", Value::from(taxonomy.name.as_str()));
    f.insert("path", Value::from(model.urls.href(path)));
    f.insert("permalink", Value::from(model.urls.permalink(path)));
    f.insert(
        "terms",
        Value::from(
            taxonomy
                .terms
                .iter()
                .map(|t| term_view(model, taxonomy, t))
                .collect::<Vec<_>>(),
        ),
    );
    Value::from(f)
}

/// `{ id, name, affiliation, path, permalink }` of an author, as a brief's byline shows them;
/// `affiliation` replaces the author's own when given. The path is their page in language
/// `lang`.
pub fn author_link(
    model: &SiteModel,
    author: &SiteAuthor,
    affiliation: Option<&String>,
    lang: usize,
) -> Value {
    let mut f = Fields::new();
    f.insert("id", Value::from(author.id.as_str()));
    f.insert("name", Value::from(author.name_in(lang)));
    let translated = author.translation(lang);
    let affiliation = affiliation
        .or(translated.and_then(|t| t.affiliation.as_ref()))
        .or(author.affiliation.as_ref());
    f.insert(
        "affiliation",
        affiliation.map_or(Value::none(), |a| Value::from(a.as_str())),
    );
    let path = format!("{}{}", language_prefix(model, lang), author.path);
    f.insert("path", Value::from(model.urls.href(&path)));
    f.insert("permalink", Value::from(model.urls.permalink(&path)));
    Value::from(f)
}

/// The whole view of an author, for their page and the listing of all authors: the fields of
/// [`author_link`] plus `role`, `email`, `photo` (an href), `links` (`{ title, url }`), `bio`
/// (HTML), `page_count`, and `pages` (light page views, newest first) taken from `pages`: the
/// author's briefs in language `lang`, `listed`.
pub fn author_view(
    model: &SiteModel,
    author: &SiteAuthor,
    lang: usize,
    listed: &[usize],
    pages: &[Value],
) -> Value {
    let Some(mut f) = author_link(model, author, None, lang).into_map() else {
        return Value::none();
    };
    // A site path is made an href (with the base URL's sub-path); a URL is kept as written.
    let href = |target: &str| {
        if target.starts_with('/') {
            model.urls.href(target)
        } else {
            target.to_string()
        }
    };
    let translated = author.translation(lang);
    let role = translated
        .and_then(|t| t.role.as_ref())
        .or(author.role.as_ref());
    f.insert("role".into(), opt_str(&role.cloned()));
    f.insert("email".into(), opt_str(&author.email));
    f.insert(
        "photo".into(),
        author
            .photo
            .as_deref()
            .map_or(Value::none(), |p| Value::from(href(p))),
    );
    let links: Vec<Value> = author
        .links
        .iter()
        .map(|l| {
            let mut lf = Fields::new();
            lf.insert("title", Value::from(l.title.as_str()));
            lf.insert("url", Value::from(href(&l.url)));
            Value::from(lf)
        })
        .collect();
    f.insert("links".into(), Value::from(links));
    let bio = translated
        .map(|t| &t.bio_html)
        .filter(|bio| !bio.is_empty())
        .unwrap_or(&author.bio_html);
    f.insert("bio".into(), Value::safe_string(bio));
    f.insert("page_count".into(), Value::from(listed.len()));
    let listed: Vec<Value> = listed.iter().map(|&i| pages[i].clone()).collect();
    f.insert("pages".into(), Value::from(listed));
    Value::from(f)
}
