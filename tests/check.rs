//! `communique check`: every seeded defect of a fixture is reported at once, in the text, JSON
//! and GitHub formats; the repository's example site is clean; `--external` asks a local HTTP
//! server (no network needed) with retries, timeouts and a cache.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Site, assert_exit, communique, stdout};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<title>{% block title %}{{ config.title }}{% endblock %}</title>\n<link rel=\"stylesheet\" href=\"{{ get_url(path='missing.css') }}\">\n</head>\n<body>{% block content %}{% endblock %}</body>\n</html>\n",
    ),
    (
        "brief.html",
        "{% extends \"base.html\" %}{% block content %}<h1 id=\"top-heading\">{{ page.title }}</h1>{{ page.content }}{% endblock %}",
    ),
    (
        "index.html",
        "{% extends \"base.html\" %}{% block content %}{% for p in paginator.pages %}<a href=\"{{ p.path }}\">{{ p.title }}</a>{% endfor %}{% endblock %}",
    ),
    (
        "section.html",
        "{% extends \"base.html\" %}{% block content %}{% for p in paginator.pages %}<a href=\"{{ p.path }}\">{{ p.title }}</a>{% endfor %}{% endblock %}",
    ),
];

fn brief(title: &str, extra: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = 2024-02-01\n{extra}+++\n\n{body}\n")
}

/// A site with one of each defect: a broken link, a broken anchor, a missing image (Markdown
/// and raw HTML), a broken `@/` link, a stylesheet the base template links to that does not
/// exist, two briefs at one address (delta's), an empty description.
fn defective_site() -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"Checked\"\nbase_url = \"https://example.org\"\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write("content/briefs/_index.md", "+++\ntitle = \"Briefs\"\n+++\n");
    site.write(
        "content/briefs/alpha.md",
        &brief(
            "Alpha",
            "",
            "See [a gone brief](/briefs/gone/).\n\n\
             See [beta's missing part](/briefs/beta/#nowhere).\n\n\
             ![Map](/images/map.png)\n\n\
             <img src=\"/images/raw.png\" alt=\"Raw\">\n\n\
             And [an unknown one](@/briefs/unknown.md).\n",
        ),
    );
    site.write(
        "content/briefs/beta.md",
        &brief("Beta", "description = \" \"\n", "## Part one\n\nBeta."),
    );
    site.write("content/briefs/delta.md", &brief("Delta", "", "Delta."));
    site.write(
        "content/briefs/gamma.md",
        &brief(
            "Gamma",
            "slug = \"delta\"\n",
            "Gamma takes delta's address.",
        ),
    );
    for (name, text) in TEMPLATES {
        site.write(&format!("templates/{name}"), text);
    }
    site
}

#[test]
fn every_seeded_defect_is_reported_at_once_with_its_place() {
    let site = defective_site();
    let out = site.check(&["--format", "json"]);
    assert_exit(&out, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_documented_shape(&report);
    assert_eq!(report["ok"], false);
    let errors = report["errors"].as_array().unwrap();
    let found = |kind: &str, fragment: &str| {
        errors
            .iter()
            .find(|e| e["kind"] == kind && e["message"].as_str().unwrap().contains(fragment))
            .unwrap_or_else(|| panic!("no {kind} error about {fragment}: {errors:#?}"))
    };
    let place = |e: &serde_json::Value| {
        format!(
            "{}:{}:{}",
            e["file"].as_str().unwrap_or("-"),
            e["line"],
            e["column"]
        )
    };
    // Markdown links, placed at the URL in the brief.
    assert_eq!(
        place(found("link", "/briefs/gone/")),
        "content/briefs/alpha.md:6:20"
    );
    let anchor = found("anchor", "nowhere");
    assert_eq!(place(anchor), "content/briefs/alpha.md:8:27");
    assert_eq!(
        place(found("image", "/images/map.png")),
        "content/briefs/alpha.md:10:8"
    );
    // Raw HTML in Markdown.
    assert_eq!(
        place(found("image", "/images/raw.png")),
        "content/briefs/alpha.md:12:11"
    );
    // The build's own: an unknown `@/` target, two briefs at one address.
    assert!(place(found("link", "@/briefs/unknown.md")).starts_with("content/briefs/alpha.md:14:"));
    found("duplicate-output", "/briefs/delta/");
    // What a template wrote: in the output file, once for all the pages that have it.
    let css = found("stylesheet", "/missing.css");
    assert!(
        css["file"].as_str().unwrap().starts_with("public/"),
        "{css}"
    );
    assert_eq!(css["line"], 5);
    assert!(
        css["message"].as_str().unwrap().contains("other pages"),
        "{css}"
    );
    assert!(
        css["hint"].as_str().unwrap().contains("templates/"),
        "{css}"
    );
    assert_eq!(
        errors.iter().filter(|e| e["kind"] == "stylesheet").count(),
        1,
        "one report for the template's link"
    );
    found("empty-description", "description is empty");

    // The same, for people: grouped by file, every problem, non-zero exit.
    let text = site.check(&[]);
    assert_exit(&text, 1);
    let stderr = common::stderr(&text);
    let files: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: "))
        .filter_map(|l| l.split(':').next())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "grouped by file:\n{stderr}");
    assert!(
        stderr.contains(&format!("{} errors found", errors.len())),
        "{stderr}"
    );
}

/// The shape docs/content.md documents for `check --format json`.
fn assert_documented_shape(report: &serde_json::Value) {
    assert_eq!(report["version"], 1);
    assert!(report["ok"].is_boolean());
    assert!(report["pages"].is_u64() && report["files"].is_u64());
    let kinds: BTreeSet<&str> = [
        "link",
        "anchor",
        "image",
        "stylesheet",
        "script",
        "asset",
        "duplicate-output",
        "empty-title",
        "empty-description",
        "unreached",
        "external",
        "robots",
        "build",
    ]
    .into();
    for list in ["errors", "warnings"] {
        for finding in report[list].as_array().unwrap() {
            let object = finding.as_object().unwrap();
            let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
            assert_eq!(
                keys,
                BTreeSet::from(["column", "file", "hint", "kind", "line", "message"]),
                "{finding}"
            );
            assert!(
                kinds.contains(finding["kind"].as_str().unwrap()),
                "{finding}"
            );
            assert!(finding["message"].is_string());
            assert!(finding["file"].is_string() || finding["file"].is_null());
            assert!(finding["line"].is_u64() || finding["line"].is_null());
            assert!(finding["column"].is_u64() || finding["column"].is_null());
            assert!(finding["hint"].is_string() || finding["hint"].is_null());
        }
    }
}

#[test]
fn github_annotations_and_unreached_briefs() {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"Checked\"\nbase_url = \"https://example.org\"\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write("content/briefs/_index.md", "+++\ntitle = \"Briefs\"\n+++\n");
    site.write(
        "content/briefs/alpha.md",
        &brief("Alpha", "", "Line one.\n\n![Map](/images/map.png)"),
    );
    // Listings that list nothing: no page links to the brief.
    for name in ["index.html", "section.html"] {
        site.write(
            &format!("templates/{name}"),
            "{% extends \"base.html\" %}{% block content %}Nothing listed.{% endblock %}",
        );
    }
    let out = site.check(&["--format", "github"]);
    assert_exit(&out, 1);
    let lines = stdout(&out);
    assert!(
        lines.lines().any(|l| l
            == "::warning file=content/briefs/alpha.md,title=communique check (unreached)::no listing or link reaches /briefs/alpha/%0Ahint: list it in a section, give it a taxonomy term, or link to it from another brief"),
        "{lines}"
    );
    assert!(
        lines.lines().any(|l| l.starts_with(
            "::error file=content/briefs/alpha.md,line=8,col=8,title=communique check (image)::image /images/map.png leads to no file of the site"
        )),
        "{lines}"
    );
}

#[test]
fn a_missing_static_file_fails_the_build_with_a_suggestion() {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"Checked\"\nbase_url = \"https://example.org/policy\"\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write("static/images/map.png", "png");
    site.write(
        "content/briefs/alpha.md",
        &brief(
            "Alpha",
            "",
            "![Map](@static/images/maps.png)\n\n[Map](@static/images/map.png)",
        ),
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    let stderr = common::stderr(&out);
    assert!(
        stderr.contains(
            "content/briefs/alpha.md:6:1: link to a missing file \"@static/images/maps.png\""
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean \"@static/images/map.png\"?"),
        "{stderr}"
    );
    site.write(
        "content/briefs/alpha.md",
        &brief("Alpha", "", "[Map](@static/images/map.png)"),
    );
    site.build_ok(&[]);
    let page = site.read_output("briefs/alpha/index.html");
    assert!(page.contains("href=\"/policy/images/map.png\""), "{page}");
}

#[test]
fn the_example_site_is_clean() {
    let out = communique()
        .args([
            "--root",
            env!("CARGO_MANIFEST_DIR"),
            "check",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_documented_shape(&report);
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["errors"].as_array().unwrap().len(), 0, "{report:#}");
    assert_eq!(
        report["warnings"].as_array().unwrap().len(),
        0,
        "{report:#}"
    );
    assert!(out.status.success());
}

/// A local HTTP server: `/ok` answers 200, `/gone` 404, `/slow` only after two seconds,
/// `/flaky` 503 the first time and 200 after. Counts the requests per path.
struct Local {
    port: u16,
    hits: Arc<[AtomicUsize; 4]>,
}

const PATHS: [&str; 4] = ["/ok", "/gone", "/slow", "/flaky"];

fn local_server() -> Local {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits: Arc<[AtomicUsize; 4]> = Arc::new(Default::default());
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let hits = counted.clone();
            std::thread::spawn(move || answer(stream, &hits));
        }
    });
    Local { port, hits }
}

fn answer(mut stream: TcpStream, hits: &[AtomicUsize; 4]) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    // Read the rest of the head.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let path = line.split(' ').nth(1).unwrap_or("/");
    let index = PATHS.iter().position(|p| *p == path);
    let count = index.map_or(0, |i| hits[i].fetch_add(1, Ordering::SeqCst));
    let status = match path {
        "/ok" => "200 OK",
        "/slow" => {
            std::thread::sleep(Duration::from_secs(2));
            "200 OK"
        }
        "/flaky" if count == 0 => "503 Service Unavailable",
        "/flaky" => "200 OK",
        _ => "404 Not Found",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

#[test]
fn external_links_with_retries_timeouts_a_cache_and_skipped_domains() {
    let server = local_server();
    let base = format!("http://127.0.0.1:{}", server.port);
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"Checked\"\nbase_url = \"https://example.org\"\n\n\
         [check]\nskip_domains = [\"skipped.invalid\"]\ntimeout_seconds = 0.5\nretries = 1\nper_host = 2\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write(
        "content/briefs/alpha.md",
        &brief(
            "Alpha",
            "",
            &format!(
                "[ok]({base}/ok) [gone]({base}/gone) [slow]({base}/slow) [flaky]({base}/flaky) [skipped](https://skipped.invalid/x)"
            ),
        ),
    );
    // Without --external nothing is asked.
    let offline = site.check(&["--format", "json"]);
    assert!(offline.status.success(), "{}", stdout(&offline));
    assert!(server.hits.iter().all(|h| h.load(Ordering::SeqCst) == 0));

    let out = site.check(&["--external", "--format", "json"]);
    assert_exit(&out, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_documented_shape(&report);
    let failed: BTreeSet<String> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["kind"], "external");
            assert_eq!(e["file"], "content/briefs/alpha.md");
            e["message"].as_str().unwrap().to_string()
        })
        .collect();
    let expected: BTreeSet<String> = [
        format!("external link {base}/gone answered 404"),
        format!("external link {base}/slow did not answer in time"),
    ]
    .into();
    assert_eq!(failed, expected);
    // The 503 was retried once and then passed; the 404 was asked with HEAD then GET, and not
    // retried; the slow one was retried once.
    let hits = |i: usize| server.hits[i].load(Ordering::SeqCst);
    assert_eq!(hits(3), 2, "flaky: 503 then 200");
    assert_eq!(hits(1), 2, "gone: HEAD then GET, no retry");
    assert!(hits(2) >= 2, "slow: retried after the timeout");

    // What worked is cached, with its age; a second run asks only for what failed.
    let cache = site.read(".communique-cache/links.json");
    let cached: serde_json::Value = serde_json::from_str(&cache).unwrap();
    assert!(
        cached["links"][format!("{base}/ok")]["checked_at"].is_u64(),
        "{cache}"
    );
    assert!(cached["links"].get(format!("{base}/gone")).is_none());
    let before_ok = hits(0);
    let again = site.check(&["--external", "--format", "json"]);
    assert_exit(&again, 1);
    assert_eq!(hits(0), before_ok, "a cached link is not asked again");
    assert_eq!(hits(3), 2, "flaky passed, so it was cached");
}
