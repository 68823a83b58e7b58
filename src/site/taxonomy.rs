//! Taxonomies: terms and the pages in each.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Page, sort_pages, urls::slugify};
use crate::content::SortBy;

/// One term of a taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Display name (the first spelling met).
    pub name: String,
    /// URL slug.
    pub slug: String,
    /// Pages, newest first.
    pub pages: Vec<usize>,
}

/// A taxonomy and its terms, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taxonomy {
    /// Name, as in the config (`topics`).
    pub name: String,
    /// Its language: an index into [`crate::config::Config::languages`].
    pub lang: usize,
    /// Site path of its list of terms (`/topics/`, `/ar/topics/`).
    pub path: String,
    /// Terms sorted by name.
    pub terms: Vec<Term>,
}

/// The taxonomies every site has, taken from brief fields rather than from the configured
/// taxonomies: `/types/` (briefing, report, …) and `/regions/`. A configured taxonomy of the
/// same name takes their place.
pub const FIELD_TAXONOMIES: [&str; 2] = ["types", "regions"];

/// The terms a page files under the field taxonomy `name` (see [`FIELD_TAXONOMIES`]).
fn field_terms<'p>(name: &str, page: &'p Page) -> Vec<Cow<'p, str>> {
    let m = page.meta();
    let value = match name {
        "types" => m
            .page_type
            .as_deref()
            .map(|t| Cow::Owned(crate::content::brief_fields::type_label(t))),
        "regions" => m.region.as_deref().map(Cow::Borrowed),
        _ => None,
    };
    value.into_iter().collect()
}

impl Taxonomy {
    /// The site path of its term with this slug (`/topics/security/`).
    pub fn term_path(&self, slug: &str) -> String {
        format!("{}{slug}/", self.path)
    }
}

/// The taxonomies of every language, the default language's first: in each, the configured
/// taxonomies in config order, then the field taxonomies (see [`build`]).
pub fn build_all(config: &crate::config::Config, pages: &[Page]) -> Vec<Taxonomy> {
    let names = &config.taxonomies;
    if config.languages.len() <= 1 {
        return build(names, pages, 0, "");
    }
    config
        .languages
        .iter()
        .enumerate()
        .flat_map(|(lang, language)| build(names, pages, lang, &language.prefix))
        .collect()
}

/// Gathers the terms of each configured taxonomy, then of the field taxonomies the config does
/// not define, from the pages in language `lang` (published under `prefix`). Spellings with
/// the same slug ("Security", "security") are one term.
pub fn build(names: &[String], pages: &[Page], lang: usize, prefix: &str) -> Vec<Taxonomy> {
    let in_language = |page: &Page| page.lang == lang;
    let configured = names.iter().map(|name| {
        gather(name, lang, prefix, pages, |page| {
            if !in_language(page) {
                return Vec::new();
            }
            let terms = page.meta().taxonomies.get(name);
            terms
                .into_iter()
                .flatten()
                .map(|t| Cow::Borrowed(t.as_str()))
                .collect()
        })
    });
    let from_fields = FIELD_TAXONOMIES
        .iter()
        .filter(|name| !names.iter().any(|n| n == *name))
        .map(|name| {
            gather(name, lang, prefix, pages, |page| {
                if in_language(page) {
                    field_terms(name, page)
                } else {
                    Vec::new()
                }
            })
        })
        // A site whose briefs have no type (or no region) gets no empty listing of them.
        .filter(|taxonomy| !taxonomy.terms.is_empty());
    configured.chain(from_fields).collect()
}

/// The taxonomy `name`, with the terms `terms_of` gives each page, each term's pages newest
/// first and the terms by name.
fn gather<'p>(
    name: &str,
    lang: usize,
    prefix: &str,
    pages: &'p [Page],
    terms_of: impl Fn(&'p Page) -> Vec<Cow<'p, str>>,
) -> Taxonomy {
    let mut terms: Vec<Term> = Vec::new();
    let mut by_slug: HashMap<String, usize> = HashMap::new();
    for (i, page) in pages.iter().enumerate() {
        for term in terms_of(page) {
            let slug = slugify(&term);
            let t = *by_slug.entry(slug.clone()).or_insert_with(|| {
                terms.push(Term {
                    name: term.into_owned(),
                    slug,
                    pages: Vec::new(),
                });
                terms.len() - 1
            });
            if terms[t].pages.last() != Some(&i) {
                terms[t].pages.push(i);
            }
        }
    }
    for term in terms.iter_mut() {
        sort_pages(&mut term.pages, pages, SortBy::Date);
    }
    terms.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.slug.cmp(&b.slug))
    });
    Taxonomy {
        name: name.to_string(),
        lang,
        path: format!("{prefix}{}", super::Urls::taxonomy(name)),
        terms,
    }
}
