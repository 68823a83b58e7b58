//! Finding content files on disk.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::authors::AUTHORS_DIR;
use super::sources::{Entry, SourceFolders, rel_path};
use crate::diagnostics::{Diagnostic, Location, Severity};

/// The file that makes a folder a single page.
pub const PAGE_INDEX: &str = "index.md";
/// The file that makes a folder a section.
pub const SECTION_INDEX: &str = "_index.md";

/// What a content file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `_index.md`: a section.
    Section,
    /// Any other `.md` file: a page.
    Page,
    /// `authors/<id>.md`: an author (see [`super::authors`]).
    Author,
    /// `authors/_index.md`: the title, text and options of the listing of all authors.
    AuthorsIndex,
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
        || (name.starts_with('_') && !is_section_index(name))
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.ends_with(".bck")
        || name.contains("___jb_")
        || name == "4913"
}

/// Whether a file name makes its folder a section: `_index.md`, or a translation of it
/// (`_index.ar.md`, see [`super::translation`]).
pub fn is_section_index(name: &str) -> bool {
    name == SECTION_INDEX || super::translation::language_of(name).0 == SECTION_INDEX
}

/// Whether a file name is a translation of a folder page's `index.md` (`index.ar.md`).
fn is_page_index_translation(name: &str) -> bool {
    name != PAGE_INDEX && super::translation::language_of(name).0 == PAGE_INDEX
}

/// What discovery found: the files to load, the files refused, and what was skipped.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Content files to read, in a stable order.
    pub found: Vec<Found>,
    /// Content files that are not loaded, each with the error that says why (relative to
    /// `content/`). Links to them are not reported again.
    pub rejected: Vec<(String, Diagnostic)>,
    /// Other problems: errors about folders, and a warning for every entry skipped.
    pub diagnostics: Vec<Diagnostic>,
}

/// Lists every content file under `content_dir`, in a stable order. Nothing is read: links
/// are checked against the site's source folders first (see [`super::sources`]).
pub fn discover(content_dir: &Path, root: &Path) -> Result<Discovery, Diagnostic> {
    let folders = SourceFolders::of_site(root);
    if let Err(warning) = folders.check_folder(content_dir) {
        return Err(Diagnostic {
            severity: Severity::Error,
            ..warning
        });
    }
    if !content_dir.is_dir() {
        return Err(
            Diagnostic::error(format!("no content folder at {}", content_dir.display())).hint(
                "create it and put your briefs in it, or run `communique init` to start a new site",
            ),
        );
    }
    let mut discovery = Discovery::default();
    let mut walker = WalkDir::new(content_dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    while let Some(entry) = walker.next() {
        let entry = entry.map_err(|e| {
            let path = e.path().map(Path::to_path_buf).unwrap_or_default();
            Diagnostic::error(format!("cannot read the content folder: {e}"))
                .at(Location::file(folders.display(&path)))
                .hint("check the file's permissions")
        })?;
        if entry.depth() == 0 {
            discovery.reject_root_index(content_dir, &folders);
            continue;
        }
        match folders.classify(entry.path(), entry.file_type()) {
            Entry::Skipped(warning) => {
                discovery.diagnostics.push(warning);
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
            }
            Entry::Folder if entry.depth() == 1 && entry.file_name() == AUTHORS_DIR => {
                discovery.add_authors(entry.path(), content_dir, &folders);
                walker.skip_current_dir();
            }
            Entry::Folder => {
                if !discovery.enter_folder(entry.path(), content_dir, &folders) {
                    walker.skip_current_dir();
                }
            }
            Entry::File => discovery.add_file(entry.path(), content_dir),
        }
    }
    Ok(discovery)
}

impl Discovery {
    /// Handles a folder below the content root. Returns whether the walk goes into it: not
    /// for a folder page (its files are its assets) nor for a folder that cannot be published.
    fn enter_folder(&mut self, dir: &Path, content_dir: &Path, folders: &SourceFolders) -> bool {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if crate::site::urls::slugify(&name).is_empty() {
            self.diagnostics.push(
                Diagnostic::error("this folder's name has no letter or digit to make its URL")
                    .at(Location::file(folders.display(dir)))
                    .hint("rename the folder: its URL segment is its name in lowercase, with every run of other characters made one `-`"),
            );
            return false;
        }
        let index = dir.join(PAGE_INDEX);
        if index.symlink_metadata().is_err() {
            return true;
        }
        if dir.join(SECTION_INDEX).symlink_metadata().is_ok() {
            self.reject_beside_section(&index, content_dir, folders);
            return true;
        }
        match index
            .symlink_metadata()
            .map(|m| folders.classify(&index, m.file_type()))
        {
            Ok(Entry::File) => {
                self.add_folder_page(dir, content_dir, folders);
                false
            }
            Ok(Entry::Skipped(warning)) => {
                // The page's own text is refused, so the folder publishes nothing.
                self.diagnostics.push(warning);
                false
            }
            Ok(Entry::Folder) | Err(_) => true,
        }
    }

    /// A folder page: `index.md` is the page, every other file beside it an asset.
    fn add_folder_page(&mut self, dir: &Path, content_dir: &Path, folders: &SourceFolders) {
        let walked = folders.walk_files(dir);
        self.diagnostics.extend(walked.skipped);
        let mut assets = Vec::new();
        // `index.ar.md` beside `index.md`: the page in another language, sharing its assets.
        let mut translations = Vec::new();
        for file in walked.files {
            if file.rel == PAGE_INDEX {
                continue;
            }
            if is_page_index_translation(&file.rel) {
                translations.push(file.abs);
                continue;
            }
            if file.rel.ends_with(".md") {
                self.diagnostics.push(
                    Diagnostic::warning(format!(
                        "not published: this file lies in the folder of the page {}, whose other files are assets, and Markdown is not copied as an asset",
                        folders.display(&dir.join(PAGE_INDEX)).display()
                    ))
                    .at(Location::file(folders.display(&file.abs)))
                    .hint("move it out of the page's folder to make it a page of its own, or start its name with `_` to keep it unpublished"),
                );
                continue;
            }
            assets.push(file.rel);
        }
        let abs = dir.join(PAGE_INDEX);
        for abs in translations {
            self.found.push(Found {
                rel: rel_path(&abs, content_dir),
                abs,
                kind: Kind::Page,
                assets: assets.clone(),
            });
        }
        self.found.push(Found {
            rel: rel_path(&abs, content_dir),
            abs,
            kind: Kind::Page,
            assets,
        });
    }

    /// A Markdown file met by the walk. `index.md` files were handled with their folder.
    fn add_file(&mut self, path: &Path, content_dir: &Path) {
        let name = path.file_name().unwrap_or_default();
        if name == PAGE_INDEX || path.extension().is_none_or(|e| e != "md") {
            return;
        }
        let kind = if is_section_index(&name.to_string_lossy()) {
            Kind::Section
        } else {
            Kind::Page
        };
        self.found.push(Found {
            rel: rel_path(path, content_dir),
            abs: path.to_path_buf(),
            kind,
            assets: Vec::new(),
        });
    }

    /// `content/authors/`: every Markdown file directly in it is an author, and `_index.md`
    /// describes the listing of all authors. Files are walked with the same link policy as
    /// the rest of the content.
    fn add_authors(&mut self, dir: &Path, content_dir: &Path, folders: &SourceFolders) {
        let walked = folders.walk_files(dir);
        self.diagnostics.extend(walked.skipped);
        for file in walked.files {
            if !file.rel.ends_with(".md") {
                continue;
            }
            if file.rel.contains('/') {
                self.diagnostics.push(
                    Diagnostic::warning("not published: author files lie directly in content/authors/, not in folders below it")
                        .at(Location::file(folders.display(&file.abs)))
                        .hint("move it to content/authors/<id>.md"),
                );
                continue;
            }
            if file.rel == PAGE_INDEX {
                let error = Diagnostic::error("content/authors/ holds one file per author: `index.md` would be an author with the id \"index\"")
                    .at(Location::file(folders.display(&file.abs)))
                    .hint("rename it to _index.md to give the listing of all authors a title and text, or to <id>.md for an author");
                self.rejected
                    .push((rel_path(&file.abs, content_dir), error));
                continue;
            }
            if file.rel != SECTION_INDEX && is_section_index(&file.rel) {
                // The listing of all authors is in the default language only.
                self.diagnostics.push(
                    Diagnostic::warning("not published: the listing of all authors has one text, content/authors/_index.md")
                        .at(Location::file(folders.display(&file.abs)))
                        .hint("translations of authors' texts are not supported yet; remove the file or start its name with `_` and another letter"),
                );
                continue;
            }
            let kind = if file.rel == SECTION_INDEX {
                Kind::AuthorsIndex
            } else {
                Kind::Author
            };
            self.found.push(Found {
                rel: rel_path(&file.abs, content_dir),
                abs: file.abs,
                kind,
                assets: Vec::new(),
            });
        }
    }

    /// `index.md` beside `_index.md`: the folder cannot be both a page and a section.
    fn reject_beside_section(&mut self, index: &Path, content_dir: &Path, folders: &SourceFolders) {
        let section = index.with_file_name(SECTION_INDEX);
        let error = Diagnostic::error(format!(
            "{} and {} are in the same folder: `_index.md` makes a folder a section (a listing of the pages in it), `index.md` makes it a single page",
            folders.display(index).display(),
            folders.display(&section).display(),
        ))
        .at(Location::file(folders.display(index)))
        .hint("rename index.md (e.g. to overview.md) to make it a page of the section, or remove _index.md to make the folder one page with its other files as assets");
        self.rejected.push((rel_path(index, content_dir), error));
    }

    /// `content/index.md`: the content root is always the home page's section.
    fn reject_root_index(&mut self, content_dir: &Path, folders: &SourceFolders) {
        let index = content_dir.join(PAGE_INDEX);
        if index.symlink_metadata().is_err() {
            return;
        }
        if content_dir.join(SECTION_INDEX).symlink_metadata().is_ok() {
            self.reject_beside_section(&index, content_dir, folders);
            return;
        }
        let error = Diagnostic::error(
            "`index.md` would make the content root a single page, but the root is the home page's section",
        )
        .at(Location::file(folders.display(&index)))
        .hint("rename it to _index.md to make it the home page, or give it another name to publish it as a page");
        self.rejected.push((PAGE_INDEX.to_string(), error));
    }
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
