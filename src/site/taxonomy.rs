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

/// A taxonomy and its terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taxonomy {
    /// Name, as in the config (`topics`).
    pub name: String,
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

/// Gathers the terms of each configured taxonomy, then of the field taxonomies the config does
/// not define. Spellings with the same slug ("Security", "security") are one term.
pub fn build(names: &[String], pages: &[Page]) -> Vec<Taxonomy> {
    let configured = names.iter().map(|name| {
        gather(name, pages, |page| {
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
        .map(|name| gather(name, pages, |page| field_terms(name, page)))
        // A site whose briefs have no type (or no region) gets no empty listing of them.
        .filter(|taxonomy| !taxonomy.terms.is_empty());
    configured.chain(from_fields).collect()
}

/// The taxonomy `name`, with the terms `terms_of` gives each page, each term's pages newest
/// first and the terms by name.
fn gather<'p>(
    name: &str,
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
        terms,
    }
}
