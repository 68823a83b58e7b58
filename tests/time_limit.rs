//! Template rendering has a time limit per page (`template_time_limit`; 0.5 s in the fixture):
//! `build` and `check` fail soon after it with the template's name and leave the output as it
//! was, and under `serve` a runaway template neither stops the server answering nor blocks the
//! rebuilds after it.

mod common;

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

    let (output, took) = timed(|| site.check(&[]));
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("is still rendering"),
        "{}",
        stderr(&output)
    );
    assert!(took < LIMIT + GRACE + SLACK, "check took {took:?}");

    // The render that could not be stopped may leave its stage beside the output; the next
    // build clears it.
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
