//! What `communique build` may do to an output folder: it never deletes a file it did not write,
//! refuses folders it did not create (unless `--force`) and folders it must never write into,
//! and after any failure says exactly what state the output is in, leaving no stage behind.
//! The kill test (a build killed at random moments) is in tests/output_kill.rs.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const MANIFEST: &str = ".communique-manifest";

/// `communique --root <root> <args>`, to add environment variables to.
fn command(site: &Site, args: &[&str]) -> Command {
    let mut command = communique();
    command
        .arg("--root")
        .arg(site.root())
        .args(args)
        .current_dir(site.root());
    command
}

fn built() -> Site {
    let site = Site::fixture("site");
    site.build_ok(&[]);
    site
}

/// Nothing but the output folder itself beside it: no stage, no journal.
fn no_leftovers(output: &Path) {
    let parent = output.parent().unwrap();
    let name = output.file_name().unwrap().to_string_lossy();
    for entry in fs::read_dir(parent).unwrap() {
        let entry = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !entry.starts_with(&format!(".{name}.communique-")),
            "leftover {entry} beside {}",
            output.display()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Files communique did not write

#[test]
fn a_cname_dropped_into_the_output_survives_rebuilds() {
    let site = built();
    fs::write(site.output_path("CNAME"), "briefs.example.org\n").unwrap();
    // A rebuild that changes and removes files of its own.
    site.remove("content/briefs/alpha.md");
    let out = site.build_ok(&[]);
    assert!(
        !site.has_output("briefs/alpha/index.html"),
        "its own stale file goes"
    );
    assert_eq!(site.read_output("CNAME"), "briefs.example.org\n");
    assert!(stdout(&out).contains("removed"), "{}", stdout(&out));
    site.build_ok(&["--base-url", "https://elsewhere.example"]);
    assert_eq!(site.read_output("CNAME"), "briefs.example.org\n");
}

#[test]
fn a_users_files_in_the_output_folder_survive() {
    let site = built();
    fs::write(site.output_path("important.txt"), "keep me").unwrap();
    fs::create_dir_all(site.output_path("photos")).unwrap();
    fs::write(site.output_path("photos/a.jpg"), "jpeg bytes").unwrap();
    // A folder communique empties, which also holds a file of the user's.
    fs::write(site.output_path("briefs/alpha/notes.txt"), "mine").unwrap();
    site.remove("content/briefs/alpha.md");
    site.build_ok(&[]);
    assert_eq!(site.read_output("important.txt"), "keep me");
    assert_eq!(site.read_output("photos/a.jpg"), "jpeg bytes");
    assert_eq!(site.read_output("briefs/alpha/notes.txt"), "mine");
    assert!(!site.has_output("briefs/alpha/index.html"));
}

#[test]
fn a_file_communique_did_not_write_is_not_overwritten_without_force() {
    let site = built();
    site.write("static/CNAME", "from the site\n");
    fs::write(site.output_path("CNAME"), "by hand\n").unwrap();
    let before = site.output_snapshot();
    let refused = site.build(&[]);
    assert_exit(&refused, 1);
    let err = stderr(&refused);
    assert!(err.contains("refusing to overwrite 1 file"), "{err}");
    assert!(err.contains("CNAME") && err.contains("--force"), "{err}");
    assert!(err.contains("the previous output is unchanged"), "{err}");
    assert_eq!(site.output_snapshot(), before);
    no_leftovers(&site.output_path(""));

    site.build_ok(&["--force"]);
    assert_eq!(site.read_output("CNAME"), "from the site\n");
    // Now communique's: removing it from the site removes it from the output.
    site.remove("static/CNAME");
    site.build_ok(&[]);
    assert!(!site.has_output("CNAME"));
}

#[test]
fn a_linked_folder_in_the_output_is_never_written_through() {
    let site = built();
    let elsewhere = tempfile::tempdir().unwrap();
    // The user links a folder of the output to somewhere else; the site then adds a file there.
    std::os::unix::fs::symlink(elsewhere.path(), site.output_path("media")).unwrap();
    site.write("static/media/chart.svg", "<svg/>");
    for args in [&[][..], &["--force"][..]] {
        let refused = site.build(args);
        assert_exit(&refused, 1);
        let err = stderr(&refused);
        assert!(err.contains("media is a symbolic link"), "{err}");
        assert!(err.contains("the previous output is unchanged"), "{err}");
        assert_eq!(
            fs::read_dir(elsewhere.path()).unwrap().count(),
            0,
            "nothing written through the link"
        );
        no_leftovers(&site.output_path(""));
    }
}

#[test]
fn a_non_empty_folder_communique_did_not_create_needs_force() {
    let site = Site::fixture("site");
    let dist = site.path("dist");
    fs::create_dir_all(dist.join("photos")).unwrap();
    fs::write(dist.join("important.txt"), "keep me").unwrap();
    fs::write(dist.join("photos/a.jpg"), "jpeg bytes").unwrap();
    let refused = site.build(&["--output-dir", "dist"]);
    assert_exit(&refused, 1);
    let err = stderr(&refused);
    assert!(
        err.contains(&dist.display().to_string()),
        "names the folder: {err}"
    );
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(files_under(&dist).len(), 2, "nothing written");
    no_leftovers(&dist);

    site.build_ok(&["--output-dir", "dist", "--force"]);
    assert!(dist.join("briefs/alpha/index.html").is_file());
    assert!(dist.join(MANIFEST).is_file());
    // Later builds need no --force, and still leave the user's files alone.
    site.remove("content/briefs/alpha.md");
    site.build_ok(&["--output-dir", "dist"]);
    assert!(!dist.join("briefs/alpha/index.html").exists());
    assert_eq!(
        fs::read_to_string(dist.join("important.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(
        fs::read_to_string(dist.join("photos/a.jpg")).unwrap(),
        "jpeg bytes"
    );
}

#[test]
fn an_output_of_an_earlier_version_without_a_manifest_is_refused() {
    let site = built();
    fs::remove_file(site.output_path(MANIFEST)).unwrap();
    let refused = site.build(&[]);
    assert_exit(&refused, 1);
    let err = stderr(&refused);
    assert!(err.contains("has no .communique-manifest"), "{err}");
    assert!(
        err.contains("communique version without manifests"),
        "{err}"
    );
    // With --force, files the site no longer produces stay: communique cannot know it wrote them.
    site.remove("content/briefs/alpha.md");
    site.build_ok(&["--force"]);
    assert!(site.has_output("briefs/alpha/index.html"));
}

#[test]
fn an_empty_folder_needs_no_force() {
    let site = Site::fixture("site");
    fs::create_dir(site.path("public")).unwrap();
    site.build_ok(&[]);
    assert!(site.has_output("index.html"));
}

#[test]
fn forbidden_output_folders_are_refused_even_with_force() {
    let site = built();
    let home = tempfile::tempdir().unwrap();
    fs::write(home.path().join("diary.txt"), "private").unwrap();
    let sources = site.site_snapshot();
    let root = site.root().display().to_string();
    let parent = site.root().parent().unwrap().display().to_string();
    let home_dir = home.path().display().to_string();
    for dir in [
        "/",
        home_dir.as_str(),
        root.as_str(),
        ".",
        parent.as_str(),
        "content",
        "content/briefs",
        "templates",
        "static",
        "static/sub",
    ] {
        let out = command(&site, &["build", "--force", "--output-dir", dir])
            .env("HOME", home.path())
            .output()
            .unwrap();
        assert_exit(&out, 1);
        assert!(
            stderr(&out).contains("refusing to use"),
            "{dir}: {}",
            stderr(&out)
        );
    }
    assert_eq!(site.site_snapshot(), sources, "nothing written or deleted");
    assert_eq!(
        fs::read_to_string(home.path().join("diary.txt")).unwrap(),
        "private"
    );
    assert_eq!(fs::read_dir(home.path()).unwrap().count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Failures say what state the output is in

/// The output of a clean build of the fixture with `args`, in a folder of its own.
fn clean_build(args: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let site = Site::fixture("site");
    site.build_ok(args);
    site.output_snapshot()
}

/// "N of M new or changed files are in place and R of S old files removed" from a message.
fn progress_in(message: &str) -> (usize, usize) {
    let numbers = message
        .split("partly updated: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no progress in: {message}"));
    let mut words = numbers.split_whitespace();
    let moved = words.next().unwrap().parse().unwrap();
    assert_eq!(words.next(), Some("of"));
    let total = words.next().unwrap().parse().unwrap();
    (moved, total)
}

/// Checks a partly updated output: every file is whole (its old bytes or its new ones), and
/// exactly `moved` of the files that differ are new.
fn check_partial(
    partial: &BTreeMap<String, Vec<u8>>,
    old: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, Vec<u8>>,
    (moved, total): (usize, usize),
) {
    let changing = new.iter().filter(|(p, b)| old.get(*p) != Some(*b)).count();
    assert_eq!(total, changing, "the message counts the files that change");
    let mut now_new = 0;
    for (path, bytes) in partial {
        let was = old.get(path);
        let will = new.get(path);
        assert!(
            Some(bytes) == was || Some(bytes) == will,
            "{path} is neither its old nor its new version"
        );
        if Some(bytes) == will && was != will {
            now_new += 1;
        }
    }
    assert_eq!(now_new, moved, "the message counts the files in place");
}

#[test]
fn a_commit_that_fails_half_way_says_how_far_it_got() {
    let site = built();
    let old = site.output_snapshot();
    let new = clean_build(&["--base-url", "https://elsewhere.example"]);
    let failed = command(&site, &["build", "--base-url", "https://elsewhere.example"])
        .env("COMMUNIQUE_TEST_FAIL_MOVE", "5")
        .output()
        .unwrap();
    assert_exit(&failed, 1);
    let err = stderr(&failed);
    assert!(!err.contains("nothing was written"), "{err}");
    assert!(!err.contains("unchanged"), "{err}");
    assert!(err.contains("run the build again to finish"), "{err}");
    let progress = progress_in(&err);
    assert!(progress.0 >= 5 && progress.0 < progress.1, "{err}");
    check_partial(&site.output_snapshot(), &old, &new, progress);
    no_leftovers(&site.output_path(""));

    site.build_ok(&["--base-url", "https://elsewhere.example"]);
    assert_eq!(site.output_snapshot(), new, "the next build finishes it");
}

/// A folder that refuses new entries, even to root (who ignores permissions): `chattr +i` for
/// root, mode 0o555 for others. Restored when dropped.
struct ReadOnly {
    dir: PathBuf,
    immutable: bool,
}

impl ReadOnly {
    /// `None` when this system offers no way (root without `chattr` or the capability).
    fn lock(dir: &Path) -> Option<ReadOnly> {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).unwrap();
        if refuses_writes(dir) {
            return Some(ReadOnly {
                dir: dir.to_path_buf(),
                immutable: false,
            });
        }
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
        let chattr = Command::new("chattr").arg("+i").arg(dir).output();
        let locked = ReadOnly {
            dir: dir.to_path_buf(),
            immutable: true,
        };
        (chattr.is_ok_and(|o| o.status.success()) && refuses_writes(dir)).then_some(locked)
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(&self.dir).status();
        } else {
            let _ = fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o755));
        }
    }
}

fn refuses_writes(dir: &Path) -> bool {
    let probe = dir.join(".probe");
    let refused = fs::write(&probe, "").is_err();
    let _ = fs::remove_file(probe);
    refused
}

#[test]
fn a_read_only_folder_inside_the_output_stops_the_commit_honestly() {
    let site = built();
    let old = site.output_snapshot();
    let new = clean_build(&["--base-url", "https://elsewhere.example"]);
    let Some(lock) = ReadOnly::lock(&site.output_path("briefs/alpha")) else {
        eprintln!("skipped: no way to make a folder read-only here");
        return;
    };
    let failed = site.build(&["--base-url", "https://elsewhere.example"]);
    assert_exit(&failed, 1);
    let err = stderr(&failed);
    assert!(err.contains("briefs/alpha"), "names the place: {err}");
    assert!(err.contains("run the build again to finish"), "{err}");
    check_partial(&site.output_snapshot(), &old, &new, progress_in(&err));
    no_leftovers(&site.output_path(""));
    drop(lock);
    site.build_ok(&["--base-url", "https://elsewhere.example"]);
    assert_eq!(site.output_snapshot(), new, "the next build finishes it");
}

#[test]
fn a_failure_before_the_commit_leaves_the_output_unchanged() {
    let site = built();
    let old = site.output_snapshot();
    // The output itself refuses the new manifest, the first change a commit makes.
    let Some(lock) = ReadOnly::lock(&site.output_path("")) else {
        eprintln!("skipped: no way to make a folder read-only here");
        return;
    };
    site.write("static/new.txt", "new");
    let failed = site.build(&[]);
    drop(lock);
    assert_exit(&failed, 1);
    let err = stderr(&failed);
    assert!(err.contains("the previous output is unchanged"), "{err}");
    assert_eq!(site.output_snapshot(), old);
    no_leftovers(&site.output_path(""));
}

#[test]
fn a_stage_that_cannot_be_made_leaves_the_output_unchanged() {
    let site = built();
    let old = site.output_snapshot();
    // The stage goes beside the output, in the site root.
    let Some(lock) = ReadOnly::lock(site.root()) else {
        eprintln!("skipped: no way to make a folder read-only here");
        return;
    };
    let failed = site.build(&["--base-url", "https://elsewhere.example"]);
    drop(lock);
    assert_exit(&failed, 1);
    let err = stderr(&failed);
    assert!(err.contains("the previous output is unchanged"), "{err}");
    assert_eq!(site.output_snapshot(), old);
}
