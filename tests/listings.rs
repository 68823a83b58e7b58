//! Listings as one mechanism: every term has pager pages and an Atom feed advertised on its
//! page; feeds, the sitemap, robots.txt and redirects come from built-in templates a site can
//! override.

mod common;

use common::*;

/// A small site on the built-in theme: three briefs, two topics.
fn theme_site() -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"T & Co\"\nbase_url = \"https://x.org\"\ntaxonomies = [\"topics\"]\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    for (slug, date, topics) in [
        ("a", "2024-01-01", "[\"Security\"]"),
        ("b", "2024-02-01", "[\"Security\", \"Trade <&> Aid\"]"),
        ("c", "2024-03-01", "[\"Trade <&> Aid\"]"),
    ] {
        site.write(
            &format!("content/briefs/{slug}.md"),
            &format!(
                "+++\ntitle = \"Brief {slug}\"\ndate = {date}\ntopics = {topics}\n+++\n\nBody of {slug} with <b>bold</b> & more.\n"
            ),
        );
    }
    site.build_ok(&[]);
    site
}

#[test]
fn every_term_has_a_feed_of_its_own_pages_advertised_on_its_page() {
    let site = theme_site();
    let xml = site.read_output("topics/security/atom.xml");
    check_well_formed_xml(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let entries = xml_elements(&xml, "entry");
    let titles: Vec<String> = entries.iter().flat_map(|e| xml_texts(e, "title")).collect();
    assert_eq!(
        titles,
        ["Brief b", "Brief a"],
        "newest first, only the term's"
    );
    let head = &xml[..xml.find("<entry").unwrap()];
    assert_eq!(
        xml_texts(head, "id"),
        ["https://x.org/topics/security/atom.xml"]
    );
    assert_eq!(xml_texts(head, "title"), ["Security · T & Co"]);
    // Content is escaped HTML: it parses back to the rendered body.
    let content = entries[0]
        .split_once("<content type=\"html\" xml:base=\"https://x.org/briefs/b/\">")
        .and_then(|(_, rest)| rest.split_once("</content>"))
        .map(|(text, _)| xml_unescape(text))
        .unwrap_or_default();
    assert!(content.contains("<b>bold</b> &amp; more"), "{content}");

    // A term whose name needs escaping still makes a well-formed feed.
    let xml = site.read_output("topics/trade-aid/atom.xml");
    check_well_formed_xml(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));

    let page = site.html("topics/security/index.html");
    let alternates: Vec<String> = select(&page, "link[rel=alternate]")
        .into_iter()
        .map(|l| attr(l, "href"))
        .collect();
    assert_eq!(
        alternates,
        [
            "https://x.org/atom.xml",
            "https://x.org/topics/security/atom.xml"
        ]
    );
    // The brief page advertises only the site's feed.
    let brief = site.html("briefs/a/index.html");
    assert_eq!(select(&brief, "link[rel=alternate]").len(), 1);
}

#[test]
fn feeds_are_off_when_the_config_says_so() {
    let site = theme_site();
    let config = site.read("communique.toml");
    site.write(
        "communique.toml",
        &format!("{config}[feed]\nenabled = false\n"),
    );
    site.build_ok(&[]);
    assert!(!site.has_output("atom.xml"));
    assert!(!site.has_output("topics/security/atom.xml"));
    assert!(
        select(
            &site.html("topics/security/index.html"),
            "link[rel=alternate]"
        )
        .is_empty()
    );
}

/// `page.content_xml` (escaped once per build for every feed listing the page) is what a
/// feed template escaping `page.content` itself writes, as older overrides do.
#[test]
fn a_feed_entry_holds_its_content_escaped_as_escape_xml_writes_it() {
    let site = theme_site();
    site.write(
        "templates/atom.xml",
        "{% for page in feed.pages %}<a>{{ page.content | escape_xml | safe }}</a>\n<b>{{ page.content_xml | safe }}</b>\n{% endfor %}",
    );
    site.build_ok(&[]);
    // The text of each `<tag>…</tag>`, in order (the content itself holds no `<`).
    let inside = |xml: &str, tag: &str| -> Vec<String> {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        xml.split(open.as_str())
            .skip(1)
            .filter_map(|rest| rest.split_once(close.as_str()).map(|(t, _)| t.to_string()))
            .collect()
    };
    for feed in ["atom.xml", "topics/security/atom.xml"] {
        let xml = site.read_output(feed);
        let own = inside(&xml, "a");
        assert!(!own.is_empty(), "{feed}: {xml}");
        assert_eq!(own, inside(&xml, "b"), "{feed}");
        assert!(
            own.iter()
                .all(|t| t.contains("&lt;b&gt;bold&lt;/b&gt; &amp;amp; more")),
            "{xml}"
        );
    }
}

#[test]
fn a_site_overrides_the_built_in_feed_sitemap_robots_and_redirect_templates() {
    let site = theme_site();
    site.write(
        "templates/atom.xml",
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>{{ listing.title }}</title>{% for page in feed.pages %}<entry><title>{{ page.title | upper }}</title></entry>{% endfor %}</feed>\n",
    );
    site.write(
        "templates/sitemap.xml",
        "<urlset>{% for entry in entries %}<url><loc>{{ entry.permalink }}</loc></url>{% endfor %}</urlset>\n",
    );
    site.write(
        "templates/robots.txt",
        "User-agent: *\nDisallow: /drafts/\nSitemap: {{ sitemap_url }}\n",
    );
    site.write(
        "templates/alias.html",
        "<!DOCTYPE html><html lang=\"{{ lang }}\"><head><title>Gone to {{ target }}</title></head><body></body></html>\n",
    );
    let brief = site.read("content/briefs/a.md");
    site.write(
        "content/briefs/a.md",
        &brief.replace("+++\n\n", "aliases = [\"/old-a/\"]\n+++\n\n"),
    );
    site.build_ok(&[]);
    let feed = site.read_output("topics/security/atom.xml");
    assert_eq!(
        xml_texts(&feed, "title"),
        ["Security", "BRIEF B", "BRIEF A"]
    );
    let sitemap = site.read_output("sitemap.xml");
    assert!(
        sitemap.starts_with("<urlset><url><loc>https://x.org/briefs/a/</loc>"),
        "{sitemap}"
    );
    assert!(
        site.read_output("robots.txt")
            .contains("Disallow: /drafts/")
    );
    assert!(
        site.read_output("old-a/index.html")
            .contains("<title>Gone to https://x.org/briefs/a/</title>")
    );
}

#[test]
fn a_broken_feed_template_is_an_error_naming_its_file_and_line() {
    let site = theme_site();
    site.write(
        "templates/atom.xml",
        "<feed>\n{{ feed.no_such_field }}\n</feed>\n",
    );
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("templates/atom.xml:2"), "{err}");
}

#[test]
fn a_site_base_without_the_built_in_blocks_still_builds_the_pages_it_has() {
    // The site's base.html has only `content`; the built-in templates it does not use (author
    // pages, say, for a site without authors) must not fail it for want of `title`.
    let site = theme_site();
    site.write(
        "templates/base.html",
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>t</title></head><body>{% block content %}{% endblock %}</body></html>",
    );
    for name in [
        "index",
        "section",
        "brief",
        "taxonomy_list",
        "taxonomy_term",
        "404",
    ] {
        site.write(
            &format!("templates/{name}.html"),
            "{% extends \"base.html\" %}{% block content %}x{% endblock %}",
        );
    }
    site.build_ok(&[]);
    assert!(site.has_output("topics/security/atom.xml"));
    // A template error in the site's own files is still reported with content errors.
    site.write("templates/section.html", "{% if %}");
    site.write("content/briefs/a.md", "+++\ntitle = \"A\"\n+++\n");
    let err = stderr(&site.build(&[]));
    assert!(err.contains("templates/section.html:1"), "{err}");
    assert!(!err.contains("built-in theme"), "{err}");
}
