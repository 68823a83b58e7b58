//! Languages as a dimension of the site: `brief.ar.md` is the Arabic translation of
//! `brief.md`, published under `/ar/` with its own sections, listings, taxonomies, timeline and
//! feeds; pages link their translations (`hreflang`, the language switcher, the sitemap).

mod common;

use common::*;

const CONFIG: &str = r#"title = "Briefs"
base_url = "https://x.org"
language = "en"
taxonomies = ["topics"]

[languages.ar]
title = "موجزات"
description = "تحليلات قصيرة"
nav = [{ name = "الموجزات", path = "/briefs/" }]

[extra]
nav = [{ name = "Briefs", path = "/briefs/" }]
"#;

/// A bilingual site: two English briefs, one translated into Arabic (with its own slug), one
/// with events; a brief in Arabic only.
fn bilingual_site() -> Site {
    let site = Site::empty();
    site.write("communique.toml", CONFIG);
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write(
        "content/briefs/_index.md",
        "+++\ntitle = \"All briefs\"\n+++\n",
    );
    site.write(
        "content/briefs/_index.ar.md",
        "+++\ntitle = \"كل الموجزات\"\n+++\n",
    );
    site.write(
        "content/briefs/talks.md",
        "+++\ntitle = \"The talks\"\ndate = 2024-01-02\ntopics = [\"Security\"]\n\n[[events]]\ndate = 2024-01-01\ntitle = \"First round\"\n+++\n\nSee [the economy](@/briefs/economy.md) and [Arabic only](@/briefs/local.ar.md).\n",
    );
    site.write(
        "content/briefs/talks.ar.md",
        "+++\ntitle = \"المحادثات\"\nslug = \"al-muhadathat\"\ndate = 2024-01-02\ntopics = [\"الأمن\"]\n\n[[events]]\ndate = 2024-01-01\ntitle = \"الجولة الأولى\"\n+++\n\nانظر [المحلي](@/briefs/local.md).\n",
    );
    site.write(
        "content/briefs/economy.md",
        "+++\ntitle = \"The economy\"\ndate = 2024-02-01\ntopics = [\"Trade\"]\n+++\n\nSee [the talks](@/briefs/talks.md).\n",
    );
    site.write(
        "content/briefs/local.ar.md",
        "+++\ntitle = \"شأن محلي\"\ndate = 2024-03-01\n+++\n\nنص.\n",
    );
    site.build_ok(&[]);
    site
}

fn attr(html: &scraper::Html, css: &str, name: &str) -> Vec<String> {
    select(html, css)
        .iter()
        .filter_map(|e| e.value().attr(name).map(str::to_string))
        .collect()
}

#[test]
fn each_language_has_its_own_urls_sections_and_listings() {
    let site = bilingual_site();
    for path in [
        "index.html",
        "briefs/index.html",
        "briefs/talks/index.html",
        "briefs/economy/index.html",
        "topics/security/index.html",
        "timeline/index.html",
        "ar/index.html",
        "ar/briefs/index.html",
        "ar/briefs/al-muhadathat/index.html",
        "ar/briefs/local/index.html",
        "ar/topics/index.html",
        "ar/timeline/index.html",
        "ar/atom.xml",
    ] {
        assert!(site.has_output(path), "{path}");
    }
    // A translation is not a page of its own in the default language.
    assert!(!site.has_output("briefs/talks-ar/index.html"));
    assert!(!site.has_output("briefs/local-ar/index.html"));
    // Listings list their language's pages only.
    let en = site.html("briefs/index.html");
    let en_text = text(one(&en, "main"));
    assert!(en_text.contains("The talks") && en_text.contains("The economy"));
    assert!(!en_text.contains("المحادثات"), "{en_text}");
    let ar = site.html("ar/briefs/index.html");
    let ar_text = text(one(&ar, "main"));
    assert!(ar_text.contains("المحادثات") && ar_text.contains("شأن محلي"));
    assert!(!ar_text.contains("The talks"), "{ar_text}");
    assert!(ar_text.contains("كل الموجزات"), "the section's own title");
    // Terms are words of their language, under its prefix.
    let term = slug_of("الأمن");
    assert!(site.has_output(&format!("ar/topics/{term}/index.html")));
    assert!(!site.has_output(&format!("topics/{term}/index.html")));
    // The timeline of each language tells its briefs' events.
    let timeline = site.read_output("ar/timeline/index.html");
    assert!(timeline.contains("الجولة الأولى"));
    assert!(!timeline.contains("First round"));
    // Pages are in their language, with its direction, title and menu.
    let page = site.html("ar/briefs/al-muhadathat/index.html");
    assert_eq!(attr(&page, "html", "lang"), ["ar"]);
    assert_eq!(attr(&page, "html", "dir"), ["rtl"]);
    assert_eq!(
        attr(&site.html("briefs/talks/index.html"), "html", "dir"),
        ["ltr"]
    );
    assert!(text(one(&page, ".site-title")).contains("موجزات"));
    assert_eq!(
        attr(&page, "header nav:not(.language-switcher) a", "href"),
        ["/ar/briefs/"]
    );
    // `@/` links resolve within the page's language; a link naming a translation is kept.
    let links = attr(&page, "main a", "href");
    assert!(
        links.contains(&"/ar/briefs/local/".to_string()),
        "{links:?}"
    );
    let en_links = attr(&site.html("briefs/talks/index.html"), "main a", "href");
    assert!(
        en_links.contains(&"/briefs/economy/".to_string()),
        "{en_links:?}"
    );
    assert!(
        en_links.contains(&"/ar/briefs/local/".to_string()),
        "{en_links:?}"
    );
}

fn slug_of(text: &str) -> String {
    text.to_lowercase()
}

#[test]
fn translated_pages_have_hreflang_alternates_and_a_switcher_to_existing_translations() {
    let site = bilingual_site();
    for (path, own) in [
        ("briefs/talks/index.html", "en"),
        ("ar/briefs/al-muhadathat/index.html", "ar"),
    ] {
        let html = site.html(path);
        let alternates: Vec<(String, String)> = select(&html, "link[rel=alternate][hreflang]")
            .iter()
            .map(|e| {
                let v = e.value();
                (
                    v.attr("hreflang").unwrap().to_string(),
                    v.attr("href").unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            alternates,
            [
                ("en".to_string(), "https://x.org/briefs/talks/".to_string()),
                (
                    "x-default".to_string(),
                    "https://x.org/briefs/talks/".to_string()
                ),
                (
                    "ar".to_string(),
                    "https://x.org/ar/briefs/al-muhadathat/".to_string()
                ),
            ],
            "{path}"
        );
        let switcher = attr(&html, ".language-switcher a", "href");
        assert_eq!(
            switcher,
            ["/briefs/talks/", "/ar/briefs/al-muhadathat/"],
            "{path}"
        );
        let current = attr(&html, ".language-switcher a[aria-current]", "lang");
        assert_eq!(current, [own], "{path}");
    }
    // Untranslated pages have no alternates and no switcher.
    for path in ["briefs/economy/index.html", "ar/briefs/local/index.html"] {
        let html = site.html(path);
        assert!(select(&html, "link[hreflang]").is_empty(), "{path}");
        assert!(select(&html, ".language-switcher").is_empty(), "{path}");
    }
    // Listings switch to the same listing in the other language.
    let home = site.html("index.html");
    assert_eq!(attr(&home, ".language-switcher a", "href"), ["/", "/ar/"]);
    let briefs = site.html("ar/briefs/index.html");
    assert_eq!(
        attr(&briefs, ".language-switcher a", "href"),
        ["/briefs/", "/ar/briefs/"]
    );
    // A term has no translation: its name is a word of one language.
    let term = site.html("topics/security/index.html");
    assert!(select(&term, ".language-switcher").is_empty());
}

#[test]
fn each_language_has_its_own_feeds() {
    let site = bilingual_site();
    let titles = |path: &str| -> Vec<String> {
        let xml = site.read_output(path);
        check_well_formed_xml(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        xml_elements(&xml, "entry")
            .iter()
            .flat_map(|e| xml_texts(e, "title"))
            .collect()
    };
    assert_eq!(titles("atom.xml"), ["The economy", "The talks"]);
    assert_eq!(titles("ar/atom.xml"), ["شأن محلي", "المحادثات"]);
    let home = site.html("ar/index.html");
    let feeds = attr(&home, "link[type='application/atom+xml']", "href");
    assert_eq!(feeds, ["https://x.org/ar/atom.xml"]);
}

#[test]
fn the_sitemap_lists_alternates_of_translated_pages() {
    let site = bilingual_site();
    let xml = site.read_output("sitemap.xml");
    check_well_formed_xml(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let urls = xml_elements(&xml, "url");
    let entry = |loc: &str| {
        urls.iter()
            .find(|u| xml_texts(u, "loc") == [loc])
            .unwrap_or_else(|| panic!("no {loc} in\n{xml}"))
            .to_string()
    };
    let talks = entry("https://x.org/briefs/talks/");
    let ar_talks = entry("https://x.org/ar/briefs/al-muhadathat/");
    for e in [&talks, &ar_talks] {
        assert!(e.contains(r#"<xhtml:link rel="alternate" hreflang="ar" href="https://x.org/ar/briefs/al-muhadathat/"/>"#), "{e}");
        assert!(
            e.contains(
                r#"<xhtml:link rel="alternate" hreflang="en" href="https://x.org/briefs/talks/"/>"#
            ),
            "{e}"
        );
        assert!(e.contains(r#"<xhtml:link rel="alternate" hreflang="x-default" href="https://x.org/briefs/talks/"/>"#), "{e}");
    }
    assert!(!entry("https://x.org/briefs/economy/").contains("xhtml:link"));
    assert!(entry("https://x.org/ar/").contains(r#"hreflang="en" href="https://x.org/"/>"#));
}

#[test]
fn a_link_to_an_untranslated_page_is_an_error_with_its_place_unless_falling_back() {
    let site = bilingual_site();
    site.write(
        "content/briefs/economy.ar.md",
        "+++\ntitle = \"الاقتصاد\"\ndate = 2024-02-01\n+++\n\nنص.\n\nانظر [هذا](@/briefs/other.md).\n",
    );
    site.write(
        "content/briefs/other.md",
        "+++\ntitle = \"Other\"\ndate = 2024-02-03\n+++\n\nText.\n",
    );
    site.fails_with(
        "content/briefs/economy.ar.md:8:",
        &[
            "@/briefs/other.md",
            "no translation into \"ar\"",
            "fallback",
        ],
    );
    site.write(
        "communique.toml",
        &CONFIG.replace("[languages.ar]\n", "[languages.ar]\nfallback = true\n"),
    );
    site.build_ok(&[]);
    let links = attr(&site.html("ar/briefs/economy/index.html"), "main a", "href");
    assert!(links.contains(&"/briefs/other/".to_string()), "{links:?}");
}

#[test]
fn a_file_in_a_language_the_site_does_not_have_is_an_error() {
    let site = bilingual_site();
    site.write(
        "content/briefs/talks.fr.md",
        "+++\ntitle = \"Les pourparlers\"\ndate = 2024-01-02\n+++\n\nTexte.\n",
    );
    site.fails_with("content/briefs/talks.fr.md", &["\"fr\"", "[languages.fr]"]);
}

#[test]
fn a_monolingual_site_keeps_dotted_names_as_pages() {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://x.org\"\n",
    );
    site.write(
        "content/notes.fr.md",
        "+++\ntitle = \"Notes\"\ndate = 2024-01-01\n+++\n\nText.\n",
    );
    site.build_ok(&[]);
    assert!(site.has_output("notes-fr/index.html"));
    let html = site.html("notes-fr/index.html");
    assert_eq!(attr(&html, "html", "dir"), ["ltr"]);
    assert!(select(&html, "link[hreflang]").is_empty());
    assert!(!site.read_output("sitemap.xml").contains("xhtml:link"));
}

#[test]
fn folder_pages_and_configuration_errors() {
    let site = bilingual_site();
    site.write(
        "content/briefs/report/index.md",
        "+++\ntitle = \"Report\"\ndate = 2024-04-01\n+++\n\n![Map](map.png)\n",
    );
    site.write(
        "content/briefs/report/index.ar.md",
        "+++\ntitle = \"تقرير\"\ndate = 2024-04-01\n+++\n\n![خريطة](map.png)\n",
    );
    site.write_bytes("content/briefs/report/map.png", b"\x89PNG\r\n\x1a\n");
    site.build_ok(&[]);
    let html = site.html("ar/briefs/report/index.html");
    assert_eq!(
        attr(&html, ".language-switcher a", "href"),
        ["/briefs/report/", "/ar/briefs/report/"]
    );
    assert!(site.has_output("ar/briefs/report/map.png"));

    site.write(
        "communique.toml",
        &CONFIG.replace("description = ", "descripton = "),
    );
    let err = site.fails_with("communique.toml:8:", &["unknown key \"descripton\""]);
    assert!(err.contains("did you mean \"description\"?"), "{err}");
}

#[test]
fn each_language_searches_its_own_index() {
    let site = bilingual_site();
    let files: Vec<String> = files_under(&site.output_path(""))
        .into_iter()
        .map(|(rel, _)| rel)
        .filter(|rel| rel.contains("search/"))
        .collect();
    let under = |prefix: &str| -> String {
        files
            .iter()
            .filter(|f| f.starts_with(prefix))
            .map(|f| site.read_output(f))
            .collect()
    };
    assert!(
        files.contains(&"search/index.html".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"ar/search/index.html".to_string()),
        "{files:?}"
    );
    let english = under("search/data/");
    let arabic = under("ar/search/data/");
    assert!(english.contains("The talks") && !english.contains("المحادثات"));
    assert!(arabic.contains("المحادثات") && !arabic.contains("The talks"));
    // Each language's pages search their own index.
    let page = site.html("ar/briefs/local/index.html");
    assert_eq!(attr(&page, "form[role=search]", "action"), ["/ar/search/"]);
    let search = site.html("ar/search/index.html");
    assert_eq!(
        attr(&search, "script[data-index]", "data-index"),
        ["/ar/search/data/"]
    );
}
