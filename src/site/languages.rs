//! Language as a dimension of the model: which language a content file is in, the sections
//! each language has, and which pages and sections are translations of one another.
//!
//! Every page and section has a language (an index into [`Config::languages`], 0 the
//! default). A translation's *key* is the content path of what it translates (`briefs/x.md`
//! for `briefs/x.ar.md`); pages and sections with one key are translations of each other.

use std::collections::HashMap;
use std::sync::Arc;

use super::Section;
use crate::config::Config;
use crate::content::translation::{language_of, translated_rel};
use crate::content::{Parsed, SectionMeta};
use crate::diagnostics::{Diagnostic, Location};

/// The language of a content file, by its name.
pub enum FileLanguage {
    /// In the default language: its key is its path.
    Default,
    /// A translation into language `lang`, of the file at `key`.
    Translation {
        /// Index into [`Config::languages`].
        lang: usize,
        /// The content path it translates.
        key: String,
    },
    /// Named like a translation into a language the site does not have.
    Unknown(String),
}

/// Which language the file at `rel` is in. `x.en.md` on a site whose default is English is in
/// the default language. On a site with one language, names are left alone (`x.fr.md` stays
/// the page `x.fr`, as before languages existed), except for the files that only a
/// translation may be (`_index.fr.md`, `index.fr.md` in a page folder).
pub fn file_language(config: &Config, rel: &str) -> FileLanguage {
    let (key, Some(code)) = language_of(rel) else {
        return FileLanguage::Default;
    };
    match config.language_index(code) {
        Some(0) => FileLanguage::Translation {
            lang: 0,
            key: key.into_owned(),
        },
        Some(lang) => FileLanguage::Translation {
            lang,
            key: key.into_owned(),
        },
        None if config.is_multilingual() || is_index(&key) => {
            FileLanguage::Unknown(code.to_string())
        }
        None => FileLanguage::Default,
    }
}

fn is_index(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    name == "_index.md" || name == "index.md"
}

/// The error for a file named like a translation into a language the site does not have.
pub fn unknown_language(config: &Config, display: &std::path::Path, code: &str) -> Diagnostic {
    let known: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
    Diagnostic::error(format!(
        "this file's name makes it a translation into \"{code}\", which is not one of the site's languages ({})",
        known.join(", ")
    ))
    .at(Location::file(display))
    .hint(format!(
        "add [languages.{code}] to communique.toml to publish it, or rename the file without the `.{code}` before `.md`"
    ))
}

/// A section of one language, before the model numbers it.
pub struct SectionSource {
    /// The parsed `_index.md` (or an implicit one).
    pub source: Arc<Parsed<SectionMeta>>,
    /// Index into [`Config::languages`].
    pub lang: usize,
    /// The content path it is a version of (`briefs/_index.md`).
    pub key: String,
}

/// The sections of a language other than the default that has no `_index.<code>.md` of its
/// own: every section of the default language holding a page in that language (its home page
/// always), with the default's settings and no text of its own, as Hugo does (Zola would
/// leave the language's pages without a listing). A home page takes the language's title
/// (`[languages.<code>] title`); any other section keeps the default's title, which
/// [`title_language`] says is in the default language so that templates can mark it.
pub fn implicit_sections(
    config: &Config,
    defaults: &[SectionSource],
    translated: &[SectionSource],
    page_dirs: &[(usize, String)],
) -> Vec<SectionSource> {
    let mut made = Vec::new();
    for lang in 1..config.languages.len() {
        let code = &config.languages[lang].code;
        for default in defaults {
            if translated
                .iter()
                .any(|t| t.lang == lang && t.key == default.key)
            {
                continue;
            }
            let dir = default.key.trim_end_matches("_index.md");
            let used = dir.is_empty()
                || page_dirs
                    .iter()
                    .any(|(l, d)| *l == lang && format!("{d}/").starts_with(dir));
            if !used {
                continue;
            }
            let d = &default.source;
            let mut meta = d.meta.clone();
            if dir.is_empty() {
                meta.title = None;
                meta.description = None;
            }
            made.push(SectionSource {
                source: Arc::new(Parsed {
                    rel: translated_rel(&default.key, code),
                    display_path: d.display_path.clone(),
                    meta,
                    body_range: 0..0,
                    body_line: 1,
                    assets: Vec::new(),
                    source: Arc::from(""),
                }),
                lang,
                key: default.key.clone(),
            });
        }
    }
    made
}

/// The language a section's title is written in when it is not the section's own: the
/// default language's, for a section of another language with no `_index.<code>.md` text of
/// its own (see [`implicit_sections`]), whose title is the default's or its folder's name.
pub fn title_language(section: &Section) -> Option<usize> {
    let own_text = !section.source.source.is_empty();
    let is_home = !section.source.rel.contains('/');
    (section.lang != 0 && !own_text && !is_home).then_some(0)
}

/// Groups items by key: for each item, the indexes of every item with its key, in language
/// order (itself included). Empty for an item that has no translation.
pub fn translations<'a>(items: impl Iterator<Item = (&'a str, usize)>) -> Vec<Vec<usize>> {
    let items: Vec<(&str, usize)> = items.collect();
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (key, _)) in items.iter().enumerate() {
        by_key.entry(key).or_default().push(i);
    }
    items
        .iter()
        .map(|(key, _)| {
            let group = &by_key[key];
            if group.len() < 2 {
                return Vec::new();
            }
            let mut group = group.clone();
            group.sort_by_key(|&i| items[i].1);
            group
        })
        .collect()
}
