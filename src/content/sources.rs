//! Which entries on disk are site sources: the link policy, and the names communique can
//! publish. Every walk over `content/`, `templates/` and `static/` decides here, before
//! anything is read, whether an entry is a source.
//!
//! A *site source* is a file inside the site's `content/`, `templates/` or `static/` folder.
//! Only site sources are read, so only site sources can ever be quoted in an error or copied
//! into the output. The walks never follow links themselves; for each entry:
//!
//! - A regular file or folder is a source (unless its name is ignored, see
//!   [`is_ignored_name`]).
//! - A link is followed only when its target, with every link on the way resolved, is a
//!   regular file inside one of the three source folders and not under a hidden (`.`) name.
//!   Any other link (out of the site, dangling, into `/proc`, to a folder) is skipped with a
//!   warning naming it. Its target is resolved, never opened.
//! - A name that cannot be published as it is (not UTF-8, a control character such as a
//!   newline, a backslash) is skipped with a warning: it cannot be shown, served or deployed
//!   safely.
//! - Anything else (a pipe, a socket, a device) is skipped with a warning.
//!
//! A source folder that is itself a link out of the site root is skipped as a whole.

use std::ffi::OsStr;
use std::fs::FileType;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::discover::is_ignored_name;
use crate::diagnostics::{Diagnostic, Location, relative_to};

/// The folders of a site whose files are sources.
pub const SOURCE_FOLDERS: [&str; 3] = ["content", "templates", "static"];

/// The site's source folders with every link resolved: what a link may point into.
#[derive(Debug, Clone)]
pub struct SourceFolders {
    /// The site root as given, for messages.
    root: PathBuf,
    /// The site root, resolved.
    canonical_root: Option<PathBuf>,
    /// The source folders that exist and lie inside the site root, resolved.
    zones: Vec<PathBuf>,
}

/// What a walk makes of one entry.
#[derive(Debug)]
pub enum Entry {
    /// A file to read (a regular file, or a link the policy follows).
    File,
    /// A folder to walk into.
    Folder,
    /// Not a source: the warning says why.
    Skipped(Diagnostic),
}

/// A source file found by [`SourceFolders::walk_files`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path on disk (the link itself, for a followed link).
    pub abs: PathBuf,
    /// The path relative to the walked folder, with `/` separators.
    pub rel: String,
}

/// The files of one walk and what it skipped.
#[derive(Debug, Default)]
pub struct Walked {
    /// Source files, in name order.
    pub files: Vec<SourceFile>,
    /// A warning for every entry that is not a source, and an error for every entry that
    /// could not be read.
    pub skipped: Vec<Diagnostic>,
}

impl SourceFolders {
    /// The source folders of the site at `root`.
    pub fn of_site(root: &Path) -> Self {
        let canonical_root = root.canonicalize().ok();
        let zones = SOURCE_FOLDERS
            .iter()
            .filter_map(|name| root.join(name).canonicalize().ok())
            .filter(|zone| {
                canonical_root
                    .as_ref()
                    .is_some_and(|root| zone.starts_with(root))
            })
            .collect();
        SourceFolders {
            root: root.to_path_buf(),
            canonical_root,
            zones,
        }
    }

    /// Checks a source folder before walking it: a warning when it is a link that leads out of
    /// the site root. A missing folder, or one that is not a link, is fine.
    pub fn check_folder(&self, dir: &Path) -> Result<(), Diagnostic> {
        let is_link = dir
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            return Ok(());
        }
        let inside = dir.canonicalize().ok().is_some_and(|target| {
            self.canonical_root
                .as_ref()
                .is_some_and(|root| target.starts_with(root))
        });
        if inside {
            Ok(())
        } else {
            Err(self.skipped_link(
                dir,
                "a folder outside the site root, so nothing in it is read",
            ))
        }
    }

    /// Decides what an entry met by a walk (which follows no links) is, without reading it.
    /// `file_type` is the entry's own type, not its target's.
    pub fn classify(&self, path: &Path, file_type: FileType) -> Entry {
        if let Some(name) = path.file_name()
            && let Some(problem) = unpublishable_name(name)
        {
            return Entry::Skipped(
                Diagnostic::warning(format!("skipped: {problem}"))
                    .at(Location::file(self.display(path)))
                    .hint("rename it with printable characters and no backslash"),
            );
        }
        if file_type.is_dir() {
            Entry::Folder
        } else if file_type.is_file() {
            Entry::File
        } else if file_type.is_symlink() {
            self.classify_link(path)
        } else {
            Entry::Skipped(
                Diagnostic::warning("skipped: not a regular file (a pipe, socket or device)")
                    .at(Location::file(self.display(path)))
                    .hint("remove it from the site's folders"),
            )
        }
    }

    /// A link is followed only to a regular, visible file inside a source folder.
    fn classify_link(&self, link: &Path) -> Entry {
        let Ok(target) = link.canonicalize() else {
            return Entry::Skipped(self.skipped_link(link, "nothing is there (a dangling link)"));
        };
        let Some(zone) = self.zones.iter().find(|zone| target.starts_with(zone)) else {
            return Entry::Skipped(self.skipped_link(
                link,
                "outside the site's content/, templates/ and static/ folders",
            ));
        };
        let hidden = target.strip_prefix(zone).is_ok_and(|inside| {
            inside
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        });
        if hidden {
            return Entry::Skipped(self.skipped_link(link, "a hidden file"));
        }
        match std::fs::metadata(&target) {
            Ok(m) if m.is_file() => Entry::File,
            Ok(m) if m.is_dir() => Entry::Skipped(
                self.skipped_link(link, "a folder (links are followed to files only)"),
            ),
            _ => Entry::Skipped(self.skipped_link(link, "not a regular file")),
        }
    }

    fn skipped_link(&self, link: &Path, why: &str) -> Diagnostic {
        // The link's own text, not anything from its target: a path is shown, never content.
        let target = std::fs::read_link(link)
            .map(|t| format!(" to {}", printable(&t.to_string_lossy())))
            .unwrap_or_default();
        Diagnostic::warning(format!("skipped: a link{target}: {why}"))
            .at(Location::file(self.display(link)))
            .hint(
                "communique follows links only to files inside content/, templates/ and static/: \
                 copy the file into the site instead",
            )
    }

    /// A path as shown in messages: relative to the site root, control characters escaped.
    pub fn display(&self, path: &Path) -> PathBuf {
        PathBuf::from(printable(&relative_to(path, &self.root).to_string_lossy()))
    }

    /// Every source file under `dir`, in name order; ignored names are left out silently,
    /// every other entry that is not a source is reported with a warning, and one that cannot
    /// be read with an error. A missing `dir` has no files.
    pub fn walk_files(&self, dir: &Path) -> Walked {
        let mut walked = Walked::default();
        if let Err(warning) = self.check_folder(dir) {
            walked.skipped.push(warning);
            return walked;
        }
        if !dir.is_dir() {
            return walked;
        }
        let mut walker = WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                    walked.skipped.push(
                        Diagnostic::error(format!("cannot read it: {e}"))
                            .at(Location::file(self.display(&path)))
                            .hint("check its permissions"),
                    );
                    continue;
                }
            };
            if entry.depth() == 0 {
                continue;
            }
            match self.classify(entry.path(), entry.file_type()) {
                Entry::File => walked.files.push(SourceFile {
                    abs: entry.path().to_path_buf(),
                    rel: rel_path(entry.path(), dir),
                }),
                Entry::Folder => {}
                Entry::Skipped(warning) => {
                    walked.skipped.push(warning);
                    if entry.file_type().is_dir() {
                        walker.skip_current_dir();
                    }
                }
            }
        }
        walked
    }
}

/// Whether `path` is a link whose target lies outside the site root (or cannot be resolved).
/// For single files read outside the walks, such as the configuration.
pub fn is_link_out_of_site(path: &Path, root: &Path) -> bool {
    let is_link = path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return false;
    }
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(target), Ok(root)) => !target.starts_with(root),
        _ => true,
    }
}

/// Why a file name cannot be published as it is, if it cannot.
pub fn unpublishable_name(name: &OsStr) -> Option<String> {
    let Some(name) = name.to_str() else {
        return Some(format!(
            "the name {} is not valid UTF-8",
            printable(&name.to_string_lossy())
        ));
    };
    if name.chars().any(is_unprintable) {
        Some(format!(
            "the name \"{}\" has a control character (such as a newline)",
            printable(name)
        ))
    } else if name.contains('\\') {
        Some(format!("the name \"{name}\" has a backslash"))
    } else {
        None
    }
}

/// Control characters, and the invisible ones that reorder or hide text on a terminal.
fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text safe to print on a terminal: unprintable characters escaped (`\n`, `\u{202e}`).
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unprintable(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `path` relative to `base`, with `/` separators.
pub fn rel_path(path: &Path, base: &Path) -> String {
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
    fn names_that_cannot_be_published() {
        for name in [
            "a\nb.md",
            "x\u{202e}gpj.exe",
            "tab\there",
            "back\\slash.css",
        ] {
            assert!(unpublishable_name(OsStr::new(name)).is_some(), "{name:?}");
        }
        for name in ["a b.md", "100%.pdf", "q?.txt", "hash#.css", "العراق.md"] {
            assert!(unpublishable_name(OsStr::new(name)).is_none(), "{name:?}");
        }
        assert_eq!(printable("a\nb\u{1b}"), "a\\nb\\u{1b}");
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_only_into_source_folders() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.txt");
        std::fs::write(&secret, "TOKEN").unwrap();
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        for dir in ["content", "static", "static/.git"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::write(root.join("static/real.css"), "a{}").unwrap();
        std::fs::write(root.join("static/.git/config"), "x").unwrap();
        std::fs::write(root.join("communique.toml"), "x").unwrap();
        let links = [
            ("content/in.md", root.join("static/real.css"), true),
            ("content/out.md", secret.clone(), false),
            ("content/env.md", PathBuf::from("/proc/self/environ"), false),
            ("content/dangling.md", root.join("nothing"), false),
            ("content/config.md", root.join("communique.toml"), false),
            ("content/hidden.md", root.join("static/.git/config"), false),
            ("content/folder", root.join("static"), false),
        ];
        for (link, target, _) in &links {
            symlink(target, root.join(link)).unwrap();
        }
        let folders = SourceFolders::of_site(root);
        for (link, _, followed) in links {
            let path = root.join(link);
            let kind = path.symlink_metadata().unwrap().file_type();
            match folders.classify(&path, kind) {
                Entry::File => assert!(followed, "{link} was followed"),
                Entry::Skipped(w) => {
                    assert!(!followed, "{link} was skipped: {w}");
                    assert!(!w.is_error());
                    assert_eq!(w.location.unwrap().file, Path::new(link));
                    assert!(!w.message.contains("TOKEN"));
                }
                Entry::Folder => panic!("{link} taken for a folder"),
            }
        }
    }
}
