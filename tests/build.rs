//! `communique build` on the fixture site in `tests/fixtures/site` (which brings its own small
//! templates, so these tests exercise the pipeline, not the default theme): the parts of a brief,
//! links, listings and pagination, taxonomies, feeds and sitemaps, drafts, base URLs, output
//! folders, and rebuilds.

mod common;

use std::collections::BTreeSet;

use common::*;

/// The fixture site, built once with the given extra arguments.
fn built(args: &[&str]) -> Site {
    let site = Site::fixture("site");
    site.build_ok(args);
    site
}

/// Every brief of the fixture that is not a draft, as (site path, title, date).
const BRIEFS: &[(&str, &str, &str)] = &[
    ("/briefs/alpha/", "Alpha: the first brief", "2024-03-01"),
    ("/briefs/beta/", "Beta: YAML front matter", "2024-02-01"),
    ("/briefs/delta/", "Delta: a folder page", "2024-01-15"),
    (
        "/briefs/custom-slug/",
        "Epsilon: a custom slug",
        "2023-12-01",
    ),
    ("/analysis/mango/", "Mango trade", "2023-07-01"),
    ("/analysis/zebra/", "Zebra crossings", "2023-06-01"),
    ("/analysis/apple/", "Apple harvests", "2023-05-01"),
    ("/ordered/heavy/", "Heavy", "2023-03-01"),
    ("/ordered/light/", "Light", "2023-02-01"),
    ("/ordered/middle/", "Middle", "2023-01-01"),
];

fn output_file(site_path: &str) -> String {
    format!("{}index.html", site_path.trim_start_matches('/'))
}

/// The titles of a listing page, in order.
fn listing_titles(site: &Site, rel: &str) -> Vec<String> {
    texts(&site.html(rel), "ol.listing > li > a")
}

// ---------------------------------------------------------------------------------------------
// One brief

#[test]
fn brief_has_its_title_and_h1() {
    let site = built(&[]);
    let html = site.html("briefs/alpha/index.html");
    assert_eq!(
        text(one(&html, "title")),
        "Alpha: the first brief · Fixture Briefs"
    );
    assert_eq!(text(one(&html, "h1")), "Alpha: the first brief");
    assert_eq!(text(one(&html, "p.subtitle")), "A subtitle");
    assert_eq!(
        attr(one(&html, "link[rel=canonical]"), "href"),
        "https://example.org/briefs/alpha/"
    );
}

#[test]
fn every_brief_is_written_with_its_title() {
    let site = built(&[]);
    for (path, title, _) in BRIEFS {
        let html = site.html(&output_file(path));
        assert_eq!(text(one(&html, "h1")), *title, "{path}");
    }
}

#[test]
fn heading_ids_are_unique_and_each_heading_links_to_itself() {
    let site = built(&[]);
    let html = site.html("briefs/alpha/index.html");
    let headings = select(&html, ".body h2[id], .body h3[id], .body h4[id]");
    let ids: Vec<String> = headings.iter().map(|h| attr(*h, "id")).collect();
    assert_eq!(
        ids,
        [
            "background",
            "detail",
            "background-1",
            "detail-1",
            "deep",
            "custom",
            "footnotes-label"
        ]
    );
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "ids are unique: {ids:?}");
    for heading in headings
        .iter()
        .filter(|h| attr(**h, "id") != "footnotes-label")
    {
        let id = attr(*heading, "id");
        let links: Vec<_> = heading.select(&sel("a.heading-anchor")).collect();
        assert_eq!(links.len(), 1, "one self-link in #{id}");
        assert_eq!(attr(links[0], "href"), format!("#{id}"));
    }
}

#[test]
fn heading_ids_do_not_clash_with_footnote_ids() {
    let site = Site::fixture("site");
    site.write(
        "content/briefs/ids.md",
        "+++\ntitle = \"Ids\"\ndate = 2022-01-01\n+++\n\nText[^a].\n\n## Fn a\n\n## Footnotes label\n\n[^a]: Note.\n",
    );
    site.build_ok(&[]);
    let html = site.html("briefs/ids/index.html");
    let ids: Vec<String> = select(&html, "[id]")
        .into_iter()
        .map(|e| attr(e, "id"))
        .collect();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids in {ids:?}");
}

#[test]
fn toc_nests_h3_under_h2_and_links_to_the_heading_ids() {
    let site = built(&[]);
    let html = site.html("briefs/alpha/index.html");
    let top = select(&html, "nav.toc > ul > li");
    assert_eq!(top.len(), 3, "three h2 entries");
    let top_links: Vec<String> = top
        .iter()
        .map(|li| attr(li.select(&sel(":scope > a")).next().unwrap(), "href"))
        .collect();
    assert_eq!(
        top_links,
        [
            "/briefs/alpha/#background",
            "/briefs/alpha/#background-1",
            "/briefs/alpha/#custom"
        ]
    );
    assert_eq!(
        texts(&html, "nav.toc > ul > li > a"),
        ["Background", "Background", "Next steps"]
    );
    let children: Vec<Vec<String>> = top
        .iter()
        .map(|li| {
            li.select(&sel(":scope > ul > li > a"))
                .map(|a| attr(a, "href"))
                .collect()
        })
        .collect();
    assert_eq!(
        children,
        [
            vec!["/briefs/alpha/#detail".to_string()],
            vec!["/briefs/alpha/#detail-1".to_string()],
            vec![]
        ]
    );
    // h4 stays out of the table of contents; every entry points at a heading that exists.
    assert!(
        !hrefs(&html, "nav.toc a")
            .iter()
            .any(|h| h.ends_with("#deep"))
    );
    for href in hrefs(&html, "nav.toc a") {
        let id = href.rsplit_once('#').unwrap().1;
        assert_eq!(
            select(&html, &format!(".body [id=\"{id}\"]")).len(),
            1,
            "{href}"
        );
    }
}

#[test]
fn footnotes_are_numbered_by_first_reference_with_links_both_ways() {
    let site = built(&[]);
    let html = site.html("briefs/alpha/index.html");
    // References: [^b] is cited first, so it is note 1 even though [^a] is defined first.
    let refs = select(&html, ".body sup.footnote-ref");
    let refs: Vec<(String, String, String)> = refs
        .iter()
        .map(|sup| {
            let a = sup.select(&sel("a")).next().unwrap();
            (attr(*sup, "id"), attr(a, "href"), text(a))
        })
        .collect();
    assert_eq!(
        refs,
        [
            ("fn-b-ref".into(), "#fn-b".into(), "1".into()),
            ("fn-a-ref".into(), "#fn-a".into(), "2".into()),
            ("fn-b-ref-2".into(), "#fn-b".into(), "1".into()),
        ]
    );
    // The notes section comes last in the body, notes in order of first reference.
    let body = one(&html, ".body");
    let last = body
        .children()
        .filter_map(scraper::ElementRef::wrap)
        .last()
        .unwrap();
    assert_eq!(last.value().name(), "section");
    assert!(
        last.value()
            .has_class("footnotes", scraper::CaseSensitivity::CaseSensitive)
    );
    let notes = select(&html, "section.footnotes ol > li");
    let note_ids: Vec<String> = notes.iter().map(|li| attr(*li, "id")).collect();
    assert_eq!(note_ids, ["fn-b", "fn-a"]);
    assert!(text(notes[0]).starts_with("Note B."));
    assert!(text(notes[1]).starts_with("Note A."));
    // Back-links: one per citation, each to a reference that exists.
    let back = |li: scraper::ElementRef<'_>| -> Vec<String> {
        li.select(&sel("a.footnote-backref"))
            .map(|a| attr(a, "href"))
            .collect()
    };
    assert_eq!(back(notes[0]), ["#fn-b-ref", "#fn-b-ref-2"]);
    assert_eq!(back(notes[1]), ["#fn-a-ref"]);
    for href in back(notes[0]).into_iter().chain(back(notes[1])) {
        let id = &href[1..];
        assert_eq!(
            select(&html, &format!("sup.footnote-ref[id=\"{id}\"]")).len(),
            1,
            "{href}"
        );
    }
}

#[test]
fn internal_links_resolve_to_urls_and_keep_anchors() {
    let site = built(&[]);
    let html = site.html("briefs/alpha/index.html");
    let links = hrefs(&html, ".body p a:not(.footnote-backref)");
    for expected in [
        "/briefs/beta/#timeline",
        "/briefs/beta/",
        "/briefs/",
        "/briefs/custom-slug/",
    ] {
        assert!(
            links.iter().any(|l| l == expected),
            "{expected} in {links:?}"
        );
    }
    assert!(
        !links.iter().any(|l| l.starts_with("@/")),
        "no @/ link is left: {links:?}"
    );
    // The anchor exists on the target page.
    let beta = site.html("briefs/beta/index.html");
    assert_eq!(select(&beta, "h2#timeline").len(), 1);
}

#[test]
fn related_briefs_are_listed_by_title_and_url() {
    let site = built(&[]);
    let html = site.html("briefs/alpha/index.html");
    assert_eq!(texts(&html, "ul.related a"), ["Beta: YAML front matter"]);
    assert_eq!(hrefs(&html, "ul.related a"), ["/briefs/beta/"]);
}

#[test]
fn key_points_render_inline_markdown() {
    let site = built(&[]);
    let html = site.html("briefs/alpha/index.html");
    let points = select(&html, "ul.key-points > li");
    assert_eq!(points.len(), 2);
    assert_eq!(
        text(one(&html, "ul.key-points > li:nth-child(1) > em")),
        "emphasis"
    );
    assert_eq!(
        text(one(&html, "ul.key-points > li:nth-child(1) > code")),
        "code"
    );
    // Inline: no paragraph wrapped around a key point.
    assert!(select(&html, "ul.key-points p").is_empty());
    // @/ links work in key points too.
    assert_eq!(hrefs(&html, "ul.key-points a"), ["/briefs/beta/"]);
}

#[test]
fn summary_is_everything_before_the_more_marker() {
    let site = built(&[]);
    let html = site.html("briefs/alpha/index.html");
    assert_eq!(
        texts(&html, "div.summary > p"),
        [
            "Alpha summary, first paragraph.",
            "Second summary paragraph."
        ]
    );
    assert!(!text(one(&html, "div.summary")).contains("Body text not in the summary"));
    // The body still has all of it.
    assert!(text(one(&html, "div.body")).contains("Body text not in the summary"));
    // Listings show the summary.
    let home = site.html("index.html");
    let alpha = select(&home, "ol.listing > li")
        .into_iter()
        .find(|li| text(*li).starts_with("Alpha"))
        .unwrap();
    let summary = alpha.select(&sel("div.summary")).next().unwrap();
    assert_eq!(
        text(summary),
        "Alpha summary, first paragraph. Second summary paragraph."
    );
}

#[test]
fn summary_without_marker_is_the_first_paragraph() {
    let site = built(&[]);
    let html = site.html("briefs/beta/index.html");
    assert_eq!(texts(&html, "div.summary > p"), ["Beta body."]);
}

#[test]
fn word_count_and_reading_time() {
    let site = Site::fixture("site");
    let body = "word ".repeat(450);
    site.write(
        "content/briefs/long.md",
        &format!("+++\ntitle = \"Long\"\ndate = 2022-01-01\n+++\n\n{body}\n"),
    );
    site.write(
        "content/briefs/short.md",
        "+++\ntitle = \"Short\"\ndate = 2022-01-02\n+++\n\nThree short words.\n",
    );
    site.build_ok(&[]);
    let long = site.html("briefs/long/index.html");
    assert_eq!(text(one(&long, ".word-count")), "450");
    assert_eq!(
        text(one(&long, ".reading-time")),
        "3",
        "450 words at 200 a minute"
    );
    let short = site.html("briefs/short/index.html");
    assert_eq!(text(one(&short, ".word-count")), "3");
    assert_eq!(
        text(one(&short, ".reading-time")),
        "1",
        "at least one minute"
    );
}

// ---------------------------------------------------------------------------------------------
// Listings

#[test]
fn taxonomy_list_page_lists_terms_with_counts() {
    let site = built(&[]);
    let html = site.html("topics/index.html");
    assert_eq!(text(one(&html, "h1")), "topics");
    let terms: Vec<(String, String, String)> = select(&html, "ul.terms > li")
        .into_iter()
        .map(|li| {
            let a = li.select(&sel("a")).next().unwrap();
            let count = li.select(&sel(".count")).next().unwrap();
            (text(a), attr(a, "href"), text(count))
        })
        .collect();
    assert_eq!(
        terms,
        [
            ("Diplomacy".into(), "/topics/diplomacy/".into(), "1".into()),
            ("Security".into(), "/topics/security/".into(), "4".into()),
        ]
    );
    // The brief links to its term pages.
    let alpha = site.html("briefs/alpha/index.html");
    assert_eq!(
        hrefs(&alpha, "ul.terms a"),
        ["/topics/security/", "/topics/diplomacy/"]
    );
}

#[test]
fn term_pages_list_their_briefs_and_paginate() {
    let site = built(&[]);
    // paginate_by = 2 in the config; "Security" has four briefs.
    let first = site.html("topics/security/index.html");
    assert_eq!(text(one(&first, "h1")), "Security");
    assert_eq!(
        texts(&first, "ol.listing > li > a"),
        ["Alpha: the first brief", "Beta: YAML front matter"]
    );
    assert_eq!(
        hrefs(&first, "nav.pager a[rel=next]"),
        ["/topics/security/page/2/"]
    );
    assert!(select(&first, "nav.pager a[rel=prev]").is_empty());
    let second = site.html("topics/security/page/2/index.html");
    assert_eq!(
        texts(&second, "ol.listing > li > a"),
        ["Delta: a folder page", "Epsilon: a custom slug"]
    );
    assert_eq!(
        hrefs(&second, "nav.pager a[rel=prev]"),
        ["/topics/security/"]
    );
    assert!(select(&second, "nav.pager a[rel=next]").is_empty());
    assert!(!site.has_output("topics/security/page/3/index.html"));
    let diplomacy = site.html("topics/diplomacy/index.html");
    assert_eq!(
        texts(&diplomacy, "ol.listing > li > a"),
        ["Alpha: the first brief"]
    );
    assert!(!site.has_output("topics/diplomacy/page/2/index.html"));
}

#[test]
fn section_paginates_by_its_own_paginate_by_with_previous_and_next() {
    let site = built(&[]);
    // briefs/_index.md says paginate_by = 3 (the config says 2): four briefs, two pager pages.
    let first = site.html("briefs/index.html");
    assert_eq!(text(one(&first, "h1")), "Briefs");
    assert_eq!(
        texts(&first, "ol.listing > li > a"),
        [
            "Alpha: the first brief",
            "Beta: YAML front matter",
            "Delta: a folder page"
        ]
    );
    let pager = one(&first, "nav.pager");
    assert_eq!(attr(pager, "data-current"), "1");
    assert_eq!(attr(pager, "data-count"), "2");
    assert_eq!(attr(pager, "data-total"), "4");
    assert!(select(&first, "nav.pager a[rel=prev]").is_empty());
    assert_eq!(hrefs(&first, "nav.pager a[rel=next]"), ["/briefs/page/2/"]);

    let second = site.html("briefs/page/2/index.html");
    assert_eq!(
        texts(&second, "ol.listing > li > a"),
        ["Epsilon: a custom slug"]
    );
    assert_eq!(attr(one(&second, "nav.pager"), "data-current"), "2");
    assert_eq!(hrefs(&second, "nav.pager a[rel=prev]"), ["/briefs/"]);
    assert!(select(&second, "nav.pager a[rel=next]").is_empty());
    assert!(!site.has_output("briefs/page/3/index.html"));
    assert!(
        !site.has_output("briefs/page/1/index.html"),
        "page 1 is the section itself"
    );
}

#[test]
fn index_lists_every_brief_of_every_section_newest_first() {
    let site = built(&[]);
    let html = site.html("index.html");
    assert_eq!(text(one(&html, "h1")), "Home");
    assert_eq!(text(one(&html, ".intro")), "Welcome to the fixture site.");
    let items = select(&html, "ol.listing > li");
    let listed: Vec<(String, String, String)> = items
        .iter()
        .map(|li| {
            let a = li.select(&sel(":scope > a")).next().unwrap();
            let date = li.select(&sel(":scope > time")).next().unwrap();
            (attr(a, "href"), text(a), text(date))
        })
        .collect();
    let expected: Vec<(String, String, String)> = BRIEFS
        .iter()
        .map(|(p, t, d)| (p.to_string(), t.to_string(), d.to_string()))
        .collect();
    assert_eq!(listed, expected);
    // paginate_by = 0 on the home page: no pager pages.
    assert!(!site.has_output("page/2/index.html"));
}

#[test]
fn sort_by_title() {
    let site = built(&[]);
    assert_eq!(
        listing_titles(&site, "analysis/index.html"),
        ["Apple harvests", "Mango trade", "Zebra crossings"]
    );
}

#[test]
fn sort_by_weight() {
    let site = built(&[]);
    assert_eq!(
        listing_titles(&site, "ordered/index.html"),
        ["Light", "Middle", "Heavy"]
    );
}

// ---------------------------------------------------------------------------------------------
// Content formats

#[test]
fn yaml_front_matter() {
    let site = built(&[]);
    let html = site.html("briefs/beta/index.html");
    assert_eq!(text(one(&html, "h1")), "Beta: YAML front matter");
    assert_eq!(text(one(&html, "time")), "2024-02-01");
    assert_eq!(text(one(&html, "ul.key-points > li > em")), "point");
    assert_eq!(texts(&html, "ul.terms a"), ["Security"]);
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark_are_accepted() {
    let site = Site::fixture("site");
    site.write(
        "content/briefs/windows.md",
        "\u{feff}+++\r\ntitle = \"Written on Windows\"\r\ndate = 2024-01-20\r\ntopics = [\"Security\"]\r\n+++\r\n\r\nFirst line.\r\n\r\n## A heading\r\n\r\nMore text.\r\n",
    );
    site.build_ok(&[]);
    let raw = site.read_output("briefs/windows/index.html");
    assert!(!raw.contains('\r'), "no carriage returns in the output");
    assert!(
        !raw.contains('\u{feff}'),
        "no byte-order mark in the output"
    );
    let html = site.html("briefs/windows/index.html");
    assert_eq!(text(one(&html, "h1")), "Written on Windows");
    assert_eq!(select(&html, ".body h2#a-heading").len(), 1);
    assert_eq!(texts(&html, "div.summary > p"), ["First line."]);
}

#[test]
fn folder_page_assets_are_copied_beside_the_page() {
    let site = built(&[]);
    let html = site.html("briefs/delta/index.html");
    assert_eq!(text(one(&html, "h1")), "Delta: a folder page");
    assert_eq!(
        std::fs::read(site.output_path("briefs/delta/chart.svg")).unwrap(),
        std::fs::read(site.path("content/briefs/delta/chart.svg")).unwrap()
    );
    assert_eq!(
        std::fs::read(site.output_path("briefs/delta/data/table.csv")).unwrap(),
        std::fs::read(site.path("content/briefs/delta/data/table.csv")).unwrap()
    );
    assert_eq!(
        hrefs(&html, "ul.assets a"),
        ["/briefs/delta/chart.svg", "/briefs/delta/data/table.csv"]
    );
    // The relative image in the body resolves beside the page.
    assert_eq!(attr(one(&html, ".body img"), "src"), "chart.svg");
    // index.md itself is not an asset.
    assert!(!site.has_output("briefs/delta/index.md"));
}

#[test]
fn slug_replaces_the_file_name_in_the_url() {
    let site = built(&[]);
    assert!(site.has_output("briefs/custom-slug/index.html"));
    assert!(!site.has_output("briefs/epsilon/index.html"));
    let html = site.html("briefs/custom-slug/index.html");
    assert_eq!(text(one(&html, "h1")), "Epsilon: a custom slug");
}

#[test]
fn aliases_produce_a_redirect_page() {
    let site = built(&[]);
    let html = site.html("old/alpha/index.html");
    let target = "https://example.org/briefs/alpha/";
    let refresh = attr(one(&html, "meta[http-equiv=refresh]"), "content");
    assert_eq!(refresh, format!("0; url={target}"));
    assert_eq!(attr(one(&html, "link[rel=canonical]"), "href"), target);
    assert_eq!(hrefs(&html, "body a"), [target]);
}

#[test]
fn static_files_are_copied_to_the_root() {
    let site = built(&[]);
    for rel in ["style.css", "img/logo.svg"] {
        assert_eq!(
            std::fs::read(site.output_path(rel)).unwrap(),
            std::fs::read(site.path(&format!("static/{rel}"))).unwrap(),
            "{rel}"
        );
    }
}

#[test]
fn not_found_page() {
    let site = built(&[]);
    let html = site.html("404.html");
    assert_eq!(text(one(&html, "h1")), "Not found");
}

// ---------------------------------------------------------------------------------------------
// Machine-readable files

#[test]
fn sitemap_lists_every_page_and_nothing_else() {
    let site = built(&[]);
    let xml = site.read_output("sitemap.xml");
    check_well_formed_xml(&xml).unwrap_or_else(|e| panic!("sitemap.xml: {e}\n{xml}"));
    let locs: BTreeSet<String> = xml_texts(&xml, "loc").into_iter().collect();
    // Every HTML page but the alias redirect and the 404 page.
    let expected: BTreeSet<String> = files_under(&site.output_path(""))
        .into_iter()
        .map(|(rel, _)| rel)
        .filter(|rel| rel.ends_with("index.html") && !rel.starts_with("old/"))
        // The search page has nothing for a search engine to index.
        .filter(|rel| rel != "search/index.html")
        .map(|rel| format!("https://example.org/{}", rel.trim_end_matches("index.html")))
        .collect();
    assert!(expected.contains("https://example.org/briefs/alpha/"));
    assert!(expected.contains("https://example.org/topics/security/page/2/"));
    assert_eq!(locs, expected);
    assert_eq!(xml_texts(&xml, "loc").len(), locs.len(), "no duplicates");
}

#[test]
fn atom_feed_is_well_formed_with_an_entry_per_brief() {
    let site = built(&[]);
    let xml = site.read_output("atom.xml");
    check_well_formed_xml(&xml).unwrap_or_else(|e| panic!("atom.xml: {e}\n{xml}"));
    assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    let entries = xml_elements(&xml, "entry");
    assert_eq!(entries.len(), BRIEFS.len());
    for (entry, (path, title, date)) in entries.iter().zip(BRIEFS) {
        let permalink = format!("https://example.org{path}");
        assert_eq!(xml_texts(entry, "title"), [title.to_string()]);
        assert_eq!(xml_texts(entry, "id"), [permalink.as_str()]);
        assert!(
            entry.contains(&format!(
                "<link rel=\"alternate\" type=\"text/html\" href=\"{permalink}\"/>"
            )),
            "link in {entry}"
        );
        assert_eq!(xml_texts(entry, "updated"), [format!("{date}T00:00:00Z")]);
    }
    // Feed-level metadata.
    let head = &xml[..xml.find("<entry").unwrap()];
    assert_eq!(xml_texts(head, "id"), ["https://example.org/atom.xml"]);
    assert_eq!(xml_texts(head, "updated"), ["2024-03-01T00:00:00Z"]);
    assert_eq!(xml_texts(head, "title"), ["Fixture Briefs"]);
}

#[test]
fn feed_limit_caps_the_entries() {
    let site = Site::fixture("site");
    let config = site.read("communique.toml");
    site.write("communique.toml", &format!("{config}\n[feed]\nlimit = 3\n"));
    site.build_ok(&[]);
    let xml = site.read_output("atom.xml");
    check_well_formed_xml(&xml).unwrap();
    let titles: Vec<String> = xml_elements(&xml, "entry")
        .iter()
        .flat_map(|e| xml_texts(e, "title"))
        .collect();
    assert_eq!(
        titles,
        [
            "Alpha: the first brief",
            "Beta: YAML front matter",
            "Delta: a folder page"
        ]
    );
}

#[test]
fn robots_txt_allows_all_and_names_the_sitemap() {
    let site = built(&[]);
    let robots = site.read_output("robots.txt");
    let lines: Vec<&str> = robots.lines().collect();
    assert!(lines.contains(&"User-agent: *"), "{robots}");
    assert!(
        lines.contains(&"Sitemap: https://example.org/sitemap.xml"),
        "{robots}"
    );
    assert!(!lines.iter().any(|l| l.trim() == "Disallow: /"), "{robots}");
}

// ---------------------------------------------------------------------------------------------
// Build options

#[test]
fn drafts_are_left_out_by_default() {
    let site = built(&[]);
    assert!(!site.has_output("briefs/upcoming/index.html"));
    assert!(!site.has_output("topics/embargoed/index.html"));
    assert!(
        !listing_titles(&site, "index.html")
            .iter()
            .any(|t| t.contains("draft"))
    );
    assert!(!site.read_output("atom.xml").contains("Upcoming"));
    assert!(
        !site
            .read_output("sitemap.xml")
            .contains("/briefs/upcoming/")
    );
}

#[test]
fn drafts_are_included_with_the_drafts_flag() {
    let site = built(&["--drafts"]);
    let html = site.html("briefs/upcoming/index.html");
    assert_eq!(text(one(&html, "h1")), "Upcoming: a draft");
    assert_eq!(listing_titles(&site, "index.html")[0], "Upcoming: a draft");
    assert!(site.has_output("topics/embargoed/index.html"));
    assert!(
        site.read_output("atom.xml")
            .contains("<title>Upcoming: a draft</title>")
    );
    assert!(
        site.read_output("sitemap.xml")
            .contains("<loc>https://example.org/briefs/upcoming/</loc>")
    );
}

#[test]
fn base_url_option_replaces_the_configured_one() {
    let site = built(&["--base-url", "https://override.example"]);
    let html = site.html("briefs/alpha/index.html");
    assert_eq!(
        attr(one(&html, "link[rel=canonical]"), "href"),
        "https://override.example/briefs/alpha/"
    );
    let feed = site.read_output("atom.xml");
    check_well_formed_xml(&feed).unwrap();
    assert!(
        !feed.contains("example.org"),
        "the configured base URL is gone"
    );
    let first = xml_elements(&feed, "entry")[0];
    assert_eq!(
        xml_texts(first, "id"),
        ["https://override.example/briefs/alpha/"]
    );
    let sitemap = site.read_output("sitemap.xml");
    assert!(
        xml_texts(&sitemap, "loc")
            .iter()
            .all(|l| l.starts_with("https://override.example/"))
    );
    assert!(
        site.read_output("robots.txt")
            .contains("Sitemap: https://override.example/sitemap.xml")
    );
}

#[test]
fn sub_path_base_url_prefixes_every_href() {
    let site = built(&["--base-url", "https://x.org/sub"]);
    // Output files stay at the root of the output folder.
    assert!(site.has_output("briefs/alpha/index.html"));
    assert!(!site.output_path("sub").exists());
    let alpha = site.html("briefs/alpha/index.html");
    assert_eq!(
        attr(one(&alpha, "link[rel=canonical]"), "href"),
        "https://x.org/sub/briefs/alpha/"
    );
    assert_eq!(
        attr(one(&alpha, "link[rel=stylesheet]"), "href"),
        "/sub/style.css"
    );
    assert_eq!(attr(one(&alpha, "a.home"), "href"), "/sub/");
    let body_links = hrefs(&alpha, ".body p a:not(.footnote-backref)");
    assert!(
        body_links.contains(&"/sub/briefs/beta/#timeline".to_string()),
        "{body_links:?}"
    );
    assert!(
        body_links.contains(&"/sub/briefs/custom-slug/".to_string()),
        "{body_links:?}"
    );
    assert_eq!(
        hrefs(&alpha, "nav.toc > ul > li > a")[0],
        "/sub/briefs/alpha/#background"
    );
    assert_eq!(hrefs(&alpha, "ul.terms a")[0], "/sub/topics/security/");
    assert_eq!(hrefs(&alpha, "ul.related a"), ["/sub/briefs/beta/"]);
    assert_eq!(hrefs(&alpha, "ul.key-points a"), ["/sub/briefs/beta/"]);

    let briefs = site.html("briefs/index.html");
    for href in hrefs(&briefs, "ol.listing a") {
        assert!(href.starts_with("/sub/briefs/"), "{href}");
    }
    assert_eq!(
        hrefs(&briefs, "nav.pager a[rel=next]"),
        ["/sub/briefs/page/2/"]
    );
    let delta = site.html("briefs/delta/index.html");
    assert_eq!(
        hrefs(&delta, "ul.assets a")[0],
        "/sub/briefs/delta/chart.svg"
    );
    let topics = site.html("topics/index.html");
    assert!(
        hrefs(&topics, "ul.terms a")
            .iter()
            .all(|h| h.starts_with("/sub/topics/"))
    );

    let sitemap = site.read_output("sitemap.xml");
    assert!(
        xml_texts(&sitemap, "loc")
            .iter()
            .all(|l| l.starts_with("https://x.org/sub/"))
    );
    assert!(xml_texts(&sitemap, "loc").contains(&"https://x.org/sub/briefs/alpha/".to_string()));
    let feed = site.read_output("atom.xml");
    assert_eq!(
        xml_texts(xml_elements(&feed, "entry")[0], "id"),
        ["https://x.org/sub/briefs/alpha/"]
    );
    let redirect = site.html("old/alpha/index.html");
    assert_eq!(
        attr(one(&redirect, "link[rel=canonical]"), "href"),
        "https://x.org/sub/briefs/alpha/"
    );
}

#[test]
fn output_dir_outside_the_site() {
    let site = Site::fixture("site");
    let elsewhere = tempfile::tempdir().unwrap();
    let out = elsewhere.path().join("built");
    site.build_ok(&["--output-dir", out.to_str().unwrap()]);
    assert!(out.join("briefs/alpha/index.html").is_file());
    assert!(out.join("sitemap.xml").is_file());
    assert!(
        !site.path("public").exists(),
        "nothing in the default output folder"
    );
    // No staging leftovers beside it.
    let names: Vec<String> = std::fs::read_dir(elsewhere.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["built"]);
}

#[test]
fn relative_output_dir_is_under_the_root() {
    let site = Site::fixture("site");
    site.build_ok(&["--output-dir", "dist/site"]);
    assert!(site.path("dist/site/briefs/alpha/index.html").is_file());
    assert!(!site.path("public").exists());
}

#[test]
fn build_reports_what_it_did() {
    let site = Site::fixture("site");
    let out = site.build_ok(&[]);
    let stdout = stdout(&out);
    assert!(stdout.contains("built 10 briefs"), "{stdout}");
    let files = files_under(&site.output_path("")).len();
    assert!(
        stdout.contains(&format!("{files} files ({files} written")),
        "{stdout}"
    );
    let quiet = site.build_ok(&["-q"]);
    assert_eq!(common::stdout(&quiet), "", "-q prints nothing on success");
}

// ---------------------------------------------------------------------------------------------
// Rebuilds

#[test]
fn rebuild_without_changes_writes_nothing() {
    let site = built(&[]);
    let before = site.output_snapshot();
    let mtimes = site.output_mtimes();
    let again = site.build_ok(&[]);
    assert!(stdout(&again).contains("(0 written"), "{}", stdout(&again));
    assert!(stdout(&again).contains(" 0 removed"), "{}", stdout(&again));
    assert_eq!(site.output_snapshot(), before);
    assert_eq!(site.output_mtimes(), mtimes, "no file was touched");
}

#[cfg(unix)]
fn inodes(site: &Site) -> std::collections::BTreeMap<String, u64> {
    use std::os::unix::fs::MetadataExt;
    files_under(&site.output_path(""))
        .into_iter()
        .map(|(rel, path)| (rel, std::fs::metadata(path).unwrap().ino()))
        .collect()
}

#[test]
fn changed_brief_rewrites_only_the_files_it_affects() {
    let site = built(&[]);
    let before = site.output_snapshot();
    let mtimes = site.output_mtimes();
    #[cfg(unix)]
    let inodes_before = inodes(&site);
    // A change after the summary: only the brief's page and the feeds that hold it in full (the
    // site's and those of its terms) change.
    let alpha = site.read("content/briefs/alpha.md");
    site.write(
        "content/briefs/alpha.md",
        &alpha.replace("Last words.", "Last words, revised."),
    );
    let again = site.build_ok(&[]);
    let after = site.output_snapshot();
    // The search index files holding the brief's words change too (tests/search.rs); the
    // rest of this test is about the other files.
    let is_index = |rel: &String| rel.starts_with("search/data/");
    let index_written = after
        .iter()
        .filter(|(rel, bytes)| is_index(rel) && before.get(*rel) != Some(*bytes))
        .count();
    assert!(index_written >= 1, "the index holds the new word");
    let written = format!("({} written", 4 + index_written);
    assert!(stdout(&again).contains(&written), "{}", stdout(&again));
    let after: std::collections::BTreeMap<String, Vec<u8>> = after
        .into_iter()
        .filter(|(rel, _)| !is_index(rel))
        .collect();
    let before: std::collections::BTreeMap<String, Vec<u8>> = before
        .into_iter()
        .filter(|(rel, _)| !is_index(rel))
        .collect();
    let changed: Vec<&String> = after
        .iter()
        .filter(|(rel, bytes)| before.get(*rel) != Some(*bytes))
        .map(|(rel, _)| rel)
        .collect();
    assert_eq!(
        changed,
        [
            "atom.xml",
            "briefs/alpha/index.html",
            "topics/diplomacy/atom.xml",
            "topics/security/atom.xml"
        ]
    );
    assert_eq!(after.len(), before.len());
    let mtimes_after = site.output_mtimes();
    #[cfg(unix)]
    let inodes_after = inodes(&site);
    for rel in before.keys() {
        if changed.contains(&rel) {
            #[cfg(unix)]
            assert_ne!(inodes_before[rel], inodes_after[rel], "{rel} was rewritten");
        } else {
            assert_eq!(mtimes[rel], mtimes_after[rel], "{rel} was left alone");
            #[cfg(unix)]
            assert_eq!(
                inodes_before[rel], inodes_after[rel],
                "{rel} was left alone"
            );
        }
    }
    assert!(
        site.read_output("briefs/alpha/index.html")
            .contains("Last words, revised.")
    );
}

#[test]
fn deleted_brief_disappears_from_the_output() {
    let site = built(&[]);
    assert!(site.has_output("analysis/zebra/index.html"));
    let index_before: Vec<String> = site
        .output_snapshot()
        .into_keys()
        .filter(|rel| rel.starts_with("search/data/"))
        .collect();
    site.remove("content/analysis/zebra.md");
    let again = site.build_ok(&[]);
    assert!(
        stdout(&again).contains("built 9 briefs"),
        "{}",
        stdout(&again)
    );
    // Its page and its citation files (cite.bib, cite.ris), and the files of the search index
    // that only its words needed.
    let index_removed = index_before
        .iter()
        .filter(|rel| !site.output_path(rel).exists())
        .count();
    let removed = format!(" {} removed", 3 + index_removed);
    assert!(stdout(&again).contains(&removed), "{}", stdout(&again));
    assert!(!site.has_output("analysis/zebra/index.html"));
    assert!(
        !site.output_path("analysis/zebra").exists(),
        "its folder is gone too"
    );
    assert_eq!(
        listing_titles(&site, "analysis/index.html"),
        ["Apple harvests", "Mango trade"]
    );
    assert!(!listing_titles(&site, "index.html").contains(&"Zebra crossings".to_string()));
    assert!(!site.read_output("sitemap.xml").contains("/analysis/zebra/"));
    assert!(!site.read_output("atom.xml").contains("Zebra"));
}
