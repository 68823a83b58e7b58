//! A static file host for browser tests: serves a built output folder under a sub-path of a
//! free local port, the way a static host would (`/sub/dir/` is `dir/index.html`).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

/// A bound port, before the site is built (its base URL needs the port).
pub struct Host {
    listener: TcpListener,
    /// The port.
    pub port: u16,
}

impl Host {
    /// Binds a free local port.
    pub fn bind() -> Host {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        Host { listener, port }
    }

    /// Serves `folder` at `prefix` (`""` or `/sub`) until the test ends.
    pub fn serve(self, folder: &Path, prefix: &str) {
        let folder = folder.to_path_buf();
        let prefix = prefix.to_string();
        std::thread::spawn(move || {
            for stream in self.listener.incoming().flatten() {
                let folder = folder.clone();
                let prefix = prefix.clone();
                std::thread::spawn(move || answer(stream, &folder, &prefix));
            }
        });
    }
}

/// Answers one request (then closes the connection).
fn answer(mut stream: TcpStream, folder: &Path, prefix: &str) {
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let target = request_line.split(' ').nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    // Non-ASCII paths (an Arabic term's page) come percent-encoded.
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let path = decoded.as_ref();
    let found = path
        .strip_prefix(prefix)
        .and_then(|rest| site_file(folder, rest));
    let (status, file) = match found {
        Some(file) => ("200 OK", file),
        None => ("404 Not Found", folder.join("404.html")),
    };
    let body = std::fs::read(&file).unwrap_or_default();
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
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
