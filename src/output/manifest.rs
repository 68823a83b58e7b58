//! The manifest: the list of files communique wrote into an output folder.
//!
//! It lives in the output folder as `.communique-manifest`, so it travels with the folder it
//! describes. It is JSON, one file per line, sorted:
//!
//! ```text
//! {"communique_manifest": 1, "files": {
//! "briefs/a/index.html": [5120, 1714000000123456789],
//! "index.html": [2048, 1714000000123456789]
//! }}
//! ```
//!
//! Each file maps to `[size in bytes, modification time in nanoseconds since 1970]` as the file
//! was when communique wrote it (or last found it unchanged). A rebuild removes a file only if it
//! is listed here *and* still has that size and time, so a file a user put in its place or
//! edited since is kept. The manifest names only files the site publishes anyway; it is not
//! secret, but it is not a page either: exclude it from deploys (see docs/safety.md).

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Component, Path};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

/// The manifest's file name inside the output folder.
pub const MANIFEST_NAME: &str = ".communique-manifest";

const FORMAT_VERSION: u32 = 1;

/// A file as communique left it: size and modification time (nanoseconds since 1970).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record(pub u64, pub u64);

impl Record {
    /// The record of a file from its metadata.
    pub fn of(meta: &fs::Metadata) -> Record {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Record(meta.len(), mtime)
    }

    /// Whether the file at `path` is still as recorded (a plain file, same size and time).
    pub fn matches(&self, path: &Path) -> bool {
        fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file() && Record::of(&meta) == *self)
    }
}

/// Which files of an output folder communique wrote, by path relative to it with `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Each file and its record.
    pub files: HashMap<String, Record>,
}

#[derive(Deserialize)]
struct ManifestFile {
    communique_manifest: u32,
    files: HashMap<String, Record>,
}

impl Manifest {
    /// Reads the manifest of `output`: `None` when it has none. A manifest that cannot be parsed,
    /// or that names a path outside the folder, is an `InvalidData` error.
    pub fn load(output: &Path) -> io::Result<Option<Manifest>> {
        let path = output.join(MANIFEST_NAME);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let invalid = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
        let parsed: ManifestFile =
            serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if parsed.communique_manifest != FORMAT_VERSION {
            return Err(invalid(format!(
                "unknown manifest version {}",
                parsed.communique_manifest
            )));
        }
        if let Some(bad) = parsed.files.keys().find(|p| !is_inner_path(p)) {
            return Err(invalid(format!(
                "it lists {bad:?}, a path outside the folder"
            )));
        }
        Ok(Some(Manifest {
            files: parsed.files,
        }))
    }

    /// The manifest as text, one file per line, sorted.
    pub fn to_text(&self) -> String {
        let mut files: Vec<(&String, &Record)> = self.files.iter().collect();
        files.sort_unstable_by_key(|(path, _)| *path);
        let mut out = String::with_capacity(64 * files.len() + 64);
        out.push_str(&format!(
            "{{\"communique_manifest\": {FORMAT_VERSION}, \"files\": {{"
        ));
        for (i, (path, Record(size, mtime))) in files.into_iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            let key = serde_json::to_string(path).unwrap_or_default();
            out.push_str(&format!("{comma}\n{key}: [{size}, {mtime}]"));
        }
        out.push_str("\n}}\n");
        out
    }

    /// Writes the manifest to `scratch` (a file on the output's file system), then renames it
    /// into `output`: the manifest in place is always a whole one.
    pub fn install(&self, output: &Path, scratch: &Path) -> io::Result<()> {
        write_whole(scratch, self.to_text().as_bytes())?;
        fs::rename(scratch, output.join(MANIFEST_NAME))
    }
}

/// Writes a file whole, then closes it.
pub(super) fn write_whole(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)
}

/// Whether `path` is a plain relative path inside a folder: no root, no `..`, no empty part.
pub(super) fn is_inner_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\0')
        && !path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        && path != MANIFEST_NAME
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest {
            files: [
                ("b/index.html".to_string(), Record(3, 7)),
                ("a \"quoted\"\nname".to_string(), Record(0, 0)),
            ]
            .into_iter()
            .collect(),
        };
        manifest
            .install(dir.path(), &dir.path().join("scratch"))
            .unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), Some(manifest));
        assert!(!dir.path().join("scratch").exists());
    }

    #[test]
    fn a_folder_without_one_has_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), None);
    }

    #[test]
    fn refuses_paths_that_leave_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        for bad in [
            "../x",
            "/etc/passwd",
            "a//b",
            "a/./b",
            "",
            ".communique-manifest",
        ] {
            let text = format!(
                "{{\"communique_manifest\": 1, \"files\": {{{}: [1, 1]}}}}",
                serde_json::to_string(bad).unwrap()
            );
            fs::write(dir.path().join(MANIFEST_NAME), text).unwrap();
            let err = Manifest::load(dir.path()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{bad}");
        }
        fs::write(dir.path().join(MANIFEST_NAME), "not json").unwrap();
        assert!(Manifest::load(dir.path()).is_err());
    }
}
