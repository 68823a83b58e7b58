//! Front matter written for Hugo or Zola, read as communique's own fields.
//!
//! Keys that are communique fields or taxonomies of the site are read as they are, so front
//! matter written for communique costs nothing here. Any other key is looked up, ignoring ASCII
//! case and `_` as Hugo does (`lastMod`, `publish_date`), among the Hugo and Zola names
//! communique understands (docs/content.md, "Coming from Hugo or Zola"). A key that is neither
//! gets an error whose hint says what to write, in the file's own syntax.

use std::collections::BTreeMap;

use serde_json::Value;

use super::front_matter::{RawFrontMatter, assignment, keep_under_extra};
use crate::diagnostics::{Diagnostic, did_you_mean};

/// Hugo and Zola names of communique fields, lowercase and without `_` or `-`.
const RENAMED: &[(&str, &str)] = &[
    ("author", "authors"),
    ("publishdate", "publish_date"),
    ("pubdate", "publish_date"),
    ("published", "publish_date"),
    ("lastmod", "updated"),
    ("modified", "updated"),
    ("url", "path"),
];

/// Hugo keys with a meaning of their own, lowercase and without `_` or `-`.
const SPECIAL: &[(&str, Special)] = &[
    ("expirydate", Special::ExpiryDate),
    ("unpublishdate", Special::ExpiryDate),
    ("images", Special::Images),
];

/// Taxonomy names common in Hugo and Zola sites. When the site does not declare one, the hint
/// says to declare it, never "did you mean" another field (`categories` is not `actors`).
const COMMON_TAXONOMIES: &[&str] = &["tags", "categories"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    ExpiryDate,
    Images,
}

enum Meaning<'c> {
    /// Another spelling of a field or taxonomy (`summary`, `Title`, `Tags`).
    Field(&'c str),
    /// A Hugo key read on its own terms.
    Special(Special),
}

/// The Hugo keys found in one front matter whose meaning is more than a new name: the key as
/// written in the file, to read its value and place errors.
#[derive(Debug, Default)]
pub struct HugoKeys {
    /// `expiryDate`: once past, the page is left out like a draft.
    pub expiry_date: Option<String>,
    /// `images`: kept as `extra.images` for templates.
    pub images: Option<String>,
}

/// Reads every key of `raw` that is neither one of `fields` nor a taxonomy: another spelling
/// of a field is renamed in `raw`, Hugo's keys with a meaning of their own are returned, and
/// anything else is an error with a hint.
pub fn read_foreign_keys(
    raw: &mut RawFrontMatter<'_>,
    fields: &'static [&'static str],
    taxonomies: &[String],
    errors: &mut Vec<Diagnostic>,
) -> HugoKeys {
    let is_own = |k: &str| fields.contains(&k) || taxonomies.iter().any(|t| t == k);
    let foreign: Vec<String> = raw.fields.keys().filter(|k| !is_own(k)).cloned().collect();
    let mut hugo = HugoKeys::default();
    for key in foreign {
        match meaning(&key, fields, taxonomies) {
            Some(Meaning::Field(field)) if raw.has(field) => {
                errors.push(said_twice(raw, &key, raw.written_key(field)));
            }
            Some(Meaning::Field(field)) => raw.rename(field, &key),
            Some(Meaning::Special(special)) => {
                let slot = match special {
                    Special::ExpiryDate => &mut hugo.expiry_date,
                    Special::Images => &mut hugo.images,
                };
                match slot {
                    Some(first) => errors.push(said_twice(raw, &key, first)),
                    None => *slot = Some(key),
                }
            }
            None => errors.push(unknown_field(raw, &key, fields, taxonomies)),
        }
    }
    hugo
}

fn meaning<'c>(
    key: &str,
    fields: &'static [&'static str],
    taxonomies: &'c [String],
) -> Option<Meaning<'c>> {
    let lower = key.to_ascii_lowercase();
    if let Some(field) = fields.iter().find(|f| **f == lower) {
        return Some(Meaning::Field(field));
    }
    if let Some(taxonomy) = taxonomies.iter().find(|t| **t == lower) {
        return Some(Meaning::Field(taxonomy));
    }
    let bare: String = lower.chars().filter(|c| !matches!(c, '_' | '-')).collect();
    if let Some((_, field)) = RENAMED.iter().find(|(k, _)| *k == bare) {
        return Some(Meaning::Field(field));
    }
    SPECIAL
        .iter()
        .find(|(k, _)| *k == bare)
        .map(|(_, special)| Meaning::Special(*special))
}

fn said_twice(raw: &RawFrontMatter<'_>, key: &str, other: &str) -> Diagnostic {
    raw.error_at(
        key,
        format!("\"{key}\" and \"{other}\" say the same thing, and both are set"),
    )
    .hint(format!(
        "keep one of the two lines: communique reads \"{key}\" as \"{other}\""
    ))
}

/// Hugo's and Zola's `summary` text, which communique calls the description; an error if the
/// front matter has a description too.
pub fn summary_as_description(
    raw: &RawFrontMatter<'_>,
    description: Option<String>,
    summary: String,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    if raw.has("description") {
        errors.push(said_twice(
            raw,
            raw.written_key("summary"),
            raw.written_key("description"),
        ));
        return description;
    }
    Some(summary)
}

/// `taxonomies = ["topics", "actors", "tags"]`: the config line that declares `name` too.
fn declare_taxonomy(taxonomies: &[String], name: &str) -> String {
    let names: Vec<String> = taxonomies
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(name))
        .map(|t| format!("\"{t}\""))
        .collect();
    format!(
        "declare it in communique.toml: taxonomies = [{}]",
        names.join(", ")
    )
}

fn unknown_field(
    raw: &RawFrontMatter<'_>,
    key: &str,
    fields: &[&str],
    taxonomies: &[String],
) -> Diagnostic {
    let format = raw.format();
    let lower = key.to_ascii_lowercase();
    let candidates = || {
        fields
            .iter()
            .copied()
            .chain(taxonomies.iter().map(String::as_str))
    };
    let list_of_strings = match raw.fields.get(key) {
        Some(Value::Array(items)) => items.iter().all(Value::is_string),
        _ => false,
    };
    let hint = if COMMON_TAXONOMIES.contains(&lower.as_str()) {
        format!(
            "\"{lower}\" is not a taxonomy of this site: {}",
            declare_taxonomy(taxonomies, &lower)
        )
    } else if let Some(field) = did_you_mean(key, candidates()) {
        format!("did you mean \"{field}\"?")
    } else if lower == "layout" || lower == "type" {
        format!(
            "communique picks a page's template by name: {}",
            assignment(format, "template", "\"brief.html\"")
        )
    } else if list_of_strings {
        format!(
            "if it is a taxonomy, {}; {}",
            declare_taxonomy(taxonomies, &lower),
            keep_under_extra(format, key)
        )
    } else {
        format!(
            "page fields are: {}; {}",
            candidates().collect::<Vec<_>>().join(", "),
            keep_under_extra(format, key)
        )
    };
    raw.error_at(key, format!("unknown field \"{key}\""))
        .hint(hint)
}

/// Zola's `[taxonomies]` table (`tags = ["a"]` under it): each name must be a taxonomy of
/// the site. Returns (taxonomy, terms) pairs.
pub fn taxonomy_table(
    raw: &RawFrontMatter<'_>,
    taxonomies: &[String],
    errors: &mut Vec<Diagnostic>,
) -> Vec<(String, Vec<String>)> {
    let Some(table) = raw.take::<BTreeMap<String, Vec<String>>>(
        "taxonomies",
        "a table of taxonomy names, each with a list of terms",
        errors,
    ) else {
        return Vec::new();
    };
    let mut found = Vec::with_capacity(table.len());
    for (name, terms) in table {
        match taxonomies.iter().find(|t| t.eq_ignore_ascii_case(&name)) {
            Some(taxonomy) => found.push((taxonomy.clone(), terms)),
            None => errors.push(
                raw.error_at(
                    "taxonomies",
                    format!("\"{name}\" in \"taxonomies\" is not a taxonomy of this site"),
                )
                .hint(declare_taxonomy(taxonomies, &name.to_ascii_lowercase())),
            ),
        }
    }
    found
}

/// Hugo's `url` and Zola's `path`: the site path a page is published at, as `/a/b/`.
pub fn fixed_path(
    raw: &RawFrontMatter<'_>,
    written: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    let key = raw.written_key("path").to_string();
    let problem = match crate::site::urls::alias_path(written) {
        Err(why) => why,
        Ok(path) if path.ends_with(".html") || path.ends_with(".htm") => {
            let folder = format!(
                "\"/{}/\"",
                path.trim_matches('/')
                    .trim_end_matches(".html")
                    .trim_end_matches(".htm")
            );
            errors.push(
                raw.error_at(
                    "path",
                    format!(
                        "\"{key}\" names a file, \"{written}\": a page is published as a folder"
                    ),
                )
                .hint(format!(
                    "publish it as a folder and keep the old address as a redirect: {} and {}",
                    assignment(raw.format(), &key, &folder),
                    assignment(raw.format(), "aliases", &format!("[\"{written}\"]"))
                )),
            );
            return None;
        }
        Ok(path) => {
            let trimmed = path.trim_matches('/');
            if !trimmed.split('/').any(str::is_empty) {
                return Some(format!("/{trimmed}/"));
            }
            "has an empty segment (`//`)"
        }
    };
    errors.push(
        raw.error_at("path", format!("\"{key}\" \"{written}\" {problem}"))
            .hint(format!(
                "write a path on this site, e.g. {}",
                assignment(raw.format(), &key, "\"/about/\"")
            )),
    );
    None
}

/// Whether `name`, lowercase, is a Hugo or Zola key read as a page field.
pub fn is_foreign_field(name: &str) -> bool {
    let bare: String = name.chars().filter(|c| !matches!(c, '_' | '-')).collect();
    RENAMED.iter().any(|(k, _)| *k == bare) || SPECIAL.iter().any(|(k, _)| *k == bare)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(key: &str) -> Option<String> {
        let taxonomies = ["tags".to_string()];
        match meaning(key, crate::content::PAGE_FIELDS, &taxonomies) {
            Some(Meaning::Field(f)) => Some(f.to_string()),
            Some(Meaning::Special(s)) => Some(format!("{s:?}")),
            None => None,
        }
    }

    #[test]
    fn hugo_spellings_ignore_case_and_underscores() {
        assert_eq!(field_of("lastMod").as_deref(), Some("updated"));
        assert_eq!(field_of("last_mod").as_deref(), Some("updated"));
        assert_eq!(field_of("Title").as_deref(), Some("title"));
        assert_eq!(field_of("Tags").as_deref(), Some("tags"));
        assert_eq!(field_of("URL").as_deref(), Some("path"));
        assert_eq!(field_of("publishDate").as_deref(), Some("publish_date"));
        assert_eq!(field_of("Summary").as_deref(), Some("summary"));
        assert_eq!(field_of("expiry_date").as_deref(), Some("ExpiryDate"));
        assert_eq!(field_of("keywords"), None);
    }

    #[test]
    fn hugo_names_are_page_fields() {
        assert!(is_foreign_field("lastmod"));
        assert!(is_foreign_field("publish_date"));
        assert!(!is_foreign_field("tags"));
    }
}
