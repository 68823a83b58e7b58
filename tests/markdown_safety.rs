//! The Markdown stage against a hostile or careless brief: heading ids and URLs that try to break
//! out of their attributes, raw HTML under each policy, and bodies shaped to make the work grow
//! faster than the body (many headings, repeated headings, many notes, one huge table).

mod common;

use std::time::{Duration, Instant};

use common::*;
use communique::config::MarkdownConfig;
use communique::markdown::{self, LinkResolver};

/// The fixture site with its Markdown table replaced by `markdown_table`.
fn site_with(markdown_table: &str) -> Site {
    let site = Site::fixture("site");
    let config = site.read("communique.toml");
    site.write(
        "communique.toml",
        &format!("{}\n[markdown]\n{markdown_table}\n", config.trim_end()),
    );
    site
}

fn brief(body: &str) -> String {
    format!("+++\ntitle = \"Hostile\"\ndate = 2024-05-01\n+++\n\n{body}")
}

#[test]
fn a_heading_id_that_breaks_its_attribute_is_an_error_naming_file_and_line() {
    let site = site_with("raw_html = \"escape\"");
    site.write(
        "content/briefs/hostile.md",
        &brief("Intro.\n\n## Click {#x\"onmouseover=\"alert(1)\"}\n"),
    );
    let output = site.build(&[]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("heading id"), "{err}");
    assert!(err.contains("hostile.md:8"), "{err}");
    assert!(err.contains("{#x-onmouseover-alert-1}"), "{err}");
}

#[test]
fn script_and_data_urls_are_dead_in_escape_mode() {
    let site = site_with("raw_html = \"escape\"");
    site.write(
        "content/briefs/hostile.md",
        &brief(
            "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](&#106;avascript:alert(1)) \
             <javascript:alert(1)> [d][r] ![e](data:text/html,x) ![f](data:image/png;base64,AA==) \
             [g](vbscript:x) [fine](https://example.org/)\n\n[r]: java%09script:alert(1)\n\n\
             ## Hi {onclick=alert(1)}\n\n<img src=x onerror=alert(1)>\n",
        ),
    );
    site.build_ok(&[]);
    let html = site.html("briefs/hostile/index.html");
    let urls: Vec<String> = select(&html, ".body a[href], .body img[src]")
        .into_iter()
        .filter_map(|e| {
            e.attr("href")
                .or(e.attr("src"))
                .map(str::to_ascii_lowercase)
        })
        .collect();
    assert!(
        urls.contains(&"https://example.org/".to_string()),
        "{urls:?}"
    );
    for url in &urls {
        assert!(
            !url.contains("script") && !url.starts_with("data:"),
            "live URL {url} in {urls:?}"
        );
    }
    assert!(select(&html, ".body [onclick], .body [onerror]").is_empty());
    assert!(
        select(&html, ".body img[src=x]").is_empty(),
        "raw <img> is text"
    );
}

#[test]
fn sanitize_mode_keeps_what_briefs_need_and_drops_the_rest() {
    let site = site_with("raw_html = \"sanitize\"\niframe_hosts = [\"www.youtube-nocookie.com\"]");
    site.write(
        "content/briefs/rich.md",
        &brief(
            "First <abbr title=\"Kurdistan Regional Government\">KRG</abbr> paragraph.\n\n\
             <!-- more -->\n\n\
             <figure>\n<img src=\"chart.png\" alt=\"Chart\">\n<figcaption>Troop levels</figcaption>\n</figure>\n\n\
             <details>\n<summary>Method</summary>\n\nWe counted **twice**.\n\n</details>\n\n\
             <iframe src=\"https://www.youtube-nocookie.com/embed/abc\" title=\"Briefing\"></iframe>\n\n\
             <iframe src=\"https://tracker.example/x\"></iframe>\n\n\
             <script>alert(1)</script><p onclick=\"x()\">Clicked</p>\n\n\
             [bad](javascript:alert(1)) <a href=\"javascript:alert(2)\">raw bad</a>\n",
        ),
    );
    site.build_ok(&[]);
    let html = site.html("briefs/rich/index.html");
    assert_eq!(texts(&html, ".body abbr[title]"), ["KRG"]);
    assert_eq!(texts(&html, ".body figure > figcaption"), ["Troop levels"]);
    assert_eq!(texts(&html, ".body details > summary"), ["Method"]);
    assert_eq!(texts(&html, ".body details > p > strong"), ["twice"]);
    let frames: Vec<String> = select(&html, ".body iframe")
        .into_iter()
        .map(|f| f.attr("src").unwrap_or("").to_string())
        .collect();
    assert_eq!(frames, ["https://www.youtube-nocookie.com/embed/abc", ""]);
    assert!(select(&html, ".body script, .body [onclick]").is_empty());
    for a in select(&html, ".body a[href]") {
        assert!(!a.attr("href").unwrap_or("").contains("script"));
    }
    // The summary still stops at the marker.
    let listing = site.read_output("briefs/index.html");
    assert!(listing.contains("KRG"), "summary in the listing");
    assert!(
        !listing.contains("Troop levels"),
        "summary stops at the marker"
    );
}

// ---- Bounded work: doubling the body must not quadruple the time. ----

struct NoLinks;
impl LinkResolver for NoLinks {
    fn resolve(&self, _: &str) -> Option<String> {
        None
    }
}

/// The time to render `body` once.
fn render_time(body: &str) -> Duration {
    let start = Instant::now();
    let rendered = markdown::render(body, &MarkdownConfig::default(), &NoLinks);
    let took = start.elapsed();
    assert!(rendered.is_ok());
    took
}

/// time(2n) / time(n), each the best of three runs, taken in turn so a burst of load on a shared
/// machine weighs on both alike.
fn doubling_ratio(small: &str, large: &str) -> (f64, Duration, Duration) {
    let (mut t1, mut t2) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        t1 = t1.min(render_time(small));
        t2 = t2.min(render_time(large));
    }
    (t2.as_secs_f64() / t1.as_secs_f64().max(1e-6), t1, t2)
}

/// Checks that rendering `make(2n)` takes less than three times as long as `make(n)`: a
/// quadratic step would take four times as long, a linear one twice. A ratio over 3 is measured
/// once more before failing, as one slow run on a loaded machine is not a quadratic step.
fn assert_near_linear(what: &str, n: usize, make: impl Fn(usize) -> String) {
    let (small, large) = (make(n), make(2 * n));
    let mut measured = doubling_ratio(&small, &large);
    if measured.0 >= 3.0 {
        measured = doubling_ratio(&small, &large);
    }
    let (ratio, t1, t2) = measured;
    eprintln!("{what}: n={n} {t1:?}, 2n {t2:?}, ratio {ratio:.2}");
    assert!(
        ratio < 3.0,
        "{what}: doubling the body took {ratio:.2}× as long ({t1:?} → {t2:?})"
    );
}

#[test]
fn many_headings_render_in_near_linear_time() {
    assert_near_linear("headings", 4_000, |n| {
        (0..n)
            .map(|i| format!("## Heading {i}\n\nText.\n\n"))
            .collect()
    });
}

#[test]
fn duplicate_heading_ids_are_numbered_in_near_linear_time() {
    assert_near_linear("duplicate ids", 4_000, |n| "## a\n\n".repeat(n));
}

#[test]
fn many_footnotes_render_in_near_linear_time() {
    assert_near_linear("footnotes", 2_000, |n| {
        let mut body: String = (0..n).map(|i| format!("Claim[^n{i}] ")).collect();
        body.push_str("\n\n");
        for i in 0..n {
            body.push_str(&format!("[^n{i}]: Source {i}.\n"));
        }
        body
    });
}

#[test]
fn a_wide_table_renders_in_near_linear_time() {
    // One header row of 500 columns, then as many rows as asked.
    assert_near_linear("wide table", 40, |rows| {
        let columns = 500;
        let mut body: String = (0..columns).map(|c| format!("| h{c} ")).collect();
        body.push_str("|\n");
        body.push_str(&"|---".repeat(columns));
        body.push_str("|\n");
        let row: String = (0..columns).map(|c| format!("| {c} ")).collect();
        for _ in 0..rows {
            body.push_str(&row);
            body.push_str("|\n");
        }
        body
    });
}

#[test]
fn a_table_row_with_a_huge_number_of_cells_renders_in_near_linear_time() {
    assert_near_linear("one long row", 60_000, |cells| {
        format!("| a | b |\n|---|---|\n{}|\n", "| x ".repeat(cells))
    });
}
