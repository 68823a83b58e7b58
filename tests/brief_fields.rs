//! A brief's type, region, structured summary and events: shown on the brief page and in
//! listings, and every mistake in them reported at its own file:line with a hint, exit code 1,
//! and the previous output left as it was.

mod common;

use common::{Site, one, select, text};

const TALKS: &str = "content/briefs/talks.md";
const MEMO: &str = "content/briefs/memo.md";

/// The fixture, built once.
fn built() -> Site {
    let site = Site::fixture("brief_fields");
    site.build_ok(&[]);
    site
}

/// Replaces `from` (which must occur) with `to` in the source file `rel`.
fn edit(site: &Site, rel: &str, from: &str, to: &str) {
    let source = site.read(rel);
    assert!(source.contains(from), "{rel} has no {from:?}");
    site.write(rel, &source.replacen(from, to, 1));
}

#[test]
fn events_render_in_date_order_with_time_datetime() {
    let site = built();
    let html = site.html("briefs/talks/index.html");
    let items = select(&html, ".brief-events ol > li");
    assert_eq!(items.len(), 3);
    let times = select(&html, ".brief-events ol > li time");
    let datetimes: Vec<&str> = times
        .iter()
        .map(|t| t.value().attr("datetime").unwrap())
        .collect();
    assert_eq!(datetimes, ["2024", "2024-01", "2024-01-27"]);
    let shown: Vec<String> = times.iter().map(|t| text(*t)).collect();
    assert_eq!(shown, ["2024", "January 2024", "27 January 2024"]);
    let first_round = items[2];
    assert_eq!(
        text(one(&html, ".brief-events li:nth-child(3) .event-title a")),
        "First round of talks"
    );
    let link = first_round
        .select(&common::sel("a"))
        .next()
        .and_then(|a| a.value().attr("href"));
    assert_eq!(link, Some("/briefs/memo/"), "an @/ link is resolved");
    assert!(
        first_round.inner_html().contains("<em>clear</em>"),
        "descriptions are inline Markdown: {}",
        first_round.inner_html()
    );
    assert_eq!(
        one(&html, ".brief-events li:nth-child(1) a")
            .value()
            .attr("href"),
        Some("https://example.org/report")
    );
    // A YAML brief: a month and a day.
    let memo = site.html("briefs/memo/index.html");
    let datetimes: Vec<String> = select(&memo, ".brief-events time")
        .iter()
        .map(|t| t.value().attr("datetime").unwrap().to_string())
        .collect();
    assert_eq!(datetimes, ["2023-10", "2024-03-01"]);
    // A brief without events has no chronology.
    assert!(select(&site.html("briefs/plain/index.html"), ".brief-events").is_empty());
}

#[test]
fn structured_summary_renders_at_the_top_and_as_standfirst() {
    let site = built();
    let html = site.html("briefs/talks/index.html");
    let summary = one(&html, "section.structured-summary");
    let labels: Vec<String> = select(&html, "section.structured-summary h3")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(
        labels,
        ["What’s new?", "Why does it matter?", "What should be done?"]
    );
    let inner = summary.inner_html();
    assert!(
        inner.contains("Talks <em>opened</em> in Baghdad."),
        "{inner}"
    );
    assert!(inner.contains("href=\"/briefs/memo/\""), "{inner}");
    // It comes before the body.
    let page = site.read_output("briefs/talks/index.html");
    let (at_summary, at_body) = (
        page.find("structured-summary").unwrap(),
        page.find("brief-body").unwrap(),
    );
    assert!(at_summary < at_body);
    // Type and region in the header.
    assert_eq!(
        text(one(&html, ".brief-header .brief-kind")),
        "Briefing · Middle East"
    );
    assert_eq!(
        text(one(&site.html("briefs/memo/index.html"), ".brief-kind")),
        "Policy memo · Gulf"
    );
    assert!(select(&site.html("briefs/plain/index.html"), ".brief-kind").is_empty());
    // In the listing, what's new replaces the description; other briefs keep theirs.
    let listing = site.html("briefs/index.html");
    let cards = select(&listing, "article.card");
    let card_of = |title: &str| {
        *cards
            .iter()
            .find(|c| c.inner_html().contains(title))
            .unwrap_or_else(|| panic!("no card for {title}"))
    };
    let talks = card_of("The talks");
    let standfirst = talks
        .select(&common::sel(".card-description"))
        .next()
        .unwrap();
    assert_eq!(text(standfirst), "Talks opened in Baghdad.");
    assert!(!talks.inner_html().contains("shown only when"));
    let kind = talks.select(&common::sel(".brief-kind")).next().unwrap();
    assert_eq!(text(kind), "Briefing · Middle East");
    assert!(
        card_of("Plain")
            .inner_html()
            .contains("A brief without the new fields.")
    );
}

#[test]
fn bad_event_dates_name_the_line_of_that_date() {
    let site = built();
    let hint = "a month as date = \"2024-01\", or a year as date = 2024";
    edit(&site, TALKS, "date = \"2024-01\"", "date = \"2024-13\"");
    site.fails_with(
        "content/briefs/talks.md:20:1",
        &["event 2 has a bad date \"2024-13\"", "no month 13", hint],
    );
    edit(&site, TALKS, "date = \"2024-13\"", "date = \"27/01/2024\"");
    site.fails_with("content/briefs/talks.md:20:1", &["\"27/01/2024\"", hint]);
    edit(
        &site,
        TALKS,
        "date = \"27/01/2024\"",
        "date = \"2024-02-30\"",
    );
    site.fails_with(
        "content/briefs/talks.md:20:1",
        &["\"2024-02-30\"", "29 days, not 30", hint],
    );
    edit(&site, TALKS, "date = \"2024-02-30\"", "date = \"2024-01\"");
    edit(&site, TALKS, "date = 2024\n", "date = { year = 2024 }\n");
    site.fails_with(
        "content/briefs/talks.md:24:1",
        &["event 3 has a bad date a table"],
    );
}

#[test]
fn bad_event_date_in_yaml() {
    let site = built();
    edit(
        &site,
        MEMO,
        "date: 2024-03-01\n---",
        "date: 27/01/2024\n---",
    );
    site.fails_with(
        "content/briefs/memo.md:10:5",
        &["event 2 has a bad date", "a month as date: 2024-01"],
    );
}

#[test]
fn an_event_needs_a_title() {
    let site = built();
    edit(&site, TALKS, "title = \"Talks announced\"\n", "");
    site.fails_with("content/briefs/talks.md:19:1", &["event 2 has no title"]);
}

#[test]
fn an_event_link_must_name_content() {
    let site = built();
    edit(
        &site,
        TALKS,
        "link = \"@/briefs/memo.md\"",
        "link = \"@/briefs/nope.md\"",
    );
    site.fails_with(
        "content/briefs/talks.md:17:1",
        &["event 1 links to unknown content \"@/briefs/nope.md\""],
    );
}

#[test]
fn unknown_type_suggests_a_known_one() {
    let site = built();
    edit(&site, TALKS, "type = \"briefing\"", "type = \"breifing\"");
    site.fails_with(
        "content/briefs/talks.md:4:1",
        &["unknown type \"breifing\"", "did you mean \"briefing\"?"],
    );
    edit(&site, TALKS, "type = \"breifing\"", "type = \"explainer\"");
    site.fails_with(
        "content/briefs/talks.md:4:1",
        &["types = [\"policy-memo\", \"explainer\"]"],
    );
}

#[test]
fn unknown_summary_key_suggests_the_right_one() {
    let site = built();
    edit(&site, TALKS, "why_it_matters =", "why_it_maters =");
    site.fails_with(
        "content/briefs/talks.md:10:1",
        &[
            "unknown field \"why_it_maters\" in \"summary\"",
            "did you mean \"why_it_matters\"?",
        ],
    );
}

#[test]
fn a_future_publish_date_holds_a_brief_back() {
    let site = built();
    edit(
        &site,
        TALKS,
        "region =",
        "publish_date = 2999-12-01T09:00:00Z\nregion =",
    );
    site.build_ok(&[]);
    assert!(!site.has_output("briefs/talks/index.html"));
    site.build_ok(&["--drafts"]);
    assert!(site.has_output("briefs/talks/index.html"));
}
