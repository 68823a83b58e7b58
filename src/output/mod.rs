//! Output: rendered files → the output folder, safely.
//!
//! communique owns only what it wrote. Each output folder holds a manifest
//! ([`MANIFEST_NAME`]) listing the files communique wrote there; a rebuild removes only files
//! that the manifest lists, that the site no longer produces, and that are still as communique
//! left them. Files it did not write are never deleted, and never overwritten without
//! `--force`. A folder that is not empty and has no manifest is refused without `--force`.
//!
//! Files are written into a staging folder beside the output as they render, and the output
//! folder is touched only when every file has rendered: a build that fails leaves the previous
//! output whole. A first build renames the whole stage into place. Over a previous output only
//! files whose bytes changed are written (unchanged files keep their bytes, inode and
//! timestamps, so deploy tools and caches see no change), then moved over their old versions
//! by a journaled commit that the next build completes if this one is killed (see `output/commit.rs`).
//! See docs/safety.md for what is guaranteed.

mod commit;
mod failure;
mod forbidden;
mod manifest;
mod stage;

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diagnostics::Diagnostic;
use crate::render::OutputFile;

pub use failure::unchanged;
pub use forbidden::check_output_dir;
pub use manifest::{MANIFEST_NAME, Manifest, Record};
pub use stage::{AbandonedStage, Committed, Stage};

/// How a build may treat an output folder it did not create.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Build into a non-empty folder communique did not create, and overwrite files it did not
    /// write at paths the site produces. Still never deletes a file communique did not write.
    pub force: bool,
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Files written (new or changed).
    pub written: usize,
    /// Files left as they were.
    pub unchanged: usize,
    /// Stale files removed.
    pub removed: usize,
}

/// An output folder opened for a build: an interrupted earlier commit completed, leftovers
/// cleared, and ownership checked.
pub struct Output {
    dir: PathBuf,
    stage: PathBuf,
    force: bool,
    /// The manifest of an existing folder (empty for an empty or forced foreign one); `None`
    /// when there is no folder yet.
    found: Option<Manifest>,
    /// What opening did that the user should know.
    pub notes: Vec<Diagnostic>,
}

impl Output {
    /// Opens `dir` for a build. First completes a commit that an earlier build left half done
    /// (killed), so that the output is whole again before anything else happens; then refuses
    /// a folder that is not empty and has no manifest, unless `options.force`.
    pub fn open(dir: &Path, options: &WriteOptions) -> Result<Output, Diagnostic> {
        // Beside the real folder, when the output is a link to one elsewhere.
        let real = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !on_its_parents_file_system(&real) {
            return Err(failure::mount_point(dir));
        }
        let stage = beside(&real, "stage")?;
        let mut notes = Vec::new();
        if fs::symlink_metadata(&stage).is_ok() {
            let rolled = commit::roll_forward(dir, &stage);
            let cleanup = commit::discard(&stage);
            match rolled {
                Ok(Some(progress)) => {
                    notes.push(failure::completed(dir, &progress));
                    notes.extend(failure::kept(dir, &progress.kept));
                }
                Ok(None) => {}
                Err(stopped) => return Err(failure::roll_forward(dir, &stopped, cleanup)),
            }
            if let Err(e) = cleanup {
                return Err(failure::leftover(dir, &stage, &e));
            }
        }
        // The previous output during a whole-folder swap, in earlier versions.
        let old = beside(&real, "old")?;
        if old.is_dir() {
            remove_tree(&old).map_err(|e| failure::leftover(dir, &old, &e))?;
        }
        let found = inspect(dir, options.force)?;
        Ok(Output {
            dir: dir.to_path_buf(),
            stage,
            force: options.force,
            found,
            notes,
        })
    }

    /// Prepares the stage for a new output whose files are exactly `keep`.
    pub fn stage(self, keep: &HashSet<&str>) -> io::Result<Stage> {
        Stage::begin(&self.dir, &self.stage, self.found, self.force, keep)
    }
}

/// What communique owns in `dir`: `None` when there is no folder, its manifest when it has one,
/// nothing when it is empty or `force` is given; otherwise a refusal.
fn inspect(dir: &Path, force: bool) -> Result<Option<Manifest>, Diagnostic> {
    match fs::metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(failure::unreadable(dir, &e)),
        Ok(_) => {}
    }
    match Manifest::load(dir) {
        Ok(Some(manifest)) => Ok(Some(manifest)),
        Ok(None) if force || is_empty(dir) => Ok(Some(Manifest::default())),
        Ok(None) => Err(failure::foreign(dir)),
        // A manifest that cannot be trusted is no manifest: nothing is deleted.
        Err(_) if force => Ok(Some(Manifest::default())),
        Err(e) => Err(failure::bad_manifest(dir, &e)),
    }
}

/// Whether `dir` (if it exists) is on the same file system as its parent, where its stage goes:
/// files can be renamed from one to the other only then.
fn on_its_parents_file_system(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        match (fs::metadata(dir), fs::metadata(parent)) {
            (Ok(dir), Ok(parent)) => dir.dev() == parent.dev(),
            _ => true,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        true
    }
}

fn is_empty(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// The path of communique's `what` (`stage`, `old`) for the output `dir`: a hidden sibling, on
/// the same file system so that renames between them are atomic.
fn beside(dir: &Path, what: &str) -> Result<PathBuf, Diagnostic> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .ok_or_else(|| {
            Diagnostic::error(format!(
                "refusing to use {} as the output folder: it has no name",
                dir.display()
            ))
            .hint("choose a folder of its own, such as `public`, with --output-dir")
        })?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(parent.join(format!(".{name}.communique-{what}")))
}

/// Writes `files` as the new content of `output`, touching it only once every file is written.
pub fn write_site(
    output: &Path,
    files: &[OutputFile],
    options: &WriteOptions,
) -> Result<Committed, Diagnostic> {
    let keep: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let opened = Output::open(output, options)?;
    let mut notes = opened.notes.clone();
    let stage = opened
        .stage(&keep)
        .map_err(|e| failure::unchanged(output, &e, Ok(())))?;
    if let Err(e) = files
        .par_iter()
        .try_for_each(|f| stage.write(f).map(|_| ()))
    {
        let cleanup = stage.abort();
        return Err(failure::unchanged(output, &e, cleanup));
    }
    let mut committed = stage.commit()?;
    notes.append(&mut committed.warnings);
    committed.warnings = notes;
    Ok(committed)
}

/// Makes the folder a file is written into. In a new stage the folder is usually new and its
/// parent exists, so one `mkdir` is tried before the general (and dearer) `create_dir_all`.
fn create_parent(dir: &Path) -> io::Result<()> {
    match fs::create_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(_) => fs::create_dir_all(dir),
    }
}

/// Removes a folder and everything in it, unlinking files in parallel: a leftover stage of a
/// large site is tens of thousands of files, and `remove_dir_all` takes them one by one. Only
/// ever called on communique's own stage.
fn remove_tree(root: &Path) -> io::Result<()> {
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    for entry in WalkDir::new(root) {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_dir() {
            dirs.push(entry.into_path());
        } else {
            files.push(entry.into_path());
        }
    }
    files.par_iter().try_for_each(fs::remove_file)?;
    // Children before parents: the walk listed every folder after its parent.
    for dir in dirs.iter().rev() {
        fs::remove_dir(dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Contents;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.to_string(),
            contents: Contents::Bytes(text.as_bytes().to_vec()),
        }
    }

    fn write(out: &Path, files: &[OutputFile]) -> WriteStats {
        write_site(out, files, &WriteOptions::default())
            .unwrap_or_else(|d| panic!("{d}"))
            .stats
    }

    fn forced(out: &Path, files: &[OutputFile]) -> Result<Committed, Diagnostic> {
        write_site(out, files, &WriteOptions { force: true })
    }

    fn read(out: &Path, rel: &str) -> String {
        fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn listed(out: &Path) -> Vec<String> {
        let mut files: Vec<String> = Manifest::load(out)
            .unwrap()
            .unwrap()
            .files
            .into_keys()
            .collect();
        files.sort();
        files
    }

    #[test]
    fn rewrites_only_changes_and_removes_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let stats = write(&out, &[file("a/index.html", "A"), file("b.txt", "B")]);
        assert_eq!(stats.written, 2);
        assert_eq!(listed(&out), ["a/index.html", "b.txt"]);
        let stats = write(&out, &[file("a/index.html", "A"), file("c.txt", "C")]);
        assert_eq!((stats.written, stats.unchanged, stats.removed), (1, 1, 1));
        assert!(!out.join("b.txt").exists());
        assert_eq!(read(&out, "c.txt"), "C");
        assert_eq!(listed(&out), ["a/index.html", "c.txt"]);
        assert!(!dir.path().join(".public.communique-stage").exists());
    }

    #[test]
    fn keeps_unchanged_files_and_drops_emptied_folders() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let site = [
            file("briefs/a/index.html", "A"),
            file("briefs/b/index.html", "B"),
            file("briefs/b/chart.svg", "<svg/>"),
        ];
        write(&out, &site);
        let inode = |p: &str| fs::metadata(out.join(p)).unwrap().ino();
        let before = inode("briefs/a/index.html");
        let manifest = fs::read(out.join(MANIFEST_NAME)).unwrap();
        let stats = write(&out, &site);
        assert_eq!((stats.written, stats.unchanged, stats.removed), (0, 3, 0));
        assert_eq!(
            fs::read(out.join(MANIFEST_NAME)).unwrap(),
            manifest,
            "a build that changes nothing keeps the manifest"
        );
        let stats = write(&out, &site[..1]);
        assert_eq!((stats.written, stats.unchanged, stats.removed), (0, 1, 2));
        assert_eq!(
            inode("briefs/a/index.html"),
            before,
            "an unchanged file is not rewritten"
        );
        assert!(
            !out.join("briefs/b").exists(),
            "a folder left empty goes too"
        );
    }

    #[test]
    fn files_and_folders_can_trade_places() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&out, &[file("x/index.html", "X"), file("y.txt", "Y")]);
        fs::create_dir(out.join("empty")).unwrap();
        let next = [
            file("x", "now a file"),
            file("y.txt/index.html", "now a folder"),
            file("empty", "E"),
        ];
        let stats = write(&out, &next);
        assert_eq!((stats.written, stats.removed), (3, 2));
        assert_eq!(read(&out, "x"), "now a file");
        assert_eq!(read(&out, "y.txt/index.html"), "now a folder");
        assert_eq!(read(&out, "empty"), "E");
    }

    #[test]
    fn an_aborted_stage_leaves_the_previous_output_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&out, &[file("a/index.html", "A"), file("b.txt", "B")]);
        let keep: HashSet<&str> = ["a/index.html", "c.txt"].into_iter().collect();
        let opened = Output::open(&out, &WriteOptions::default()).unwrap();
        let stage = opened.stage(&keep).unwrap();
        assert!(stage.write(&file("a/index.html", "A2")).unwrap());
        assert!(stage.write(&file("c.txt", "C")).unwrap());
        stage.abort().unwrap();
        assert_eq!(read(&out, "a/index.html"), "A");
        assert_eq!(read(&out, "b.txt"), "B");
        assert!(!out.join("c.txt").exists());
        assert!(!dir.path().join(".public.communique-stage").exists());
    }

    #[test]
    fn never_removes_or_overwrites_files_it_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(
            &out,
            &[file("index.html", "1"), file("old/index.html", "O")],
        );
        fs::write(out.join("CNAME"), "briefs.example.org").unwrap();
        fs::write(out.join("old/notes.txt"), "mine").unwrap();
        let stats = write(&out, &[file("index.html", "2")]);
        assert_eq!((stats.written, stats.removed), (1, 1));
        assert_eq!(read(&out, "CNAME"), "briefs.example.org");
        assert_eq!(read(&out, "old/notes.txt"), "mine");
        assert!(!out.join("old/index.html").exists());

        let refused = write_site(&out, &[file("CNAME", "x")], &WriteOptions::default())
            .expect_err("a file communique did not write is not overwritten");
        assert!(refused.message.contains("CNAME"), "{refused}");
        assert!(refused.hint.unwrap().contains("--force"));
        assert_eq!(read(&out, "CNAME"), "briefs.example.org");
        assert_eq!(read(&out, "index.html"), "2", "the refusal changed nothing");
    }

    #[test]
    fn keeps_an_old_file_that_changed_since_it_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&out, &[file("index.html", "1"), file("draft.html", "D")]);
        fs::write(out.join("draft.html"), "edited by hand").unwrap();
        let done = write_site(&out, &[file("index.html", "1")], &WriteOptions::default()).unwrap();
        assert_eq!(done.stats.removed, 0);
        assert_eq!(read(&out, "draft.html"), "edited by hand");
        assert!(
            done.warnings[0].message.contains("kept 1 old file"),
            "{:?}",
            done.warnings
        );
        assert_eq!(listed(&out), ["index.html"], "no longer claimed");
    }

    #[test]
    fn a_foreign_folder_is_refused_unless_forced_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("www");
        fs::create_dir_all(out.join("photos")).unwrap();
        fs::write(out.join("photos/a.jpg"), "jpeg").unwrap();
        fs::write(out.join("index.html"), "theirs").unwrap();
        let refused = write_site(
            &out,
            &[file("index.html", "ours")],
            &WriteOptions::default(),
        )
        .unwrap_err();
        assert!(
            refused.message.contains(&out.display().to_string()),
            "{refused}"
        );
        assert!(
            refused.message.contains("no .communique-manifest"),
            "{refused}"
        );
        assert!(refused.hint.unwrap().contains("--force"));
        assert_eq!(read(&out, "index.html"), "theirs");

        forced(&out, &[file("index.html", "ours"), file("b.html", "B")]).unwrap();
        assert_eq!(read(&out, "index.html"), "ours", "--force overwrites");
        assert_eq!(read(&out, "photos/a.jpg"), "jpeg", "--force keeps the rest");
        assert_eq!(listed(&out), ["b.html", "index.html"]);
        // Now it is communique's folder: no --force needed, and still nothing foreign goes.
        write(&out, &[file("index.html", "ours")]);
        assert_eq!(read(&out, "photos/a.jpg"), "jpeg");
        assert!(!out.join("b.html").exists());
    }

    #[test]
    fn an_empty_folder_needs_no_force() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir(&out).unwrap();
        write(&out, &[file("index.html", "1")]);
        assert_eq!(listed(&out), ["index.html"]);
    }

    #[test]
    fn even_force_does_not_delete_foreign_files_in_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&out, &[file("index.html", "1")]);
        fs::create_dir(out.join("x")).unwrap();
        fs::write(out.join("x/mine.txt"), "mine").unwrap();
        fs::write(out.join("y"), "mine too").unwrap();
        for next in [file("x", "file"), file("y/index.html", "folder")] {
            let refused = forced(&out, &[next]).unwrap_err();
            assert!(refused.message.contains("without deleting"), "{refused}");
        }
        assert_eq!(read(&out, "x/mine.txt"), "mine");
        assert_eq!(read(&out, "y"), "mine too");
        assert_eq!(read(&out, "index.html"), "1");
        assert!(!dir.path().join(".public.communique-stage").exists());
    }

    #[test]
    fn a_commit_killed_after_its_journal_is_completed_by_the_next_build() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(
            &out,
            &[
                file("a.html", "A1"),
                file("b.html", "B1"),
                file("c.html", "C"),
            ],
        );
        let next = [
            file("a.html", "A2"),
            file("b.html", "B2"),
            file("d/e.html", "E"),
        ];
        let keep: HashSet<&str> = next.iter().map(|f| f.path.as_str()).collect();
        let stage = Output::open(&out, &WriteOptions::default())
            .unwrap()
            .stage(&keep)
            .unwrap();
        for f in &next {
            stage.write(f).unwrap();
        }
        stage.journal_and_stop();
        // Part of the commit happened before the kill: one staged file was moved.
        let staged = dir.path().join(".public.communique-stage");
        let journal = commit::Journal::load(&staged).unwrap().unwrap();
        let (name, rel, _) = &journal.moves[0];
        fs::rename(staged.join(name), out.join(rel)).unwrap();

        let opened = Output::open(&out, &WriteOptions::default()).unwrap();
        assert!(
            opened.notes[0]
                .message
                .contains("completed an earlier build")
        );
        assert!(!staged.exists());
        assert_eq!(read(&out, "a.html"), "A2");
        assert_eq!(read(&out, "b.html"), "B2");
        assert_eq!(read(&out, "d/e.html"), "E");
        assert!(!out.join("c.html").exists());
        assert_eq!(listed(&out), ["a.html", "b.html", "d/e.html"]);
    }
}
