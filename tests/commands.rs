//! The command line: `new`, `init`, help, exit codes and colour.

use std::fs;
use std::process::{Command, Output};

fn communique(args: &[&str], cwd: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_communique"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn init_makes_a_site_that_builds_and_new_adds_a_draft() {
    let dir = tempfile::tempdir().unwrap();
    let made = communique(&["init", "mysite"], dir.path());
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let site = dir.path().join("mysite");
    for file in [
        "communique.toml",
        "templates",
        "static",
        "content/briefs/welcome.md",
    ] {
        assert!(site.join(file).exists(), "{file}");
    }
    let built = communique(&["build"], &site);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert!(site.join("public/briefs/welcome/index.html").exists());

    let again = communique(&["init", "mysite"], dir.path());
    assert_eq!(
        again.status.code(),
        Some(1),
        "init refuses a non-empty folder"
    );

    let new = communique(&["new", "briefs/ceasefire-talks"], &site);
    assert!(
        new.status.success(),
        "{}",
        String::from_utf8_lossy(&new.stderr)
    );
    let path = site.join("content/briefs/ceasefire-talks.md");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("title = \"Ceasefire talks\""));
    assert!(text.contains("draft = true"));
    let today = jiff::ZonedDateTime::now().date().to_string();
    assert!(text.contains(&format!("date = {today}")));

    fs::write(&path, "mine").unwrap();
    let refused = communique(&["new", "briefs/ceasefire-talks"], &site);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "mine",
        "never overwrites"
    );

    let bad = communique(&["new", "briefs/Not A Slug"], &site);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid slug"));

    // The new draft builds with --drafts once it has a body.
    fs::remove_file(&path).unwrap();
    assert!(
        communique(&["new", "briefs/ceasefire-talks"], &site)
            .status
            .success()
    );
    let drafts = communique(&["build", "--drafts"], &site);
    assert!(
        drafts.status.success(),
        "{}",
        String::from_utf8_lossy(&drafts.stderr)
    );
    assert!(
        site.join("public/briefs/ceasefire-talks/index.html")
            .exists()
    );
}

#[test]
fn help_has_examples_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["build", "check", "new", "init", "serve"] {
        let help = communique(&[command, "--help"], dir.path());
        assert!(help.status.success());
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("Example"),
            "{command}"
        );
    }
    assert_eq!(
        communique(&["build", "--no-such-flag"], dir.path())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        communique(&["frobnicate"], dir.path()).status.code(),
        Some(2)
    );
}

#[test]
fn errors_without_a_terminal_have_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let output = communique(&["build"], dir.path());
    // Not a site: a usage error (issue 9).
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("communique.toml"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}
