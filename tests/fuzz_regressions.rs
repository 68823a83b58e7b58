//! Inputs the fuzz targets found (see docs/fuzzing.md), replayed through the public API.
//!
//! Each finding is stored as the content it stands for (a Markdown body, a content file) in
//! `tests/fixtures/fuzz/`, not as raw fuzz bytes, so a test reads like the bug it guards.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use communique::config::{MarkdownConfig, RawHtml};
use communique::markdown::{self, LinkResolver, Rendered};

struct NoLinks;

impl LinkResolver for NoLinks {
    fn resolve(&self, _: &str) -> Option<String> {
        None
    }
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The options byte 0x03 of the `markdown` target chose: no smart punctuation, escaped HTML.
fn escaping_config() -> MarkdownConfig {
    MarkdownConfig {
        smart_punctuation: false,
        raw_html: RawHtml::Escape,
        ..MarkdownConfig::default()
    }
}

/// The best of three timings of `work`, to ride out a loaded machine.
fn best_of_3(mut work: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn render(body: &str) -> Rendered {
    let (rendered, _errors) = markdown::render_with_errors(body, &escaping_config(), &NoLinks);
    rendered
}

/// Found by `markdown` with `-max_len=65536 -len_control=0`: 63 KB of fuzz with 5,260
/// heading-like lines (4,408 real headings), most of them empty `#` headings that all slug to
/// `section`. It took 2.9 s in the optimised fuzz build (a body of 10,520 bare `#` lines took
/// 38 s): numbering duplicate ids tries `section-1`, `section-2`, … from 1 for every heading,
/// and each self-link is inserted into the middle of the event list. Both are quadratic.
/// Ids now come from one allocator with a counter per base, and the body streams into the
/// HTML writer (src/markdown/ids.rs).
#[test]
fn fuzz_found_many_empty_headings_render_in_near_linear_time() {
    let body = fixture("markdown-many-headings.md");
    let doubled = format!("{body}\n\n{body}");

    let html = scraper::Html::parse_fragment(&render(&doubled).html);
    let headings = scraper::Selector::parse("h1, h2, h3, h4, h5, h6").unwrap();
    let count = html.select(&headings).count();
    let ids: HashSet<&str> = html
        .select(&headings)
        .filter_map(|h| h.value().attr("id"))
        .collect();
    assert!(count > 8_000, "the body has its headings, found {count}");
    assert_eq!(ids.len(), count, "every heading has an id of its own");

    let once = best_of_3(|| {
        render(&body);
    });
    let twice = best_of_3(|| {
        render(&doubled);
    });
    let ratio = twice.as_secs_f64() / once.as_secs_f64().max(1e-9);
    assert!(
        ratio < 3.0,
        "doubling the headings multiplied the time by {ratio:.1} ({once:?} -> {twice:?})"
    );
}

/// Found by `markdown` (flags byte 92: smart punctuation, `raw_html = "sanitize"`) once the
/// sanitize mode and URL checks were fuzzed: a link URL with `&` followed by a short name
/// ending inside a three-byte character made the character-reference decoder slice through
/// the character and panic (src/markdown/urls.rs).
#[test]
fn fuzz_found_a_reference_cut_inside_a_multibyte_character() {
    let body = fixture("markdown-reference-in-multibyte.md");
    for raw_html in [RawHtml::Escape, RawHtml::Sanitize] {
        let config = MarkdownConfig {
            smart_punctuation: true,
            raw_html,
            ..MarkdownConfig::default()
        };
        let (rendered, _errors) = markdown::render_with_errors(&body, &config, &NoLinks);
        assert!(!rendered.html.to_ascii_lowercase().contains("<script"));
        if let Ok(inline) = markdown::render_inline(&body, &config, &NoLinks) {
            assert!(!inline.to_ascii_lowercase().contains("<script"));
        }
    }
}
