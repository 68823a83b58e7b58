//! Finding content files on disk.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Location};

/// What a content file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `_index.md`: a section.
    Section,
    /// Any other `.md` file: a page.
    Page,
}

/// A content file found on disk.
#[derive(Debug, Clone)]
pub struct Found {
    /// Path relative to `content/`, with `/` separators (`briefs/first-round.md`).
    pub rel: String,
    /// Path on disk.
    pub abs: PathBuf,
    /// Section or page.
    pub kind: Kind,
    /// For a folder page (`x/index.md`): the other files beside it, relative to its folder.
    pub assets: Vec<String>,
}

/// Whether a file or folder name is an editor's temporary file, hidden, or otherwise not content.
pub fn is_ignored_name(name: &str) -> bool {
    (name.starts_with('.') && name != ".")
        || (name.starts_with('_') && name != "_index.md")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.ends_with(".bck")
        || name.contains("___jb_")
        || name == "4913"
}

/// Lists every content file under `content_dir`, in a stable order.
pub fn discover(content_dir: &Path, root: &Path) -> Result<Vec<Found>, Diagnostic> {
    if !content_dir.is_dir() {
        return Err(
            Diagnostic::error(format!("no content folder at {}", content_dir.display())).hint(
                "create it and put your briefs in it, or run `communique init` to start a new site",
            ),
        );
    }
    let mut found = Vec::new();
    let mut walker = WalkDir::new(content_dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    while let Some(entry) = walker.next() {
        let entry = entry.map_err(|e| {
            let path = e.path().map(Path::to_path_buf).unwrap_or_default();
            Diagnostic::error(format!("cannot read the content folder: {e}"))
                .at(Location::file(crate::diagnostics::relative_to(&path, root)))
                .hint("check the file's permissions")
        })?;
        if entry.file_type().is_dir()
            && entry.depth() > 0
            && entry.path().join("index.md").is_file()
        {
            // A folder page: index.md is the page, everything else beside it is an asset.
            let rel = rel_path(entry.path().join("index.md").as_path(), content_dir);
            let assets = WalkDir::new(entry.path())
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .filter(|e| e.depth() > 0 && !is_ignored_name(&e.file_name().to_string_lossy()))
                .map(|e| rel_path(e.path(), entry.path()))
                .filter(|p| !p.ends_with(".md"))
                .collect();
            found.push(Found {
                rel,
                abs: entry.path().join("index.md"),
                kind: Kind::Page,
                assets,
            });
            walker.skip_current_dir();
            continue;
        }
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let kind = if entry.file_name() == "_index.md" {
            Kind::Section
        } else {
            Kind::Page
        };
        found.push(Found {
            rel: rel_path(entry.path(), content_dir),
            abs: entry.path().to_path_buf(),
            kind,
            assets: Vec::new(),
        });
    }
    Ok(found)
}

fn rel_path(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_temporary_files_are_ignored() {
        for name in [
            ".x.md.swp",
            "x.md~",
            "4913",
            ".#x.md",
            "_draft.md",
            "x.md___jb_tmp___",
        ] {
            assert!(is_ignored_name(name), "{name}");
        }
        for name in ["x.md", "_index.md", "index.md"] {
            assert!(!is_ignored_name(name), "{name}");
        }
    }
}
