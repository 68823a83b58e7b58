//! Typeset PDFs kept between runs, in `<site root>/.communique-cache/pdf/`, so that an
//! unchanged brief is never typeset twice, across builds and `serve` sessions.
//!
//! An entry is named by a hash of what the PDF is made from. A build names it by the inputs
//! (see [`input_key`]): the brief, the template's text, the configuration, the fonts and
//! communique's version; so an unchanged brief costs a hash and a look-up, not a render of
//! `brief.typ`. `serve`, which has the generated Typst source in hand, names it by the source
//! ([`key`]).
//!
//! What cannot be known before the PDF is made is written beside it, in `<key>.deps`, one line
//! each, and the entry is used only while every line still holds:
//! - `<hash> <path>`: a file the compile read (an image), with a hash of its bytes;
//! - `absent <path>`: a file looked for and not found (an image the brief names that did not
//!   exist, so the PDF shows its description instead);
//! - `source <hash>`: the generated Typst source's hash, written when the template read
//!   something through a function (`get_page`, `load_data`, `now`, …), which the inputs do not
//!   cover: such an entry is used only after `brief.typ` is rendered again and gives the same
//!   source.
//!
//! Entries are written to a temporary file and renamed, so a killed build leaves none half
//! written. Nothing is cached when the folder is a link, or cannot be created.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::world::Dependency;

/// The cache folder, relative to the site root.
pub const DIR: &str = ".communique-cache/pdf";

/// What a PDF's bytes depend on besides its source.
const VERSION: &str = concat!("communique ", env!("CARGO_PKG_VERSION"), "; typst 0.15");

/// A site's PDF cache.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    root: PathBuf,
}

/// The key of a generated Typst source.
pub fn key(source: &str) -> String {
    format!(
        "{:032x}",
        typst::utils::hash128(&(VERSION, super::world::fonts_identity(), source))
    )
}

/// The key of a PDF made from `inputs`: everything that shapes it besides the files listed in
/// its entry (see the module's documentation). It can never equal a [`key`].
pub fn input_key(inputs: &impl std::hash::Hash) -> String {
    format!(
        "{:032x}",
        typst::utils::hash128(&(VERSION, super::world::fonts_identity(), "inputs", inputs))
    )
}

/// The hash of a generated source, as a `source` line of an entry holds it.
pub fn source_hash(source: &str) -> String {
    format!("{:032x}", typst::utils::hash128(&source))
}

/// What an entry holds besides its PDF and the files the compile read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// Files looked for and not found, relative to the site root, with `/`.
    pub absent: Vec<String>,
    /// The generated source's [`source_hash`], when the entry is valid only for that source.
    pub source: Option<String>,
}

/// An entry found valid by [`Cache::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The PDF's size in bytes.
    pub size: u64,
    /// The [`source_hash`] the generated source must have for the entry to be used, when the
    /// entry says so.
    pub source: Option<String>,
}

impl Cache {
    /// The cache of the site at `root` (canonical), or `None` when its folder is unusable.
    pub fn open(root: &Path) -> Option<Cache> {
        let dir = root.join(DIR);
        // Never follow a link out of the site, at either level.
        for level in [root.join(".communique-cache"), dir.clone()] {
            if level
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink() || !m.is_dir())
            {
                return None;
            }
        }
        std::fs::create_dir_all(&dir).ok()?;
        Some(Cache {
            dir,
            root: root.to_path_buf(),
        })
    }

    /// The cached PDF for `key`, if there is one, every file it read is unchanged and it asks
    /// for no particular source.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.check(key).filter(|found| found.source.is_none())?;
        self.read(key)
    }

    /// The PDF kept under `key`, as it is.
    pub fn read(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join(format!("{key}.pdf"))).ok()
    }

    /// The PDF kept under `key`, if there is one and every file it read is unchanged and every
    /// file it found absent is still absent (without reading the PDF).
    pub fn check(&self, key: &str) -> Option<Found> {
        let size = std::fs::metadata(self.dir.join(format!("{key}.pdf")))
            .ok()
            .filter(std::fs::Metadata::is_file)?
            .len();
        let deps = match std::fs::read_to_string(self.dir.join(format!("{key}.deps"))) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(_) => return None,
        };
        let mut source = None;
        for line in deps.lines() {
            let (hash, path) = line.split_once(' ')?;
            match hash {
                "source" => source = Some(path.to_string()),
                "absent" => {
                    if self.root.join(path).symlink_metadata().is_ok() {
                        return None;
                    }
                }
                _ => {
                    let file = self.root.join(path);
                    let bytes = crate::serve::state::read_inside(&self.root, &file).ok()?;
                    if format!("{:032x}", typst::utils::hash128(&bytes)) != hash {
                        return None;
                    }
                }
            }
        }
        Some(Found { size, source })
    }

    /// Keeps `pdf` under `key`; whether it could. Failing to is not an error: the next run
    /// typesets it again.
    pub fn put(
        &self,
        key: &str,
        pdf: &[u8],
        dependencies: &[Dependency],
        conditions: &Conditions,
    ) -> bool {
        let mut deps = String::new();
        for d in dependencies {
            let _ = writeln!(deps, "{:032x} {}", d.hash, d.path);
        }
        for path in &conditions.absent {
            let _ = writeln!(deps, "absent {path}");
        }
        if let Some(hash) = &conditions.source {
            let _ = writeln!(deps, "source {hash}");
        }
        let deps_path = self.dir.join(format!("{key}.deps"));
        let written = if deps.is_empty() {
            match std::fs::remove_file(&deps_path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        } else {
            self.write(&deps_path, deps.as_bytes())
        };
        written.is_ok()
            && self
                .write(&self.dir.join(format!("{key}.pdf")), pdf)
                .is_ok()
    }

    /// Removes the entries whose key is not in `used` (what a whole build typeset or reused),
    /// so the folder holds one entry per brief rather than one per edit. Only entry files are
    /// removed; anything else in the folder is left alone.
    pub fn prune(&self, used: &std::collections::HashSet<String>) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some((key, ext)) = name.rsplit_once('.') else {
                continue;
            };
            let is_entry = matches!(ext, "pdf" | "deps")
                && key.len() == 32
                && key.bytes().all(|b| b.is_ascii_hexdigit());
            if is_entry && !used.contains(key) && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Keeps the Typst source of a PDF that failed, for the user to look at; returns its path
    /// relative to the site root.
    pub fn keep_failed(&self, name: &str, source: &str) -> Option<String> {
        let dir = self.dir.join("failed");
        std::fs::create_dir_all(&dir).ok()?;
        let file = format!("{name}.typ");
        self.write(&dir.join(&file), source.as_bytes()).ok()?;
        Some(format!("{DIR}/failed/{file}"))
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        file.write_all(bytes)?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_used_only_while_its_files_are_unchanged() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("static")).unwrap();
        std::fs::write(root.join("static/a.png"), b"one").unwrap();
        let cache = Cache::open(&root).unwrap();
        let k = key("= Brief");
        assert_eq!(cache.get(&k), None);
        let dep = Dependency {
            path: "static/a.png".into(),
            hash: typst::utils::hash128(&b"one".to_vec()),
        };
        cache.put(&k, b"%PDF", &[dep], &Conditions::default());
        assert_eq!(cache.get(&k).as_deref(), Some(&b"%PDF"[..]));
        std::fs::write(root.join("static/a.png"), b"two").unwrap();
        assert_eq!(cache.get(&k), None);
        assert_ne!(key("= Brief"), key("= Brief!"));
        assert_ne!(key("= Brief"), input_key(&"= Brief"));
    }

    #[test]
    fn an_entry_holds_while_an_absent_file_stays_absent_and_names_its_source() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path().canonicalize().unwrap();
        let cache = Cache::open(&root).unwrap();
        let k = input_key(&("brief", 1));
        let conditions = Conditions {
            absent: vec!["static/later.png".into()],
            source: Some(source_hash("= Brief")),
        };
        cache.put(&k, b"%PDF", &[], &conditions);
        let found = cache.check(&k).unwrap();
        assert_eq!(found.size, 4);
        assert_eq!(found.source, Some(source_hash("= Brief")));
        assert_eq!(cache.get(&k), None, "a source-bound entry needs its source");
        std::fs::create_dir_all(root.join("static")).unwrap();
        std::fs::write(root.join("static/later.png"), b"png").unwrap();
        assert_eq!(cache.check(&k), None, "the missing image exists now");
    }

    #[test]
    fn a_linked_cache_folder_is_not_used() {
        let site = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let root = site.path().canonicalize().unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(elsewhere.path(), root.join(".communique-cache")).unwrap();
            assert!(Cache::open(&root).is_none());
        }
    }
}
