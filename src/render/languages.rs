//! What templates see of a site's languages: each job's language, and the versions of its
//! page in other languages, for the language switcher, `hreflang` links and the sitemap.

use std::borrow::Cow;

use tera::Value;

use super::views::Fields;
use super::{Job, Renderer};
use crate::content::brief_fields::{known_types, type_label};
use crate::site::{SiteModel, Taxonomy, Term, slugify};

/// A term's name in its taxonomy's language. The terms of the built-in `types` and `regions`
/// taxonomies come from brief fields, not from words a translator wrote: a type is named by
/// the catalog's `type_<type>` (so `/ar/types/briefing/` is titled "إحاطة"), a region by
/// `region_<slug>` when the catalog has it. Other terms are named as their briefs write them.
pub fn term_name<'t>(model: &SiteModel, taxonomy: &Taxonomy, term: &'t Term) -> Cow<'t, str> {
    let config = &model.config;
    let built_in =
        |name: &str| taxonomy.name == name && !config.taxonomies.iter().any(|t| t == name);
    let key = if built_in("types") {
        known_types(config)
            .find(|t| slugify(&type_label(t)) == term.slug)
            .map(|t| format!("type_{t}"))
    } else if built_in("regions") {
        Some(format!("region_{}", term.slug))
    } else {
        None
    };
    let code = config
        .languages
        .get(taxonomy.lang)
        .map_or(config.language.as_str(), |l| l.code.as_str());
    let translated = key.and_then(|key| config.i18n.get(code)?.text(&key).map(str::to_string));
    translated.map_or(Cow::Borrowed(term.name.as_str()), Cow::Owned)
}

/// One version of a page or listing: its language and where it is.
pub struct Version {
    /// Index into `Config::languages`.
    pub lang: usize,
    /// Its site path.
    pub path: String,
    /// Its title, when it has one of its own.
    pub title: Option<String>,
}

impl Renderer {
    /// The language a job's output is in: an index into `Config::languages` (0, the default,
    /// for outputs of the whole site such as the sitemap).
    pub fn job_language(&self, job: &Job) -> usize {
        let model = &self.model;
        match job {
            Job::Page(i) | Job::Pdf(i) | Job::Alias(i, _) | Job::Cite(i, _) => model.pages[*i].lang,
            Job::Pager(l, _) | Job::Feed(l) => model.listings[*l].lang,
            Job::TaxonomyList(t) => model.taxonomies[*t].lang,
            Job::AuthorList(lang) | Job::Search(lang) => *lang,
            Job::NotFound | Job::Sitemap | Job::Robots | Job::Host(_) => 0,
        }
    }

    /// The languages with a list of all authors: the default language when the site has
    /// authors, and each other language in which one of them wrote a brief (those have
    /// author pages there, see `site::listing`).
    pub fn author_list_languages(&self) -> Vec<usize> {
        let model = &self.model;
        if model.authors.is_empty() {
            return Vec::new();
        }
        let count = model.config.languages.len().max(1);
        let mut has = vec![false; count];
        has[0] = true;
        for author in &model.authors {
            for &p in &author.pages {
                if let Some(slot) = has.get_mut(model.pages[p].lang) {
                    *slot = true;
                }
            }
        }
        (0..count).filter(|&lang| has[lang]).collect()
    }

    /// Every version of a page or listing, itself included, in language order; empty when it
    /// exists in one language only.
    pub fn versions(&self, job: &Job) -> Vec<Version> {
        let model = &self.model;
        match job {
            Job::Page(i) => model.pages[*i]
                .translations
                .iter()
                .map(|&t| Version {
                    lang: model.pages[t].lang,
                    path: model.pages[t].path.clone(),
                    title: Some(model.pages[t].meta().title.clone()),
                })
                .collect(),
            // Another language's listing has its own number of pager pages: link to its first.
            Job::Pager(l, _) => model.listings[*l]
                .translations
                .iter()
                .map(|&t| {
                    let listing = &model.listings[t];
                    Version {
                        lang: listing.lang,
                        path: listing.path.clone(),
                        title: Some(listing.title(model)),
                    }
                })
                .collect(),
            Job::TaxonomyList(t) => {
                let name = &model.taxonomies[*t].name;
                let versions: Vec<Version> = model
                    .taxonomies
                    .iter()
                    .filter(|o| &o.name == name)
                    .map(|o| Version {
                        lang: o.lang,
                        path: o.path.clone(),
                        title: None,
                    })
                    .collect();
                if versions.len() > 1 {
                    versions
                } else {
                    Vec::new()
                }
            }
            Job::AuthorList(_) => {
                let languages = self.author_list_languages();
                if languages.len() < 2 {
                    return Vec::new();
                }
                languages
                    .into_iter()
                    .map(|lang| Version {
                        lang,
                        path: self.site_path(&Job::AuthorList(lang)),
                        title: None,
                    })
                    .collect()
            }
            Job::Search(_) if model.config.is_multilingual() => model
                .config
                .languages
                .iter()
                .enumerate()
                .map(|(lang, language)| Version {
                    lang,
                    path: format!("{}{}", language.prefix, crate::search::PAGE_PATH),
                    title: None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The `translations` variable: every version of the page (itself included) as
    /// `{ lang, name, dir, title, path, permalink, current, default }`, in language order;
    /// empty when the page has no translation. `default` marks the default language's version
    /// (the `x-default` of `hreflang`).
    pub(super) fn translations_view(&self, job: &Job) -> Value {
        let model = &self.model;
        let current = self.job_language(job);
        let languages = &model.config.languages;
        let views: Vec<Value> = self
            .versions(job)
            .into_iter()
            .filter_map(|version| {
                let language = languages.get(version.lang)?;
                let mut f = Fields::new();
                f.insert("lang", Value::from(language.code.as_str()));
                f.insert("name", Value::from(language.name.as_str()));
                f.insert("dir", Value::from(language.direction.as_str()));
                f.insert("title", version.title.map_or(Value::none(), Value::from));
                f.insert("path", Value::from(model.urls.href(&version.path)));
                f.insert(
                    "permalink",
                    Value::from(model.urls.permalink(&version.path)),
                );
                f.insert("current", Value::from(version.lang == current));
                f.insert("default", Value::from(version.lang == 0));
                Some(Value::from(f))
            })
            .collect();
        Value::from(views)
    }

    /// The sitemap's alternates of a page or listing: `{ lang, permalink }` for every version,
    /// then `x-default` for the default language's; empty without translations.
    pub(super) fn sitemap_alternates(&self, job: &Job) -> Value {
        let model = &self.model;
        let versions = self.versions(job);
        let mut alternates = Vec::with_capacity(versions.len() + 1);
        let entry = |lang: &str, path: &str| {
            let mut f = Fields::new();
            f.insert("lang", Value::from(lang));
            f.insert("permalink", Value::from(model.urls.permalink(path)));
            Value::from(f)
        };
        for version in &versions {
            if let Some(language) = model.config.languages.get(version.lang) {
                alternates.push(entry(&language.code, &version.path));
            }
        }
        if let Some(default) = versions.iter().find(|v| v.lang == 0) {
            alternates.push(entry("x-default", &default.path));
        }
        Value::from(alternates)
    }
}
