//! Right to left: an Arabic site (`language = "ar"`, tests/fixtures/arabic) gets
//! `<html lang="ar" dir="rtl">`, and in headless Chromium its layout is the English one in a
//! mirror: the navigation starts on the right, boxes and callouts have their rule on the right,
//! list markers stand right of their text, tables start on the right, footnote back-links and
//! pager arrows point the other way, the timeline runs down the right. Arabic text is set in the
//! theme's Noto Naskh Arabic, which an English page never loads.
//!
//! Set `COMMUNIQUE_SCREENSHOTS=<folder>` to keep PNGs of the pages at 390 and 1280 px there.
//! Needs Debian's `chromium` (`COMMUNIQUE_SKIP_BROWSER=1` skips the browser half), as
//! tests/browser.rs does.

mod common;

use std::path::{Path, PathBuf};

use base64::Engine;
use common::Site;
use common::chromium::{self, Page};
use common::static_server::Host;
use serde_json::{Value, json};

/// A phone and a laptop, in CSS pixels.
const PHONE_WIDTH: u32 = 390;
const DESKTOP_WIDTH: u32 = 1280;

/// The Arabic brief with every part: footnotes, a table, a callout, key points, events.
const BRIEF: &str = "/briefs/al-jawla-al-ula/";

#[test]
fn pages_say_their_language_and_direction() {
    let arabic = Site::fixture("arabic");
    arabic.build_ok(&[]);
    for page in [
        "index.html",
        "briefs/al-jawla-al-ula/index.html",
        "timeline/index.html",
        "404.html",
    ] {
        let html = arabic.html(page);
        let root = common::one(&html, "html");
        assert_eq!(common::attr(root, "lang"), "ar", "{page}");
        assert_eq!(common::attr(root, "dir"), "rtl", "{page}");
    }
    // Names and titles that may be in another script are isolated from the text around them.
    let brief = arabic.html("briefs/al-jawla-al-ula/index.html");
    let authors = common::select(&brief, ".authors a[dir=auto]");
    assert_eq!(authors.len(), 2, "each author's name is isolated");
    assert!(!common::select(&brief, ".event-title[dir=auto]").is_empty());
    let listing = arabic.html("briefs/index.html");
    assert!(!common::select(&listing, ".card-title a[dir=auto]").is_empty());

    let english = Site::empty();
    english.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://x.org\"\nlanguage = \"en-GB\"\n",
    );
    english.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    english.build_ok(&[]);
    let html = english.html("index.html");
    let root = common::one(&html, "html");
    assert_eq!(common::attr(root, "lang"), "en-GB");
    assert_eq!(common::attr(root, "dir"), "ltr");
    // The Arabic font is published with the theme's stylesheet, its licence beside it.
    for file in [
        "fonts/noto-naskh-arabic-arabic-400-normal.woff2",
        "fonts/noto-naskh-arabic-arabic-700-normal.woff2",
        "fonts/OFL.txt",
    ] {
        assert!(english.has_output(file), "{file} is published");
    }
}

#[test]
fn arabic_pages_mirror_the_english_layout_in_chromium() {
    if std::env::var_os("COMMUNIQUE_SKIP_BROWSER").is_some() {
        eprintln!("skipped: COMMUNIQUE_SKIP_BROWSER is set");
        return;
    }
    let chromium = chromium::find_chromium().expect(
        "Chromium is needed for this test: `apt-get install chromium` (as .ci/run does), or set COMMUNIQUE_SKIP_BROWSER=1",
    );
    let shots = std::env::var_os("COMMUNIQUE_SCREENSHOTS").map(PathBuf::from);
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).unwrap();
    }
    let arabic = Site::fixture("arabic");
    let arabic_base = serve(&arabic);
    let english = english_site();
    let english_base = serve(&english);

    let (_browser, _profile, mut page) = chromium::launch(chromium);
    let mut problems = Vec::new();
    for width in [DESKTOP_WIDTH, PHONE_WIDTH] {
        set_width(&mut page, width);
        for (name, path) in [
            ("brief", BRIEF),
            ("listing", "/briefs/page/2/"),
            ("timeline", "/timeline/"),
        ] {
            page.open(&format!("{arabic_base}{path}"));
            wait_for_fonts(&mut page);
            if let Some(dir) = &shots {
                screenshot(
                    &mut page,
                    width,
                    &dir.join(format!("ar-{name}-{width}.png")),
                );
            }
        }
        let at = |what: &str| format!("{what} at {width} px");

        page.open(&format!("{arabic_base}{BRIEF}"));
        wait_for_fonts(&mut page);
        problems.extend(mirrored_brief(&mut page, Side::Right, &at("Arabic brief")));
        problems.extend(arabic_font_used(&mut page, &at("Arabic brief")));
        page.open(&format!("{english_base}/briefs/alpha/"));
        wait_for_fonts(&mut page);
        problems.extend(mirrored_brief(&mut page, Side::Left, &at("English brief")));
        problems.extend(arabic_font_not_loaded(&mut page, &at("English brief")));
        if let Some(dir) = &shots
            && width == DESKTOP_WIDTH
        {
            screenshot(&mut page, width, &dir.join(format!("en-brief-{width}.png")));
        }

        page.open(&format!("{arabic_base}/briefs/page/2/"));
        problems.extend(pager(&mut page, Side::Right, &at("Arabic pager")));
        page.open(&format!("{english_base}/briefs/page/2/"));
        problems.extend(pager(&mut page, Side::Left, &at("English pager")));

        page.open(&format!("{arabic_base}/timeline/"));
        problems.extend(timeline(
            &mut page,
            Side::Right,
            width,
            &at("Arabic timeline"),
        ));
        page.open(&format!("{english_base}/timeline/"));
        problems.extend(timeline(
            &mut page,
            Side::Left,
            width,
            &at("English timeline"),
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The side a page starts on: where English text begins, or Arabic.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Side {
    Left,
    Right,
}

impl Side {
    /// `css`'s physical property for this side (`border-X-width`).
    fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }

    fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

/// The starting side of the brief page, measured: the site title before the navigation, the
/// navigation's first link first, the callout's, key points' and blockquote's rules, the
/// list markers' gap, the table's first column, the footnotes' back-link arrow.
fn mirrored_brief(page: &mut Page, start: Side, name: &str) -> Vec<String> {
    let end = start.other();
    let mut problems = Vec::new();
    let mut expect = |what: &str, js: &str| {
        let value = page.eval(js);
        if value != json!(true) {
            problems.push(format!("{name}: {what} (got {value})"));
        }
    };
    // The left edge of a rectangle grows to the right: on a right-to-left page, things that
    // come first are further right.
    let first_is_further = match start {
        Side::Left => "a.left < b.left",
        Side::Right => "a.right > b.right",
    };
    let before = |a: &str, b: &str| {
        format!(
            "(() => {{ const a = document.querySelector({}).getBoundingClientRect(); \
             const b = document.querySelector({}).getBoundingClientRect(); \
             return {first_is_further}; }})()",
            json!(a),
            json!(b)
        )
    };
    expect(
        &format!("the navigation's first link is on the {}", start.name()),
        &before(
            ".site-header nav li:first-child a",
            ".site-header nav li:last-child a",
        ),
    );
    expect(
        &format!("the site title starts on the {}", start.name()),
        &format!(
            "(() => {{ const t = document.querySelector('.site-title').getBoundingClientRect(); \
             const w = document.querySelector('.site-header .wrap').getBoundingClientRect(); \
             return Math.abs(t.{side} - w.{side}) < 20; }})()",
            side = start.name()
        ),
    );
    for (what, css) in [
        ("the callout", ".callout"),
        ("the key points", ".key-points"),
        ("the summary", ".structured-summary"),
        ("the blockquote", ".brief-body blockquote"),
        ("the events", ".brief-events .events"),
    ] {
        expect(
            &format!("{what} has its rule on the {}", start.name()),
            &format!(
                "(() => {{ const s = getComputedStyle(document.querySelector({})); \
                 return parseFloat(s.border{}Width) >= 2 && parseFloat(s.border{}Width) === 0; }})()",
                json!(css),
                capitalised(start),
                capitalised(end)
            ),
        );
    }
    // A list's markers sit in its padding, on the starting side: the items line up with the
    // list's other edge and leave the gap on this one.
    for (what, list) in [
        ("key points", ".key-points ul"),
        ("a numbered list", ".brief-body ol"),
        ("the footnotes", ".footnotes ol"),
    ] {
        expect(
            &format!("the markers of {what} are on the {}", start.name()),
            &format!(
                "(() => {{ const l = document.querySelector({list}).getBoundingClientRect(); \
                 const i = document.querySelector({item}).getBoundingClientRect(); \
                 return Math.abs(l.{end} - i.{end}) < 1 && Math.abs(l.{start} - i.{start}) > 10; }})()",
                list = json!(list),
                item = json!(format!("{list} > li")),
                end = end.name(),
                start = start.name()
            ),
        );
    }
    expect(
        &format!("the table's first column is on the {}", start.name()),
        &before(".brief-body th:first-child", ".brief-body th:nth-child(2)"),
    );
    // The back-link comes after the note's text: to its left in a right-to-left page (or on
    // the next line, where a phone wraps it).
    let follows = match end {
        Side::Left => "a.right <= c.left + 1",
        Side::Right => "a.left >= c.right - 1",
    };
    expect(
        &format!(
            "a footnote's back-link follows its text, on its {}",
            end.name()
        ),
        &format!(
            "(() => {{ const link = document.querySelector('.footnote-backref'); \
             const text = link.previousSibling; const i = text.data.trimEnd().length - 1; \
             const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1); \
             const a = link.getBoundingClientRect(), c = r.getBoundingClientRect(); \
             return a.top >= c.bottom - 2 || ({follows}); }})()"
        ),
    );
    let flipped = start == Side::Right;
    expect(
        &format!(
            "the back-link arrow is {}",
            if flipped { "mirrored" } else { "as drawn" }
        ),
        &format!(
            "getComputedStyle(document.querySelector('.footnote-backref')).transform {} 'matrix(-1, 0, 0, 1, 0, 0)'",
            if flipped { "===" } else { "!==" }
        ),
    );
    problems
}

/// "Newer" on the starting side with its arrow pointing there, "Older" at the other end.
fn pager(page: &mut Page, start: Side, name: &str) -> Vec<String> {
    let result = page.eval(
        "(() => { const p = document.querySelector('.pagination a[rel=prev]'); \
           const n = document.querySelector('.pagination a[rel=next]'); \
           const a = p.getBoundingClientRect(), b = n.getBoundingClientRect(); \
           return { prevLeft: a.left, nextLeft: b.left, \
                    prevArrow: getComputedStyle(p, '::before').content, \
                    nextArrow: getComputedStyle(n, '::after').content, \
                    prevName: p.textContent.trim() }; })()",
    );
    let mut problems = Vec::new();
    let prev_left = result["prevLeft"].as_f64().unwrap_or(f64::NAN);
    let next_left = result["nextLeft"].as_f64().unwrap_or(f64::NAN);
    let prev_first = match start {
        Side::Left => prev_left < next_left,
        Side::Right => prev_left > next_left,
    };
    if !prev_first {
        problems.push(format!(
            "{name}: the newer page's link is not on the {}: {result}",
            start.name()
        ));
    }
    let (back, on) = match start {
        Side::Left => ("←", "→"),
        Side::Right => ("→", "←"),
    };
    let arrow = |v: &Value| v.as_str().unwrap_or("").to_string();
    if !arrow(&result["prevArrow"]).contains(back) || !arrow(&result["nextArrow"]).contains(on) {
        problems.push(format!(
            "{name}: the pager's arrows should be {back} and {on}: {result}"
        ));
    }
    // Drawn by the stylesheet, the arrows are not part of the link's text.
    if result["prevName"]
        .as_str()
        .is_some_and(|t| t.contains(back))
    {
        problems.push(format!("{name}: the arrow is in the link text: {result}"));
    }
    problems
}

/// The chronology's rule and dots on the starting side; on a wide screen the date column
/// first.
fn timeline(page: &mut Page, start: Side, width: u32, name: &str) -> Vec<String> {
    let result = page.eval(&format!(
        "(() => {{ const list = document.querySelector('.timeline'); \
           const e = document.querySelector('.timeline .event'); \
           const dot = getComputedStyle(e, '::before'); \
           const t = e.querySelector('time').getBoundingClientRect(); \
           const title = e.querySelector('.event-title').getBoundingClientRect(); \
           return {{ rule: parseFloat(getComputedStyle(list).border{side}Width), \
                    dot: dot.{lower}, timeRight: t.right, timeLeft: t.left, \
                    titleRight: title.right, titleLeft: title.left }}; }})()",
        side = capitalised(start),
        lower = start.name(),
    ));
    let mut problems = Vec::new();
    if result["rule"].as_f64().is_none_or(|w| w < 1.0) {
        problems.push(format!(
            "{name}: the line of events is not on the {}: {result}",
            start.name()
        ));
    }
    // The dot is placed against the starting side (a negative offset onto the rule).
    if !result["dot"].as_str().is_some_and(|d| d.starts_with('-')) {
        problems.push(format!(
            "{name}: the event's dot is not on the {} rule: {result}",
            start.name()
        ));
    }
    if width >= 768 {
        let (t_left, title_left) = (
            result["timeLeft"].as_f64().unwrap_or(f64::NAN),
            result["titleLeft"].as_f64().unwrap_or(f64::NAN),
        );
        let date_first = match start {
            Side::Left => t_left < title_left,
            Side::Right => t_left > title_left,
        };
        if !date_first {
            problems.push(format!(
                "{name}: the date column is not on the {}: {result}",
                start.name()
            ));
        }
    }
    problems
}

/// The Arabic text is set in the theme's Noto Naskh Arabic, downloaded and shaped.
fn arabic_font_used(page: &mut Page, name: &str) -> Option<String> {
    let loaded = page.eval(
        "[...document.fonts].filter(f => f.family.includes('Noto Naskh Arabic') && f.status === 'loaded').length",
    );
    let checked = page.eval("document.fonts.check('16px \"Noto Naskh Arabic\"', 'العراق')");
    (loaded.as_u64().unwrap_or(0) == 0 || checked != json!(true)).then(|| {
        format!("{name}: Noto Naskh Arabic is not loaded ({loaded} faces; check {checked})")
    })
}

/// A page without Arabic text never downloads the Arabic font (its `unicode-range`).
fn arabic_font_not_loaded(page: &mut Page, name: &str) -> Option<String> {
    let loaded = page.eval(
        "[...document.fonts].filter(f => f.family.includes('Noto Naskh Arabic') && f.status !== 'unloaded').length",
    );
    let fetched = page.eval(
        "performance.getEntriesByType('resource').filter(r => r.name.endsWith('.woff2')).length",
    );
    (loaded != json!(0) || fetched != json!(0)).then(|| {
        format!("{name}: an English page loaded the Arabic font ({loaded} faces, {fetched} files)")
    })
}

fn capitalised(side: Side) -> &'static str {
    match side {
        Side::Left => "Left",
        Side::Right => "Right",
    }
}

/// An English site with the same parts as the Arabic fixture, to show the layout it mirrors.
fn english_site() -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"Policy Institute\"\norganization = \"Iraq Programme\"\n\
         base_url = \"https://example.org\"\nlanguage = \"en\"\npaginate_by = 1\n\
         taxonomies = [\"topics\"]\n\n[extra]\nnav = [{ name = \"Briefs\", path = \"/briefs/\" }, \
         { name = \"Topics\", path = \"/topics/\" }, { name = \"Timeline\", path = \"/timeline/\" }]\n",
    );
    site.write(
        "content/_index.md",
        "+++\ntitle = \"Policy Institute\"\nsort_by = \"date\"\n+++\n",
    );
    site.write(
        "content/briefs/_index.md",
        "+++\ntitle = \"Briefs\"\nsort_by = \"date\"\n+++\n",
    );
    site.write(
        "content/briefs/alpha.md",
        r#"+++
title = "The first round: a timeline for coalition advisers"
date = 2024-01-27
authors = [{ name = "Lina Hassan", affiliation = "Security Programme" }]
topics = ["security"]
key_points = ["The first round opened formal talks.", "A clear timeline, not a withdrawal."]
[summary]
whats_new = "Talks began in Baghdad."
[[events]]
date = 2024-01-27
title = "First round of talks"
description = "In Baghdad."
[[events]]
date = "2023-10"
title = "Attacks surge"
+++

The talks that began in Baghdad are the first round.[^1]

1. **Pace.** How fast advisers leave.
2. **Conditions.** Which facts allow each step.

| Question | Iraq | United States |
|---|---|---|
| Pace | early steps | tied to conditions |

> [!WARNING]
> No agreement has been published.

> The timeline will be conditions-based.

[^1]: A statement of the Iraqi prime minister's office, 27 January 2024.
"#,
    );
    for (slug, date) in [("beta", "2023-12-01"), ("gamma", "2023-11-01")] {
        site.write(
            &format!("content/briefs/{slug}.md"),
            &format!("+++\ntitle = \"Brief {slug}\"\ndate = {date}\n+++\n\nText.\n"),
        );
    }
    site
}

/// Builds `site` for a local host and serves it; returns the base URL.
fn serve(site: &Site) -> String {
    let host = Host::bind();
    let base = format!("http://127.0.0.1:{}", host.port);
    site.build_ok(&["--base-url", &base]);
    host.serve(&site.output_path(""), "");
    base
}

/// Emulates a screen `width` CSS pixels wide: a phone (touch, zoomable) below 600, else a
/// desktop (as tests/conformance.rs does).
fn set_width(page: &mut Page, width: u32) {
    let mobile = width < 600;
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": if mobile { 844 } else { 900 },
                "deviceScaleFactor": if mobile { 2 } else { 1 }, "mobile": mobile }),
    );
}

/// Waits until the page's web fonts have loaded (or failed).
fn wait_for_fonts(page: &mut Page) {
    page.eval_async("document.fonts.ready.then(() => true)");
}

/// Saves the whole open page, `width` CSS pixels wide, as a PNG: the screen is made as tall
/// as the page for the shot (a clip beyond the viewport lands beside the page when a
/// right-to-left page has no scroll bar).
fn screenshot(page: &mut Page, width: u32, file: &Path) {
    let height = page
        .eval("document.documentElement.scrollHeight")
        .as_u64()
        .unwrap_or(900);
    let mobile = width < 600;
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height,
                "deviceScaleFactor": if mobile { 2 } else { 1 }, "mobile": mobile }),
    );
    let reply = page.call("Page.captureScreenshot", json!({ "format": "png" }));
    set_width(page, width);
    let data = reply["result"]["data"]
        .as_str()
        .unwrap_or_else(|| panic!("no screenshot: {reply}"));
    let png = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    std::fs::write(file, png).unwrap();
}
