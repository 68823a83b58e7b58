//! Reading the source site: every file under it, found without following links out of it.
//!
//! The source is only ever read. A link (symlink) to a file inside the source is read as that
//! file; a link that leads out of the source, a link to a folder (which could loop) and a name
//! that is not UTF-8 are left out and reported.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::report::Report;
use crate::diagnostics::Diagnostic;

/// One file of the source site.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the source root, with `/` separators (`content/posts/a.md`).
    pub rel: String,
    /// Where to read it (the link's target when it is a link inside the source).
    pub abs: PathBuf,
}

/// Every file of the source site, in a stable order.
#[derive(Debug, Clone)]
pub struct SourceTree {
    /// The source root, canonical.
    pub root: PathBuf,
    /// Files, sorted by path.
    pub files: Vec<SourceFile>,
}

impl SourceTree {
    /// Lists the files under `root`, recording what was left out in `report`.
    pub fn scan(root: &Path, report: &mut Report) -> Result<SourceTree, Diagnostic> {
        let root = root.canonicalize().map_err(|e| {
            Diagnostic::error(format!("cannot read the site to import at {}: {e}", root.display()))
                .hint("name the folder of a Hugo or Zola site, e.g. `communique import hugo ./old-site ./new-site`")
        })?;
        if !root.is_dir() {
            return Err(
                Diagnostic::error(format!("{} is not a folder", root.display()))
                    .hint("name the folder of the site to import, not one of its files"),
            );
        }
        let mut files = Vec::new();
        let walker = WalkDir::new(&root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            // Version control, generated output and dependencies are not the site's sources.
            .filter_entry(|e| {
                e.depth() == 0
                    || !matches!(
                        e.file_name().to_str(),
                        Some(".git" | ".hg" | ".svn" | "node_modules" | "public" | "resources")
                    )
                    || e.depth() > 1
            });
        for entry in walker {
            let entry = entry.map_err(|e| {
                Diagnostic::error(format!("cannot read the site to import: {e}"))
                    .hint("check the permissions of the folder named")
            })?;
            if entry.depth() == 0 || entry.file_type().is_dir() {
                continue;
            }
            let Some(rel) = rel_path(entry.path(), &root) else {
                report.not_converted(
                    &entry.path().to_string_lossy(),
                    None,
                    "left out: the name is not UTF-8",
                );
                continue;
            };
            if entry.path_is_symlink() {
                match link_target_inside(entry.path(), &root) {
                    Some(target) => files.push(SourceFile { rel, abs: target }),
                    None => report.not_converted(
                        &rel,
                        None,
                        "left out: a link to a folder or to a file outside the site is not followed",
                    ),
                }
                continue;
            }
            if entry.file_type().is_file() {
                files.push(SourceFile {
                    rel,
                    abs: entry.into_path(),
                });
            }
        }
        Ok(SourceTree { root, files })
    }

    /// The files under a top-level folder (`content`), with paths relative to that folder.
    pub fn under<'a>(&'a self, folder: &'a str) -> impl Iterator<Item = (&'a str, &'a SourceFile)> {
        self.files.iter().filter_map(move |f| {
            f.rel
                .strip_prefix(folder)
                .and_then(|r| r.strip_prefix('/'))
                .map(|r| (r, f))
        })
    }

    /// The file at `rel`, if the site has it.
    pub fn get(&self, rel: &str) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.rel == rel)
    }
}

fn rel_path(path: &Path, root: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// The real file a link leads to, when it is a file inside `root`.
fn link_target_inside(link: &Path, root: &Path) -> Option<PathBuf> {
    let target = link.canonicalize().ok()?;
    (target.starts_with(root) && target.is_file()).then_some(target)
}

/// Reads a source file as text; `None` (with a note) when it is not UTF-8 or cannot be read.
pub fn read_text(file: &SourceFile, report: &mut Report) -> Option<String> {
    match std::fs::read(&file.abs) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                report.not_converted(&file.rel, None, "left out: the file is not UTF-8 text");
                None
            }
        },
        Err(e) => {
            report.not_converted(&file.rel, None, format!("left out: cannot read it ({e})"));
            None
        }
    }
}
