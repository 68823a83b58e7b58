//! The commit: staged files go into the output folder as one journaled step.
//!
//! Before touching the output, the plan (which staged file goes where, which old files go) is
//! written whole as a journal inside the stage. Only then are files moved. A build killed
//! at any point after that leaves the journal, and the next build first replays it ([`apply`] is
//! idempotent): staged files still there are moved, files already moved are skipped. A build
//! killed before the journal exists has not touched the output.
//!
//! The order of [`apply`] keeps the manifest a superset of what communique wrote at every
//! moment, so that whatever happens a later build knows which files are its own:
//!
//! 1. if files appear at new paths, the manifest becomes the union of the old one and the new
//!    paths (written whole, then renamed);
//! 2. old files the site no longer produces are removed, if the manifest lists them and they
//!    are still as communique left them; then the folders those removals emptied;
//! 3. staged files are renamed over their old versions (a rename replaces a file atomically:
//!    a reader sees the old bytes or the new, never a mix);
//! 4. the next manifest (exactly the new site's files) is renamed into place.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::manifest::{Manifest, Record, is_inner_path, write_whole};
use super::{create_parent, remove_tree};

/// The journal's name inside the stage.
pub(super) const JOURNAL_NAME: &str = "journal";
/// The next manifest's name inside the stage.
pub(super) const NEXT_MANIFEST: &str = "manifest";
const JOURNAL_VERSION: u32 = 1;

/// The plan of one commit.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Journal {
    communique_journal: u32,
    /// Staged files: (name in the stage, path in the output, record of the staged file).
    pub moves: Vec<(String, String, Record)>,
    /// Files of the previous output that the new one does not have.
    pub removals: Vec<String>,
    /// Whether the stage holds the next manifest.
    pub next_manifest: bool,
}

/// How far a commit got.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// Staged files moved into place by this run.
    pub moved: usize,
    /// Old files removed by this run.
    pub removed: usize,
    /// Old files left in place because they changed since communique wrote them.
    pub kept: Vec<String>,
    /// Whether the manifest in the output was rewritten.
    pub manifest_changed: bool,
}

impl Progress {
    /// Whether nothing in the output has changed.
    pub fn untouched(&self) -> bool {
        self.moved == 0 && self.removed == 0 && !self.manifest_changed
    }
}

/// A commit that stopped on an error, and how far it got.
#[derive(Debug)]
pub(super) struct Interrupted {
    pub progress: Progress,
    pub error: io::Error,
}

impl Journal {
    pub fn new(
        moves: Vec<(String, String, Record)>,
        removals: Vec<String>,
        next_manifest: bool,
    ) -> Journal {
        Journal {
            communique_journal: JOURNAL_VERSION,
            moves,
            removals,
            next_manifest,
        }
    }

    /// Writes the journal whole into the stage, then renames it to its name: it exists only
    /// once it is complete.
    pub fn save(&self, stage: &Path) -> io::Result<()> {
        let text = serde_json::to_vec(self).map_err(io::Error::other)?;
        let scratch = stage.join("journal.tmp");
        write_whole(&scratch, &text)?;
        fs::rename(&scratch, stage.join(JOURNAL_NAME))
    }

    /// The journal left in `stage` by an interrupted commit, if any.
    pub fn load(stage: &Path) -> io::Result<Option<Journal>> {
        let text = match fs::read(stage.join(JOURNAL_NAME)) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let invalid = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
        let journal: Journal = serde_json::from_slice(&text).map_err(|e| invalid(e.to_string()))?;
        if journal.communique_journal != JOURNAL_VERSION {
            return Err(invalid("unknown journal version".to_string()));
        }
        let sound = journal
            .moves
            .iter()
            .all(|(staged, rel, _)| is_inner_path(rel) && is_plain_name(staged))
            && journal.removals.iter().all(|rel| is_inner_path(rel));
        if !sound {
            return Err(invalid("it names a path outside the output".to_string()));
        }
        Ok(Some(journal))
    }
}

fn is_plain_name(name: &str) -> bool {
    is_inner_path(name) && !name.contains('/')
}

/// Carries out `journal` on `output`, whose manifest is `current` (empty when it has none).
/// Safe to run again on the same journal after an interruption.
pub(super) fn apply(
    output: &Path,
    stage: &Path,
    journal: &Journal,
    current: &Manifest,
) -> Result<Progress, Interrupted> {
    let mut progress = Progress::default();
    let stop = |progress, error| Interrupted { progress, error };
    // 1. Own the new paths before anything lands there.
    let mut owned = current.clone();
    let mut grows = false;
    for (_, rel, record) in &journal.moves {
        grows |= owned.files.insert(rel.clone(), *record).is_none();
    }
    if grows {
        if let Err(e) = owned.install(output, &stage.join("manifest.union")) {
            return Err(stop(
                progress,
                with_path(e, "cannot write the manifest", output),
            ));
        }
        progress.manifest_changed = true;
    }
    // 2. Old files, only as communique left them; then the folders that leaves empty.
    let mut emptied = Vec::new();
    for rel in &journal.removals {
        let Some(record) = current.files.get(rel) else {
            continue;
        };
        let path = output.join(rel);
        if !has_no_link_between(output, rel) {
            progress.kept.push(rel.clone());
            continue;
        }
        if !record.matches(&path) {
            if fs::symlink_metadata(&path).is_ok() {
                progress.kept.push(rel.clone());
            }
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => {
                progress.removed += 1;
                emptied.push(rel.as_str());
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(stop(progress, with_path(e, "cannot remove", &path))),
        }
    }
    remove_emptied_folders(output, &emptied);
    // 3. New and changed files.
    let moved = AtomicUsize::new(0);
    let attempts = AtomicUsize::new(0);
    let fail_at = injected_failure();
    let result = journal
        .moves
        .par_iter()
        .try_for_each(|(staged, rel, _)| -> io::Result<()> {
            let from = stage.join(staged);
            if fs::symlink_metadata(&from).is_err() {
                // Moved by an earlier, interrupted run.
                return Ok(());
            }
            if fail_at == Some(attempts.fetch_add(1, Ordering::Relaxed)) {
                return Err(io::Error::other(format!(
                    "{rel}: failure injected by COMMUNIQUE_TEST_FAIL_MOVE"
                )));
            }
            move_into_place(&from, &output.join(rel))?;
            moved.fetch_add(1, Ordering::Relaxed);
            Ok(())
        });
    progress.moved = moved.into_inner();
    if let Err(e) = result {
        return Err(stop(progress, e));
    }
    // 4. The exact manifest of the new site.
    if journal.next_manifest {
        let next = stage.join(NEXT_MANIFEST);
        if fs::symlink_metadata(&next).is_ok() {
            if let Err(e) = fs::rename(&next, output.join(super::MANIFEST_NAME)) {
                return Err(stop(
                    progress,
                    with_path(e, "cannot write the manifest", output),
                ));
            }
            progress.manifest_changed = true;
        }
    }
    Ok(progress)
}

/// Moves a staged file over its old version. A folder where the file now goes is removed first
/// if it is empty (the files that were in it having just been removed as stale); a folder that
/// still holds something stops the commit, since its files are not communique's to delete.
fn move_into_place(from: &Path, target: &Path) -> io::Result<()> {
    if let Some(dir) = target.parent() {
        create_parent(dir).map_err(|e| with_path(e, "cannot create", dir))?;
    }
    match fs::rename(from, target) {
        Err(_) if target.is_dir() => {
            fs::remove_dir(target)
                .map_err(|e| with_path(e, "cannot replace the folder", target))?;
            fs::rename(from, target).map_err(|e| with_path(e, "cannot write", target))
        }
        moved => moved.map_err(|e| with_path(e, "cannot write", target)),
    }
}

/// Removes the folders that removing `removed` (relative paths) left empty, deepest first. A
/// folder that still holds anything stays.
fn remove_emptied_folders(output: &Path, removed: &[&str]) {
    let mut dirs: Vec<&Path> = removed
        .iter()
        .flat_map(|rel| Path::new(rel).ancestors().skip(1))
        .filter(|dir| !dir.as_os_str().is_empty())
        .collect();
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));
    dirs.dedup();
    for dir in dirs {
        // Failing because the folder is not empty is the expected case.
        let _ = fs::remove_dir(output.join(dir));
    }
}

/// Whether every folder between `output` and `output/rel` is a real folder, not a symbolic link
/// that would take a removal out of the output.
fn has_no_link_between(output: &Path, rel: &str) -> bool {
    let mut dir = PathBuf::from(output);
    let parts: Vec<&str> = rel.split('/').collect();
    parts[..parts.len().saturating_sub(1)].iter().all(|part| {
        dir.push(part);
        fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir())
    })
}

/// The move that fails on purpose, for tests of a commit that stops half way: the number in
/// `COMMUNIQUE_TEST_FAIL_MOVE` (counting from 0).
fn injected_failure() -> Option<usize> {
    std::env::var("COMMUNIQUE_TEST_FAIL_MOVE")
        .ok()
        .and_then(|n| n.parse().ok())
}

/// An I/O error that names what was being done, and where.
pub(super) fn with_path(e: io::Error, doing: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{doing} {}: {e}", path.display()))
}

/// Replays the journal of a commit that was interrupted (killed) in `stage`, if there is one.
/// The caller removes the stage afterwards, whatever the outcome.
pub(super) fn roll_forward(output: &Path, stage: &Path) -> Result<Option<Progress>, Interrupted> {
    let fail = |error| Interrupted {
        progress: Progress::default(),
        error,
    };
    let journal = match Journal::load(stage) {
        Ok(Some(journal)) => journal,
        Ok(None) => return Ok(None),
        Err(e) => {
            let journal = stage.join(JOURNAL_NAME);
            return Err(fail(with_path(e, "cannot read the journal", &journal)));
        }
    };
    let current = match Manifest::load(output) {
        Ok(manifest) => manifest.unwrap_or_default(),
        Err(e) => return Err(fail(with_path(e, "cannot read the manifest of", output))),
    };
    apply(output, stage, &journal, &current).map(Some)
}

/// Removes a stage: its journal first, so that a kill during the removal cannot leave a journal
/// whose staged files are gone.
pub(super) fn discard(stage: &Path) -> io::Result<()> {
    match fs::remove_file(stage.join(JOURNAL_NAME)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    if fs::symlink_metadata(stage).is_ok() {
        remove_tree(stage).map_err(|e| with_path(e, "cannot remove the stage", stage))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_naming_paths_outside_the_output_is_refused() {
        let stage = tempfile::tempdir().unwrap();
        for (staged, rel) in [("0", "../outside"), ("../0", "a.html"), ("0", "/etc/x")] {
            let journal = Journal::new(
                vec![(staged.into(), rel.into(), Record(1, 1))],
                vec![],
                false,
            );
            journal.save(stage.path()).unwrap();
            let err = Journal::load(stage.path()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{staged} {rel}");
        }
    }

    #[test]
    fn a_removal_does_not_follow_a_link_out_of_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let (output, stage, elsewhere) = (
            dir.path().join("public"),
            dir.path().join("stage"),
            dir.path().join("elsewhere"),
        );
        for d in [&output, &stage, &elsewhere] {
            fs::create_dir(d).unwrap();
        }
        fs::write(elsewhere.join("x.html"), "theirs").unwrap();
        let record = Record::of(&fs::metadata(elsewhere.join("x.html")).unwrap());
        std::os::unix::fs::symlink(&elsewhere, output.join("old")).unwrap();
        let current = Manifest {
            files: [("old/x.html".to_string(), record)].into_iter().collect(),
        };
        let journal = Journal::new(vec![], vec!["old/x.html".into()], false);
        let progress = apply(&output, &stage, &journal, &current).unwrap();
        assert_eq!(progress.removed, 0);
        assert_eq!(progress.kept, ["old/x.html"]);
        assert!(elsewhere.join("x.html").exists());
    }
}
