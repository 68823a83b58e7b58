//! Embargo: a brief with a future `publish_date` is out of every listing, feed, author page and
//! the sitemap until then; a published brief may not link to it; `check` lists it; `--drafts`
//! shows it with a banner; `serve` publishes it when its time comes. "Now" is an input, so the
//! library tests fix it.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use communique::{BuildOptions, SiteDirs};

const PUBLISHED: &str = "+++\ntitle = \"Published\"\ndate = 2024-05-01\nauthors = [\"Ada Byron\"]\ntopics = [\"security\"]\n+++\n\nOut now.\n";

fn waiting(publish_date: &str) -> String {
    format!(
        "+++\ntitle = \"Waiting\"\ndate = 2024-06-01\npublish_date = {publish_date}\nauthors = [\"Ada Byron\"]\ntopics = [\"security\"]\n+++\n\nNot yet.\n"
    )
}

fn site(publish_date: &str) -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://x.org\"\ntaxonomies = [\"topics\"]\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write("content/briefs/published.md", PUBLISHED);
    site.write("content/briefs/waiting.md", &waiting(publish_date));
    site
}

/// Every output path and whether any output mentions "Waiting", for a build at `now`.
fn built_at(site: &Site, now: &str) -> (Vec<String>, bool) {
    let dirs = SiteDirs::new(site.root(), None);
    let options = BuildOptions {
        now: Some(now.parse().unwrap()),
        ..BuildOptions::default()
    };
    let built = communique::build_site(&dirs, &options).unwrap();
    let files = built.files();
    let mentions = files.iter().any(|f| match &f.contents {
        communique::render::Contents::Bytes(b) => String::from_utf8_lossy(b).contains("Waiting"),
        _ => false,
    });
    (files.into_iter().map(|f| f.path).collect(), mentions)
}

#[test]
fn an_embargoed_brief_is_nowhere_until_its_time_then_everywhere() {
    let site = site("2024-06-01T09:00:00Z");
    let (before, mentioned) = built_at(&site, "2024-06-01T08:59:59Z");
    assert!(!before.contains(&"briefs/waiting/index.html".to_string()));
    assert!(
        !mentioned,
        "no listing, feed, term, author page or sitemap names it"
    );
    let (after, mentioned) = built_at(&site, "2024-06-01T09:00:01Z");
    assert!(after.contains(&"briefs/waiting/index.html".to_string()));
    assert!(mentioned);
}

#[test]
fn a_link_to_an_embargoed_brief_says_when_it_publishes() {
    let site = site("2099-01-01T09:00:00Z");
    site.write(
        "content/briefs/published.md",
        &format!("{PUBLISHED}\nSee [the next one](@/briefs/waiting.md).\n"),
    );
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("error: content/briefs/published.md:10:5: link to \"@/briefs/waiting.md\", which is embargoed until 2099-01-01T09:00:00Z"),
        "{err}"
    );
    assert!(err.contains("hint: a published brief cannot link"), "{err}");
    // Built with drafts, both are in and the link resolves.
    site.build_ok(&["--drafts"]);
    let html = site.html("briefs/waiting/index.html");
    let banner = text(one(&html, ".banner"));
    assert!(banner.starts_with("Embargoed until"), "{banner}");
    assert_eq!(
        attr(one(&html, ".banner time"), "datetime"),
        "2099-01-01T09:00:00Z"
    );
    // So does a related brief.
    site.write(
        "content/briefs/published.md",
        &PUBLISHED.replace("+++\n\n", "related = [\"@/briefs/waiting.md\"]\n+++\n\n"),
    );
    let err = stderr(&site.build(&[]));
    assert!(
        err.contains("related brief \"@/briefs/waiting.md\" is embargoed until 2099"),
        "{err}"
    );
}

#[test]
fn check_lists_upcoming_publications() {
    let site = site("2099-01-01T09:00:00Z");
    let output = site.check(&[]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(
        out.contains("upcoming (under embargo, not in the build): 1"),
        "{out}"
    );
    assert!(
        out.contains("2099-01-01T09:00:00Z  content/briefs/waiting.md  \"Waiting\""),
        "{out}"
    );
}

fn get(port: u16, target: &str) -> u16 {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn serve_publishes_a_brief_when_its_embargo_lifts() {
    let due = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3);
    let due = due.round(jiff::Unit::Second).unwrap();
    let site = site(&due.to_string());
    let mut child = communique()
        .args([
            "--root",
            site.root().to_str().unwrap(),
            "serve",
            "--port",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (port, lines) = serving_port(&mut child);
    std::thread::spawn(move || for _ in lines {});
    let guard = KillOnDrop(child);
    assert_eq!(get(port, "/briefs/waiting/"), 404, "not before its time");
    let started = Instant::now();
    while get(port, "/briefs/waiting/") != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the brief was not published when its time came"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(jiff::Timestamp::now() >= due, "not early");
    drop(guard);
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
