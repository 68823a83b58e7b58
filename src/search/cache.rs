//! The search index cache: `<site root>/.communique-cache/search/<key>/`, where the key is a
//! hash of every record (and of what else shapes the index). A build whose records all hash
//! as before reads the index from there instead of indexing again.
//!
//! Only the newest entry is kept. communique removes only entries it can recognise as its own
//! (a folder named by a key, holding the list of files it wrote), never follows a link, and
//! uses no cache when the cache folder is a link.

use std::fs;
use std::hash::Hasher;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// The cache folder, relative to the site root.
pub const CACHE_DIR: &str = ".communique-cache/search";

/// The list of files in an entry, one path a line; written last, so an entry without it is
/// incomplete.
const LIST_NAME: &str = "files.txt";

/// The files of an entry live here, under their paths in the index.
const FILES_DIR: &str = "files";

/// A 128-bit key of `items` (hashed by `hash`) and of `salt` (the indexer's version and
/// options).
///
/// Each item is hashed once with SeaHash (64 bits; several times faster than the standard
/// SipHash over the megabytes of body HTML a large site has, which a no-change build hashes
/// whole), and the list of those hashes with SipHash to 128 bits. An old entry is reused
/// wrongly only if a changed item's 64-bit hash collides with its old one.
pub fn key<T: Sync>(
    items: &[T],
    salt: &str,
    hash: impl Fn(&T, &mut seahash::SeaHasher) + Sync,
) -> String {
    let per_item: Vec<u64> = items
        .par_iter()
        .map(|item| {
            let mut h = seahash::SeaHasher::new();
            hash(item, &mut h);
            h.finish()
        })
        .collect();
    format!("{:032x}", typst::utils::hash128(&(salt, per_item)))
}

/// The cache of a site, or `None` when it must not be used (a link where its folders go).
pub fn folder(root: &Path) -> Option<PathBuf> {
    let mut dir = root.to_path_buf();
    for part in CACHE_DIR.split('/') {
        dir.push(part);
        if dir.symlink_metadata().is_ok_and(|m| !m.is_dir()) {
            return None;
        }
    }
    Some(dir)
}

/// The files of the entry `key`, or `None` when there is none (or it cannot be read whole).
/// Nothing is read through a link: the entry's folders are checked once, then each file is
/// opened without following a link.
pub fn read(cache: &Path, key: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let entry = cache.join(key);
    let list = read_no_follow(&entry.join(LIST_NAME)).ok()?;
    let list = String::from_utf8(list).ok()?;
    let files = entry.join(FILES_DIR);
    let folders: std::collections::BTreeSet<&str> = list
        .lines()
        .map(|path| path.rsplit_once('/').map_or("", |(dir, _)| dir))
        .collect();
    let real_folder = |p: &Path| p.symlink_metadata().is_ok_and(|m| m.is_dir());
    if ![&entry, &files].into_iter().all(|p| real_folder(p)) {
        return None;
    }
    for folder in folders {
        let mut dir = files.clone();
        for part in folder.split('/').filter(|p| !p.is_empty()) {
            dir.push(part);
            if !real_folder(&dir) {
                return None;
            }
        }
    }
    list.lines()
        .map(|path| Some((path.to_string(), read_no_follow(&files.join(path)).ok()?)))
        .collect()
}

/// Reads a regular file that is not a link.
fn read_no_follow(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    if path.symlink_metadata()?.file_type().is_symlink() {
        return Err(io::Error::other("a link"));
    }
    let mut file = options.open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Stores `files` as the entry `key` and removes the older entries. Failing to write a cache
/// is not an error of the build: the next build indexes again.
pub fn write(cache: &Path, key: &str, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    fs::create_dir_all(cache)?;
    let temporary = cache.join(format!("tmp-{}-{key}", std::process::id()));
    if temporary.symlink_metadata().is_ok() {
        fs::remove_dir_all(&temporary)?;
    }
    let written = write_entry(&temporary, files).and_then(|()| {
        match fs::rename(&temporary, cache.join(key)) {
            // Another build stored the same entry meanwhile.
            Err(_) if cache.join(key).join(LIST_NAME).is_file() => fs::remove_dir_all(&temporary),
            other => other,
        }
    });
    if written.is_err() {
        let _ = fs::remove_dir_all(&temporary);
    }
    written?;
    remove_other_entries(cache, key)
}

fn write_entry(dir: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    let root = dir.join(FILES_DIR);
    fs::create_dir_all(&root)?;
    let mut list = String::new();
    for (path, bytes) in files {
        // Paths come from the indexer; refuse any that would leave the entry.
        if path
            .split('/')
            .any(|p| p.is_empty() || p == ".." || p == ".")
            || path.contains('\n')
        {
            return Err(io::Error::other(format!("unexpected index path {path:?}")));
        }
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&target, bytes)?;
        list.push_str(path);
        list.push('\n');
    }
    fs::write(dir.join(LIST_NAME), list)
}

/// Removes every entry but `keep` that is recognisably communique's.
fn remove_other_entries(cache: &Path, keep: &str) -> io::Result<()> {
    for entry in fs::read_dir(cache)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let is_key = name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit());
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_key && is_dir && name != keep && entry.path().join(LIST_NAME).is_file() {
            fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::search::records::Record;

    fn key_of(records: &[Record], salt: &str) -> String {
        use std::hash::Hash;
        key(records, salt, |r, h| r.hash(h))
    }

    fn record(content: &str) -> Record {
        Record {
            url: "/a/".into(),
            content: content.into(),
            meta: Default::default(),
            filters: Default::default(),
        }
    }

    #[test]
    fn an_entry_is_read_back_and_replaces_the_older_one() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("search");
        let old = key_of(&[record("one")], "v1");
        let new = key_of(&[record("two")], "v1");
        assert_ne!(old, new);
        assert_ne!(
            new,
            key_of(&[record("two")], "v2"),
            "the salt is part of the key"
        );
        let files = vec![("index/a.pf".to_string(), b"abc".to_vec())];
        write(&cache, &old, &files).unwrap();
        fs::create_dir_all(cache.join("0123456789abcdef0123456789abcdef")).unwrap();
        write(&cache, &new, &files).unwrap();
        assert_eq!(read(&cache, &new), Some(files));
        assert_eq!(read(&cache, &old), None, "the older entry is gone");
        assert!(
            cache.join("0123456789abcdef0123456789abcdef").is_dir(),
            "a folder without a file list is not ours to remove"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_cache_folder_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(".communique-cache")).unwrap();
        assert_eq!(folder(dir.path()), None);
    }
}
