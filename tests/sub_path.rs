//! A site published under a sub-path (`https://example.org/policy/`): the example site is built
//! and served from a small HTTP server that hosts `public/` under `/policy/`, as GitHub Pages
//! hosts a project site, and `communique serve` previews it the same way. A crawler follows every
//! internal link and asset from the home page; every one must answer 200.

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use scraper::{Html, Selector};

const PREFIX: &str = "/policy";

/// One HTTP/1.1 GET: (status, `Location`, body).
fn get(port: u16, target: &str) -> (u16, Option<String>, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let location = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_string())
    });
    (status, location, response[split + 4..].to_vec())
}

/// Hosts `public` under [`PREFIX`] on an ephemeral port, as a static host does: a folder is
/// its `index.html`, anything else is 404. Runs until the test process ends.
fn host_under_prefix(public: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            answer(stream, &public);
        }
    });
    port
}

fn answer(mut stream: TcpStream, public: &Path) {
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    if reader.read_line(&mut line).is_err() {
        return;
    }
    // The rest of the head is not needed; the client closes after one request.
    let target = line.split(' ').nth(1).unwrap_or("/").to_string();
    let path = target.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path);
    let file = decoded
        .strip_prefix(&format!("{PREFIX}/"))
        .filter(|rest| !rest.split('/').any(|s| s == ".."))
        .map(|rest| {
            let file = public.join(rest);
            if file.is_dir() {
                file.join("index.html")
            } else {
                file
            }
        })
        .filter(|f| f.is_file());
    let (status, body) = match file {
        Some(f) => ("200 OK", fs::read(f).unwrap()),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(&body);
}

fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = path
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The internal URLs a page refers to: `href`, `src`, `srcset` and `poster` in HTML, `url()`
/// in CSS. External URLs (another scheme or host), `mailto:` and fragments alone are left out;
/// the result is a path on the server, without its fragment.
fn references(base: &str, content_type_html: bool, body: &str) -> Vec<String> {
    let mut raw: Vec<String> = Vec::new();
    if content_type_html {
        let doc = Html::parse_document(body);
        let any = Selector::parse("[href], [src], [srcset], [poster]").unwrap();
        for element in doc.select(&any) {
            let value = element.value();
            raw.extend(
                ["href", "src", "poster"]
                    .iter()
                    .filter_map(|a| value.attr(a))
                    .map(str::to_string),
            );
            if let Some(srcset) = value.attr("srcset") {
                raw.extend(
                    srcset
                        .split(',')
                        .filter_map(|candidate| candidate.split_whitespace().next())
                        .map(str::to_string),
                );
            }
        }
    } else {
        let mut rest = body;
        while let Some(at) = rest.find("url(") {
            rest = &rest[at + 4..];
            let end = rest.find(')').unwrap_or(rest.len());
            raw.push(rest[..end].trim().trim_matches(['"', '\'']).to_string());
        }
    }
    raw.into_iter()
        .filter_map(|url| resolve(base, &url))
        .collect()
}

/// `url` as a path on this server, relative to the page at `base`; `None` for an external URL.
fn resolve(base: &str, url: &str) -> Option<String> {
    let url = url.split('#').next().unwrap_or("");
    if url.is_empty() || url.starts_with("data:") || url.starts_with("mailto:") {
        return None;
    }
    // Absolute URLs under the base URL (canonical links, the feed) are this site's too.
    let url = url.strip_prefix("https://example.org").unwrap_or(url);
    if url.contains("://") || url.starts_with("//") {
        return None;
    }
    if url.starts_with('/') {
        return Some(url.to_string());
    }
    let dir = &base[..=base.rfind('/').unwrap_or(0)];
    let mut segments: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let trailing = url.ends_with('/');
    for segment in url.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut path = format!("/{}", segments.join("/"));
    if trailing && !path.ends_with('/') {
        path.push('/');
    }
    Some(path)
}

/// Crawls from `start`, following every internal reference of HTML and CSS; returns the paths
/// visited and every (page, reference, status) that did not answer 200.
fn crawl(port: u16, start: &str) -> (BTreeSet<String>, Vec<String>) {
    let mut seen = BTreeSet::from([start.to_string()]);
    let mut queue = VecDeque::from([(String::from("(start)"), start.to_string())]);
    let mut broken = Vec::new();
    while let Some((from, path)) = queue.pop_front() {
        let (status, _, body) = get(port, &path);
        if status != 200 {
            broken.push(format!("{from} -> {path}: {status}"));
            continue;
        }
        let is_html = path.ends_with('/') || path.ends_with(".html");
        let is_css = path.ends_with(".css");
        if !(is_html || is_css) {
            continue;
        }
        for next in references(&path, is_html, &String::from_utf8_lossy(&body)) {
            if seen.insert(next.clone()) {
                queue.push_back((path.clone(), next));
            }
        }
    }
    (seen, broken)
}

/// Checks a crawl of the whole example site: nothing broken, everything under the prefix, and
/// the pages and assets it must have reached.
fn assert_whole_site_reached(port: u16) {
    let (seen, broken) = crawl(port, &format!("{PREFIX}/"));
    assert!(broken.is_empty(), "broken:\n{}", broken.join("\n"));
    let outside: Vec<&String> = seen
        .iter()
        .filter(|p| !p.starts_with(&format!("{PREFIX}/")))
        .collect();
    assert!(outside.is_empty(), "links outside {PREFIX}/: {outside:?}");
    for expected in [
        "/policy/style.css",
        "/policy/briefs/",
        "/policy/briefs/page/2/",
        "/policy/briefs/joint-military-commissions/",
        "/policy/briefs/joint-military-commissions/timeline.svg",
        "/policy/topics/security/",
        "/policy/timeline/",
        "/policy/authors/",
        "/policy/atom.xml",
    ] {
        // Assets may carry a cache-busting query (`style.css?h=…`).
        let reached = seen.iter().any(|p| p.split('?').next() == Some(expected));
        assert!(reached, "{expected} not reached: {seen:?}");
    }
    assert!(seen.len() > 40, "crawled {} paths", seen.len());
}

#[test]
fn the_built_site_works_under_its_sub_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let output = common::communique()
        .args([
            "--root",
            env!("CARGO_MANIFEST_DIR"),
            "build",
            "--output-dir",
        ])
        .arg(&out)
        .args(["--base-url", "https://example.org/policy/"])
        .output()
        .unwrap();
    common::assert_success(&output);
    // robots.txt under a sub-path is never read by crawlers: the build says so.
    let stderr = common::stderr(&output);
    assert!(
        stderr.contains("robots.txt is written at /policy/robots.txt"),
        "{stderr}"
    );
    let port = host_under_prefix(out.clone());
    assert_whole_site_reached(port);
    // A root-relative Markdown link (`[…](/timeline/)`) is put under the prefix.
    let brief =
        fs::read_to_string(out.join("briefs/joint-military-commissions/index.html")).unwrap();
    assert!(brief.contains("href=\"/policy/timeline/\""));
    // Links inside the feed are under the prefix too.
    let feed = fs::read_to_string(out.join("atom.xml")).unwrap();
    for unprefixed in ["href=\"/briefs/", "href=&quot;/briefs/"] {
        assert!(!feed.contains(unprefixed), "feed links lack the prefix");
    }
}

#[test]
fn serve_previews_the_site_under_its_sub_path() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_communique"))
        .args(["--root", env!("CARGO_MANIFEST_DIR"), "serve", "--port", "0"])
        .args(["--base-url", "https://example.org/policy/"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (port, lines) = common::serving_port(&mut child);
    std::thread::spawn(move || for _ in lines {});
    let result = std::panic::catch_unwind(|| {
        assert_whole_site_reached(port);
        // The root and paths outside the prefix redirect to the same path under it.
        let (status, location, _) = get(port, "/");
        assert_eq!((status, location.as_deref()), (307, Some("/policy/")));
        let (status, location, _) = get(port, "/briefs/");
        assert_eq!(
            (status, location.as_deref()),
            (307, Some("/policy/briefs/"))
        );
        let (status, location, _) = get(port, "/policy");
        assert_eq!((status, location.as_deref()), (307, Some("/policy/")));
        let (status, _, _) = get(port, "/nothing-here/");
        assert_eq!(status, 404);
        // Live reload is there, and knows the prefix.
        let (_, _, home) = get(port, "/policy/");
        let home = String::from_utf8_lossy(&home);
        assert!(home.contains("var prefix = \"/policy\";"));
        let (status, _, _) = get(port, "/policy/briefs/joint-military-commissions/");
        assert_eq!(status, 200);
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// Polls `target` until its body contains `text` (rebuilds run asynchronously).
fn wait_for(port: u16, target: &str, text: &str) {
    let started = std::time::Instant::now();
    loop {
        let (status, _, body) = get(port, target);
        if status == 200 && String::from_utf8_lossy(&body).contains(text) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "timed out waiting for {text:?} at {target}: {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_takes_the_path_of_the_configured_base_url_with_live_reload_and_overlay() {
    let site = common::Site::empty();
    site.write(
        "communique.toml",
        "title = \"Sub\"\nbase_url = \"https://example.org/policy\"\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    let brief = |body: &str| format!("+++\ntitle = \"Alpha\"\ndate = 2024-02-01\n+++\n\n{body}\n");
    site.write("content/briefs/alpha.md", &brief("First version."));
    let mut child = Command::new(env!("CARGO_BIN_EXE_communique"))
        .args([
            "--root",
            site.root().to_str().unwrap(),
            "serve",
            "--port",
            "0",
        ])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (port, lines) = common::serving_port(&mut child);
    std::thread::spawn(move || for _ in lines {});
    let result = std::panic::catch_unwind(|| {
        let (status, location, _) = get(port, "/");
        assert_eq!((status, location.as_deref()), (307, Some("/policy/")));
        wait_for(port, "/policy/briefs/alpha/", "First version.");
        // Links in the preview point at the preview, under the path.
        let (_, _, page) = get(port, "/policy/briefs/alpha/");
        let page = String::from_utf8_lossy(&page);
        assert!(
            page.contains(&format!("http://127.0.0.1:{port}/policy/briefs/alpha/")),
            "canonical URL under the preview's path"
        );

        let mut events = TcpStream::connect(("127.0.0.1", port)).unwrap();
        events
            .set_read_timeout(Some(Duration::from_secs(15)))
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

        // An edit shows up under the path; a broken brief sends the overlay.
        site.write("content/briefs/alpha.md", &brief("Second version."));
        wait_for(port, "/policy/briefs/alpha/", "Second version.");
        site.write(
            "content/briefs/alpha.md",
            "+++\ntitle = \"Alpha\ndate = 2024-02-01\n+++\nBroken.\n",
        );
        let mut seen = String::new();
        while !seen.contains("event: build-error") {
            line.clear();
            events.read_line(&mut line).expect("an error event");
            seen.push_str(&line);
        }
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
