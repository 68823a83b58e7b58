//! Metadata for sharing and indexing, written by the default theme: the canonical link, Open
//! Graph and Twitter tags, Google Scholar's `citation_*` tags and schema.org JSON-LD. The
//! fixture brief's title is hostile (`</script>`, quotes, a backslash, U+2028) to prove the
//! JSON-LD cannot be broken out of.

mod common;

use common::*;
use scraper::Html;

/// The brief's title as its front matter writes it (TOML escapes) and as it reads.
const TITLE_TOML: &str =
    r#"</script><script>alert(1)</script> \"Quoted\" & 'single' back\\slash\u2028end"#;
const TITLE: &str =
    "</script><script>alert(1)</script> \"Quoted\" & 'single' back\\slash\u{2028}end";

const BASE: &str = "https://example.org/sub";

/// A site on the default theme: one hostile brief with two authors (one affiliated), a series,
/// an update and an image; one plain brief; a site-wide sharing image.
fn site() -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        &format!(
            "title = \"Metadata Briefs\"\nbase_url = \"{BASE}\"\n\
             description = \"Briefs for the metadata tests.\"\nlanguage = \"en-GB\"\n\
             organization = \"Test Institute\"\ntaxonomies = [\"topics\", \"actors\"]\n\
             [extra]\nog_image = \"/images/share.png\"\n"
        ),
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write(
        "content/briefs/_index.md",
        "+++\ntitle = \"Briefs\"\ndescription = \"Every brief.\"\n+++\n",
    );
    site.write(
        "content/briefs/hostile.md",
        &format!(
            "+++\ntitle = \"{TITLE_TOML}\"\ndate = 2024-03-05\nupdated = 2024-04-01\n\
             description = \"What \\\"it\\\" means </script>.\"\n\
             authors = [\"Ada Byron\", {{ name = \"Bo Chen\", affiliation = \"Security Programme\" }}]\n\
             series = \"Talks\"\nnumber = 3\ntopics = [\"security\", \"diplomacy\"]\n\
             actors = [\"Iraq\"]\n[extra]\nimages = [\"cover.png\"]\n+++\n\nBody.\n"
        ),
    );
    site.write(
        "content/briefs/plain.md",
        "+++\ntitle = \"Plain\"\ndate = 2024-01-02T09:30:00+03:00\n+++\n\nBody.\n",
    );
    site.build_ok(&[]);
    site
}

/// The `content` of the one `<meta>` whose `attribute` is `name`.
fn meta(html: &Html, attribute: &str, name: &str) -> String {
    attr(
        one(html, &format!(r#"meta[{attribute}="{name}"]"#)),
        "content",
    )
}

/// The `content` of every `<meta>` whose `attribute` is `name`, in order.
fn metas(html: &Html, attribute: &str, name: &str) -> Vec<String> {
    select(html, &format!(r#"meta[{attribute}="{name}"]"#))
        .into_iter()
        .map(|e| attr(e, "content"))
        .collect()
}

/// The page's one JSON-LD block, parsed.
fn json_ld(html: &Html) -> serde_json::Value {
    let script = one(html, r#"script[type="application/ld+json"]"#);
    let text: String = script.text().collect();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON-LD does not parse: {e}\n{text}"))
}

/// Each script element of the raw page closes exactly once, where it should: the count of
/// `<script` openings equals the count of `</script>` and of script elements parsed.
fn assert_scripts_closed_once(raw: &str, html: &Html) {
    let opened = raw.matches("<script").count();
    let closed = raw.matches("</script>").count();
    let parsed = select(html, "script").len();
    assert_eq!(opened, closed, "unbalanced script tags in\n{raw}");
    assert_eq!(
        parsed, closed,
        "a script element was broken out of in\n{raw}"
    );
}

#[test]
fn a_brief_has_canonical_open_graph_and_twitter_tags() {
    let site = site();
    let html = site.html("briefs/hostile/index.html");
    let url = format!("{BASE}/briefs/hostile/");
    assert_eq!(attr(one(&html, "link[rel=canonical]"), "href"), url);
    assert_eq!(meta(&html, "property", "og:type"), "article");
    assert_eq!(meta(&html, "property", "og:title"), TITLE);
    assert_eq!(
        meta(&html, "property", "og:description"),
        "What \"it\" means </script>."
    );
    assert_eq!(meta(&html, "property", "og:url"), url);
    assert_eq!(meta(&html, "property", "og:site_name"), "Metadata Briefs");
    assert_eq!(meta(&html, "property", "og:locale"), "en_GB");
    // The page's own image, next to it, as an absolute URL.
    assert_eq!(
        meta(&html, "property", "og:image"),
        format!("{url}cover.png")
    );
    assert_eq!(meta(&html, "name", "twitter:card"), "summary_large_image");
    assert_eq!(
        meta(&html, "property", "article:published_time"),
        "2024-03-05"
    );
    assert_eq!(
        meta(&html, "property", "article:modified_time"),
        "2024-04-01"
    );
    assert_eq!(
        metas(&html, "property", "article:author"),
        [
            format!("{BASE}/authors/ada-byron/"),
            format!("{BASE}/authors/bo-chen/")
        ]
    );
    assert_eq!(meta(&html, "property", "article:section"), "security");
    assert_eq!(
        metas(&html, "property", "article:tag"),
        ["security", "diplomacy", "Iraq"]
    );
}

#[test]
fn a_brief_has_google_scholar_citation_tags() {
    let site = site();
    let html = site.html("briefs/hostile/index.html");
    let url = format!("{BASE}/briefs/hostile/");
    assert_eq!(meta(&html, "name", "citation_title"), TITLE);
    assert_eq!(
        metas(&html, "name", "citation_author"),
        ["Ada Byron", "Bo Chen"]
    );
    assert_eq!(
        metas(&html, "name", "citation_author_institution"),
        ["Security Programme"]
    );
    // Highwire reads an institution as belonging to the author just before it.
    let names: Vec<String> = select(&html, r#"meta[name^="citation_author"]"#)
        .into_iter()
        .map(|e| attr(e, "name"))
        .collect();
    assert_eq!(
        names,
        [
            "citation_author",
            "citation_author",
            "citation_author_institution"
        ]
    );
    assert_eq!(
        meta(&html, "name", "citation_publication_date"),
        "2024/03/05"
    );
    assert_eq!(meta(&html, "name", "citation_online_date"), "2024/03/05");
    assert_eq!(meta(&html, "name", "citation_publisher"), "Test Institute");
    assert_eq!(
        meta(&html, "name", "citation_technical_report_institution"),
        "Test Institute"
    );
    assert_eq!(meta(&html, "name", "citation_technical_report_number"), "3");
    assert_eq!(meta(&html, "name", "citation_language"), "en-GB");
    assert_eq!(meta(&html, "name", "citation_abstract_html_url"), url);
    // No PDF yet, so no PDF link.
    assert!(select(&html, r#"meta[name="citation_pdf_url"]"#).is_empty());

    // A date with a time and an offset gives the day as written, not the day in UTC.
    let plain = site.html("briefs/plain/index.html");
    assert_eq!(
        meta(&plain, "name", "citation_publication_date"),
        "2024/01/02"
    );
    assert!(select(&plain, r#"meta[name="citation_author"]"#).is_empty());
    assert!(select(&plain, r#"meta[name="citation_technical_report_number"]"#).is_empty());
}

#[test]
fn a_briefs_json_ld_is_a_report_that_no_title_can_break_out_of() {
    let site = site();
    let raw = site.read_output("briefs/hostile/index.html");
    let html = Html::parse_document(&raw);
    assert_scripts_closed_once(&raw, &html);
    let ld = json_ld(&html);
    let url = format!("{BASE}/briefs/hostile/");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "Report");
    assert_eq!(ld["headline"], TITLE);
    assert_eq!(ld["description"], "What \"it\" means </script>.");
    assert_eq!(ld["datePublished"], "2024-03-05");
    assert_eq!(ld["dateModified"], "2024-04-01");
    assert_eq!(ld["url"], url.as_str());
    assert_eq!(ld["inLanguage"], "en-GB");
    assert_eq!(
        ld["author"],
        serde_json::json!([
            { "@type": "Person", "name": "Ada Byron", "url": format!("{BASE}/authors/ada-byron/") },
            {
                "@type": "Person",
                "name": "Bo Chen",
                "url": format!("{BASE}/authors/bo-chen/"),
                "affiliation": { "@type": "Organization", "name": "Security Programme" }
            }
        ])
    );
    assert_eq!(ld["publisher"]["@type"], "Organization");
    assert_eq!(ld["publisher"]["name"], "Test Institute");
    assert_eq!(
        ld["isPartOf"],
        serde_json::json!({ "@type": "CreativeWorkSeries", "name": "Talks" })
    );
    assert_eq!(ld["position"], 3);
    assert_eq!(
        ld["keywords"],
        serde_json::json!(["security", "diplomacy", "Iraq"])
    );
    // The text of the script element holds none of the characters that could end it early.
    let script = one(&html, r#"script[type="application/ld+json"]"#);
    let text: String = script.text().collect();
    for bad in ['<', '>', '&', '\u{2028}'] {
        assert!(!text.contains(bad), "{bad:?} in the JSON-LD: {text}");
    }

    // A brief without series, authors or update leaves those out rather than writing nulls.
    let plain = json_ld(&site.html("briefs/plain/index.html"));
    assert_eq!(plain["author"], serde_json::json!([]));
    assert!(plain.get("isPartOf").is_none(), "{plain}");
    assert!(plain.get("keywords").is_none(), "{plain}");
    assert_eq!(plain["dateModified"], plain["datePublished"]);
}

#[test]
fn listing_pages_have_canonical_open_graph_and_a_collection_page() {
    let site = site();
    let listings = [
        ("index.html", "/", "Home", "WebSite"),
        ("briefs/index.html", "/briefs/", "Briefs", "CollectionPage"),
        ("topics/index.html", "/topics/", "Topics", "CollectionPage"),
        (
            "topics/security/index.html",
            "/topics/security/",
            "security",
            "CollectionPage",
        ),
    ];
    for (file, path, title, kind) in listings {
        let raw = site.read_output(file);
        let html = Html::parse_document(&raw);
        let url = format!("{BASE}{path}");
        assert_eq!(
            attr(one(&html, "link[rel=canonical]"), "href"),
            url,
            "{file}"
        );
        assert_eq!(meta(&html, "property", "og:type"), "website", "{file}");
        assert_eq!(meta(&html, "property", "og:title"), title, "{file}");
        assert_eq!(meta(&html, "property", "og:url"), url, "{file}");
        assert_eq!(meta(&html, "property", "og:site_name"), "Metadata Briefs");
        // The site's sharing image, under the base URL's sub-path.
        assert_eq!(
            meta(&html, "property", "og:image"),
            format!("{BASE}/images/share.png"),
            "{file}"
        );
        assert_eq!(meta(&html, "name", "twitter:card"), "summary_large_image");
        assert!(
            select(&html, r#"meta[name^="citation_"]"#).is_empty(),
            "{file}"
        );
        assert_scripts_closed_once(&raw, &html);
        let ld = json_ld(&html);
        assert_eq!(ld["@type"], kind, "{file}");
        assert_eq!(ld["url"], url.as_str(), "{file}");
        assert_eq!(ld["name"], title, "{file}");
    }
    let briefs = site.html("briefs/index.html");
    assert_eq!(meta(&briefs, "property", "og:description"), "Every brief.");
    assert_eq!(
        meta(&briefs, "name", "description"),
        "Every brief.",
        "the description and og:description agree"
    );
    assert_eq!(json_ld(&briefs)["isPartOf"]["@type"], "WebSite");
}

#[test]
fn without_an_image_the_card_is_a_summary() {
    let site = site();
    site.write(
        "communique.toml",
        &site.read("communique.toml").replace("og_image", "unused"),
    );
    site.build_ok(&[]);
    let home = site.html("index.html");
    assert!(select(&home, r#"meta[property="og:image"]"#).is_empty());
    assert_eq!(meta(&home, "name", "twitter:card"), "summary");
    // The brief still has its own image.
    let brief = site.html("briefs/hostile/index.html");
    assert_eq!(meta(&brief, "name", "twitter:card"), "summary_large_image");
}

#[test]
fn a_site_template_can_leave_out_the_citation_tags() {
    // An "about" page is not a paper: its template empties the `brief_meta` block.
    let site = site();
    site.write(
        "templates/about.html",
        "{% extends \"base.html\" %}{% block brief_meta %}{% endblock brief_meta %}\
         {% block content %}<h1>{{ page.title }}</h1>{% endblock content %}",
    );
    site.write(
        "content/about.md",
        "+++\ntitle = \"About\"\ndate = 2024-01-01\ntemplate = \"about.html\"\n+++\n\nUs.\n",
    );
    site.build_ok(&[]);
    let html = site.html("about/index.html");
    assert!(select(&html, r#"meta[name^="citation_"]"#).is_empty());
    assert!(select(&html, r#"meta[property^="article:"]"#).is_empty());
    assert_eq!(meta(&html, "property", "og:title"), "About");
}

#[test]
fn a_pdf_url_on_the_page_becomes_citation_pdf_url() {
    // No feature sets `page.pdf_url` yet; a template standing in for one shows the tag follows.
    let site = site();
    site.write(
        "templates/brief.html",
        "{% extends \"builtin/brief.html\" %}{% block brief_meta %}\
         {% set page = {...page, \"pdf_url\": \"https://example.org/sub/hostile.pdf\"} %}\
         {{ super() }}{% endblock brief_meta %}",
    );
    site.build_ok(&[]);
    let html = site.html("briefs/hostile/index.html");
    assert_eq!(
        meta(&html, "name", "citation_pdf_url"),
        "https://example.org/sub/hostile.pdf"
    );
}
