//! The command line: `new`, `init`, help texts, exit codes and colour.

mod common;

use std::fs;

use common::*;

// ---------------------------------------------------------------------------------------------
// new

#[test]
fn new_creates_a_draft_brief_with_title_and_todays_date() {
    let site = Site::fixture("site");
    let day_before = today();
    let out = site.run(&["new", "briefs/my-brief"]);
    let day_after = today();
    assert_success(&out);
    let path = site.path("content/briefs/my-brief.md");
    assert!(stdout(&out).contains("my-brief.md"), "{}", stdout(&out));
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "+++");
    assert!(lines.contains(&"title = \"My brief\""), "{text}");
    assert!(lines.contains(&"draft = true"), "{text}");
    assert!(
        lines.contains(&format!("date = {day_before}").as_str())
            || lines.contains(&format!("date = {day_after}").as_str()),
        "today's date in:\n{text}"
    );
}

#[test]
fn new_creates_the_section_folder_when_needed() {
    let site = Site::fixture("site");
    assert_success(&site.run(&["new", "commentary/first-thoughts"]));
    let text = site.read("content/commentary/first-thoughts.md");
    assert!(text.contains("title = \"First thoughts\""), "{text}");
}

#[test]
fn new_refuses_to_overwrite() {
    let site = Site::fixture("site");
    let before = site.read("content/briefs/alpha.md");
    let out = site.run(&["new", "briefs/alpha"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert!(stderr(&out).contains("= hint:"), "{}", stderr(&out));
    assert_eq!(site.read("content/briefs/alpha.md"), before);

    // A folder page counts too.
    let delta = site.read("content/briefs/delta/index.md");
    let out = site.run(&["new", "briefs/delta"]);
    assert_exit(&out, 1);
    assert_eq!(site.read("content/briefs/delta/index.md"), delta);
    assert!(!site.path("content/briefs/delta.md").exists());

    // And a brief that `new` wrote itself.
    assert_success(&site.run(&["new", "briefs/fresh"]));
    site.write(
        "content/briefs/fresh.md",
        &site
            .read("content/briefs/fresh.md")
            .replace("Summary paragraph.", "My edits."),
    );
    let edited = site.read("content/briefs/fresh.md");
    assert_exit(&site.run(&["new", "briefs/fresh"]), 1);
    assert_eq!(site.read("content/briefs/fresh.md"), edited);
}

#[test]
fn new_refuses_an_invalid_slug() {
    let site = Site::fixture("site");
    let sources = site.site_snapshot();
    for bad in [
        "briefs/My_Brief",
        "briefs/my brief",
        "briefs/-x-",
        "",
        "briefs/../escape",
    ] {
        let out = site.run(&["new", bad]);
        assert_exit(&out, 1);
        assert!(stderr(&out).contains("= hint:"), "{bad}: {}", stderr(&out));
    }
    let out = site.run(&["new", "briefs/My_Brief"]);
    assert!(
        stderr(&out).contains("not a valid slug"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("briefs/my-brief"),
        "suggests a slug: {}",
        stderr(&out)
    );
    assert_eq!(site.site_snapshot(), sources, "nothing was written");
}

#[test]
fn new_brief_builds_on_a_site_with_its_own_taxonomies() {
    let site = Site::fixture("site");
    assert_success(&site.run(&["new", "briefs/my-brief"]));
    site.build_ok(&["--drafts"]);
    assert!(site.has_output("briefs/my-brief/index.html"));
}

// ---------------------------------------------------------------------------------------------
// init

/// NEEDS THE DEFAULT THEME: `init` copies the built-in templates from `templates/` in this
/// repository; if this test fails while the others pass, look at the default theme first.
#[test]
fn init_creates_a_site_that_builds_needs_default_theme() {
    let dir = tempfile::tempdir().unwrap();
    let out = communique()
        .args(["init", "my-briefs"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let root = dir.path().join("my-briefs");
    for file in [
        "communique.toml",
        "content/_index.md",
        "content/briefs/_index.md",
        "content/briefs/welcome.md",
    ] {
        assert!(root.join(file).is_file(), "init wrote {file}");
    }
    // The theme stays built in (see tests/first_hour.rs for `--eject-theme`).
    assert!(root.join("templates").is_dir() && root.join("static").is_dir());
    let build = communique()
        .arg("build")
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "the site made by `init` must build with the default theme (is the theme in templates/ \
         complete?)\n--- stderr\n{}",
        stderr(&build)
    );
    let page = scraper::Html::parse_document(
        &fs::read_to_string(root.join("public/briefs/welcome/index.html")).unwrap(),
    );
    assert_eq!(text(one(&page, "h1")), "Welcome to your first brief");
    assert!(root.join("public/index.html").is_file());
    assert!(root.join("public/atom.xml").is_file());

    // `new` on an `init` site gives a draft that builds with --drafts.
    let new = communique()
        .args(["new", "briefs/second-brief"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_success(&new);
    let drafts = communique()
        .args(["build", "--drafts"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_success(&drafts);
    assert!(root.join("public/briefs/second-brief/index.html").is_file());
}

#[test]
fn init_into_an_empty_existing_folder_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("empty")).unwrap();
    let out = communique()
        .args(["init", "empty"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    assert!(dir.path().join("empty/communique.toml").is_file());
}

#[test]
fn init_refuses_a_non_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("taken");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("notes.txt"), "mine\n").unwrap();
    let out = communique()
        .args(["init", "taken"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert!(stderr(&out).contains("= hint:"), "{}", stderr(&out));
    let names: Vec<_> = fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["notes.txt"]);
    assert_eq!(
        fs::read_to_string(target.join("notes.txt")).unwrap(),
        "mine\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Help and usage errors

#[test]
fn every_subcommand_help_has_an_example() {
    for command in ["build", "check", "new", "init", "serve", "theme"] {
        let out = communique().args([command, "--help"]).output().unwrap();
        assert_success(&out);
        let help = stdout(&out);
        assert!(help.contains("Example"), "`{command} --help`:\n{help}");
        assert!(
            help.contains(&format!("communique {command}")),
            "`{command} --help`:\n{help}"
        );
    }
}

#[test]
fn top_level_help_lists_the_commands() {
    let out = communique().arg("--help").output().unwrap();
    assert_success(&out);
    let help = stdout(&out);
    for command in ["build", "check", "new", "init", "serve"] {
        assert!(help.contains(command), "{command} in:\n{help}");
    }
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let site = Site::fixture("site");
    let out = site.run(&["build", "--no-such-flag"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--no-such-flag"), "{}", stderr(&out));
    assert!(!site.path("public").exists());
}

#[test]
fn unknown_subcommand_and_missing_arguments_are_usage_errors() {
    let site = Site::fixture("site");
    assert_exit(&site.run(&["publish"]), 2);
    assert_exit(&site.run(&["new"]), 2);
    assert_exit(&site.run(&[]), 2);
    assert_exit(&site.run(&["-q", "-v", "build"]), 2);
    assert!(!site.path("public").exists());
}

#[test]
fn root_and_config_options() {
    let site = Site::fixture("site");
    // --root from elsewhere.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = communique()
        .arg("--root")
        .arg(site.root())
        .arg("build")
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert_success(&out);
    assert!(site.has_output("briefs/alpha/index.html"));
    // --config picks another configuration file.
    site.write(
        "other.toml",
        "title = \"Other title\"\nbase_url = \"https://other.example\"\ntaxonomies = [\"topics\"]\n",
    );
    assert_success(&site.run(&["--config", "other.toml", "build"]));
    let html = site.html("briefs/alpha/index.html");
    assert_eq!(
        text(one(&html, "title")),
        "Alpha: the first brief · Other title"
    );
}

// ---------------------------------------------------------------------------------------------
// Colour

fn broken_site() -> Site {
    let site = Site::fixture("site");
    site.write(
        "content/briefs/bad.md",
        "+++\ntilte = \"Bad\"\ndate = 2024-01-01\n+++\n",
    );
    site
}

#[test]
fn no_ansi_escapes_when_output_is_not_a_terminal() {
    let site = broken_site();
    let out = communique()
        .env_remove("NO_COLOR")
        .arg("--root")
        .arg(site.root())
        .arg("build")
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("unknown field"), "{}", stderr(&out));
    assert!(
        !out.stderr.contains(&0x1b),
        "no ANSI escapes:\n{:?}",
        stderr(&out)
    );
    assert!(!out.stdout.contains(&0x1b));
}

#[test]
fn no_ansi_escapes_with_no_color() {
    let site = broken_site();
    let out = communique()
        .env("NO_COLOR", "1")
        .arg("--root")
        .arg(site.root())
        .arg("check")
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("unknown field"), "{}", stderr(&out));
    assert!(
        !out.stderr.contains(&0x1b),
        "no ANSI escapes:\n{:?}",
        stderr(&out)
    );
    // A successful build prints plain text too.
    let good = Site::fixture("site");
    let out = communique()
        .env_remove("NO_COLOR")
        .arg("--root")
        .arg(good.root())
        .arg("build")
        .output()
        .unwrap();
    assert_success(&out);
    assert!(!out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b));
}
