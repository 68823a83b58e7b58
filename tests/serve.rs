//! The preview server over real HTTP: a `communique serve` process on an ephemeral port.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        r#"<!DOCTYPE html><html lang="en"><head><title>{{ config.title }}</title><link rel="stylesheet" href="{{ get_url(path='style.css') }}"></head><body>{% block content %}{% endblock %}</body></html>"#,
    ),
    (
        "brief.html",
        r#"{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>{{ page.content }}{% endblock %}"#,
    ),
    (
        "index.html",
        r#"{% extends "base.html" %}{% block content %}{% for p in paginator.pages %}<a href="{{ p.path }}">{{ p.title }}</a>{% endfor %}{% endblock %}"#,
    ),
    (
        "section.html",
        r#"{% extends "base.html" %}{% block content %}{% for p in paginator.pages %}<a href="{{ p.path }}">{{ p.title }}</a>{% endfor %}{% endblock %}"#,
    ),
    (
        "taxonomy_list.html",
        r#"{% extends "base.html" %}{% block content %}terms{% endblock %}"#,
    ),
    (
        "taxonomy_term.html",
        r#"{% extends "base.html" %}{% block content %}{{ term.name }}{% endblock %}"#,
    ),
    (
        "404.html",
        r#"{% extends "base.html" %}{% block content %}<h1>Nothing here</h1>{% endblock %}"#,
    ),
];

fn brief(title: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = 2024-02-01\n+++\n\n{body}\n")
}

struct Server {
    child: Child,
    root: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        };
        write(
            "communique.toml",
            "title = \"Served\"\nbase_url = \"https://x.org\"\n",
        );
        write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
        write("content/briefs/_index.md", "+++\ntitle = \"Briefs\"\n+++\n");
        write("content/briefs/alpha.md", &brief("Alpha", "First version."));
        write("content/briefs/beta.md", &brief("Beta", "Beta body."));
        write("static/style.css", "body { color: black }\n");
        for (name, text) in TEMPLATES {
            write(&format!("templates/{name}"), text);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_communique"))
            .args(["--root", root.to_str().unwrap(), "serve", "--port", "0"])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (port, lines) = common::serving_port(&mut child);
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            root,
            port,
            _dir: dir,
        }
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Sends a raw request line and returns (status, head, body).
    fn raw(&self, method: &str, target: &str) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        write!(
            stream,
            "{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&response[..split]).to_string();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head, response[split + 4..].to_vec())
    }

    fn get(&self, target: &str) -> (u16, String) {
        let (status, _, body) = self.raw("GET", target);
        (status, String::from_utf8_lossy(&body).to_string())
    }

    /// Polls `target` until its body satisfies `check` (the rebuild runs asynchronously).
    fn wait_for(&self, target: &str, what: &str, check: impl Fn(u16, &str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let (status, body) = self.get(target);
            if check(status, &body) {
                return body;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "timed out waiting for {what}: {status} {body}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn contains(text: &'static str) -> impl Fn(u16, &str) -> bool {
    move |status, body| status == 200 && body.contains(text)
}

#[test]
fn serves_pages_with_live_reload_script_and_right_types() {
    let server = Server::start();
    let (status, head, body) = server.raw("GET", "/briefs/alpha/");
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/html; charset=utf-8")
    );
    assert!(body.contains("<h1>Alpha</h1>"));
    assert!(
        body.contains("communique-live-reload"),
        "script injected when served"
    );
    let (status, head, _) = server.raw("GET", "/style.css");
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-type: text/css"));
    let (status, head, _) = server.raw("GET", "/atom.xml");
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("xml"));
}

#[test]
fn folders_redirect_and_missing_pages_get_the_404_page() {
    let server = Server::start();
    let (status, head, _) = server.raw("GET", "/briefs/alpha");
    assert_eq!(status, 301);
    assert!(
        head.to_ascii_lowercase()
            .contains("location: /briefs/alpha/")
    );
    let (status, body) = server.get("/no/such/page/");
    assert_eq!(status, 404);
    assert!(body.contains("Nothing here"));
}

#[test]
fn head_is_supported_and_other_methods_are_refused() {
    let server = Server::start();
    let (status, head, body) = server.raw("HEAD", "/briefs/alpha/");
    assert_eq!(status, 200);
    assert!(body.is_empty());
    assert!(head.to_ascii_lowercase().contains("content-length:"));
    for method in ["POST", "PUT", "DELETE"] {
        let (status, head, _) = server.raw(method, "/");
        assert_eq!(status, 405, "{method}");
        assert!(head.to_ascii_lowercase().contains("allow: get, head"));
    }
}

#[test]
fn paths_outside_the_site_are_refused() {
    let server = Server::start();
    // A file outside the output that an escaping path could reach.
    fs::write(server.root.join("secret.txt"), "secret").unwrap();
    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/briefs/..%2f..%2fsecret.txt",
        "/briefs%2f..%2f..%2fsecret.txt",
        "/..\\secret.txt",
        "//etc/passwd",
        "/content/briefs/alpha.md",
        "/communique.toml",
    ] {
        let (status, _, body) = server.raw("GET", target);
        assert!(matches!(status, 400 | 403 | 404), "{target}: {status}");
        let body = String::from_utf8_lossy(&body);
        assert!(
            !body.contains("secret") && !body.contains("root:"),
            "{target} leaked"
        );
    }
}

#[test]
fn edits_additions_deletions_and_renames_show_up() {
    let server = Server::start();
    server.write(
        "content/briefs/alpha.md",
        &brief("Alpha", "Second version."),
    );
    server.wait_for("/briefs/alpha/", "edited body", contains("Second version."));

    server.write(
        "content/briefs/alpha.md",
        &brief("Alpha renamed", "Second version."),
    );
    server.wait_for("/", "new title on the index", contains("Alpha renamed"));

    server.write("content/briefs/gamma.md", &brief("Gamma", "New brief."));
    server.wait_for("/briefs/gamma/", "added brief", contains("New brief."));
    server.wait_for("/briefs/", "added brief listed", contains("Gamma"));

    fs::remove_file(server.path("content/briefs/beta.md")).unwrap();
    server.wait_for("/briefs/beta/", "deleted brief gone", |status, _| {
        status == 404
    });
    server.wait_for("/", "deleted brief unlisted", |status, body| {
        status == 200 && !body.contains("Beta")
    });

    fs::create_dir_all(server.path("content/notes")).unwrap();
    fs::rename(
        server.path("content/briefs/gamma.md"),
        server.path("content/notes/gamma.md"),
    )
    .unwrap();
    server.wait_for(
        "/notes/gamma/",
        "moved brief at its new URL",
        contains("New brief."),
    );
    server.wait_for(
        "/briefs/gamma/",
        "moved brief gone from its old URL",
        |status, _| status == 404,
    );
}

#[test]
fn template_and_stylesheet_edits_show_up() {
    let server = Server::start();
    server.write(
        "templates/brief.html",
        r#"{% extends "base.html" %}{% block content %}<h1 class="edited">{{ page.title }}</h1>{{ page.content }}{% endblock %}"#,
    );
    server.wait_for(
        "/briefs/beta/",
        "template edit",
        contains("class=\"edited\""),
    );
    server.write("static/style.css", "body { color: navy }\n");
    server.wait_for("/style.css", "stylesheet edit", contains("navy"));
}

#[test]
fn a_broken_brief_keeps_the_last_good_page_and_recovers() {
    let server = Server::start();
    // Listen for live reload events first.
    let mut events = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        events,
        "GET /__communique/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    .unwrap();
    let mut events = BufReader::new(events);
    let mut line = String::new();
    events.read_line(&mut line).unwrap();
    assert!(line.contains("200"), "{line}");

    server.write(
        "content/briefs/alpha.md",
        "+++\ntitle = \"Alpha\ndate = 2024-02-01\n+++\nBroken.\n",
    );
    let mut seen = String::new();
    while !seen.contains("event: build-error") {
        line.clear();
        events.read_line(&mut line).expect("an error event");
        seen.push_str(&line);
    }
    let data = loop {
        line.clear();
        events.read_line(&mut line).unwrap();
        if line.starts_with("data:") {
            break line.clone();
        }
    };
    assert!(
        data.contains("content/briefs/alpha.md:2"),
        "overlay names file and line: {data}"
    );

    // Still alive, still serving the last good page.
    let (status, body) = server.get("/briefs/alpha/");
    assert_eq!(status, 200);
    assert!(body.contains("First version."));

    server.write("content/briefs/alpha.md", &brief("Alpha", "Fixed version."));
    server.wait_for("/briefs/alpha/", "fixed brief", contains("Fixed version."));
    let mut seen = String::new();
    while !seen.contains("event: fixed") {
        line.clear();
        events.read_line(&mut line).expect("a fixed event");
        seen.push_str(&line);
    }
}

#[test]
fn a_second_server_moves_to_the_next_port() {
    let first = Server::start();
    let output = Command::new(env!("CARGO_BIN_EXE_communique"))
        .args([
            "--root",
            first.root.to_str().unwrap(),
            "serve",
            "--port",
            &first.port.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = output;
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first_line = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        first_line.contains(&format!("port {} is in use", first.port)),
        "{first_line}"
    );
}

#[test]
fn a_changed_image_gets_its_new_size() {
    let server = Server::start();
    server.write(
        "static/img/map.svg",
        "<svg width=\"10\" height=\"5\"></svg>",
    );
    server.write(
        "content/briefs/alpha.md",
        &brief("Alpha", "![Map](/img/map.svg)"),
    );
    server.wait_for(
        "/briefs/alpha/",
        "the image's size",
        contains("width=\"10\" height=\"5\""),
    );
    // The page's text is unchanged: its kept rendering must not keep the old size.
    server.write(
        "static/img/map.svg",
        "<svg width=\"40\" height=\"30\"></svg>",
    );
    server.wait_for(
        "/briefs/alpha/",
        "the image's new size",
        contains("width=\"40\" height=\"30\""),
    );
}
