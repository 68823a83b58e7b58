//! Output: rendered files → the output folder, safely.
//!
//! Files are written into a staging folder beside the output as they render, and the output
//! folder is touched only when every file has rendered: a build that fails leaves the previous
//! output whole. A first build renames the whole stage into place. Over a previous output only
//! files whose bytes changed are written (unchanged files keep their bytes, inode and
//! timestamps, so deploy tools and caches see no change), then moved over their old versions,
//! and stale files are removed. See [`Stage`].

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diagnostics::Diagnostic;
use crate::render::{Contents, OutputFile};

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

/// Refuses output folders whose replacement would destroy sources.
pub fn check_output_dir(root: &Path, output: &Path, config_file: &Path) -> Result<(), Diagnostic> {
    let abs = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        normalise(&p)
    };
    let (root, output, config) = (abs(root), abs(output), abs(config_file));
    let refuse = |why: &str| {
        Err(Diagnostic::error(format!(
            "refusing to use {} as the output folder: {why}",
            output.display()
        ))
        .hint("choose a folder of its own, such as `public`, with --output-dir"))
    };
    if output == root || root.starts_with(&output) {
        return refuse("it is the site root or contains it");
    }
    if output.join("content").is_dir()
        || output.join("communique.toml").is_file()
        || config.starts_with(&output)
    {
        return refuse("it contains a site's content or configuration");
    }
    for source in ["content", "templates", "static"] {
        if output.starts_with(root.join(source)) {
            return refuse(&format!("it is inside the site's {source}/ folder"));
        }
    }
    if output.exists() && !output.is_dir() {
        return refuse("it exists and is not a folder");
    }
    Ok(())
}

fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Writes `files` as the new content of `output`, touching it only once every file is written.
pub fn write_site(output: &Path, files: &[OutputFile]) -> io::Result<WriteStats> {
    let keep: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let stage = Stage::begin(output, &keep)?;
    let changed: Vec<bool> = match files
        .par_iter()
        .map(|f| stage.write(f))
        .collect::<io::Result<_>>()
    {
        Ok(changed) => changed,
        Err(e) => {
            stage.abort();
            return Err(e);
        }
    };
    let written = changed.iter().filter(|c| **c).count();
    let removed = stage.stale;
    stage.commit()?;
    Ok(WriteStats {
        written,
        unchanged: files.len() - written,
        removed,
    })
}

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
    /// Files of the previous output that the new one does not have.
    pub stale: usize,
}

enum Mode {
    /// No previous output: the new one is written whole into the stage, which is then renamed
    /// into place.
    Fresh,
    /// A previous output: each rendered file is compared with the file it replaces, and only
    /// the files whose bytes changed are written, under numbered names in the stage. Commit
    /// moves them over their old versions (a rename replaces a file atomically) and removes
    /// stale files. Unchanged files are never touched, and no folder is rebuilt: remaking
    /// ten thousand folders on every build costs more than rendering them.
    Update {
        stale: Vec<PathBuf>,
        moves: Mutex<Vec<(PathBuf, String)>>,
        next: AtomicUsize,
    },
}

impl Stage {
    /// Prepares a stage for `output` whose files will be exactly `keep`.
    pub fn begin(output: &Path, keep: &HashSet<&str>) -> io::Result<Stage> {
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .ok_or_else(|| io::Error::other("the output folder has no name"))?;
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)?;
        let stage = parent.join(format!(".{name}.communique-stage"));
        // `-old` was the previous output during a swap, in earlier versions.
        let old = parent.join(format!(".{name}.communique-old"));
        for leftover in [&stage, &old] {
            if leftover.exists() {
                remove_tree(leftover)?;
            }
        }
        fs::create_dir(&stage)?;
        let (mode, stale) = if output.is_dir() {
            let stale = stale_files(output, keep)?;
            let count = stale.len();
            let mode = Mode::Update {
                stale,
                moves: Mutex::new(Vec::new()),
                next: AtomicUsize::new(0),
            };
            (mode, count)
        } else {
            (Mode::Fresh, 0)
        };
        Ok(Stage {
            output: output.to_path_buf(),
            stage,
            mode,
            stale,
        })
    }

    /// Writes one file (or, when it is unchanged, nothing); returns whether its bytes differ
    /// from the previous output.
    pub fn write(&self, file: &OutputFile) -> io::Result<bool> {
        match &self.mode {
            Mode::Fresh => {
                let target = self.stage.join(&file.path);
                if let Some(dir) = target.parent() {
                    create_parent(dir)?;
                }
                write_new(&target, &file.contents)?;
                Ok(true)
            }
            Mode::Update { moves, next, .. } => {
                let new_bytes;
                let bytes: &[u8] = match &file.contents {
                    Contents::Bytes(b) => b,
                    Contents::Copy(source) => {
                        new_bytes = fs::read(source)?;
                        &new_bytes
                    }
                };
                if has_bytes(&self.output.join(&file.path), bytes)? {
                    return Ok(false);
                }
                let waiting = self
                    .stage
                    .join(next.fetch_add(1, Ordering::Relaxed).to_string());
                fs::write(&waiting, bytes)?;
                lock(moves).push((waiting, file.path.clone()));
                Ok(true)
            }
        }
    }

    /// Puts the new output in place.
    ///
    /// Over a previous output this removes stale files (and the folders they leave empty), then
    /// moves each changed file over its old version. A build killed during these renames leaves
    /// some files new and some old, each of them whole; the next build completes it.
    pub fn commit(self) -> io::Result<()> {
        match self.mode {
            Mode::Fresh => fs::rename(&self.stage, &self.output),
            Mode::Update { stale, moves, .. } => {
                remove_stale(&self.output, &stale)?;
                let moves = moves.into_inner().unwrap_or_else(|e| e.into_inner());
                moves
                    .par_iter()
                    .try_for_each(|(waiting, rel)| -> io::Result<()> {
                        let target = self.output.join(rel);
                        if let Some(dir) = target.parent() {
                            create_parent(dir)?;
                        }
                        match fs::rename(waiting, &target) {
                            // A folder holding no file of the site (an empty one left by hand)
                            // where a file now goes.
                            Err(_) if target.is_dir() => {
                                remove_tree(&target)?;
                                fs::rename(waiting, &target)
                            }
                            moved => moved,
                        }
                    })?;
                fs::remove_dir(&self.stage)
            }
        }
    }

    /// Discards the stage; the previous output stays as it was.
    pub fn abort(self) {
        let _ = remove_tree(&self.stage);
    }
}

/// A poisoned lock only means another writer failed; its list is still sound.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The files of a previous output that are not in `keep`, relative to it.
fn stale_files(output: &Path, keep: &HashSet<&str>) -> io::Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    for entry in WalkDir::new(output).min_depth(1) {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(output)
            .map_err(io::Error::other)?;
        let rel_text = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if !keep.contains(rel_text.as_str()) {
            stale.push(rel.to_path_buf());
        }
    }
    Ok(stale)
}

/// Removes stale files, then every folder they leave empty, deepest first.
fn remove_stale(output: &Path, stale: &[PathBuf]) -> io::Result<()> {
    for rel in stale {
        match fs::remove_file(output.join(rel)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    let mut dirs: Vec<&Path> = stale
        .iter()
        .flat_map(|rel| rel.ancestors().skip(1))
        .filter(|dir| !dir.as_os_str().is_empty())
        .collect();
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));
    dirs.dedup();
    for dir in dirs {
        // A folder that still holds something stays: that is the only expected failure.
        let _ = fs::remove_dir(output.join(dir));
    }
    Ok(())
}

/// Whether the file at `path` holds exactly `bytes`.
fn has_bytes(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {
            Ok(fs::read(path)? == bytes)
        }
        Ok(_) => Ok(false),
        // Nothing there, or a file where the previous output had a folder on the way.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
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
/// large site is tens of thousands of files, and `remove_dir_all` takes them one by one.
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

fn write_new(target: &Path, contents: &Contents) -> io::Result<()> {
    match contents {
        Contents::Bytes(b) => fs::write(target, b),
        Contents::Copy(source) => fs::copy(source, target).map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.to_string(),
            contents: Contents::Bytes(text.as_bytes().to_vec()),
        }
    }

    #[test]
    fn rewrites_only_changes_and_removes_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let stats = write_site(&out, &[file("a/index.html", "A"), file("b.txt", "B")]).unwrap();
        assert_eq!(stats.written, 2);
        let stats = write_site(&out, &[file("a/index.html", "A"), file("c.txt", "C")]).unwrap();
        assert_eq!((stats.written, stats.unchanged, stats.removed), (1, 1, 1));
        assert!(!out.join("b.txt").exists());
        assert_eq!(fs::read_to_string(out.join("c.txt")).unwrap(), "C");
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
        write_site(&out, &site).unwrap();
        let inode = |p: &str| fs::metadata(out.join(p)).unwrap().ino();
        let before = inode("briefs/a/index.html");
        let stats = write_site(&out, &site[..1]).unwrap();
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
        assert!(!dir.path().join(".public.communique-old").exists());
    }

    #[test]
    fn files_and_folders_can_trade_places() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[file("x/index.html", "X"), file("y.txt", "Y")]).unwrap();
        fs::create_dir(out.join("empty")).unwrap();
        let next = [
            file("x", "now a file"),
            file("y.txt/index.html", "now a folder"),
            file("empty", "E"),
        ];
        let stats = write_site(&out, &next).unwrap();
        assert_eq!((stats.written, stats.removed), (3, 2));
        assert_eq!(fs::read_to_string(out.join("x")).unwrap(), "now a file");
        assert_eq!(
            fs::read_to_string(out.join("y.txt/index.html")).unwrap(),
            "now a folder"
        );
        assert_eq!(fs::read_to_string(out.join("empty")).unwrap(), "E");
    }

    #[test]
    fn an_aborted_stage_leaves_the_previous_output_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[file("a/index.html", "A"), file("b.txt", "B")]).unwrap();
        let keep: HashSet<&str> = ["a/index.html", "c.txt"].into_iter().collect();
        let stage = Stage::begin(&out, &keep).unwrap();
        assert!(stage.write(&file("a/index.html", "A2")).unwrap());
        assert!(stage.write(&file("c.txt", "C")).unwrap());
        stage.abort();
        assert_eq!(fs::read_to_string(out.join("a/index.html")).unwrap(), "A");
        assert_eq!(fs::read_to_string(out.join("b.txt")).unwrap(), "B");
        assert!(!out.join("c.txt").exists());
        assert!(!dir.path().join(".public.communique-stage").exists());
    }

    #[test]
    fn refuses_dangerous_output_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("content")).unwrap();
        let config = root.join("communique.toml");
        assert!(check_output_dir(root, root, &config).is_err());
        assert!(check_output_dir(root, &root.join("content/x"), &config).is_err());
        assert!(check_output_dir(root, root.parent().unwrap(), &config).is_err());
        assert!(check_output_dir(root, &root.join("public"), &config).is_ok());
    }
}
