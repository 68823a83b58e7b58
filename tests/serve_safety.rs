//! The preview server's exposure: it serves only what the in-memory build produced, answers only
//! its own host names, and cannot be tied up by connections that never send a request.
//!
//! Each test runs a `communique serve` process on an ephemeral port.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "top-secret-outside-the-site";

struct Server {
    child: Child,
    root: PathBuf,
    port: u16,
    output: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn brief(title: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = 2024-02-01\n+++\n\n{body}\n")
}

/// How to start the server.
#[derive(Default)]
struct Start<'a> {
    args: &'a [&'a str],
    header_timeout_ms: Option<u64>,
    /// Run it under `ulimit -n` of this.
    file_limit: Option<u32>,
}

impl Server {
    fn start(how: Start<'_>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        write(
            &root,
            "communique.toml",
            "title = \"Served\"\nbase_url = \"https://x.org\"\n",
        );
        write(&root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
        write(
            &root,
            "content/briefs/_index.md",
            "+++\ntitle = \"Briefs\"\n+++\n",
        );
        write(
            &root,
            "content/briefs/alpha.md",
            &brief("Alpha", "First version."),
        );
        write(&root, "static/favicon.svg", "<svg>the real icon</svg>");
        let binary = env!("CARGO_BIN_EXE_communique");
        let mut args = vec!["--root", root.to_str().unwrap(), "serve", "--port", "0"];
        args.extend_from_slice(how.args);
        let mut command = match how.file_limit {
            Some(limit) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                    .arg(binary)
                    .args(&args);
                c
            }
            None => {
                let mut c = Command::new(binary);
                c.args(&args);
                c
            }
        };
        if let Some(ms) = how.header_timeout_ms {
            command.env("COMMUNIQUE_SERVE_HEADER_TIMEOUT_MS", ms.to_string());
        }
        let mut child = command
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (port, lines) = common::serving_port(&mut child);
        let output = Arc::new(Mutex::new(Vec::new()));
        let kept = output.clone();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            root,
            port,
            output,
            _dir: dir,
        }
    }

    fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// A connection; a server that stopped accepting fails the test instead of hanging it.
    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect_timeout(&self.address(), Duration::from_secs(5))
            .expect("the server accepts connections");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    }

    /// Sends `request` as it is and returns (status, body).
    fn send(&self, request: &str) -> (u16, String) {
        let mut stream = self.connect();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let response = String::from_utf8_lossy(&response).to_string();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status = head.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
        (status, body.to_string())
    }

    fn get_as(&self, host: &str, target: &str) -> (u16, String) {
        self.send(&format!(
            "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ))
    }

    fn get(&self, target: &str) -> (u16, String) {
        self.get_as("localhost", target)
    }

    /// Waits until the server prints a line containing `text`.
    fn wait_for_output(&self, text: &str) {
        let started = Instant::now();
        while !self.output.lock().unwrap().iter().any(|l| l.contains(text)) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "timed out waiting for \"{text}\" in {:?}",
                self.output.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[cfg(unix)]
#[test]
fn a_static_file_swapped_for_a_symlink_is_never_followed() {
    let server = Server::start(Start::default());
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("passwd");
    fs::write(&secret, SECRET).unwrap();
    assert_eq!(
        server.get("/favicon.svg"),
        (200, "<svg>the real icon</svg>".to_string())
    );

    // While a rebuild fails, the last good build is served; its favicon must be the bytes that
    // build read, not whatever its path leads to now.
    write(
        &server.root,
        "content/briefs/alpha.md",
        "+++\ntitle = \"Broken\n+++\n",
    );
    server.wait_for_output("rebuild failed");
    let favicon = server.root.join("static/favicon.svg");
    fs::remove_file(&favicon).unwrap();
    std::os::unix::fs::symlink(&secret, &favicon).unwrap();
    server.wait_for_output("rebuild failed (static/favicon.svg");
    let (status, body) = server.get("/favicon.svg");
    assert_eq!((status, body.as_str()), (200, "<svg>the real icon</svg>"));

    // Once the site builds again, the link is not served at all.
    write(
        &server.root,
        "content/briefs/alpha.md",
        &brief("Alpha", "Fixed."),
    );
    server.wait_for_output("rebuilt");
    let (status, body) = server.get("/favicon.svg");
    assert!(!body.contains(SECRET), "{status}: the link was followed");
    assert_eq!(status, 404);
}

#[test]
fn only_this_servers_host_names_are_answered() {
    let server = Server::start(Start::default());
    let port = server.port;
    for host in [
        "localhost".to_string(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_string(),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = server.get_as(&host, "/briefs/alpha/");
        assert_eq!(status, 200, "{host}");
        assert!(body.contains("First version."), "{host}");
    }
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        "localhost.evil.example".to_string(),
    ] {
        for target in ["/briefs/alpha/", "/__communique/events", "/favicon.svg"] {
            let (status, body) = server.get_as(&host, target);
            assert_eq!(status, 403, "{host} {target}");
            assert!(body.contains("--allow-host"), "{body}");
            assert!(!body.contains("First version."));
        }
    }
    // A request target naming another host counts as much as the Host header.
    let (status, _) = server.send(&format!(
        "GET http://evil.example/ HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 403);
    // No Host at all (HTTP/1.0 tools; browsers always send one) is answered.
    let (status, body) = server.send("GET /briefs/alpha/ HTTP/1.0\r\n\r\n");
    assert_eq!(status, 200);
    assert!(body.contains("First version."));
}

#[test]
fn allow_host_adds_a_name() {
    let server = Server::start(Start {
        args: &["--allow-host", "preview.test"],
        ..Start::default()
    });
    let (status, body) = server.get_as("preview.test:8080", "/briefs/alpha/");
    assert_eq!(status, 200);
    assert!(body.contains("First version."));
    assert_eq!(server.get_as("other.test", "/").0, 403);
}

/// Whether the server closed `stream` (EOF or reset) within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buffer = [0u8; 256];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            // A 408 or other bytes before the close are fine: keep reading.
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn silent_and_slow_connections_are_closed_but_live_reload_streams_stay() {
    let server = Server::start(Start {
        header_timeout_ms: Some(300),
        ..Start::default()
    });
    let started = Instant::now();
    let mut silent = server.connect();
    let mut partial = server.connect();
    partial.write_all(b"GET / HTTP/1.1\r\nHost: loc").unwrap();
    let mut streams: Vec<BufReader<TcpStream>> = (0..3)
        .map(|_| {
            let mut s = server.connect();
            s.write_all(b"GET /__communique/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .unwrap();
            BufReader::new(s)
        })
        .collect();
    assert!(closed_within(&mut silent, Duration::from_secs(5)));
    assert!(closed_within(&mut partial, Duration::from_secs(5)));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(250),
        "closed after {waited:?}"
    );

    // Three open tabs, well past the timeout, still hear about an edit.
    std::thread::sleep(Duration::from_millis(700));
    write(
        &server.root,
        "content/briefs/alpha.md",
        &brief("Alpha", "Second version."),
    );
    for stream in &mut streams {
        stream
            .get_mut()
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut line = String::new();
        while !line.starts_with("event: reload") {
            line.clear();
            assert!(stream.read_line(&mut line).unwrap() > 0, "stream closed");
        }
    }
    let _ = streams[0].get_mut().shutdown(Shutdown::Both);
}

/// Raises this process's open-file limit so it can hold a thousand connections.
#[cfg(unix)]
fn allow_open_files(wanted: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write only the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < wanted {
            limit.rlim_cur = wanted.min(limit.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// A thousand clients that connect and send nothing or half a request line no longer lock out
/// real requests, even when the server may open only 256 files.
#[cfg(unix)]
#[test]
fn a_thousand_half_open_connections_do_not_delay_real_requests() {
    allow_open_files(2048);
    let server = Server::start(Start {
        file_limit: Some(256),
        ..Start::default()
    });
    let opening = Instant::now();
    let mut held = Vec::new();
    while held.len() < 1000 && opening.elapsed() < Duration::from_secs(10) {
        let Ok(mut stream) = TcpStream::connect_timeout(&server.address(), Duration::from_secs(1))
        else {
            continue;
        };
        if held.len() % 2 == 0 {
            let _ = stream.write_all(b"GET /briefs/alpha/ HT");
        }
        held.push(stream);
    }
    assert!(
        held.len() >= 900,
        "the server stopped accepting after {} connections",
        held.len()
    );
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let (status, body) = server.get("/briefs/alpha/");
        times.push(started.elapsed());
        assert_eq!(status, 200);
        assert!(body.contains("First version."));
    }
    times.sort();
    assert!(
        times[2] < Duration::from_millis(100),
        "real requests took {times:?} beside {} half-open connections",
        held.len()
    );
    assert!(times[4] < Duration::from_secs(1), "{times:?}");
}
