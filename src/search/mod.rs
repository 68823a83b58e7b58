//! Site search without a server: an index of every brief, written as static files that the
//! search page (`templates/search.html`) queries in the browser.
//!
//! ```text
//! SiteModel ─records─▶ Vec<Record> ─key─▶ cache hit? ─no─▶ compact ─▶ files under /search/data/
//! ```
//!
//! Records are taken from the model (see [`records`]), hashed, and indexed only when the hash
//! differs from the cached index's (see [`cache`]); a build that changed no brief reads the
//! index back instead. `serve` refreshes the index in the background after each rebuild (see
//! [`refresh`]). docs/templates.md ("Search") describes the files, and docs/performance.md
//! the figures behind these choices.

pub mod cache;
pub mod compact;
pub mod records;
pub mod refresh;
pub mod text;

use std::path::Path;

use crate::render::{Contents, OutputFile};
use crate::site::SiteModel;

/// The output folder of the index, beside the search page.
pub const OUTPUT_DIR: &str = "search/data";

/// The site path of the search page.
pub const PAGE_PATH: &str = "/search/";

/// What shapes the index besides the records: a cached index made by another indexer version
/// is not reused (the second normalises Arabic spelling, see [`compact::normalise`]).
const INDEXER: &str = "communique index 2";

/// The index of a site.
#[derive(Debug, Default)]
pub struct Index {
    /// Its files, under [`OUTPUT_DIR`].
    pub files: Vec<OutputFile>,
    /// Whether they came from the cache (no brief changed since it was made).
    pub reused: bool,
}

/// The search index of `model`, from the cache of the site at `root` when no brief changed;
/// nothing when the site turned search off. The cache is looked up before any record is made.
pub fn index(model: &SiteModel, root: &Path) -> Index {
    if !model.config.search {
        return Index::default();
    }
    let key = key_of(model);
    if let Some(index) = cached(root, &key) {
        return index;
    }
    Records {
        records: records_by_language(model),
        key,
    }
    .index(root)
}

/// What the index is made of, taken from a model (which can then be let go).
pub struct Records {
    /// Per language (by index into `Config::languages`): its code when it is not the default
    /// one, and the records of its briefs.
    records: Vec<(Option<String>, Vec<records::Record>)>,
    /// The cache key of the model's briefs.
    key: String,
}

/// The records of each language's briefs: each language searches its own index, published
/// under its prefix (`/ar/search/data/`).
fn records_by_language(model: &SiteModel) -> Vec<(Option<String>, Vec<records::Record>)> {
    let all = records::records(model);
    let languages = &model.config.languages;
    if languages.len() <= 1 {
        return vec![(None, all)];
    }
    let mut by_language: Vec<(Option<String>, Vec<records::Record>)> = languages
        .iter()
        .map(|l| ((!l.is_default()).then(|| l.code.clone()), Vec::new()))
        .collect();
    for (record, page) in all.into_iter().zip(&model.pages) {
        if let Some((_, records)) = by_language.get_mut(page.lang) {
            records.push(record);
        }
    }
    by_language
}

impl Records {
    /// The records of `model`; `None` when the site turned search off.
    pub fn of(model: &SiteModel) -> Option<Records> {
        model.config.search.then(|| Records {
            records: records_by_language(model),
            key: key_of(model),
        })
    }

    /// Reads the index of the records from the cache of the site at `root`, or makes it.
    pub fn index(self, root: &Path) -> Index {
        if let Some(index) = cached(root, &self.key) {
            return index;
        }
        // A language's files are kept as `@<code>/<file>` in the cache (see `output_files`).
        let files: Vec<(String, Vec<u8>)> = self
            .records
            .into_iter()
            .flat_map(|(code, records)| {
                compact::build(records)
                    .into_iter()
                    .map(move |(path, bytes)| match &code {
                        Some(code) => (format!("@{code}/{path}"), bytes),
                        None => (path, bytes),
                    })
            })
            .collect();
        if let Some(dir) = cache::folder(root) {
            // Without a cache the next build indexes again; that is all it costs.
            let _ = cache::write(&dir, &self.key, &files);
        }
        Index {
            files: output_files(files),
            reused: false,
        }
    }
}

/// The cache key of a model's briefs: everything their records are made of, and the format.
fn key_of(model: &SiteModel) -> String {
    let salt = format!(
        "{INDEXER} {} {}",
        compact::FORMAT_VERSION,
        model
            .config
            .languages
            .iter()
            .map(|l| index_language(&l.code))
            .collect::<Vec<_>>()
            .join(" ")
    );
    cache::key(&model.pages, &salt, |page, h| {
        records::fingerprint(model, page, h)
    })
}

fn cached(root: &Path, key: &str) -> Option<Index> {
    let files = cache::read(&cache::folder(root)?, key)?;
    Some(Index {
        files: output_files(files),
        reused: true,
    })
}

/// The language of the index (part of its cache key): the primary subtag of the site's.
fn index_language(site_language: &str) -> String {
    site_language
        .split(['-', '_'])
        .next()
        .unwrap_or("en")
        .to_ascii_lowercase()
}

fn output_files(files: Vec<(String, Vec<u8>)>) -> Vec<OutputFile> {
    files
        .into_iter()
        .map(|(path, bytes)| OutputFile {
            path: match path.strip_prefix('@').and_then(|p| p.split_once('/')) {
                Some((code, file)) => format!("{code}/{OUTPUT_DIR}/{file}"),
                None => format!("{OUTPUT_DIR}/{path}"),
            },
            contents: Contents::Bytes(bytes),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_index_language_is_the_primary_subtag() {
        assert_eq!(super::index_language("en-GB"), "en");
        assert_eq!(super::index_language("AR"), "ar");
    }
}
