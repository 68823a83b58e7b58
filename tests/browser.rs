//! Live reload in a real browser: headless Chromium (Debian's `chromium`), driven over the
//! DevTools protocol. The test never reloads the page itself: the injected script must.
//!
//! `.ci/run` installs Chromium. Set `COMMUNIQUE_SKIP_BROWSER=1` to skip on a machine without it.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

/// A DevTools protocol connection to one page.
struct Page {
    socket: tungstenite::WebSocket<TcpStream>,
    next_id: u64,
}

impl Page {
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket
            .send(tungstenite::Message::text(message))
            .unwrap();
        loop {
            let reply = self.socket.read().unwrap();
            let Ok(text) = reply.to_text() else { continue };
            let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            if value["id"] == json!(id) {
                return value;
            }
        }
    }

    fn eval(&mut self, expression: &str) -> Value {
        let reply = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        reply["result"]["result"]["value"].clone()
    }

    fn wait_until(&mut self, what: &str, expression: &str) {
        let started = Instant::now();
        while self.eval(expression) != json!(true) {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// A minimal HTTP GET that reads exactly Content-Length bytes (Chromium's DevTools server keeps
/// connections open).
fn http_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
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
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("Chromium is needed for this test: `apt-get install chromium` (as .ci/run does), or set COMMUNIQUE_SKIP_BROWSER=1");
    let profile = tempfile::tempdir().unwrap();
    let mut browser = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
            &format!("--user-data-dir={}", profile.path().display()),
            "about:blank",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr_lines = BufReader::new(browser.stderr.take().unwrap()).lines();
    let devtools_port: u16 = loop {
        let line = stderr_lines
            .next()
            .expect("Chromium exited before DevTools listened")
            .unwrap();
        if let Some(rest) = line.strip_prefix("DevTools listening on ws://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in stderr_lines {});
    let guard = Killed(browser);
    let targets: Value = serde_json::from_str(&http_get(devtools_port, "/json/list")).unwrap();
    let ws_url = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "page")
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .unwrap()
        .to_string();
    let stream = TcpStream::connect(("127.0.0.1", devtools_port)).unwrap();
    let (socket, _) = tungstenite::client(ws_url.as_str(), stream).unwrap();
    let mut page = Page { socket, next_id: 0 };
    page.call("Page.enable", json!({}));
    Some((guard, profile, page))
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
