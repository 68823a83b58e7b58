//! The stage: a folder beside the output where the new output is assembled while pages render.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use walkdir::WalkDir;

use super::commit::{self, Journal, NEXT_MANIFEST, with_path};
use super::manifest::{MANIFEST_NAME, Manifest, Record, write_whole};
use super::{WriteStats, create_parent, failure};
use crate::diagnostics::Diagnostic;
use crate::render::{Contents, OutputFile};

/// A new output being assembled. Files can be written from many threads as they are rendered;
/// [`Stage::commit`] puts them in place, [`Stage::abort`] discards them.
///
/// Until `commit`, the output folder is not touched, so a build that fails, or is killed while
/// rendering, leaves the previous output as it was; the leftover stage is cleared by the next
/// build.
pub struct Stage {
    output: PathBuf,
    stage: PathBuf,
    mode: Mode,
    force: bool,
    /// What the output's manifest says communique wrote (empty for a new or foreign folder).
    owned: Manifest,
    /// Files of `owned` that the new output does not have.
    stale: HashSet<String>,
    /// Every file of the new output as it will be: the next manifest.
    records: Mutex<Vec<(String, Record)>>,
    /// Staged files: (name in the stage, path in the output, record).
    moves: Mutex<Vec<(String, String, Record)>>,
    next: AtomicUsize,
    /// Paths where the new output would overwrite or delete what communique did not write.
    conflicts: Mutex<Vec<Conflict>>,
    /// Folders of the output already found to be real folders (not links), so each is looked
    /// at once however many files go into it.
    real_folders: Mutex<HashSet<String>>,
    /// Folders of a fresh stage already made: a brief's folder holds its page and its cite
    /// files, and asking the file system again for each costs two system calls.
    made_folders: Mutex<HashSet<PathBuf>>,
}

enum Mode {
    /// No previous output: the new one is written whole into the stage, which is then renamed
    /// into place.
    Fresh,
    /// A previous output (or an existing folder): each rendered file is compared with the file
    /// it replaces, and only the files whose bytes changed are written, under numbered names
    /// in the stage; the commit moves them over their old versions. Unchanged files are never
    /// touched, and no folder is rebuilt: remaking ten thousand folders on every build costs
    /// more than rendering them.
    Update,
}

/// A file the new output cannot be written over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Conflict {
    /// A file communique did not write is at a path the site produces; `--force` overwrites it.
    Foreign(String),
    /// Writing the site's file would mean deleting files communique did not write.
    Blocked(String),
}

/// What is at a path of the new output in the previous one.
enum Place {
    /// The same bytes: nothing to do.
    Same(Record),
    /// Nothing, other bytes, or something communique may replace: write it.
    Write,
    /// Something communique must not replace.
    Conflict(Conflict),
}

/// What a successful commit did.
#[derive(Debug, Default)]
pub struct Committed {
    /// Files written, unchanged, removed.
    pub stats: WriteStats,
    /// Things the user should know (old files kept because they changed since communique
    /// wrote them).
    pub warnings: Vec<Diagnostic>,
}

impl Stage {
    /// Prepares a stage at `stage` for `output`, whose files will be exactly `keep`. `owned` is
    /// what the output's manifest lists (`None` when there is no output folder yet).
    pub(super) fn begin(
        output: &Path,
        stage: &Path,
        owned: Option<Manifest>,
        force: bool,
        keep: &HashSet<&str>,
    ) -> io::Result<Stage> {
        if keep.contains(MANIFEST_NAME) {
            return Err(io::Error::other(format!(
                "the site produces a file named {MANIFEST_NAME}, which communique keeps for itself"
            )));
        }
        if let Some(parent) = stage.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::create_dir(stage).map_err(|e| with_path(e, "cannot create", stage))?;
        let mode = if owned.is_some() {
            Mode::Update
        } else {
            Mode::Fresh
        };
        let owned = owned.unwrap_or_default();
        let stale = owned
            .files
            .keys()
            .filter(|rel| !keep.contains(rel.as_str()))
            .cloned()
            .collect();
        Ok(Stage {
            output: output.to_path_buf(),
            stage: stage.to_path_buf(),
            mode,
            force,
            owned,
            stale,
            records: Mutex::new(Vec::with_capacity(keep.len())),
            moves: Mutex::new(Vec::new()),
            next: AtomicUsize::new(0),
            conflicts: Mutex::new(Vec::new()),
            real_folders: Mutex::new(HashSet::new()),
            made_folders: Mutex::new(HashSet::new()),
        })
    }

    /// Writes one file (or, when it is unchanged, nothing); returns whether its bytes differ
    /// from the previous output. A file that would replace something communique must not
    /// replace is not written but noted; [`Stage::commit`] then refuses.
    pub fn write(&self, file: &OutputFile) -> io::Result<bool> {
        match self.mode {
            Mode::Fresh => {
                let target = self.stage.join(&file.path);
                if let Some(dir) = target.parent()
                    && !lock(&self.made_folders).contains(dir)
                {
                    create_parent(dir)?;
                    lock(&self.made_folders).insert(dir.to_path_buf());
                }
                let record = write_new(&target, &file.contents)?;
                lock(&self.records).push((file.path.clone(), record));
                Ok(true)
            }
            Mode::Update => {
                let new_bytes;
                let bytes: &[u8] = match &file.contents {
                    Contents::Bytes(b) => b,
                    Contents::Copy(source) => {
                        new_bytes = fs::read(source)?;
                        &new_bytes
                    }
                };
                match self.place(&file.path, bytes)? {
                    Place::Same(record) => {
                        lock(&self.records).push((file.path.clone(), record));
                        Ok(false)
                    }
                    Place::Conflict(conflict) => {
                        lock(&self.conflicts).push(conflict);
                        Ok(false)
                    }
                    Place::Write => {
                        let name = self.next.fetch_add(1, Ordering::Relaxed).to_string();
                        let waiting = self.stage.join(&name);
                        let record = write_bytes(&waiting, bytes)?;
                        lock(&self.records).push((file.path.clone(), record));
                        lock(&self.moves).push((name, file.path.clone(), record));
                        Ok(true)
                    }
                }
            }
        }
    }

    /// What the previous output has at `rel`, and whether the new `bytes` may go there.
    fn place(&self, rel: &str, bytes: &[u8]) -> io::Result<Place> {
        if let Some(link) = self.linked_folder_on_the_way(rel) {
            // Writing there would write wherever the link points: never, even with --force.
            return Ok(Place::Conflict(Conflict::Blocked(format!(
                "{link} is a symbolic link communique did not make; it never writes through one (for {rel})"
            ))));
        }
        let path = self.output.join(rel);
        let ours = self.owned.files.contains_key(rel);
        let foreign = || {
            if self.force {
                Place::Write
            } else {
                Place::Conflict(Conflict::Foreign(rel.to_string()))
            }
        };
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => {
                if !ours && !self.force {
                    return Ok(foreign());
                }
                if meta.len() == bytes.len() as u64 && fs::read(&path)? == bytes {
                    Ok(Place::Same(Record::of(&meta)))
                } else {
                    Ok(Place::Write)
                }
            }
            Ok(meta) if meta.is_dir() => {
                if self.only_removable_files_in(&path)? {
                    Ok(Place::Write)
                } else {
                    Ok(Place::Conflict(Conflict::Blocked(format!(
                        "{rel} is a folder holding files communique did not write, where the site now puts a file"
                    ))))
                }
            }
            // A symbolic link or another special file: never communique's.
            Ok(_) => Ok(foreign()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Place::Write),
            // A file where the new output needs a folder on the way.
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => match self.file_in_the_way(rel) {
                Some(blocker) if !self.removable(&blocker) => {
                    Ok(Place::Conflict(Conflict::Blocked(format!(
                        "{blocker} is a file communique did not write (or still produces), where the site now needs a folder for {rel}"
                    ))))
                }
                _ => Ok(Place::Write),
            },
            Err(e) => Err(with_path(e, "cannot read", &path)),
        }
    }

    /// The first folder on the way to `rel` that is a symbolic link in the output, if any.
    fn linked_folder_on_the_way(&self, rel: &str) -> Option<String> {
        let parts: Vec<&str> = rel.split('/').collect();
        let mut prefix = String::with_capacity(rel.len());
        for part in &parts[..parts.len().saturating_sub(1)] {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            if lock(&self.real_folders).contains(&prefix) {
                continue;
            }
            match fs::symlink_metadata(self.output.join(&prefix)) {
                Ok(meta) if meta.file_type().is_symlink() => return Some(prefix),
                Ok(meta) if meta.is_dir() => {
                    lock(&self.real_folders).insert(prefix.clone());
                }
                // Nothing there (the commit makes the folder) or a file in the way (see
                // `file_in_the_way`): no link to write through.
                _ => return None,
            }
        }
        None
    }

    /// The first folder on the way to `rel` that is not a folder in the output.
    fn file_in_the_way(&self, rel: &str) -> Option<String> {
        let parts: Vec<&str> = rel.split('/').collect();
        (1..parts.len())
            .map(|n| parts[..n].join("/"))
            .find(|prefix| !self.output.join(prefix).is_dir())
    }

    /// Whether the commit will remove `rel`: a file communique wrote, still as it left it, that
    /// the new output does not have.
    fn removable(&self, rel: &str) -> bool {
        self.stale.contains(rel)
            && self
                .owned
                .files
                .get(rel)
                .is_some_and(|record| record.matches(&self.output.join(rel)))
    }

    /// Whether every file under `dir` is one the commit will remove (so the folder will be
    /// empty, and can make way for a file).
    fn only_removable_files_in(&self, dir: &Path) -> io::Result<bool> {
        for entry in WalkDir::new(dir).min_depth(1) {
            let entry = entry.map_err(io::Error::other)?;
            if entry.file_type().is_dir() {
                continue;
            }
            let rel = relative(&self.output, entry.path());
            if !self.removable(&rel) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Puts the new output in place, or refuses (leaving the output untouched) when it would
    /// overwrite or delete files communique did not write. Any failure removes the stage and
    /// says exactly what state the output is in.
    pub fn commit(self) -> Result<Committed, Diagnostic> {
        let conflicts = std::mem::take(&mut *lock(&self.conflicts));
        if !conflicts.is_empty() {
            let _ = commit::discard(&self.stage);
            return Err(failure::refusal(&self.output, conflicts));
        }
        let records: HashMap<String, Record> = std::mem::take(&mut *lock(&self.records))
            .into_iter()
            .collect();
        let next = Manifest { files: records };
        match self.mode {
            Mode::Fresh => self.commit_fresh(&next),
            Mode::Update => self.commit_update(next),
        }
    }

    /// A first build: the whole stage, manifest included, is renamed into place.
    fn commit_fresh(self, next: &Manifest) -> Result<Committed, Diagnostic> {
        let renamed = write_whole(&self.stage.join(MANIFEST_NAME), next.to_text().as_bytes())
            .and_then(|()| fs::rename(&self.stage, &self.output));
        if let Err(e) = renamed {
            let e = with_path(e, "cannot move the new output to", &self.output);
            return Err(failure::unchanged(
                &self.output,
                &e,
                commit::discard(&self.stage),
            ));
        }
        let written = next.files.len();
        Ok(Committed {
            stats: WriteStats {
                written,
                ..WriteStats::default()
            },
            warnings: Vec::new(),
        })
    }

    /// Over a previous output: journal the plan, then carry it out.
    fn commit_update(self, next: Manifest) -> Result<Committed, Diagnostic> {
        let unchanged = next.files.len() - lock(&self.moves).len();
        let journal = match self.write_journal(next) {
            Ok(Some(journal)) => journal,
            Ok(None) => {
                let _ = commit::discard(&self.stage);
                return Ok(Committed {
                    stats: WriteStats {
                        unchanged,
                        ..WriteStats::default()
                    },
                    warnings: Vec::new(),
                });
            }
            Err(e) => {
                let e = with_path(e, "cannot prepare the update in", &self.stage);
                return Err(failure::unchanged(
                    &self.output,
                    &e,
                    commit::discard(&self.stage),
                ));
            }
        };
        match commit::apply(&self.output, &self.stage, &journal, &self.owned) {
            Ok(progress) => {
                let cleaned = commit::discard(&self.stage);
                let mut warnings = failure::kept(&self.output, &progress.kept);
                if let Err(e) = cleaned {
                    warnings.push(Diagnostic::warning(format!(
                        "the new output is complete, but its stage could not be removed: {e}"
                    )));
                }
                Ok(Committed {
                    stats: WriteStats {
                        written: journal.moves.len(),
                        unchanged,
                        removed: progress.removed,
                    },
                    warnings,
                })
            }
            Err(stopped) => Err(failure::partial(
                &self.output,
                &journal,
                &stopped,
                commit::discard(&self.stage),
            )),
        }
    }

    /// Writes the next manifest (when it differs) and the journal of the commit into the stage;
    /// `None` when there is nothing to change. Once the journal exists, the commit is decided:
    /// the next build completes it if this one is killed.
    fn write_journal(&self, next: Manifest) -> io::Result<Option<Journal>> {
        let moves = std::mem::take(&mut *lock(&self.moves));
        let mut removals: Vec<String> = self.stale.iter().cloned().collect();
        removals.sort_unstable();
        let manifest_changes = next != self.owned;
        if moves.is_empty() && removals.is_empty() && !manifest_changes {
            return Ok(None);
        }
        if manifest_changes {
            write_whole(&self.stage.join(NEXT_MANIFEST), next.to_text().as_bytes())?;
        }
        let journal = Journal::new(moves, removals, manifest_changes);
        journal.save(&self.stage)?;
        Ok(Some(journal))
    }

    /// Stops like a build killed right after journaling its commit (for tests).
    #[cfg(test)]
    pub(super) fn journal_and_stop(self) {
        let records = std::mem::take(&mut *lock(&self.records));
        let next = Manifest {
            files: records.into_iter().collect(),
        };
        assert!(
            self.write_journal(next).unwrap().is_some(),
            "something to commit"
        );
    }

    /// Discards the stage; the previous output stays as it was. An error means the stage could
    /// not be removed (the next build removes it).
    pub fn abort(self) -> io::Result<()> {
        commit::discard(&self.stage)
    }

    /// A handle that discards this stage's folder without owning the stage: for a build that
    /// gave up on a render it cannot stop, whose stuck thread still holds the stage.
    pub fn abandon_handle(&self) -> AbandonedStage {
        AbandonedStage(self.stage.clone())
    }
}

/// The folder of a stage whose owner is stuck (see [`Stage::abandon_handle`]).
#[derive(Debug, Clone)]
pub struct AbandonedStage(PathBuf);

impl AbandonedStage {
    /// Removes the stage folder (the journal first). Nothing is committed without a journal,
    /// so the output stays as it was; a late write by the stuck thread fails harmlessly.
    pub fn discard(&self) -> io::Result<()> {
        commit::discard(&self.0)
    }
}

/// A poisoned lock only means another writer failed; its list is still sound.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// `path` relative to `base`, with `/`.
fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Writes a new file and returns its record.
fn write_new(target: &Path, contents: &Contents) -> io::Result<Record> {
    match contents {
        Contents::Bytes(b) => write_bytes(target, b),
        Contents::Copy(source) => {
            fs::copy(source, target)?;
            Ok(Record::of(&fs::metadata(target)?))
        }
    }
}

fn write_bytes(target: &Path, bytes: &[u8]) -> io::Result<Record> {
    let mut file = fs::File::create(target)?;
    file.write_all(bytes)?;
    Ok(Record::of(&file.metadata()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_use_slashes() {
        assert_eq!(
            relative(Path::new("/o"), Path::new("/o/a/b.html")),
            "a/b.html"
        );
    }
}
