//! Content safety: links are never followed out of the site and their targets never quoted
//! (issue 8, point 2), `index.md` beside `_index.md` (point 6), and names with URL-special
//! characters or differing only by case (point 8).

#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;

use common::*;

/// A secret that must never appear in anything communique prints.
const SECRET: &str = "CI_TOKEN_d41d8cd98f00b204e9800998ecf8427e";

/// stdout and stderr of a command together.
fn all_output(output: &std::process::Output) -> String {
    format!("{}{}", stdout(output), stderr(output))
}

fn brief(title: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = 2024-05-01\n+++\n\nBody of {title}.\n")
}

/// A file outside the site holding the secret, with or without front matter.
fn outside_file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn link(site: &Site, rel: &str, target: &Path) {
    let path = site.path(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    symlink(target, path).unwrap();
}

/// Asserts that `output` holds a warning whose location is `rel`.
fn assert_warns_about(output: &std::process::Output, rel: &str) {
    let err = stderr(output);
    assert!(
        err.lines()
            .any(|l| l.starts_with(&format!("warning: {rel}: skipped"))),
        "no warning naming {rel}:\n{err}"
    );
}

/// Runs `communique <command>` with the secret in its environment (what
/// `/proc/self/environ` shows).
fn run_with_secret(site: &Site, command: &str) -> std::process::Output {
    communique()
        .env("CI_TOKEN", SECRET)
        .arg("--root")
        .arg(site.root())
        .arg(command)
        .current_dir(site.root())
        .output()
        .unwrap()
}

#[test]
fn a_folder_page_linked_to_the_environment_is_skipped_and_never_quoted() {
    let site = Site::fixture("site");
    link(
        &site,
        "content/briefs/env/index.md",
        Path::new("/proc/self/environ"),
    );
    for command in ["build", "check"] {
        let out = run_with_secret(&site, command);
        assert!(
            !all_output(&out).contains(SECRET),
            "{command} printed the secret"
        );
        assert_success(&out);
        assert_warns_about(&out, "content/briefs/env/index.md");
    }
    assert!(!site.output_path("briefs/env").exists());
}

#[test]
fn links_to_files_outside_the_site_are_skipped_with_a_warning_and_never_read() {
    let outside = tempfile::tempdir().unwrap();
    let with_front_matter = outside_file(
        outside.path(),
        "leak.md",
        &format!("+++\ntitle = \"Leak\"\ndate = 2024-01-01\n+++\n\n{SECRET}\n"),
    );
    let without = outside_file(outside.path(), "raw.txt", &format!("{SECRET}\n"));
    let site = Site::fixture("site");
    link(&site, "content/briefs/leak.md", &with_front_matter);
    link(&site, "content/briefs/raw.md", &without);
    link(&site, "content/briefs/delta/secret.txt", &without);
    link(&site, "static/secret.txt", &without);
    link(&site, "templates/partials/secret.html", &without);
    link(
        &site,
        "content/briefs/dangling.md",
        &outside.path().join("gone.md"),
    );
    link(&site, "content/linked-folder", outside.path());
    let out = site.build(&[]);
    assert_success(&out);
    assert!(!all_output(&out).contains(SECRET));
    for rel in [
        "content/briefs/leak.md",
        "content/briefs/raw.md",
        "content/briefs/delta/secret.txt",
        "static/secret.txt",
        "templates/partials/secret.html",
        "content/briefs/dangling.md",
        "content/linked-folder",
    ] {
        assert_warns_about(&out, rel);
    }
    for (rel, bytes) in site.output_snapshot() {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "public/{rel} holds the secret"
        );
    }
}

#[test]
fn links_inside_the_site_are_followed() {
    let site = Site::fixture("site");
    link(
        &site,
        "content/briefs/linked-apple.md",
        &site.path("content/analysis/apple.md"),
    );
    link(
        &site,
        "static/chart-copy.svg",
        &site.path("content/briefs/delta/chart.svg"),
    );
    let out = site.build_ok(&[]);
    assert!(!stderr(&out).contains("skipped"), "{}", stderr(&out));
    assert!(site.has_output("briefs/linked-apple/index.html"));
    assert!(site.has_output("chart-copy.svg"));
}

#[test]
fn a_config_linked_out_of_the_site_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside_file(outside.path(), "secret.toml", &format!("{SECRET} = !\n"));
    let site = Site::fixture("site");
    site.remove("communique.toml");
    link(&site, "communique.toml", &secret);
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert!(!all_output(&out).contains(SECRET));
    assert!(stderr(&out).contains("communique.toml"), "{}", stderr(&out));
}

#[test]
fn serve_reports_skipped_links_too() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside_file(outside.path(), "raw.txt", &format!("{SECRET}\n"));
    let site = Site::fixture("site");
    link(&site, "static/secret.txt", &secret);
    let dirs = communique::SiteDirs::new(site.root(), None);
    let mut rebuilder =
        communique::serve::rebuild::Rebuilder::new(dirs, communique::BuildOptions::default());
    let update = rebuilder.full().unwrap();
    let warned = update.warnings.iter().any(|w| {
        w.location
            .as_ref()
            .is_some_and(|l| l.file == Path::new("static/secret.txt"))
    });
    assert!(warned, "{:?}", update.warnings);
    assert!(!update.files.iter().any(|f| f.path == "secret.txt"));
}

#[test]
fn index_md_beside_index_md_of_a_section_is_an_error_naming_both() {
    let site = Site::fixture("site");
    site.write("content/briefs/index.md", &brief("Overview"));
    let out = site.build(&[]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("content/briefs/index.md") && err.contains("content/briefs/_index.md"),
        "{err}"
    );
    // The old output is left as it was: nothing was built.
    assert!(!site.output_path("index.html").exists());
}

#[test]
fn index_md_at_the_content_root_is_an_error() {
    let site = Site::fixture("site");
    site.write("content/index.md", &brief("Home"));
    let out = site.check(&[]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("content/index.md"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn markdown_inside_a_page_folder_is_reported() {
    let site = Site::fixture("site");
    site.write("content/briefs/delta/notes.md", &brief("Notes"));
    let out = site.build_ok(&[]);
    assert!(
        stderr(&out).contains("warning: content/briefs/delta/notes.md"),
        "{}",
        stderr(&out)
    );
}

/// Whether `url` is a plain URI: printable ASCII, no space or quote, `%` only in escapes,
/// `#` only once, after the path.
fn is_plain_uri(url: &str) -> bool {
    let bytes = url.as_bytes();
    let escapes_ok = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    escapes_ok
        && url.matches('#').count() <= 1
        && !url.contains('?')
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\' | '`' | '{' | '}'))
}

#[test]
fn names_with_url_special_characters_never_go_raw_into_urls() {
    let site = Site::fixture("site");
    site.write(
        "content/Policy Briefs #1/_index.md",
        "+++\ntitle = \"Policy briefs\"\n+++\n",
    );
    site.write(
        "content/Policy Briefs #1/What? 100% sure.md",
        &brief("Sure").replace(
            "+++\n\n",
            "aliases = [\"/old brief/\", \"/café%20notes/\"]\n+++\n\n",
        ),
    );
    site.write("content/briefs/delta/my chart #2?.svg", "<svg/>");
    site.write("static/files/annual report #2?.txt", "report");
    let out = site.build_ok(&[]);

    // Pages and sections: slugified.
    assert!(site.has_output("policy-briefs-1/index.html"));
    assert!(site.has_output("policy-briefs-1/what-100-sure/index.html"));
    // Static files, assets and aliases keep their names on disk.
    assert!(site.has_output("files/annual report #2?.txt"));
    assert!(site.has_output("briefs/delta/my chart #2?.svg"));
    assert!(site.has_output("old brief/index.html"));
    assert!(site.has_output("café notes/index.html"));

    // Every URL in the sitemap and the feed is a plain URI.
    let sitemap = site.read_output("sitemap.xml");
    check_well_formed_xml(&sitemap).unwrap();
    let locs = xml_texts(&sitemap, "loc");
    assert!(locs.contains(&"https://example.org/policy-briefs-1/what-100-sure/".to_string()));
    for loc in &locs {
        assert!(is_plain_uri(loc), "sitemap URL {loc:?}");
    }
    let feed = site.read_output("atom.xml");
    check_well_formed_xml(&feed).unwrap();
    for id in xml_texts(&feed, "id") {
        assert!(is_plain_uri(&id), "feed id {id:?}");
    }

    // The asset's link is percent-encoded, and so is the alias's redirect target.
    let delta = site.html("briefs/delta/index.html");
    let assets = hrefs(&delta, "ul.assets a");
    assert!(
        assets.contains(&"/briefs/delta/my%20chart%20%232%3F.svg".to_string()),
        "{assets:?}"
    );
    for href in &assets {
        assert!(is_plain_uri(href), "asset href {href:?}");
    }
    let redirect = site.html("old brief/index.html");
    let target = attr(one(&redirect, "link[rel=canonical]"), "href");
    assert_eq!(target, "https://example.org/policy-briefs-1/what-100-sure/");
    drop(out);
}

#[test]
fn aliases_with_a_query_or_a_broken_escape_are_errors() {
    for alias in ["/old?id=3", "/old#x", "/100%/", "/a%2Fb/"] {
        let site = Site::fixture("site");
        site.write(
            "content/briefs/zeta.md",
            &brief("Zeta").replace("+++\n\n", &format!("aliases = [\"{alias}\"]\n+++\n\n")),
        );
        let out = site.check(&[]);
        assert_exit(&out, 1);
        assert!(
            stderr(&out).contains("content/briefs/zeta.md"),
            "{alias}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn names_with_control_characters_are_skipped_with_an_escaped_warning() {
    let site = Site::fixture("site");
    site.write("static/evil\n\u{1b}[31mname.css", "a{}");
    site.write("content/briefs/new\nline.md", &brief("Newline"));
    let out = site.build_ok(&[]);
    let err = stderr(&out);
    assert!(!err.contains('\u{1b}'), "a raw escape reached the terminal");
    assert!(err.contains("static/evil\\n\\u{1b}[31mname.css"), "{err}");
    assert!(err.contains("content/briefs/new\\nline.md"), "{err}");
    assert!(
        site.output_snapshot()
            .keys()
            .all(|k| !k.chars().any(char::is_control))
    );
}

#[test]
fn static_files_differing_only_by_case_are_an_error_naming_both() {
    let site = Site::fixture("site");
    site.write("static/STYLE.css", "b{}");
    let out = site.build(&[]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("static/STYLE.css") && err.contains("static/style.css"),
        "{err}"
    );
}

#[test]
fn folders_differing_only_by_case_are_an_error_naming_both() {
    // A static folder against the folder of a section's pages.
    let site = Site::fixture("site");
    site.write("static/Briefs/report.pdf", "pdf");
    let out = site.build(&[]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("static/Briefs/report.pdf"), "{err}");
    assert!(err.contains("/Briefs") && err.contains("/briefs"), "{err}");

    // Two content folders whose names make the same URL.
    let site = Site::fixture("site");
    site.write("content/Briefs/_index.md", "+++\ntitle = \"Upper\"\n+++\n");
    let out = site.build(&[]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("content/Briefs/_index.md") && err.contains("content/briefs/_index.md"),
        "{err}"
    );
}
