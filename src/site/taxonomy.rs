//! Taxonomies: terms and the pages in each.

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

/// Gathers the terms of each taxonomy. Spellings with the same slug ("Security", "security")
/// are one term.
pub fn build(names: &[String], pages: &[Page]) -> Vec<Taxonomy> {
    names
        .iter()
        .map(|name| {
            let mut terms: Vec<Term> = Vec::new();
            let mut by_slug: HashMap<String, usize> = HashMap::new();
            for (i, page) in pages.iter().enumerate() {
                let Some(list) = page.meta().taxonomies.get(name) else {
                    continue;
                };
                for term in list {
                    let slug = slugify(term);
                    let t = *by_slug.entry(slug.clone()).or_insert_with(|| {
                        terms.push(Term {
                            name: term.clone(),
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
                name: name.clone(),
                terms,
            }
        })
        .collect()
}
