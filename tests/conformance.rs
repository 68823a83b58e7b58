//! Every page type passes the Nu Html Checker with no error and axe-core with no serious or
//! critical violation, and no page is wider than a phone.
//!
//! Three outputs are checked: the repository's own example site (the checkout root), a small
//! fixture site on the built-in theme that has every feature a page can show, and its
//! right-to-left counterpart in Arabic (tests/fixtures/arabic, see also tests/rtl.rs). The checkers come
//! from `.ci/run`, which installs Java, Chromium and the pinned npm packages `vnu-jar` and
//! `axe-core` into `.ci/node_modules`; `VNU_JAR` and `AXE_JS` point elsewhere. On a machine
//! without them the test says loudly what it skipped and passes, unless
//! `COMMUNIQUE_REQUIRE_TOOLS` is set (as `.ci/run` does), when a missing tool fails it.
//! `COMMUNIQUE_SKIP_BROWSER=1` skips the browser half, as for tests/browser.rs. The fixture is
//! also built with `minify = true` for the Nu checker: minified pages must stay valid.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use common::chromium::{self, Page};
use common::{Site, assert_success, communique, files_under};
use serde_json::{Value, json};

/// One page of every type (alias redirects aside), by site path.
const PAGE_TYPES: [(&str, &str); 12] = [
    ("home", "/"),
    ("section listing", "/briefs/"),
    ("pager page 2", "/briefs/page/2/"),
    ("brief", "BRIEF"),
    ("taxonomy list", "/topics/"),
    ("term page", "TERM"),
    ("404", "/404.html"),
    ("author list", "/authors/"),
    ("timeline", "/timeline/"),
    ("type listing", "/types/briefing/"),
    ("author page", "AUTHOR"),
    ("search", "/search/"),
];

/// The phone width the overflow check uses (an iPhone 12–15 in CSS pixels).
const PHONE_WIDTH: u32 = 390;

/// A laptop's width.
const DESKTOP_WIDTH: u32 = 1280;

#[test]
fn every_page_type_passes_the_nu_checker_and_axe() {
    let started = Instant::now();
    let out = tempfile::tempdir().unwrap();
    let example_out = out.path().join("example");
    build(Path::new(env!("CARGO_MANIFEST_DIR")), &example_out);
    let fixture = fixture_site();
    let fixture_out = out.path().join("fixture");
    build(fixture.root(), &fixture_out);
    let arabic = Site::fixture("arabic");
    let arabic_out = out.path().join("arabic");
    build(arabic.root(), &arabic_out);
    // `minify = true` output must stay valid HTML too (the Nu checker only: same pages).
    let minified_out = out.path().join("minified");
    let config = fixture.read("communique.toml");
    fixture.write("communique.toml", &format!("{config}minify = true\n"));
    build(fixture.root(), &minified_out);

    // The checker's JVM runs while the browser works.
    let nu = start_nu_checker(&[&example_out, &fixture_out, &arabic_out, &minified_out]);
    let nu_ok = nu.is_some();
    let browser_ok = check_in_browser(&[
        (
            "example site",
            &example_out,
            "/briefs/joint-military-commissions/",
            "/authors/lhassan/",
            "/topics/security/",
        ),
        (
            "fixture site",
            &fixture_out,
            "/briefs/alpha/",
            "/authors/lina-hassan/",
            "/topics/security/",
        ),
        (
            "example site, Arabic edition",
            &example_out,
            "/ar/briefs/al-jawla-al-ula/",
            "/ar/authors/lhassan/",
            // الأمن
            "/ar/topics/%D8%A7%D9%84%D8%A3%D9%85%D9%86/",
        ),
        (
            "Arabic fixture site",
            &arabic_out,
            "/briefs/al-jawla-al-ula/",
            // ليلى-حسن and الأمن, as the browser's address bar has them.
            "/authors/%D9%84%D9%8A%D9%84%D9%89-%D8%AD%D8%B3%D9%86/",
            "/topics/%D8%A7%D9%84%D8%A3%D9%85%D9%86/",
        ),
    ]);
    if let Some(nu) = nu {
        assert_no_nu_errors(nu, out.path());
    }
    eprintln!(
        "conformance checks took {} ms{}{}",
        started.elapsed().as_millis(),
        if nu_ok { "" } else { " (Nu checker skipped)" },
        if browser_ok { "" } else { " (browser skipped)" }
    );
}

/// Builds the site at `root` into `output` (an absolute path).
fn build(root: &Path, output: &Path) {
    let result = communique()
        .arg("--root")
        .arg(root)
        .args(["build", "--quiet", "--output-dir"])
        .arg(output)
        .output()
        .unwrap();
    assert_success(&result);
}

/// A site on the built-in theme (no templates/) with footnotes, a table, code, a callout, a
/// titled image, key points, recommendations, related briefs, several topics, one brief per
/// listing page and an alias.
/// (Its table fits a phone: a wider one scrolls in its own box, which needs keyboard access.)
fn fixture_site() -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"Conformance\"\nbase_url = \"https://example.org\"\nlanguage = \"en\"\n\
         description = \"A site that shows every feature.\"\npaginate_by = 1\n\
         taxonomies = [\"topics\"]\n",
    );
    site.write(
        "content/_index.md",
        "+++\ntitle = \"Conformance\"\nsort_by = \"date\"\n+++\n\nThe home page's introduction.\n",
    );
    site.write(
        "content/briefs/_index.md",
        "+++\ntitle = \"Briefs\"\ndescription = \"Every brief.\"\nsort_by = \"date\"\n+++\n",
    );
    site.write(
        "content/briefs/alpha.md",
        r#"+++
title = "Alpha: a brief with every feature"
subtitle = "Footnotes, a table, code and boxes"
date = 2024-03-01
description = "A brief that uses every part of the brief page."
authors = [{ name = "Lina Hassan", affiliation = "Security Programme" }]
series = "Test series"
number = 1
status = "Final"
topics = ["security", "economy", "diplomacy"]
key_points = ["The first point, with *emphasis*.", "The second point."]
recommendations = ["Do the first thing.", "Then do [the second](@/briefs/beta.md)."]
related = ["@/briefs/beta.md", "@/briefs/gamma.md"]
aliases = ["/old/alpha/"]
type = "briefing"
region = "Middle East"
[summary]
whats_new = "Talks *began*."
why_it_matters = "A timeline for advisers."
what_should_be_done = "Tie steps to conditions."
[[events]]
date = 2024-01-27
title = "First round of talks"
description = "In Baghdad."
[[events]]
date = "2023-10"
title = "Attacks surge"
+++

An opening paragraph with a footnote.[^1]

<!-- more -->

## A table

| Measure | 2023 | 2024 |
|---|---:|---:|
| Advisers in the country | 2,500 | 2,000 |
| Joint commissions | 1 | 3 |

> [!WARNING]
> A callout.

![A small icon](/favicon.svg "A titled image")

## Some code

```toml
[markdown]
smart_punctuation = true # a long comment that makes this line wider than a phone screen on purpose
```

## A list

- One item.
- Another item.[^note]

[^1]: The first footnote.
[^note]: A named footnote.
"#,
    );
    for (slug, date, topics) in [
        ("beta", "2024-02-01", "\"security\""),
        ("gamma", "2024-01-01", "\"economy\""),
    ] {
        site.write(
            &format!("content/briefs/{slug}.md"),
            &format!(
                "+++\ntitle = \"Brief {slug}\"\ndate = {date}\ntopics = [{topics}]\n+++\n\n\
                 The body of brief {slug}.\n"
            ),
        );
    }
    site
}

/// The path of a checker's file: `$env` if set, else `.ci/node_modules/<rel>`; `None` (after a
/// loud note) when it is missing and tools are not required.
fn tool_file(env: &str, rel: &str, package: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env).map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(".ci/node_modules")
            .join(rel)
    });
    if path.is_file() {
        return Some(path);
    }
    missing(&format!(
        "{} (npm package {package}; or point {env} at it)",
        path.display()
    ))
}

/// Whether a missing checker fails the test (`.ci/run` sets it) rather than skipping it.
fn tools_required() -> bool {
    std::env::var_os("COMMUNIQUE_REQUIRE_TOOLS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Fails when tools are required; otherwise notes loudly what is skipped.
fn missing<T>(what: &str) -> Option<T> {
    assert!(
        !tools_required(),
        "{what} is missing, and COMMUNIQUE_REQUIRE_TOOLS is set: run .ci/run"
    );
    eprintln!("\n*** skipped: {what} is missing: run .ci/run or install it ***\n");
    None
}

/// Starts the Nu Html Checker over every HTML file under `dirs`, or `None` if it is missing.
fn start_nu_checker(dirs: &[&Path]) -> Option<Child> {
    let jar = tool_file("VNU_JAR", "vnu-jar/build/dist/vnu.jar", "vnu-jar")?;
    let java_runs = Command::new("java")
        .arg("-version")
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !java_runs {
        return missing("java (Debian's default-jre-headless)");
    }
    let child = Command::new("java")
        .arg("-jar")
        .arg(jar)
        .args(["--errors-only", "--skip-non-html", "--format", "json"])
        .args(dirs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Some(child)
}

/// Waits for the checker and fails with every error as file:line:column.
fn assert_no_nu_errors(nu: Child, base: &Path) {
    let output = nu.wait_with_output().unwrap();
    // vnu writes its JSON report to standard error.
    let report = [&output.stderr, &output.stdout]
        .into_iter()
        .find_map(|bytes| serde_json::from_slice::<Value>(bytes).ok())
        .unwrap_or_else(|| {
            panic!(
                "the Nu checker gave no JSON report (status {:?}):\n{}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let base_url = format!("file:{}/", base.display());
    let errors: Vec<String> = report["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["type"] != "info")
        .map(|m| {
            let url = m["url"].as_str().unwrap_or("?");
            format!(
                "{}:{}:{}: {}\n    {}",
                url.strip_prefix(&base_url).unwrap_or(url),
                m["lastLine"],
                m["firstColumn"],
                m["message"].as_str().unwrap_or("?"),
                m["extract"].as_str().unwrap_or("").replace('\n', " ")
            )
        })
        .collect();
    assert!(
        errors.is_empty(),
        "the Nu Html Checker found {} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
    assert!(output.status.success(), "the Nu checker failed: {report}");
}

/// Runs axe-core (at a desktop and a phone width) and the phone-width check on one page of
/// every type of each output (`(name, folder, a brief's path, an author's, a term's)`).
/// Returns false if the browser half was skipped.
fn check_in_browser(outputs: &[(&str, &Path, &str, &str, &str)]) -> bool {
    if std::env::var_os("COMMUNIQUE_SKIP_BROWSER").is_some() {
        eprintln!("\n*** skipped: axe-core and phone width, COMMUNIQUE_SKIP_BROWSER is set ***\n");
        return false;
    }
    let Some(axe) = tool_file("AXE_JS", "axe-core/axe.min.js", "axe-core") else {
        return false;
    };
    let Some(chromium) = chromium::find_chromium()
        .or_else(|| missing("Chromium (Debian's chromium; or set COMMUNIQUE_SKIP_BROWSER=1)"))
    else {
        return false;
    };
    let axe = fs::read_to_string(axe).unwrap();
    let (_browser, _profile, mut page) = chromium::launch(chromium);
    let mut problems = Vec::new();
    for (site, folder, brief, author, term) in outputs {
        let port = serve_folder(folder);
        for (kind, listed) in PAGE_TYPES {
            let path = match listed {
                "BRIEF" => brief,
                "AUTHOR" => author,
                "TERM" => term,
                _ => listed,
            };
            // A further language's edition (`/ar/…`) has the page types its content makes: its
            // own pages of each listing and list of authors, and the default language's 404.
            let path = match brief.split_once("/briefs/") {
                Some((prefix, _)) if !prefix.is_empty() && listed.starts_with('/') => {
                    let own = format!("{prefix}{path}");
                    let file = folder.join(own.trim_start_matches('/'));
                    if !file.exists() && !file.join("index.html").exists() {
                        continue;
                    }
                    own
                }
                _ => path.to_string(),
            };
            let url = format!("http://127.0.0.1:{port}{path}");
            let name = format!("{site} {path} ({kind})");
            set_width(&mut page, DESKTOP_WIDTH);
            page.open(&url);
            problems.extend(serious_violations(
                &mut page,
                &axe,
                &format!("{name} desktop"),
            ));
            // On a phone, tables and code blocks may become scrolling regions: axe again.
            set_width(&mut page, PHONE_WIDTH);
            page.open(&url);
            problems.extend(phone_overflow(&mut page, &name));
            problems.extend(serious_violations(
                &mut page,
                &axe,
                &format!("{name} phone"),
            ));
        }
        let prefix = brief.split_once("/briefs/").map_or("", |(p, _)| p);
        problems.extend(timeline_filter_works(
            &mut page,
            &format!("http://127.0.0.1:{port}{prefix}/timeline/"),
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problems in the browser:\n{}",
        problems.len(),
        problems.join("\n")
    );
    true
}

/// Choosing a topic on the timeline hides the events of other topics, without a script: the
/// page's CSS does it. Returns what went wrong.
fn timeline_filter_works(page: &mut Page, url: &str) -> Vec<String> {
    page.open(url);
    let visible = "[...document.querySelectorAll('.timeline > li')].filter(li => li.offsetParent !== null).length";
    let all = page.eval(visible).as_u64().unwrap_or(0);
    let ids = page.eval(
        "[...document.querySelectorAll('.timeline-filter input:not(#filter-all)')].map(i => i.id)",
    );
    let ids: Vec<String> = ids
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|id| id.as_str().map(str::to_string))
        .collect();
    if all == 0 || ids.is_empty() {
        return vec![format!("{url}: no events, or no topic filter")];
    }
    let mut problems = Vec::new();
    for id in ids {
        let slug = id.trim_start_matches("filter-");
        page.eval(&format!("document.getElementById('{id}').click()"));
        let shown = page.eval(visible).as_u64().unwrap_or(0);
        let expected = page
            .eval(&format!(
                "[...document.querySelectorAll('.timeline > li')].filter(li => li.dataset.terms.split(' ').includes('{slug}')).length"
            ))
            .as_u64()
            .unwrap_or(0);
        if shown != expected || shown == 0 {
            problems.push(format!(
                "{url}: choosing {slug} shows {shown} of {all} events, expected {expected}"
            ));
        }
    }
    page.eval("document.getElementById('filter-all').click()");
    if page.eval(visible).as_u64() != Some(all) {
        problems.push(format!(
            "{url}: choosing everything again does not show every event"
        ));
    }
    problems
}

/// Emulates a screen `width` CSS pixels wide: a phone (touch, zoomable) below 600, else a
/// desktop.
fn set_width(page: &mut Page, width: u32) {
    let mobile = width < 600;
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": if mobile { 844 } else { 900 },
                "deviceScaleFactor": if mobile { 2 } else { 1 }, "mobile": mobile }),
    );
}

/// axe-core's serious and critical violations on the open page, one line each.
fn serious_violations(page: &mut Page, axe: &str, name: &str) -> Vec<String> {
    page.eval(axe);
    let found = page.eval_async(
        "axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations\
         .filter(v => v.impact === 'serious' || v.impact === 'critical')\
         .map(v => ({ id: v.id, impact: v.impact, help: v.help,\
                      targets: v.nodes.map(n => n.target.join(' ')) })))",
    );
    found
        .as_array()
        .unwrap_or_else(|| panic!("axe gave no result on {name}: {found}"))
        .iter()
        .map(|v| {
            format!(
                "{name}: axe {} ({}): {} at {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or("?"),
                v["targets"]
            )
        })
        .collect()
}

/// A line if the open page is wider than the screen, naming the first elements that stick out
/// (those inside their own scrolling box do not widen the page).
/// (Under phone emulation `innerWidth` grows with the content, as the page zooms out to fit;
/// the layout viewport, `clientWidth`, stays the screen's width.)
fn phone_overflow(page: &mut Page, name: &str) -> Option<String> {
    let measured = page.eval(
        "(() => { const w = document.documentElement.clientWidth; \
           const inScroller = e => { \
             for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) \
               if (getComputedStyle(a).overflowX !== 'visible') return true; \
             return false; }; \
           const wide = [...document.querySelectorAll('body *')] \
             .filter(e => e.getBoundingClientRect().right > w + 1 && !inScroller(e)) \
             .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')) \
             .slice(0, 5); \
           return { scroll: document.documentElement.scrollWidth, inner: w, wide }; })()",
    );
    let (scroll, inner) = (&measured["scroll"], &measured["inner"]);
    (scroll.as_u64() > inner.as_u64()).then(|| {
        format!(
            "{name}: {scroll} px wide on a {inner} px wide phone; sticking out: {}",
            measured["wide"]
        )
    })
}

/// Serves the files under `folder` over HTTP on a free local port until the test ends, the way
/// a static host would: `/dir/` is `dir/index.html` and a missing file is `404.html` with 404.
fn serve_folder(folder: &Path) -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let folder = folder.to_path_buf();
    assert!(
        files_under(&folder).len() > 5,
        "nothing built in {folder:?}"
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let folder = folder.clone();
            std::thread::spawn(move || answer(stream, &folder));
        }
    });
    port
}

/// Answers one request (then closes the connection).
fn answer(mut stream: TcpStream, folder: &Path) {
    let mut request_line = String::new();
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Drain the headers.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let target = request_line.split(' ').nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    // Non-ASCII paths (an Arabic term's page) come percent-encoded.
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let path = decoded.as_ref();
    let (status, file) = match site_file(folder, path) {
        Some(file) => ("200 OK", file),
        None => ("404 Not Found", folder.join("404.html")),
    };
    let body = fs::read(&file).unwrap_or_default();
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        Some("xml") => "application/xml",
        Some("js") => "text/javascript",
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// The file a site path names under `folder`, if there is one (never outside it).
fn site_file(folder: &Path, path: &str) -> Option<PathBuf> {
    let rel = Path::new(path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let file = folder.join(rel);
    let file = if file.is_dir() {
        file.join("index.html")
    } else {
        file
    };
    file.is_file().then_some(file)
}
