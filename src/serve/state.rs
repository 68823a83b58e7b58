//! What the preview server serves: the site's output files in memory, and the last error.
//!
//! Copied files (static files, page assets) are read into memory when a build produces them,
//! like rendered pages, so a request never touches the disk: a file swapped for a symlink after
//! the build cannot leak what the link points at. An incremental rebuild re-reads only the
//! copied files whose source (or a folder above it) the watcher reported, and reads them
//! ([`ServedSite::load`]) before taking the lock that swaps them in, so requests never wait
//! for the disk.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::Diagnostics;
use crate::render::{Contents, OutputFile};

/// One served file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// Rendered bytes.
    Bytes(Arc<[u8]>),
    /// A file copied as it is (static files, page assets), read at build time.
    Copied {
        /// Where it was read from, to know when a change to it needs a new read.
        source: PathBuf,
        /// What was read.
        bytes: Arc<[u8]>,
    },
    /// A brief's PDF before anyone asked for it: its Typst source, typeset on the first
    /// request (see [`super::http`]).
    Typst(Arc<[u8]>),
}

impl Served {
    /// The bytes to send.
    pub fn bytes(&self) -> &Arc<[u8]> {
        match self {
            Served::Bytes(bytes) | Served::Copied { bytes, .. } | Served::Typst(bytes) => bytes,
        }
    }
}

/// A copied file that could not be read (it vanished, or became a symlink or a folder).
#[derive(Debug)]
pub struct Unreadable {
    /// The source file.
    pub source: PathBuf,
    /// Why.
    pub error: io::Error,
}

/// A build's output files ready to be served: copied files read into memory.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Output path → file.
    pub files: Vec<(String, Served)>,
    /// Copied files that could not be read, and so are left out.
    pub unreadable: Vec<Unreadable>,
}

/// The served site.
#[derive(Debug, Default)]
pub struct ServedSite {
    /// Output path (`briefs/x/index.html`) → file.
    pub files: HashMap<String, Served>,
    /// The errors of the last rebuild, while it is failing.
    pub error: Option<Diagnostics>,
    /// The canonical site root: copied files are read only from inside it.
    root: PathBuf,
}

impl ServedSite {
    /// An empty site whose copied files must lie inside `root` (a canonical path).
    pub fn new(root: PathBuf) -> Self {
        ServedSite {
            root,
            ..ServedSite::default()
        }
    }

    /// Replaces the files, returning the output paths whose contents changed (added, changed,
    /// removed), sorted.
    pub fn replace(&mut self, loaded: Vec<(String, Served)>) -> Vec<String> {
        let mut next: HashMap<String, Served> = HashMap::with_capacity(loaded.len());
        let mut changed = Vec::new();
        for (path, served) in loaded {
            if self.files.get(&path) != Some(&served) {
                changed.push(path.clone());
            }
            next.insert(path, served);
        }
        changed.extend(
            self.files
                .keys()
                .filter(|k| !next.contains_key(*k))
                .cloned(),
        );
        self.files = next;
        changed.sort();
        changed
    }

    /// The canonical site root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Applies a partial update: these files changed or appeared, those disappeared.
    pub fn apply(&mut self, updated: Vec<(String, Served)>, removed: &[String]) -> Vec<String> {
        let mut changed = Vec::new();
        for (path, served) in updated {
            if self.files.get(&path) != Some(&served) {
                changed.push(path.clone());
                self.files.insert(path, served);
            }
        }
        for path in removed {
            if self.files.remove(path).is_some() {
                changed.push(path.clone());
            }
        }
        changed.sort();
        changed
    }

    /// Turns a build's output files into served files. A copied file is read (in parallel: a
    /// first build may copy thousands of images) unless the file served now came from the same
    /// source and nothing in `touched` (changed input paths) is that source or a folder above it.
    ///
    /// The files are taken by value and each rendered page's buffer is freed as soon as it is
    /// converted: a site's pages are hundreds of megabytes, and holding both forms at once
    /// doubled what the first build of `serve` needed.
    pub fn load(&self, files: Vec<OutputFile>, touched: &[PathBuf]) -> Loaded {
        let mut loaded = Vec::with_capacity(files.len());
        let mut to_read = Vec::new();
        for file in files {
            match file.contents {
                // Rendered bytes at a `.pdf` path are a PDF's Typst source (see `Served::Typst`).
                Contents::Bytes(b) if file.path.ends_with(".pdf") => {
                    loaded.push((file.path, Served::Typst(Arc::from(b))))
                }
                Contents::Bytes(b) => loaded.push((file.path, Served::Bytes(Arc::from(b)))),
                Contents::Copy(source) => match self.files.get(&file.path) {
                    Some(kept @ Served::Copied { source: was, .. })
                        if *was == source && !touched.iter().any(|t| source.starts_with(t)) =>
                    {
                        loaded.push((file.path, kept.clone()));
                    }
                    _ => to_read.push((file.path, source)),
                },
            }
        }
        let root = &self.root;
        let read: Vec<(String, PathBuf, io::Result<Vec<u8>>)> = to_read
            .into_par_iter()
            .map(|(path, source)| {
                let bytes = read_inside(root, &source);
                (path, source, bytes)
            })
            .collect();
        let mut unreadable = Vec::new();
        for (path, source, bytes) in read {
            match bytes {
                Ok(bytes) => loaded.push((
                    path,
                    Served::Copied {
                        source,
                        bytes: Arc::from(bytes),
                    },
                )),
                Err(error) => unreadable.push(Unreadable { source, error }),
            }
        }
        Loaded {
            files: loaded,
            unreadable,
        }
    }
}

/// Reads a regular file that lies inside `root`, following no symlink to it.
///
/// The file is opened without following a final symlink (`O_NOFOLLOW`; `O_NONBLOCK` so a FIFO
/// put in its place cannot block the open), must be a regular file, and its real path must be
/// inside `root` and name the file that was opened: a folder above it swapped for a link to
/// somewhere else is refused whichever way the swap races with the open.
pub fn read_inside(root: &Path, path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open_no_follow(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let real = path.canonicalize()?;
    if !real.starts_with(root) || !same_file(&metadata, &std::fs::metadata(&real)?) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "it leads outside the site through a symlink",
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| {
            // Linux says "too many levels of symbolic links" for a refused final symlink.
            if e.raw_os_error() == Some(libc::ELOOP) {
                io::Error::new(io::ErrorKind::InvalidInput, "it is a symlink")
            } else {
                e
            }
        })
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a symlink",
        ));
    }
    std::fs::File::open(path)
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

/// The site path a browser shows for an output path (`briefs/x/index.html` → `/briefs/x/`).
pub fn site_path_of(output_path: &str) -> String {
    match output_path.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{output_path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(path: &str, source: &Path) -> OutputFile {
        OutputFile {
            path: path.to_string(),
            contents: Contents::Copy(source.to_path_buf()),
        }
    }

    fn site_in(dir: &Path) -> ServedSite {
        ServedSite::new(dir.canonicalize().unwrap())
    }

    #[test]
    fn copied_files_are_read_once_and_again_only_when_touched() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let source = root.join("static/a.css");
        std::fs::create_dir_all(source.parent().unwrap()).unwrap();
        std::fs::write(&source, "one").unwrap();
        let mut site = site_in(&root);
        let update = |site: &mut ServedSite, touched: &[PathBuf]| {
            let loaded = site.load(vec![copy("a.css", &source)], touched);
            site.apply(loaded.files, &[])
        };
        assert_eq!(update(&mut site, &[]), ["a.css"]);
        std::fs::write(&source, "two").unwrap();
        // Not reported as changed: the served bytes stay the ones read by the build.
        assert!(update(&mut site, &[]).is_empty());
        assert_eq!(&**site.files["a.css"].bytes(), b"one");
        // Reported for its folder: read again.
        assert_eq!(update(&mut site, &[root.join("static")]), ["a.css"]);
        assert_eq!(&**site.files["a.css"].bytes(), b"two");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.txt");
        std::fs::write(&secret, "secret").unwrap();
        std::fs::create_dir_all(root.join("static")).unwrap();
        let link = root.join("static/favicon.svg");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        // A folder above the file swapped for a link to an outside folder.
        std::os::unix::fs::symlink(outside.path(), root.join("static/sub")).unwrap();
        let loaded = site_in(&root).load(
            vec![
                copy("favicon.svg", &link),
                copy("sub/secret.txt", &root.join("static/sub/secret.txt")),
            ],
            &[],
        );
        assert!(loaded.files.is_empty());
        let reasons: Vec<String> = loaded
            .unreadable
            .iter()
            .map(|u| u.error.to_string())
            .collect();
        assert_eq!(
            reasons,
            [
                "it is a symlink",
                "it leads outside the site through a symlink"
            ]
        );
    }
}
