//! Content features on a small fixture (tests/fixtures/features): YAML and TOML front matter,
//! CRLF and BOM, datetimes, slugs, aliases, sorting, taxonomy pagination, unchanged rebuilds.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/features"),
        &root,
    );
    (dir, root)
}

fn build(root: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_communique"))
        .arg("--root")
        .arg(root)
        .arg("build")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn titles(file: &Path) -> Vec<String> {
    let doc = Html::parse_document(&fs::read_to_string(file).unwrap());
    doc.select(&Selector::parse(".card-title").unwrap())
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

#[test]
fn front_matter_forms_slugs_aliases_and_sorting() {
    let (_dir, root) = fixture();
    build(&root);
    let out = root.join("public");
    let zulu = fs::read_to_string(out.join("notes/zulu/index.html")).unwrap();
    assert!(zulu.contains("CRLF body."), "CRLF and BOM file built");
    assert!(
        out.join("notes/first-alpha/index.html").exists(),
        "slug replaces the file name"
    );
    assert!(!out.join("notes/alpha/index.html").exists());
    let alias = fs::read_to_string(out.join("old/zulu/index.html")).unwrap();
    assert!(
        alias.contains("url=https://x.org/notes/zulu/"),
        "alias redirects"
    );
    assert!(
        out.join("extra.css").exists(),
        "static files copied to the root"
    );

    // The notes section sorts by title, paginated by 2; the home page lists newest first.
    assert_eq!(titles(&out.join("notes/index.html")), ["Alpha", "Mike"]);
    assert_eq!(titles(&out.join("notes/page/2/index.html")), ["Zulu"]);
    assert_eq!(titles(&out.join("index.html")), ["Zulu", "Mike"]);
    let mike = fs::read_to_string(out.join("notes/mike/index.html")).unwrap();
    assert!(
        mike.contains("datetime=\"2024-01-02T10:30:00+03:00\""),
        "datetimes kept as written"
    );

    // "Security" and "security" are one term, paginated.
    assert!(out.join("topics/security/index.html").exists());
    assert_eq!(
        titles(&out.join("topics/security/index.html")),
        ["Zulu", "Mike"]
    );
    assert_eq!(
        titles(&out.join("topics/security/page/2/index.html")),
        ["Alpha"]
    );
    let feed = fs::read_to_string(out.join("atom.xml")).unwrap();
    assert!(
        feed.contains("<published>2024-01-02T07:30:00Z</published>"),
        "feed dates in UTC"
    );
}

#[test]
fn rebuilding_an_unchanged_site_rewrites_nothing_and_changes_only_what_changed() {
    let (_dir, root) = fixture();
    build(&root);
    let out = root.join("public");
    let page = out.join("notes/mike/index.html");
    let before = fs::metadata(&page).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let report = build(&root);
    assert!(report.contains("(0 written,"), "{report}");
    assert_eq!(fs::metadata(&page).unwrap().modified().unwrap(), before);

    let file = root.join("content/notes/zulu.md");
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("CRLF body.", "Edited body.");
    fs::write(&file, text).unwrap();
    let report = build(&root);
    assert!(!report.contains("(0 written,"), "{report}");
    assert_eq!(
        fs::metadata(&page).unwrap().modified().unwrap(),
        before,
        "untouched page kept"
    );

    fs::remove_file(root.join("content/notes/mike.md")).unwrap();
    let report = build(&root);
    assert!(report.contains("removed"), "{report}");
    assert!(!page.exists(), "deleted brief's page removed");
}

#[test]
fn template_functions_and_filters() {
    let (_dir, root) = fixture();
    fs::create_dir_all(root.join("templates")).unwrap();
    fs::write(
        root.join("templates/404.html"),
        r#"{% extends "base.html" %}{% block content %}<h1>Lost</h1>
<a id="u1" href="{{ get_url(path='@/notes/mike.md#part') }}">m</a>
<a id="u2" href="{{ get_url(path='@/notes/_index.md') }}">n</a>
<a id="u3" href="{{ get_taxonomy_url(kind='topics', name='Security') }}">t</a>
{% set zulu = get_page(path='notes/zulu.md') %}<p id="p">{{ zulu.title }}</p>
{% set notes = get_section(path='notes/_index.md') %}<p id="s">{{ notes.pages | length }}</p>
<p id="d">{{ "2024-03-05" | date(format="%d/%m/%Y") }}</p>
<p id="g">{{ "Iraq–US talks!" | slugify }}</p>
<p id="m">{{ "*emphasis*" | markdown(inline=true) }}</p>
{% endblock content %}"#,
    )
    .unwrap();
    build(&root);
    let page = fs::read_to_string(root.join("public/404.html")).unwrap();
    for expected in [
        "id=\"u1\" href=\"/notes/mike/#part\"",
        "id=\"u2\" href=\"/notes/\"",
        "id=\"u3\" href=\"/topics/security/\"",
        "<p id=\"p\">Zulu</p>",
        "<p id=\"s\">3</p>",
        "<p id=\"d\">05/03/2024</p>",
        "<p id=\"g\">iraq-us-talks</p>",
        "<p id=\"m\"><em>emphasis</em></p>",
    ] {
        assert!(page.contains(expected), "{expected} in\n{page}");
    }
}
