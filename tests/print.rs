//! The print stylesheet: in headless Chromium with print media, the navigation, the search box,
//! the footer and the skip link are gone and outside links show their address; printed to PDF,
//! pages carry the running head (series and title) and "n / total" page numbers, and no word
//! of the site's chrome.
//!
//! Needs Debian's `chromium` (set `COMMUNIQUE_SKIP_BROWSER=1` to skip) and, for the PDF half,
//! `pdftotext` (poppler-utils; `.ci/run` installs both).

mod common;

use std::process::Command;

use common::Site;
use common::chromium::{self, Page};
use common::static_server::Host;
use serde_json::json;

fn site() -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"Chromeword Institute\"\nbase_url = \"https://x.org\"\nlanguage = \"en\"\ntaxonomies = [\"topics\"]\n\n[extra]\nnav = [{ name = \"Navzone\", path = \"/briefs/\" }]\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write("content/briefs/_index.md", "+++\ntitle = \"Briefs\"\n+++\n");
    let paragraphs = "The talks went on for many rounds, and each round settled a little more of what the mission would become. ".repeat(12);
    let body = format!(
        "See [the agreement](https://example.org/agreement) for the text.\n\n{}\n\n| Year | Troops |\n| --- | --- |\n| 2023 | 2,500 |\n| 2024 | 2,000 |\n",
        std::iter::repeat_n(paragraphs.as_str(), 8)
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    site.write(
        "content/briefs/talks.md",
        &format!(
            "+++\ntitle = \"The end of the coalition mission\"\ndate = 2024-09-27\nseries = \"Talks Papers\"\nnumber = 3\ntopics = [\"Security\"]\nkey_points = [\"The mission ends in two phases.\"]\n+++\n\n{body}"
        ),
    );
    site
}

#[test]
fn printing_hides_the_chrome_and_numbers_the_pages() {
    if std::env::var_os("COMMUNIQUE_SKIP_BROWSER").is_some() {
        eprintln!("skipped: COMMUNIQUE_SKIP_BROWSER is set");
        return;
    }
    let chromium = chromium::find_chromium()
        .expect("Chromium is needed for this test: `apt-get install chromium` (as .ci/run does), or set COMMUNIQUE_SKIP_BROWSER=1");
    let site = site();
    let host = Host::bind();
    let base = format!("http://127.0.0.1:{}", host.port);
    site.build_ok(&["--base-url", &base]);
    host.serve(&site.output_path(""), "");
    let url = format!("{base}/briefs/talks/");

    let (_browser, _profile, mut page) = chromium::launch(chromium);
    page.open(&url);
    page.call("Emulation.setEmulatedMedia", json!({ "media": "print" }));
    for chrome in [
        ".site-header",
        "nav",
        ".site-search",
        ".site-footer",
        ".skip-link",
    ] {
        assert_eq!(
            display(&mut page, chrome),
            json!("none"),
            "{chrome} is not printed"
        );
    }
    assert_eq!(display(&mut page, "main"), json!("block"));
    let after = page.eval(
        "getComputedStyle(document.querySelector('main a[href^=\"https://example.org\"]'), '::after').content",
    );
    assert_eq!(
        after,
        json!("\" (https://example.org/agreement)\""),
        "the address follows the link"
    );
    assert_eq!(
        display_after_print_off(&mut page),
        json!("flex"),
        "screen keeps its header"
    );

    print_to_pdf(chromium, &url);
}

fn display(page: &mut Page, css: &str) -> serde_json::Value {
    page.eval(&format!(
        "getComputedStyle(document.querySelector({})).display",
        json!(css)
    ))
}

fn display_after_print_off(page: &mut Page) -> serde_json::Value {
    page.call("Emulation.setEmulatedMedia", json!({ "media": "screen" }));
    page.eval("getComputedStyle(document.querySelector('.site-header .wrap')).display")
}

#[test]
fn a_brief_prints_on_a4_with_its_running_head_page_numbers_and_no_chrome() {
    use base64::Engine;
    if std::env::var_os("COMMUNIQUE_SKIP_BROWSER").is_some() {
        eprintln!("skipped: COMMUNIQUE_SKIP_BROWSER is set");
        return;
    }
    let chromium = chromium::find_chromium()
        .expect("Chromium is needed for this test: `apt-get install chromium` (as .ci/run does), or set COMMUNIQUE_SKIP_BROWSER=1");
    let site = site();
    let host = Host::bind();
    let base = format!("http://127.0.0.1:{}", host.port);
    site.build_ok(&["--base-url", &base]);
    host.serve(&site.output_path(""), "");
    let (_browser, _profile, mut page) = chromium::launch(chromium);
    page.open(&format!("{base}/briefs/talks/"));
    // A4 in inches, as a reader in most of the world prints; the stylesheet asks for no size.
    let reply = page.call(
        "Page.printToPDF",
        json!({ "paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": false }),
    );
    let data = reply["result"]["data"]
        .as_str()
        .unwrap_or_else(|| panic!("no PDF: {reply}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("a4.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    if let Some(keep) = std::env::var_os("COMMUNIQUE_KEEP_PRINT") {
        std::fs::copy(&pdf, keep).unwrap();
    }
    let Ok(info) = Command::new("pdfinfo").arg(&pdf).output() else {
        assert!(
            std::env::var_os("COMMUNIQUE_REQUIRE_TOOLS").is_none(),
            "pdfinfo is needed: `apt-get install poppler-utils` (as .ci/run does)"
        );
        return;
    };
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("(A4)"), "{info}");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() >= 2, "{} pages", pages.len());
    for (n, page) in pages.iter().enumerate() {
        let number = format!("{}/{}", n + 1, pages.len());
        assert!(
            page.split_whitespace()
                .collect::<String>()
                .contains(&number),
            "page {} is numbered {number}:\n{page}",
            n + 1
        );
        assert!(
            page.contains("Talks Papers · The end of the coalition mission"),
            "page {} has the running head:\n{page}",
            n + 1
        );
    }
    for chrome in ["Navzone", "Skip to content", "Atom feed"] {
        assert!(!text.contains(chrome), "{chrome:?} is not printed:\n{text}");
    }
}

/// Prints `url` to PDF as a reader would, and reads the text of its pages.
fn print_to_pdf(chromium: &std::path::Path, url: &str) {
    let Ok(probe) = Command::new("pdftotext").arg("-v").output() else {
        assert!(
            std::env::var_os("COMMUNIQUE_REQUIRE_TOOLS").is_none(),
            "pdftotext is needed: `apt-get install poppler-utils` (as .ci/run does)"
        );
        eprintln!("skipped the PDF half: pdftotext (poppler-utils) is not installed");
        return;
    };
    drop(probe);
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("brief.pdf");
    let printed = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            &format!("--user-data-dir={}", dir.path().join("profile").display()),
            &format!("--print-to-pdf={}", pdf.display()),
            url,
        ])
        .output()
        .unwrap();
    assert!(pdf.is_file(), "Chromium printed nothing: {printed:?}");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(
        pages.len() >= 2,
        "a long brief takes pages: {}",
        pages.len()
    );
    let total = pages.len();
    for (n, page) in pages.iter().enumerate() {
        // pdftotext drops the thin spaces around the slash.
        let number = format!("{}/{total}", n + 1);
        let last_line = page
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        assert_eq!(
            last_line.split_whitespace().collect::<String>(),
            number,
            "page {} ends with its number:\n{page}",
            n + 1
        );
        assert!(
            page.contains("Talks Papers · The end of the coalition mission"),
            "page {} has the running head:\n{page}",
            n + 1
        );
    }
    for chrome in ["Navzone", "Skip to content", "Search", "Atom feed"] {
        assert!(!text.contains(chrome), "{chrome:?} is not printed:\n{text}");
    }
    assert!(text.contains("(https://example.org/agreement)"), "{text}");
}
