//! The taxonomies of the source site and the names they take in the new one.

use std::collections::BTreeMap;

use crate::content::PAGE_FIELDS;

/// Where a source taxonomy goes in the new site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxonomyTarget {
    /// A communique taxonomy of this name.
    Taxonomy(String),
    /// The page's `authors` (Hugo sites often make authors a taxonomy).
    Authors,
    /// Kept under `[extra]`: the name is one of communique's page fields.
    Extra,
}

/// The taxonomies of the source site and their names in the new one.
#[derive(Debug, Clone, Default)]
pub struct Taxonomies {
    by_source: BTreeMap<String, TaxonomyTarget>,
    /// Communique taxonomy names, in the order first declared.
    pub declared: Vec<String>,
}

impl Taxonomies {
    /// Declares a source taxonomy (idempotent) and returns where its terms go.
    pub fn declare(&mut self, source_name: &str) -> TaxonomyTarget {
        if let Some(target) = self.by_source.get(source_name) {
            return target.clone();
        }
        let target = target_for(source_name);
        if let TaxonomyTarget::Taxonomy(name) = &target
            && !self.declared.contains(name)
        {
            self.declared.push(name.clone());
        }
        self.by_source
            .insert(source_name.to_string(), target.clone());
        target
    }

    /// Where a source taxonomy's terms go, if it is declared.
    pub fn get(&self, source_name: &str) -> Option<&TaxonomyTarget> {
        self.by_source.get(source_name)
    }

    /// Source name → new name, for taxonomies whose name had to change.
    pub fn renamed(&self) -> Vec<(&str, &str)> {
        self.by_source
            .iter()
            .filter_map(|(from, to)| match to {
                TaxonomyTarget::Taxonomy(name) if name != from => {
                    Some((from.as_str(), name.as_str()))
                }
                _ => None,
            })
            .collect()
    }
}

/// Names a taxonomy may not take besides the page fields: `communique.toml` reserves them.
const RESERVED: &[&str] = &["page", "static"];

fn target_for(source_name: &str) -> TaxonomyTarget {
    let name: String = source_name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match name.as_str() {
        "author" | "authors" => TaxonomyTarget::Authors,
        n if PAGE_FIELDS.contains(&n)
            || RESERVED.contains(&n)
            || n.trim_matches('_').is_empty() =>
        {
            TaxonomyTarget::Extra
        }
        _ => TaxonomyTarget::Taxonomy(name),
    }
}
