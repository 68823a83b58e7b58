//! The timeline (every brief's events in date order, filterable by topic without a server) and
//! the listing pages of brief types and regions.

mod common;

use common::*;

fn brief(slug: &str, date: &str, extra: &str, events: &str) -> (String, String) {
    (
        format!("content/briefs/{slug}.md"),
        format!("+++\ntitle = \"Brief {slug}\"\ndate = {date}\n{extra}\n{events}+++\n\nBody.\n"),
    )
}

fn site() -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://x.org\"\ntaxonomies = [\"topics\"]\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    let shared = "[[events]]\ndate = 2014\ntitle = \"Coalition formed\"\n";
    for (path, text) in [
        brief(
            "a",
            "2024-01-10",
            "topics = [\"Security\"]\ntype = \"briefing\"\nregion = \"Middle East\"",
            &format!(
                "{shared}[[events]]\ndate = 2024-01-27\ntitle = \"First round\"\ndescription = \"In *Baghdad*.\"\n"
            ),
        ),
        brief(
            "b",
            "2024-02-10",
            "topics = [\"Diplomacy\"]\ntype = \"qa\"\nregion = \"Middle East\"",
            &format!("[[events]]\ndate = \"2023-10\"\ntitle = \"Attacks surge\"\n{shared}"),
        ),
        brief("c", "2024-03-10", "topics = [\"Economy\"]", ""),
        brief(
            "later",
            "2024-03-10",
            "publish_date = 2099-01-01\ntopics = [\"Security\"]",
            "[[events]]\ndate = 2099-01-01\ntitle = \"Not yet\"\n",
        ),
    ] {
        site.write(&path, &text);
    }
    site.build_ok(&[]);
    site
}

#[test]
fn the_timeline_lists_every_event_in_date_order_with_its_briefs() {
    let site = site();
    let html = site.html("timeline/index.html");
    let dates: Vec<String> = select(&html, "ol.timeline > li time")
        .into_iter()
        .map(|t| attr(t, "datetime"))
        .collect();
    assert_eq!(
        dates,
        ["2014", "2023-10", "2024-01-27"],
        "oldest first; embargoed left out"
    );
    let items = select(&html, "ol.timeline > li");
    // The event two briefs tell is one entry naming both.
    let from: Vec<String> = items[0]
        .select(&sel(".event-brief a"))
        .map(|a| attr(a, "href"))
        .collect();
    assert_eq!(from, ["/briefs/a/", "/briefs/b/"]);
    assert_eq!(attr(items[0], "data-terms"), "security diplomacy");
    assert_eq!(attr(items[2], "data-terms"), "security");
    assert_eq!(
        text(one(
            &html,
            "ol.timeline > li:nth-child(3) .event-description em"
        )),
        "Baghdad"
    );
    // Filters: one per topic that has events (not Economy), plus everything.
    let labels = texts(&html, ".timeline-filter label");
    assert_eq!(labels, ["everything", "Diplomacy", "Security"]);
    let style = text(one(&html, "head style"));
    assert!(
        style.contains(
            ":has(#filter-security:checked) .timeline > li:not([data-terms~=\"security\"])"
        ),
        "{style}"
    );
}

#[test]
fn a_site_without_events_has_no_timeline() {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://x.org\"\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write(
        "content/briefs/a.md",
        "+++\ntitle = \"A\"\ndate = 2024-01-01\n+++\n",
    );
    site.build_ok(&[]);
    assert!(!site.has_output("timeline/index.html"));
    assert!(!site.has_output("types/index.html"), "no brief has a type");
}

#[test]
fn types_and_regions_have_listing_pages_linked_from_briefs() {
    let site = site();
    let page = site.html("types/briefing/index.html");
    assert_eq!(texts(&page, ".card-title"), ["Brief a"]);
    let page = site.html("regions/middle-east/index.html");
    assert_eq!(texts(&page, ".card-title"), ["Brief b", "Brief a"]);
    assert!(site.has_output("types/q-a/index.html"));
    assert!(site.has_output("types/index.html"));
    let brief = site.html("briefs/a/index.html");
    assert_eq!(
        hrefs(&brief, ".brief-kind a"),
        ["/types/briefing/", "/regions/middle-east/"]
    );
    assert_eq!(text(one(&brief, ".brief-kind")), "Briefing · Middle East");
}
