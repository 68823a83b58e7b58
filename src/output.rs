//! Output: rendered files → the output folder, safely.
//!
//! The new site is assembled in a staging folder beside the output: the previous output is
//! hard-linked into it (cheap, and unchanged files keep their bytes and timestamps), only files
//! whose bytes changed are replaced, stale files are removed, and the stage is swapped in with
//! two renames. A build that fails never gets here, and one killed midway leaves the previous
//! output whole; the leftover stage is cleared by the next build.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

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

/// Writes `files` as the new content of `output`, replacing it whole only at the end.
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

/// A new output being assembled beside the current one. Files can be written into it from many
/// threads as they are rendered; [`Stage::commit`] swaps it in, [`Stage::abort`] discards it.
pub struct Stage {
    output: PathBuf,
    stage: PathBuf,
    old: PathBuf,
    previous: bool,
    /// Files of the previous output that the new one does not have.
    pub stale: usize,
}

impl Stage {
    /// Prepares a stage for `output` whose files will be exactly `keep`: the previous output's
    /// files that are still wanted are hard-linked in, the rest left behind.
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
        let old = parent.join(format!(".{name}.communique-old"));
        for leftover in [&stage, &old] {
            if leftover.exists() {
                remove_tree(leftover)?;
            }
        }
        fs::create_dir_all(&stage)?;
        let previous = output.is_dir();
        let stale = if previous {
            link_kept(output, &stage, keep)?
        } else {
            0
        };
        Ok(Stage {
            output: output.to_path_buf(),
            stage,
            old,
            previous,
            stale,
        })
    }

    /// Writes one file into the stage; returns whether its bytes differ from the previous output.
    pub fn write(&self, file: &OutputFile) -> io::Result<bool> {
        let target = self.stage.join(&file.path);
        if let Some(dir) = target.parent() {
            create_parent(dir)?;
        }
        if self.previous {
            write_if_changed(&target, &file.contents)
        } else {
            write_new(&target, &file.contents).map(|()| true)
        }
    }

    /// Replaces the output with the stage.
    pub fn commit(self) -> io::Result<()> {
        if self.previous {
            fs::rename(&self.output, &self.old)?;
            fs::rename(&self.stage, &self.output)?;
            remove_tree(&self.old)?;
        } else {
            fs::rename(&self.stage, &self.output)?;
        }
        Ok(())
    }

    /// Discards the stage; the previous output stays as it was.
    pub fn abort(self) {
        let _ = remove_tree(&self.stage);
    }
}

/// Hard-links the files of the previous output that are still part of the site into the stage
/// (copying where linking fails). Returns how many stale files were left behind.
///
/// A large site has tens of thousands of files in as many folders: the folders that hold kept
/// files are made first, parents before children, then the links are made in parallel.
fn link_kept(from: &Path, to: &Path, keep: &HashSet<&str>) -> io::Result<usize> {
    let mut files = Vec::new();
    let mut stale = 0;
    for entry in WalkDir::new(from).min_depth(1) {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(from)
            .map_err(io::Error::other)?
            .to_path_buf();
        let rel_text = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if keep.contains(rel_text.as_str()) {
            files.push(rel);
        } else {
            stale += 1;
        }
    }
    // Sorted, a folder comes before the folders inside it.
    let dirs: BTreeSet<&Path> = files
        .iter()
        .flat_map(|rel| rel.ancestors().skip(1))
        .filter(|dir| !dir.as_os_str().is_empty())
        .collect();
    for dir in dirs {
        fs::create_dir(to.join(dir))?;
    }
    files.par_iter().try_for_each(|rel| -> io::Result<()> {
        let (source, target) = (from.join(rel), to.join(rel));
        if fs::hard_link(&source, &target).is_err() {
            fs::copy(&source, &target)?;
        }
        Ok(())
    })?;
    Ok(stale)
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

/// Removes a folder and everything in it, unlinking files in parallel: the previous output of
/// a large site is tens of thousands of files, and `remove_dir_all` takes them one by one.
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

/// Writes a file unless it already has these bytes. A changed file is unlinked first so a hard
/// link shared with the previous output is never modified in place.
fn write_if_changed(target: &Path, contents: &Contents) -> io::Result<bool> {
    let new_bytes;
    let bytes: &[u8] = match contents {
        Contents::Bytes(b) => b,
        Contents::Copy(source) => {
            new_bytes = fs::read(source)?;
            &new_bytes
        }
    };
    match fs::metadata(target) {
        Ok(meta) if meta.len() == bytes.len() as u64 && fs::read(target)? == bytes => {
            return Ok(false);
        }
        Ok(_) => fs::remove_file(target)?,
        Err(_) => {}
    }
    fs::write(target, bytes)?;
    Ok(true)
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
