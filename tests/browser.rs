//! Live reload in a real browser: headless Chromium (Debian's `chromium`), driven over the
//! DevTools protocol. The test never reloads the page itself: the injected script must.
//!
//! `.ci/run` installs Chromium. Set `COMMUNIQUE_SKIP_BROWSER=1` to skip on a machine without it.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::chromium::{self, Killed, Page};
use serde_json::json;

fn brief(body: &str) -> String {
    format!("+++\ntitle = \"Live\"\ndate = 2024-02-01\n+++\n\n{body}\n")
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write(
        &root,
        "communique.toml",
        "title = \"Live\"\nbase_url = \"https://x.org\"\n",
    );
    write(&root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write(&root, "content/briefs/live.md", &brief("The first text."));
    let templates = [
        (
            "base.html",
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>t</title></head><body>{% block content %}{% endblock %}</body></html>",
        ),
        (
            "brief.html",
            "{% extends \"base.html\" %}{% block content %}<main>{{ page.content }}</main>{% endblock %}",
        ),
        (
            "index.html",
            "{% extends \"base.html\" %}{% block content %}home{% endblock %}",
        ),
        (
            "section.html",
            "{% extends \"base.html\" %}{% block content %}section{% endblock %}",
        ),
        (
            "taxonomy_list.html",
            "{% extends \"base.html\" %}{% block content %}list{% endblock %}",
        ),
        (
            "taxonomy_term.html",
            "{% extends \"base.html\" %}{% block content %}term{% endblock %}",
        ),
        (
            "404.html",
            "{% extends \"base.html\" %}{% block content %}404{% endblock %}",
        ),
    ];
    for (name, text) in templates {
        write(&root, &format!("templates/{name}"), text);
    }
    (dir, root)
}

/// A running `communique serve` on `root`: (guard, base URL).
fn start_server(root: &Path) -> (Killed, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_communique"))
        .args(["--root", root.to_str().unwrap(), "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(rest) = line.strip_prefix("serving ") {
            break rest
                .split(' ')
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Killed(server), url)
}

/// A headless Chromium with one page attached over DevTools: (guards, page).
fn start_browser() -> Option<(Killed, tempfile::TempDir, Page)> {
    if std::env::var_os("COMMUNIQUE_SKIP_BROWSER").is_some() {
        eprintln!("skipped: COMMUNIQUE_SKIP_BROWSER is set");
        return None;
    }
    let chromium = chromium::find_chromium()
        .expect("Chromium is needed for this test: `apt-get install chromium` (as .ci/run does), or set COMMUNIQUE_SKIP_BROWSER=1");
    Some(chromium::launch(chromium))
}

/// Edit → visible in Chromium on a large site, for docs/performance.md (not run by default):
///
/// ```sh
/// COMMUNIQUE_LATENCY_SITE=target/bench/corpus-10000 \
///   cargo test --release --test browser -- --ignored --nocapture
/// ```
#[test]
#[ignore = "a measurement: set COMMUNIQUE_LATENCY_SITE to a generated corpus"]
fn edit_to_visible_latency_on_a_corpus() {
    let Some(site) = std::env::var_os("COMMUNIQUE_LATENCY_SITE") else {
        return;
    };
    let root = PathBuf::from(site).canonicalize().unwrap();
    let brief = "section-03/brief-00013";
    let file = root.join(format!("content/{brief}.md"));
    let original = fs::read_to_string(&file).unwrap();
    let (_server, url) = start_server(&root);
    let Some((_browser, _profile, mut page)) = start_browser() else {
        return;
    };
    page.call("Page.navigate", json!({ "url": format!("{url}/{brief}/") }));
    page.wait_until(
        "the brief",
        "document.body && document.body.innerText.length > 100",
    );
    std::thread::sleep(Duration::from_millis(500));
    let mut times = Vec::new();
    for i in 0..10 {
        let token = format!("visible-probe-{i}");
        let saved = Instant::now();
        fs::write(
            &file,
            original.replacen("\n## ", &format!("\n{token}\n\n## "), 1),
        )
        .unwrap();
        page.wait_until(
            "the edit",
            &format!("document.body.innerText.includes('{token}')"),
        );
        times.push(saved.elapsed().as_millis());
        std::thread::sleep(Duration::from_millis(300));
    }
    fs::write(&file, original).unwrap();
    let mut sorted = times.clone();
    sorted.sort();
    eprintln!(
        "edit -> visible in Chromium (ms): {times:?}; median {}",
        (sorted[4] + sorted[5]) / 2
    );
}

#[test]
fn live_reload_and_error_overlay_in_chromium() {
    let (_dir, root) = site();
    let (_server, url) = start_server(&root);
    let Some((_browser, _profile, mut page)) = start_browser() else {
        return;
    };

    page.call(
        "Page.navigate",
        json!({ "url": format!("{url}/briefs/live/") }),
    );
    page.wait_until(
        "the first text",
        "document.body && document.body.innerText.includes('The first text.')",
    );
    // Wait for the live reload connection before editing.
    std::thread::sleep(Duration::from_millis(300));

    let file = root.join("content/briefs/live.md");
    let saved = Instant::now();
    fs::write(&file, brief("The second text.")).unwrap();
    page.wait_until(
        "the edit to appear",
        "document.body.innerText.includes('The second text.')",
    );
    eprintln!(
        "edit visible in Chromium {} ms after saving",
        saved.elapsed().as_millis()
    );

    fs::write(
        &file,
        "+++\ntitle = \"Live\ndate = 2024-02-01\n+++\nBroken.\n",
    )
    .unwrap();
    page.wait_until(
        "the error overlay",
        "!!document.getElementById('communique-overlay')",
    );
    let overlay = page.eval("document.getElementById('communique-overlay').innerText");
    assert!(
        overlay
            .as_str()
            .unwrap_or("")
            .contains("content/briefs/live.md:2"),
        "{overlay}"
    );
    assert!(
        page.eval("document.body.innerText.includes('The second text.')") == json!(true),
        "last good page stays"
    );

    fs::write(&file, brief("The third text.")).unwrap();
    page.wait_until(
        "the overlay to go",
        "!document.getElementById('communique-overlay')",
    );
    page.wait_until(
        "the fixed text",
        "document.body.innerText.includes('The third text.')",
    );
}
