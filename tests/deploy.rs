//! `communique deploy` end to end against a real S3-compatible server: `moto` in server mode
//! (PyPI `moto[server]`, installed by `.ci/run` into `.ci/venv`; `MOTO_SERVER` or `PATH` may
//! point elsewhere). Without it the test says loudly what it skipped and passes, unless
//! `COMMUNIQUE_REQUIRE_TOOLS` is set (as `.ci/run` does).
//!
//! The bucket is read back with plain HTTP (moto does not check signatures on reads), so what
//! the test sees does not depend on the client under test.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Site, assert_exit, assert_success, stderr, stdout};

const BUCKET: &str = "briefs-site";
const PREFIX: &str = "policy";

/// A moto server on a free port, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tools_required() -> bool {
    std::env::var_os("COMMUNIQUE_REQUIRE_TOOLS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// `moto_server`: `MOTO_SERVER`, then `.ci/venv/bin/moto_server`, then `PATH`.
fn moto_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/moto_server");
    if venv.is_file() {
        return Some(venv);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("moto_server"))
        .find(|p| p.is_file())
}

fn start_moto() -> Option<Moto> {
    let Some(binary) = moto_binary() else {
        assert!(
            !tools_required(),
            "moto_server is missing, and COMMUNIQUE_REQUIRE_TOOLS is set: run .ci/run"
        );
        eprintln!(
            "\n*** skipped: moto_server is missing: run .ci/run or pip install 'moto[server]' ***\n"
        );
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let child = Command::new(&binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let moto = Moto { child, port };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto_server did not start listening on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(moto)
}

/// A response: status, headers (lowercase names), body.
struct Response {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// One plain HTTP/1.1 request to the server.
fn http(port: u16, method: &str, path: &str, body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 4 + size..];
    }
    out
}

/// Creates the bucket with the policy a website bucket has: anyone may read its objects (the
/// test reads them back without signing).
fn create_public_bucket(port: u16) {
    assert_eq!(http(port, "PUT", &format!("/{BUCKET}"), b"").status, 200);
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{BUCKET}/*"}}]}}"#
    );
    let put = http(port, "PUT", &format!("/{BUCKET}?policy"), policy.as_bytes());
    assert!(put.status < 300, "bucket policy: {}", put.status);
}

/// Every key in the bucket with its ETag (one page of up to 1,000 is plenty here).
fn bucket_objects(port: u16) -> BTreeMap<String, String> {
    let listing = http(port, "GET", &format!("/{BUCKET}?list-type=2"), b"");
    assert_eq!(listing.status, 200);
    let xml = String::from_utf8(listing.body).unwrap();
    xml.split("<Contents>")
        .skip(1)
        .map(|entry| {
            (
                between(entry, "<Key>", "</Key>"),
                between(entry, "<ETag>", "</ETag>"),
            )
        })
        .collect()
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text.find(start).unwrap() + start.len();
    let to = from + text[from..].find(end).unwrap();
    text[from..to]
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

/// The endpoint docs/deploy.md shows for a local service; the tests put the test server's there.
const DOCUMENTED_ENDPOINT: &str = "http://localhost:9000";

/// The deploy command as docs/deploy.md shows it (with `--dry-run` too), as arguments after
/// `communique`: the tests run the documented command, so the guide cannot drift from it.
fn documented_deploy() -> Vec<String> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/deploy.md"))
        .unwrap();
    let command =
        format!("communique deploy s3://{BUCKET}/{PREFIX} --endpoint {DOCUMENTED_ENDPOINT}");
    let lines: Vec<&str> = doc.lines().map(str::trim).collect();
    assert!(
        lines.contains(&command.as_str()),
        "docs/deploy.md shows `{command}`"
    );
    let dry_run = format!("{command} --dry-run");
    assert!(
        lines.contains(&dry_run.as_str()),
        "docs/deploy.md shows `{dry_run}`"
    );
    command.split(' ').skip(1).map(str::to_string).collect()
}

/// Runs the documented `communique deploy s3://briefs-site/policy --endpoint URL` against the
/// test server, with `-v <extra>`, test credentials and a HOME without AWS files.
fn deploy(site: &Site, home: &Path, port: u16, extra: &[&str]) -> Output {
    let endpoint = format!("http://127.0.0.1:{port}");
    let args: Vec<String> = documented_deploy()
        .into_iter()
        .map(|a| {
            if a == DOCUMENTED_ENDPOINT {
                endpoint.clone()
            } else {
                a
            }
        })
        .collect();
    isolated(home)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .arg("--root")
        .arg(site.root())
        .args(&args)
        .arg("-v")
        .args(extra)
        .output()
        .unwrap()
}

/// `communique` with no AWS variables of the caller's, and a HOME without AWS files.
fn isolated(home: &Path) -> Command {
    let mut command = common::communique();
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    command.env("HOME", home);
    command
}

/// The keys a verbose or dry-run deploy reports after `verb` (`uploaded`, `would delete`…).
fn reported(output: &Output, verb: &str) -> BTreeSet<String> {
    stdout(output)
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{verb} ")))
        .map(|rest| rest.split(' ').next().unwrap_or(rest).to_string())
        .collect()
}

fn keyed(rels: impl IntoIterator<Item = impl AsRef<str>>) -> BTreeSet<String> {
    rels.into_iter()
        .map(|r| format!("{PREFIX}/{}", r.as_ref()))
        .collect()
}

/// Files whose bytes differ between two snapshots of public/, or that only `after` has.
fn changed(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> BTreeSet<String> {
    after
        .iter()
        .filter(|(rel, bytes)| before.get(*rel) != Some(*bytes))
        .map(|(rel, _)| rel.clone())
        .collect()
}

#[test]
fn deploy_uploads_what_changed_and_deletes_what_is_gone() {
    let Some(moto) = start_moto() else {
        return;
    };
    let port = moto.port;
    let home = tempfile::tempdir().unwrap();
    create_public_bucket(port);
    // Objects outside the prefix are never touched, even one whose name starts like it.
    for outside in ["outside.html", "policyx/index.html"] {
        let put = http(
            port,
            "PUT",
            &format!("/{BUCKET}/{outside}"),
            b"not the site's",
        );
        assert_eq!(put.status, 200);
    }
    let site = Site::fixture("site");
    site.write("static/app.3f2a9c1b.js", "console.log(1);\n");

    // First deploy: every file, with its type and caching.
    let first = deploy(&site, home.path(), port, &[]);
    assert_success(&first);
    let built = site.output_snapshot();
    let everything = keyed(built.keys());
    assert_eq!(reported(&first, "uploaded"), everything);
    let summary = format!("{} uploaded, 0 deleted, 0 unchanged", built.len());
    assert!(stdout(&first).contains(&summary), "{}", stdout(&first));
    let objects = bucket_objects(port);
    let under_prefix: BTreeSet<String> = objects
        .keys()
        .filter(|k| k.starts_with("policy/"))
        .cloned()
        .collect();
    assert_eq!(under_prefix, everything);
    for (rel, content_type, cache) in [
        (
            "index.html",
            "text/html; charset=utf-8",
            "public, max-age=300",
        ),
        (
            "briefs/alpha/index.html",
            "text/html; charset=utf-8",
            "public, max-age=300",
        ),
        ("atom.xml", "text/xml; charset=utf-8", "public, max-age=300"),
        (
            "style.css",
            "text/css; charset=utf-8",
            "public, max-age=3600",
        ),
        ("img/logo.svg", "image/svg+xml", "public, max-age=3600"),
        (
            "app.3f2a9c1b.js",
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
    ] {
        let got = http(port, "GET", &format!("/{BUCKET}/{PREFIX}/{rel}"), b"");
        assert_eq!(got.status, 200, "{rel}");
        assert_eq!(
            got.headers.get("content-type").map(String::as_str),
            Some(content_type),
            "{rel}"
        );
        assert_eq!(
            got.headers.get("cache-control").map(String::as_str),
            Some(cache),
            "{rel}"
        );
        assert_eq!(got.body, built[rel], "{rel}");
    }

    // Nothing changed: nothing uploaded.
    let again = deploy(&site, home.path(), port, &[]);
    assert_success(&again);
    assert!(
        reported(&again, "uploaded").is_empty(),
        "{}",
        stdout(&again)
    );
    assert!(stdout(&again).contains(&format!("0 uploaded, 0 deleted, {} unchanged", built.len())));

    // One brief's body changes: exactly the files whose bytes changed go up.
    let alpha = site.read("content/briefs/alpha.md");
    site.write(
        "content/briefs/alpha.md",
        &alpha.replace("Detail text.", "Detail text, revised."),
    );
    let edited = deploy(&site, home.path(), port, &[]);
    assert_success(&edited);
    let after_edit = site.output_snapshot();
    let expected = changed(&built, &after_edit);
    assert_eq!(reported(&edited, "uploaded"), keyed(&expected));
    // The brief's page, the feeds that carry its full text (the site's and those of its two
    // topics), and the search index's list of briefs and the word file of the new word.
    // Listings and the sitemap show only its title, summary and dates, which stay.
    let (search, pages): (BTreeSet<String>, BTreeSet<String>) = expected
        .into_iter()
        .partition(|rel| rel.starts_with("search/"));
    assert!(search.contains("search/data/index.json"), "{search:?}");
    assert!(
        search.len() <= 3,
        "only the files the new word touches: {search:?}"
    );
    assert_eq!(
        pages,
        BTreeSet::from(
            [
                "atom.xml",
                "briefs/alpha/index.html",
                "topics/diplomacy/atom.xml",
                "topics/security/atom.xml",
            ]
            .map(String::from)
        )
    );

    // A brief is removed. A dry run lists the change and leaves the bucket as it was.
    site.remove("content/analysis/zebra.md");
    let before_dry_run = bucket_objects(port);
    let dry = deploy(&site, home.path(), port, &["--dry-run"]);
    assert_success(&dry);
    let after_removal = site.output_snapshot();
    let gone: BTreeSet<String> = after_edit
        .keys()
        .filter(|rel| !after_removal.contains_key(*rel))
        .cloned()
        .collect();
    assert!(gone.contains("analysis/zebra/index.html"), "{gone:?}");
    assert_eq!(reported(&dry, "would delete"), keyed(&gone));
    assert_eq!(
        reported(&dry, "would upload"),
        keyed(changed(&after_edit, &after_removal))
    );
    assert!(
        stdout(&dry).contains("nothing was changed"),
        "{}",
        stdout(&dry)
    );
    assert_eq!(
        bucket_objects(port),
        before_dry_run,
        "a dry run changed the bucket"
    );

    // --no-delete uploads the changed listings but keeps the old page.
    let kept = deploy(&site, home.path(), port, &["--no-delete"]);
    assert_success(&kept);
    assert!(reported(&kept, "deleted").is_empty());
    assert!(bucket_objects(port).contains_key("policy/analysis/zebra/index.html"));

    // A plain deploy deletes it, and only what is gone, only under the prefix.
    let pruned = deploy(&site, home.path(), port, &[]);
    assert_success(&pruned);
    assert_eq!(reported(&pruned, "deleted"), keyed(&gone));
    assert!(
        reported(&pruned, "uploaded").is_empty(),
        "{}",
        stdout(&pruned)
    );
    let last = bucket_objects(port);
    assert!(!last.contains_key("policy/analysis/zebra/index.html"));
    assert!(last.contains_key("outside.html") && last.contains_key("policyx/index.html"));
    let under_prefix: BTreeSet<String> = last
        .keys()
        .filter(|k| k.starts_with("policy/"))
        .cloned()
        .collect();
    assert_eq!(under_prefix, keyed(after_removal.keys()));
}

#[test]
fn deploy_with_an_already_built_folder_and_compression() {
    let Some(moto) = start_moto() else {
        return;
    };
    let port = moto.port;
    let home = tempfile::tempdir().unwrap();
    create_public_bucket(port);
    let site = Site::fixture("site");
    let config = site.read("communique.toml");
    site.write(
        "communique.toml",
        &format!(
            "{config}\n[deploy]\ncompress = \"gzip\"\n[[deploy.cache]]\nglob = \"**/*.svg\"\ncache_control = \"public, max-age=86400\"\n"
        ),
    );
    site.build_ok(&["--output-dir", "dist"]);
    let deployed = deploy(&site, home.path(), port, &["--output-dir", "dist"]);
    assert_success(&deployed);
    assert!(
        !site.root().join("public").exists(),
        "--output-dir skips the build"
    );
    let page = http(port, "GET", &format!("/{BUCKET}/{PREFIX}/index.html"), b"");
    assert_eq!(
        page.headers.get("content-encoding").map(String::as_str),
        Some("gzip")
    );
    let mut html = String::new();
    flate2::read::GzDecoder::new(page.body.as_slice())
        .read_to_string(&mut html)
        .unwrap();
    assert_eq!(
        html,
        std::fs::read_to_string(site.root().join("dist/index.html")).unwrap()
    );
    let logo = http(
        port,
        "GET",
        &format!("/{BUCKET}/{PREFIX}/img/logo.svg"),
        b"",
    );
    assert_eq!(
        logo.headers.get("cache-control").map(String::as_str),
        Some("public, max-age=86400")
    );
    // A bucket that is not there: the listing fails, and the message says nothing changed.
    let missing = isolated(home.path())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .arg("--root")
        .arg(site.root())
        .args([
            "deploy",
            "s3://no-such-bucket",
            "--output-dir",
            "dist",
            "--endpoint",
        ])
        .arg(format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert_exit(&missing, 1);
    let err = stderr(&missing);
    assert!(err.contains("cannot list s3://no-such-bucket"), "{err}");
    assert!(err.contains("nothing was uploaded or deleted"), "{err}");
    // Compressed output is the same bytes each time, so nothing is re-uploaded.
    let again = deploy(&site, home.path(), port, &["--output-dir", "dist"]);
    assert_success(&again);
    assert!(
        reported(&again, "uploaded").is_empty(),
        "{}",
        stdout(&again)
    );
}

#[test]
fn credentials_in_the_config_are_refused() {
    let site = Site::fixture("site");
    let config = site.read("communique.toml");
    site.write(
        "communique.toml",
        &format!(
            "{config}\n[deploy]\ntarget = \"s3://briefs-site\"\naws_secret_access_key = \"wJalrXUtnFEMI\"\n"
        ),
    );
    let output = site.run(&["deploy", "--dry-run"]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("communique.toml:9"), "{err}");
    assert!(
        err.contains("credentials do not belong in communique.toml"),
        "{err}"
    );
    assert!(err.contains("AWS_ACCESS_KEY_ID"), "{err}");
    assert!(
        !err.contains("wJalrXUtnFEMI"),
        "the secret is not echoed:\n{err}"
    );
    assert!(!site.root().join("public").exists(), "nothing was built");
}

#[test]
fn deploy_without_credentials_or_target_says_what_to_do() {
    let site = Site::fixture("site");
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        isolated(home.path())
            .arg("--root")
            .arg(site.root())
            .arg("deploy")
            .args(args)
            .output()
            .unwrap()
    };
    let no_target = run(&["--dry-run"]);
    assert_exit(&no_target, 1);
    assert!(
        stderr(&no_target).contains("no deploy target"),
        "{}",
        stderr(&no_target)
    );
    let no_keys = run(&["s3://briefs-site", "--dry-run"]);
    assert_exit(&no_keys, 1);
    assert!(
        stderr(&no_keys).contains("no credentials"),
        "{}",
        stderr(&no_keys)
    );
    let bad = run(&["briefs-site", "--dry-run"]);
    assert_exit(&bad, 1);
    assert!(stderr(&bad).contains("s3://"), "{}", stderr(&bad));
}
