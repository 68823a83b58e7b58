//! Static files that hosts can cache for ever: a hash of a file's bytes in its URL.
//!
//! `get_url(path="style.css", cachebust=true)` gives `/style.css?h=3f2a9c1b`; with
//! `[assets] fingerprint = true` the CSS and JS files of `static/` (and the built-in theme's
//! stylesheet) are published as `style.3f2a9c1b.css` instead, and `get_url` gives that name
//! with or without `cachebust`. The hash is the first 32 bits of the file's SeaHash (stable
//! across versions and machines), as eight hex digits; each file is hashed once per build.
//! Files of `static/` only: a page's own files and generated outputs are not hashed.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use super::OutputFile;

/// The extensions fingerprinting renames: what pages link to and browsers cache.
const FINGERPRINTED: [&str; 3] = ["css", "js", "mjs"];

/// Hashes of the static files of one build.
#[derive(Debug, Default)]
pub struct Assets {
    /// The site's `static/`, when the build has a site folder.
    static_dir: Option<PathBuf>,
    /// Whether the built-in theme's static files fill in for missing ones (see
    /// [`crate::theme::fallback_static`]).
    builtin: bool,
    /// `[assets] fingerprint`.
    fingerprint: bool,
    hashes: Mutex<HashMap<String, Option<String>>>,
}

impl Assets {
    /// The static files of the site at `root` (none without one); `builtin` when the built-in
    /// theme's files are published for those the site lacks.
    pub fn new(root: Option<&Path>, builtin: bool, fingerprint: bool) -> Assets {
        Assets {
            static_dir: root.map(|r| r.join("static")),
            builtin,
            fingerprint,
            hashes: Mutex::default(),
        }
    }

    /// Whether static CSS and JS files are published under fingerprinted names.
    pub fn fingerprints(&self) -> bool {
        self.fingerprint
    }

    /// The hash of the static file at `rel` (`style.css`, relative to `static/`), if there is
    /// such a file, with the path in the site's `static/` that holds or would hold it: a
    /// render that used the hash depends on that path (a built-in file the site then
    /// replaces included).
    pub fn hash_of(&self, rel: &str) -> Option<(String, Option<PathBuf>)> {
        let rel = rel.trim_start_matches('/');
        let candidate = self.site_path(rel);
        if let Ok(hashes) = self.hashes.lock()
            && let Some(known) = hashes.get(rel)
        {
            return known.clone().map(|h| (h, candidate));
        }
        let bytes = match candidate.as_ref().filter(|path| self.is_site_file(path)) {
            Some(path) => std::fs::read(path).ok(),
            None => self.builtin_file(rel).map(<[u8]>::to_vec),
        };
        let hash = bytes.map(|b| short_hash(&b));
        if let Ok(mut hashes) = self.hashes.lock() {
            hashes.insert(rel.to_string(), hash.clone());
        }
        hash.map(|h| (h, candidate))
    }

    /// The name `rel` is published under: fingerprinted when that is on and it is a CSS or JS
    /// static file.
    pub fn published_name(&self, rel: &str) -> Option<String> {
        if !self.fingerprint || !is_fingerprinted_kind(rel) {
            return None;
        }
        let (hash, _) = self.hash_of(rel)?;
        Some(fingerprinted(rel, &hash))
    }

    /// The fingerprinted CSS and JS files of the build: (published name, the site's file it
    /// comes from, when it is not the built-in theme's). Empty when fingerprinting is off.
    pub fn fingerprinted_files(&self) -> Vec<(String, Option<PathBuf>)> {
        if !self.fingerprint {
            return Vec::new();
        }
        let mut names: Vec<String> = Vec::new();
        if let Some(dir) = &self.static_dir {
            let walk = walkdir::WalkDir::new(dir)
                .follow_links(false)
                .sort_by_file_name();
            for entry in walk.into_iter().filter_map(Result::ok) {
                let rel = entry.path().strip_prefix(dir).ok().and_then(Path::to_str);
                if let Some(rel) = rel.filter(|_| entry.file_type().is_file()) {
                    names.push(rel.replace('\\', "/"));
                }
            }
        }
        if self.builtin {
            for (path, _) in crate::theme::STATIC {
                if !names.iter().any(|n| n == path) {
                    names.push((*path).to_string());
                }
            }
        }
        names
            .into_iter()
            .filter_map(|rel| {
                let published = self.published_name(&rel)?;
                Some((published, self.site_path(&rel)))
            })
            .collect()
    }

    /// Where the site's own file `rel` is or would be in `static/`, when `rel` is a plain path.
    fn site_path(&self, rel: &str) -> Option<PathBuf> {
        let plain = Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        let path = self.static_dir.as_ref()?.join(rel);
        plain.then_some(path)
    }

    /// Whether `path` is a file inside the site (never read through a link out of it; the
    /// static walk skips such links too).
    fn is_site_file(&self, path: &Path) -> bool {
        let root = self.static_dir.as_deref().and_then(Path::parent);
        match (path.canonicalize(), root.map(Path::canonicalize)) {
            (Ok(real), Some(Ok(root))) => real.starts_with(root) && real.is_file(),
            _ => false,
        }
    }

    fn builtin_file(&self, rel: &str) -> Option<&'static [u8]> {
        if !self.builtin {
            return None;
        }
        crate::theme::STATIC
            .iter()
            .find(|(path, _)| *path == rel)
            .map(|(_, bytes)| *bytes)
    }

    /// The static files as they are published: CSS and JS renamed when fingerprinting is on,
    /// CSS minified when `minify` is.
    pub fn publish(&self, copies: Vec<OutputFile>, minify: bool) -> Vec<OutputFile> {
        copies
            .into_iter()
            .map(|mut file| {
                if let Some(name) = self.published_name(&file.path) {
                    file.path = name;
                }
                if minify && file.path.ends_with(".css") {
                    file.contents = super::minify::css_file(file.contents);
                }
                file
            })
            .collect()
    }
}

/// Whether `rel` is a kind of file fingerprinting renames.
fn is_fingerprinted_kind(rel: &str) -> bool {
    Path::new(rel)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| FINGERPRINTED.contains(&e))
}

/// `dir/style.css` with `hash` before its extension: `dir/style.3f2a9c1b.css`.
pub fn fingerprinted(rel: &str, hash: &str) -> String {
    let (dir, name) = rel.split_at(rel.rfind('/').map_or(0, |i| i + 1));
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{dir}{stem}.{hash}.{ext}"),
        _ => format!("{rel}.{hash}"),
    }
}

/// Eight hex digits of a stable hash of `bytes`.
pub fn short_hash(bytes: &[u8]) -> String {
    format!("{:08x}", seahash::hash(bytes) >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprinted_names_keep_folder_and_extension() {
        assert_eq!(fingerprinted("style.css", "0badcafe"), "style.0badcafe.css");
        assert_eq!(
            fingerprinted("js/app.min.js", "0badcafe"),
            "js/app.min.0badcafe.js"
        );
        assert_eq!(
            fingerprinted("dir.x/LICENSE", "0badcafe"),
            "dir.x/LICENSE.0badcafe"
        );
    }

    #[test]
    fn hashes_are_stable_and_follow_the_bytes() {
        assert_eq!(short_hash(b"body{}"), short_hash(b"body{}"));
        assert_ne!(short_hash(b"body{}"), short_hash(b"body{ }"));
        assert_eq!(short_hash(b"").len(), 8);
    }
}
