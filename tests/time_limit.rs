//! Template rendering has a time limit per page (`template_time_limit`; 0.5 s in the fixture):
//! `build` and `check` fail soon after it with the template's name and leave the output as it
//! was, and under `serve` a runaway template neither stops the server answering nor blocks the
//! rebuilds after it.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{Site, assert_exit, stderr};

/// Nested loops over `range`: 10^10 iterations, with a `range` call (a check point) in each
/// outer one.
const NESTED_RANGES: &str =
    "{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% endfor %}{% endfor %}\n";

/// The same loops over a stored range: the loops never call a function or write, so nothing
/// inside the render can notice the time; only the supervisor outside it can.
const UNSEEN_LOOPS: &str =
    "{% set r = range(end=100000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}\n";

/// The fixture's limit.
const LIMIT: Duration = Duration::from_millis(500);

/// How long past the limit the supervisor waits for a render (`render::limit::GRACE`).
const GRACE: Duration = Duration::from_secs(1);

/// Room for starting the process and the rest of a debug build on a loaded machine.
const SLACK: Duration = Duration::from_millis(1500);

fn timed(run: impl FnOnce() -> std::process::Output) -> (std::process::Output, Duration) {
    let started = Instant::now();
    let output = run();
    (output, started.elapsed())
}

fn stage_of(site: &Site) -> std::path::PathBuf {
    site.path(".public.communique-stage")
}

#[test]
fn build_stops_nested_range_loops_at_the_limit_and_keeps_the_old_output() {
    let site = Site::fixture("time_limit");
    site.build_ok(&[]);
    let before = site.output_snapshot();

    site.write("templates/partials/extra.html", NESTED_RANGES);
    let (output, took) = timed(|| site.build(&[]));
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("templates/partials/extra.html:1:"),
        "names the file and line where it stopped: {err}"
    );
    assert!(
        err.contains("template brief.html ran past its time limit of 0.5 s"),
        "{err}"
    );
    assert!(
        err.contains("template_time_limit"),
        "says what to raise: {err}"
    );
    assert!(took < LIMIT + SLACK, "took {took:?}");
    assert_eq!(site.output_snapshot(), before, "the old output is intact");
    assert!(!stage_of(&site).exists(), "the stage is cleaned up");
}

#[test]
fn check_stops_nested_range_loops_at_the_limit() {
    let site = Site::fixture("time_limit");
    site.write("templates/partials/extra.html", NESTED_RANGES);
    let (output, took) = timed(|| site.check(&[]));
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("templates/partials/extra.html:1:"), "{err}");
    assert!(
        err.contains("template brief.html ran past its time limit"),
        "{err}"
    );
    assert!(took < LIMIT + SLACK, "took {took:?}");
}

#[test]
fn loops_no_check_sees_fail_the_build_soon_after_the_limit() {
    let site = Site::fixture("time_limit");
    site.build_ok(&[]);
    let before = site.output_snapshot();

    site.write("templates/partials/extra.html", UNSEEN_LOOPS);
    let (output, took) = timed(|| site.build(&[]));
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("templates/brief.html"), "{err}");
    assert!(
        err.contains("template brief.html is still rendering"),
        "{err}"
    );
    assert!(err.contains("past its time limit of 0.5 s"), "{err}");
    assert!(took < LIMIT + GRACE + SLACK, "took {took:?}");
    assert_eq!(site.output_snapshot(), before, "the old output is intact");
    assert!(
        err.contains("the output folder was left as it was"),
        "{err}"
    );
    assert!(
        !stage_of(&site).exists(),
        "the stage the stuck render holds is removed"
    );

    let (output, took) = timed(|| site.check(&[]));
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("is still rendering"),
        "{}",
        stderr(&output)
    );
    assert!(took < LIMIT + GRACE + SLACK, "check took {took:?}");

    // Fixing the template brings the next build through.
    site.write(
        "templates/partials/extra.html",
        "<p class=\"extra\">fixed</p>\n",
    );
    site.build_ok(&[]);
    assert!(
        site.read_output("briefs/alpha/index.html")
            .contains("fixed")
    );
    assert!(!stage_of(&site).exists());
}

#[test]
fn a_page_that_writes_too_much_is_stopped() {
    let site = Site::fixture("time_limit");
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://example.org\"\ntemplate_time_limit = 60\n",
    );
    site.write(
        "content/briefs/alpha.md",
        &format!(
            "+++\ntitle = \"Alpha\"\ndate = 2024-02-01\n+++\n\n{}\n",
            "word ".repeat(20_000)
        ),
    );
    site.write(
        "templates/partials/extra.html",
        "{% for i in range(end=100000) %}{{ page.content }}{% endfor %}\n",
    );
    let (output, took) = timed(|| site.build(&[]));
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("wrote more than 256 MiB rendering /briefs/alpha/"),
        "{err}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn a_bad_time_limit_is_refused() {
    let site = Site::fixture("time_limit");
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://example.org\"\ntemplate_time_limit = 0\n",
    );
    let output = site.check(&[]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("communique.toml:3:"),
        "{}",
        stderr(&output)
    );
}

/// `communique serve` on a copy of the fixture.
struct Server {
    child: Child,
    port: u16,
    site: Site,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(config: Option<&str>) -> Server {
        let site = Site::fixture("time_limit");
        if let Some(config) = config {
            site.write("communique.toml", config);
        }
        let root = site.root().canonicalize().unwrap();
        let mut child = common::communique()
            .args(["--root", root.to_str().unwrap(), "serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (port, lines) = common::serving_port(&mut child);
        std::thread::spawn(move || for _ in lines {});
        Server { child, port, site }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
    }

    /// GET `target`: (status, body).
    fn get(&self, target: &str) -> (u16, String) {
        let mut stream = self.connect();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response
            .split(' ')
            .nth(1)
            .unwrap_or("0")
            .parse()
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_string();
        (status, body)
    }

    /// The live reload stream.
    fn events(&self) -> BufReader<TcpStream> {
        let mut stream = self.connect();
        write!(
            stream,
            "GET /__communique/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        .unwrap();
        let mut events = BufReader::new(stream);
        let mut line = String::new();
        events.read_line(&mut line).unwrap();
        assert!(line.contains("200"), "{line}");
        events
    }

    /// Polls `target` until its body contains `text`; returns how long that took.
    fn wait_for(&self, target: &str, text: &str, within: Duration) -> Duration {
        let started = Instant::now();
        loop {
            let (status, body) = self.get(target);
            if status == 200 && body.contains(text) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < within,
                "no {text:?} at {target} after {within:?}: {status} {body}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Reads the event stream up to the data line of the next `event`.
fn next_event(events: &mut BufReader<TcpStream>, event: &str) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        events.read_line(&mut line).expect("an event");
        if line.trim() == format!("event: {event}") {
            break;
        }
    }
    loop {
        line.clear();
        events.read_line(&mut line).expect("its data");
        if line.starts_with("data:") {
            return line.clone();
        }
    }
}

/// Requests `/` every 20 ms for `period`; returns the slowest answer.
fn slowest_answer(server: &Server, period: Duration) -> Duration {
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    while started.elapsed() < period {
        let asked = Instant::now();
        let (status, _) = server.get("/briefs/alpha/");
        assert_eq!(status, 200);
        slowest = slowest.max(asked.elapsed());
        std::thread::sleep(Duration::from_millis(20));
    }
    slowest
}

fn save(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn serve_answers_during_a_runaway_render_and_recovers_when_it_is_fixed() {
    let server = Server::start(None);
    let mut events = server.events();
    let extra = server.site.path("templates/partials/extra.html");

    save(&extra, UNSEEN_LOOPS);
    // The rebuild runs into the loop; the server answers all along, from the last good site.
    let slowest = slowest_answer(&server, LIMIT + GRACE);
    eprintln!("slowest answer during the runaway render: {slowest:?}");
    assert!(
        slowest < Duration::from_millis(200),
        "slowest answer {slowest:?}"
    );
    let overlay = next_event(&mut events, "build-error");
    assert!(overlay.contains("templates/brief.html"), "{overlay}");
    assert!(overlay.contains("still rendering"), "{overlay}");
    assert!(
        server
            .get("/briefs/alpha/")
            .1
            .contains("<p class=\"extra\">fast</p>")
    );

    // The stuck render cannot be stopped, yet the next save rebuilds.
    save(&extra, "<p class=\"extra\">repaired</p>\n");
    let took = server.wait_for(
        "/briefs/alpha/",
        "<p class=\"extra\">repaired</p>",
        Duration::from_secs(5),
    );
    next_event(&mut events, "fixed");
    eprintln!("fixed page served {took:?} after the save");
}

#[test]
fn serve_a_newer_save_supersedes_a_slow_rebuild() {
    // A limit far above the test's waits: only stopping the slow rebuild can explain the
    // fixed page appearing in time.
    let server = Server::start(Some(
        "title = \"T\"\nbase_url = \"https://example.org\"\ntemplate_time_limit = 60\n",
    ));
    let extra = server.site.path("templates/partials/extra.html");
    for slow in [NESTED_RANGES, UNSEEN_LOOPS] {
        save(&extra, slow);
        // Let the rebuild start on it.
        let slowest = slowest_answer(&server, Duration::from_millis(600));
        eprintln!("slowest answer during the slow rebuild: {slowest:?}");
        assert!(
            slowest < Duration::from_millis(200),
            "slowest answer {slowest:?}"
        );
        let fixed = format!("<p class=\"extra\">fixed after {}</p>\n", slow.len());
        save(&extra, &fixed);
        let took = server.wait_for(
            "/briefs/alpha/",
            &fixed[..fixed.len() - 1],
            Duration::from_secs(8),
        );
        eprintln!("fixed page served {took:?} after the save");
    }
}
