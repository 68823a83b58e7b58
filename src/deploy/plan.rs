//! What a deploy does: the site's files, each with the bytes and headers it would be uploaded
//! with, compared by content hash against the objects under the target's prefix.
//!
//! The hash compared is the MD5 of the exact bytes uploaded (after compression, if any), against
//! the object's ETag from the bucket listing: S3 and the S3-compatible services set the ETag of
//! an object uploaded in one PUT to the MD5 of its bytes, and `communique deploy` uploads every
//! object in one PUT. One listing thus tells what changed, with no request per object. An ETag
//! that is not a plain MD5 (a multipart upload by another tool, some server-side encryption
//! modes) never matches, so that object is uploaded again, never wrongly skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use rayon::prelude::*;

use super::config::Compression;
use super::headers::{self, CacheRules};
use super::target::Target;
use crate::diagnostics::Diagnostic;

/// One file of the site as it would be uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalObject {
    /// Its `/`-separated path in the site, e.g. `briefs/alpha/index.html`.
    pub rel: String,
    /// Its file on disk.
    pub file: PathBuf,
    /// Lowercase hex MD5 of the bytes to upload.
    pub md5: String,
    /// How many bytes are uploaded.
    pub size: u64,
    /// Content-Type.
    pub content_type: String,
    /// Cache-Control.
    pub cache_control: String,
    /// Content-Encoding, when compressed.
    pub encoding: Option<&'static str>,
}

/// What is in the bucket under the prefix, by site path: each object's ETag.
pub type Remote = BTreeMap<String, String>;

/// Why a file is uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The bucket has no object at its key.
    New,
    /// The object's bytes differ.
    Changed,
}

/// What a deploy would do.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files to upload, with why.
    pub uploads: Vec<(LocalObject, Change)>,
    /// Site paths of objects to delete (under the prefix, not in the site).
    pub deletes: Vec<String>,
    /// Site paths whose object is already up to date.
    pub unchanged: Vec<String>,
}

impl Plan {
    /// Compares the site with the bucket. `delete`: whether objects gone from the site go.
    pub fn new(local: Vec<LocalObject>, remote: &Remote, delete: bool) -> Plan {
        let mut plan = Plan::default();
        for object in local {
            match remote.get(&object.rel) {
                None => plan.uploads.push((object, Change::New)),
                Some(etag) if etag_md5(etag) == Some(object.md5.as_str()) => {
                    plan.unchanged.push(object.rel)
                }
                Some(_) => plan.uploads.push((object, Change::Changed)),
            }
        }
        if delete {
            let kept: std::collections::HashSet<&str> = plan
                .uploads
                .iter()
                .map(|(o, _)| o.rel.as_str())
                .chain(plan.unchanged.iter().map(String::as_str))
                .collect();
            plan.deletes = remote
                .keys()
                .filter(|rel| !kept.contains(rel.as_str()))
                .cloned()
                .collect();
        }
        plan
    }

    /// Bytes the uploads send.
    pub fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|(o, _)| o.size).sum()
    }
}

/// The MD5 in an ETag (`"9e107d9d372bb6826bd81d3542a419d6"`), if it is one.
fn etag_md5(etag: &str) -> Option<&str> {
    let hex = etag.trim_start_matches("W/").trim_matches('"');
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// A file of the site: its `/`-separated path in the site and its path on disk.
pub type SiteFile = (String, PathBuf);

/// Site paths of every regular file under `dir`. Links are not followed (a link could bring in
/// files from outside the site) and are reported; the build's ownership manifest is skipped.
pub fn site_files(dir: &Path) -> Result<(Vec<SiteFile>, Vec<Diagnostic>), Diagnostic> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| {
            Diagnostic::error(format!(
                "cannot read the output folder {}: {e}",
                dir.display()
            ))
            .hint("nothing was uploaded or deleted")
        })?;
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let rel = rel.join("/");
        if entry.path_is_symlink() {
            skipped.push(
                Diagnostic::warning(format!("{rel} is a link and was not deployed"))
                    .hint("links are never followed, so a deploy cannot publish files from outside the site"),
            );
            continue;
        }
        if !entry.file_type().is_file() || rel == crate::output::MANIFEST_NAME {
            continue;
        }
        files.push((rel, entry.into_path()));
    }
    Ok((files, skipped))
}

/// Reads and encodes each file (in parallel) for its hash and headers.
pub fn describe(
    files: Vec<SiteFile>,
    rules: &CacheRules,
    compression: Option<Compression>,
) -> Result<Vec<LocalObject>, Diagnostic> {
    files
        .into_par_iter()
        .map(|(rel, file)| {
            let (body, encoding) = read_encoded(&rel, &file, compression)?;
            Ok(LocalObject {
                md5: md5_hex(&body),
                size: body.len() as u64,
                content_type: headers::content_type(&rel),
                cache_control: rules.cache_control(&rel),
                encoding,
                rel,
                file,
            })
        })
        .collect()
}

/// The bytes uploaded for a file: its content, compressed where configured.
pub fn read_encoded(
    rel: &str,
    file: &Path,
    compression: Option<Compression>,
) -> Result<(Vec<u8>, Option<&'static str>), Diagnostic> {
    let unreadable =
        |e: std::io::Error| Diagnostic::error(format!("cannot read {}: {e}", file.display()));
    let body = std::fs::read(file).map_err(unreadable)?;
    headers::encode(rel, body, compression).map_err(unreadable)
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The site path of every object the listing found under the target's prefix.
pub fn remote_from_listing(
    target: &Target,
    objects: impl IntoIterator<Item = (String, Option<String>)>,
) -> Remote {
    objects
        .into_iter()
        .filter_map(|(key, etag)| {
            let rel = target.site_path(&key)?;
            Some((rel.to_string(), etag.unwrap_or_default()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(rel: &str, content: &[u8]) -> LocalObject {
        LocalObject {
            rel: rel.to_string(),
            file: PathBuf::from(rel),
            md5: md5_hex(content),
            size: content.len() as u64,
            content_type: headers::content_type(rel),
            cache_control: String::new(),
            encoding: None,
        }
    }

    #[test]
    fn md5_is_the_known_digest() {
        assert_eq!(
            md5_hex(b"The quick brown fox jumps over the lazy dog"),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
    }

    #[test]
    fn new_changed_unchanged_and_gone() {
        let remote: Remote = [
            ("same.html", format!("\"{}\"", md5_hex(b"same"))),
            ("changed.html", format!("\"{}\"", md5_hex(b"old"))),
            (
                "multipart.pdf",
                "\"0123456789abcdef0123456789abcdef-2\"".to_string(),
            ),
            ("gone.html", format!("\"{}\"", md5_hex(b"gone"))),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let site = vec![
            local("same.html", b"same"),
            local("changed.html", b"new"),
            local("multipart.pdf", b"pdf"),
            local("new.html", b"new"),
        ];
        let plan = Plan::new(site.clone(), &remote, true);
        let uploads: Vec<(&str, Change)> = plan
            .uploads
            .iter()
            .map(|(o, c)| (o.rel.as_str(), *c))
            .collect();
        assert_eq!(
            uploads,
            [
                ("changed.html", Change::Changed),
                ("multipart.pdf", Change::Changed),
                ("new.html", Change::New)
            ]
        );
        assert_eq!(plan.unchanged, ["same.html"]);
        assert_eq!(plan.deletes, ["gone.html"]);
        assert_eq!(plan.upload_bytes(), 9);
        assert!(Plan::new(site, &remote, false).deletes.is_empty());
    }

    #[test]
    fn listing_keeps_only_the_prefix() {
        let target = Target::parse("s3://bucket/policy").unwrap();
        let remote = remote_from_listing(
            &target,
            [
                ("policy/index.html".to_string(), Some("\"e\"".to_string())),
                ("policyx/index.html".to_string(), None),
                ("other/index.html".to_string(), None),
            ],
        );
        assert_eq!(remote.keys().collect::<Vec<_>>(), ["index.html"]);
    }

    #[cfg(unix)]
    #[test]
    fn links_are_not_followed_and_the_manifest_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "s").unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/index.html"), "x").unwrap();
        std::fs::write(dir.path().join(crate::output::MANIFEST_NAME), "m").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
        let (files, skipped) = site_files(dir.path()).unwrap();
        let rels: Vec<&str> = files.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(rels, ["a/index.html"]);
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].message.contains("linked"));
    }
}
