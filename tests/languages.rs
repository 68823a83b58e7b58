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

/// A bilingual site for the parts that used to stay in the default language: authors with an
/// Arabic file, a brief with notes and a table in both languages, a section with no
/// `_index.ar.md`, brief types and regions, and a template that looks pages up.
fn site_with_translated_parts() -> Site {
    let site = Site::empty();
    site.write("communique.toml", CONFIG);
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write(
        "content/briefs/_index.md",
        "+++\ntitle = \"All briefs\"\n+++\n",
    );
    site.write(
        "content/authors/lhassan.md",
        "+++\nname = \"Layla Hassan\"\naffiliation = \"Tigris Institute\"\nrole = \"Fellow\"\n+++\n\nLayla writes on Iraq.\n",
    );
    site.write(
        "content/authors/lhassan.ar.md",
        "+++\nname = \"ليلى حسن\"\naffiliation = \"معهد دجلة\"\n+++\n\nتكتب ليلى عن العراق.\n",
    );
    site.write(
        "content/authors/treed.md",
        "+++\nname = \"Tom Reed\"\naffiliation = \"Tigris Institute\"\n+++\n",
    );
    let body = "Text.[^a] More.[^b]\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n| c |\n|---|\n| 3 |\n\n[^a]: One.\n[^b]: Two.\n";
    site.write(
        "content/briefs/talks.md",
        &format!("+++\ntitle = \"The talks\"\ndate = 2024-01-02\nauthors = [\"lhassan\", \"treed\"]\ntype = \"briefing\"\nregion = \"Middle East\"\ntopics = [\"Security\"]\n+++\n\n{body}"),
    );
    site.write(
        "content/briefs/talks.ar.md",
        &format!("+++\ntitle = \"المحادثات\"\ndate = 2024-01-02\nauthors = [\"lhassan\", \"Rana Aziz\"]\ntype = \"briefing\"\nregion = \"Middle East\"\ntopics = [\"الأمن\"]\n+++\n\n{body}"),
    );
    site.write(
        "content/briefs/economy.md",
        "+++\ntitle = \"The economy\"\ndate = 2024-02-01\nauthors = [\"treed\"]\ntopics = [\"Trade\"]\n+++\n\nText.\n",
    );
    // A page whose template looks other pages and a taxonomy up, in both languages.
    let probe = "+++\ntitle = \"{title}\"\ndate = 2024-01-01\ntemplate = \"probe.html\"\n+++\n";
    site.write("content/probe.md", &probe.replace("{title}", "Probe"));
    site.write("content/probe.ar.md", &probe.replace("{title}", "مسبار"));
    site.write(
        "templates/probe.html",
        "<!doctype html><html lang=\"{{ lang }}\"><title>p</title>\
         {% set own = get_page(path=\"briefs/talks.md\") %}<p id=\"own\">{{ own.title }}</p>\
         {% set en = get_page(path=\"briefs/talks.md\", lang=\"en\") %}<p id=\"en\">{{ en.title }}</p>\
         {% set ar = get_page(path=\"briefs/talks.ar.md\") %}<p id=\"named\">{{ ar.title }}</p>\
         {% set fallback = get_page(path=\"briefs/economy.md\") %}<p id=\"fallback\">{{ fallback.title }}</p>\
         {% set section = get_section(path=\"briefs/_index.md\") %}<p id=\"section\">{{ section.path }}</p>\
         {% set topics = get_taxonomy(kind=\"topics\") %}<p id=\"terms\">{% for t in topics.terms %}{{ t.name }}:{{ t.pages | length }};{% endfor %}</p>\
         {% set en_topics = get_taxonomy(kind=\"topics\", lang=\"en\") %}<p id=\"en-terms\">{% for t in en_topics.terms %}{{ t.name }};{% endfor %}</p></html>",
    );
    site.build_ok(&[]);
    site
}

#[test]
fn the_list_of_authors_exists_in_each_language_with_translated_names() {
    let site = site_with_translated_parts();
    let en = site.html("authors/index.html");
    let ar = site.html("ar/authors/index.html");
    // Every author has a page in the default language, so its list names them all.
    assert_eq!(
        texts(&en, "ul.authors li > a"),
        ["Layla Hassan", "Rana Aziz", "Tom Reed"]
    );
    // Only the authors of Arabic briefs, by their Arabic names where a file gives one, linking
    // to their Arabic pages; in the catalog's words.
    assert_eq!(texts(&ar, "ul.authors li > a"), ["ليلى حسن", "Rana Aziz"]);
    assert_eq!(
        attr(&ar, "ul.authors li > a", "href"),
        ["/ar/authors/lhassan/", "/ar/authors/rana-aziz/"]
    );
    assert_eq!(text(one(&ar, "main h1")), "المؤلفون");
    assert!(texts(&ar, "ul.authors li")[0].contains("موجز واحد"));
    // The two lists switch to each other.
    for html in [&en, &ar] {
        assert_eq!(
            attr(html, ".language-switcher a", "href"),
            ["/authors/", "/ar/authors/"]
        );
        assert_eq!(
            attr(html, "link[rel=alternate][hreflang]", "hreflang"),
            ["en", "x-default", "ar"]
        );
    }
    // The author's Arabic page and the Arabic byline use the Arabic file; the English ones
    // keep the English file.
    let page = site.html("ar/authors/lhassan/index.html");
    assert_eq!(text(one(&page, "main h1")), "ليلى حسن");
    assert_eq!(text(one(&page, ".author-bio")), "تكتب ليلى عن العراق.");
    assert!(text(one(&page, ".lede")).contains("معهد دجلة"));
    // What the translation leaves out comes from the default language's file.
    assert!(text(one(&page, ".lede")).contains("Fellow"));
    let brief = site.html("ar/briefs/talks/index.html");
    assert_eq!(
        texts(&brief, "ul.authors li > a"),
        ["ليلى حسن", "Rana Aziz"]
    );
    let english = site.html("authors/lhassan/index.html");
    assert_eq!(text(one(&english, "main h1")), "Layla Hassan");
    assert_eq!(text(one(&english, ".author-bio")), "Layla writes on Iraq.");
    assert!(site.has_output("ar/authors/rana-aziz/index.html"));
    assert!(!site.has_output("ar/authors/treed/index.html"));
}

#[test]
fn a_translated_author_file_needs_a_language_and_an_author() {
    let site = site_with_translated_parts();
    site.write(
        "content/authors/nobody.ar.md",
        "+++\nname = \"لا أحد\"\n+++\n",
    );
    site.fails_with(
        "content/authors/nobody.ar.md",
        &[
            "a translation of the author \"nobody\"",
            "content/authors/nobody.md",
        ],
    );
    site.remove("content/authors/nobody.ar.md");
    site.write(
        "content/authors/lhassan.fr.md",
        "+++\nname = \"Layla\"\n+++\n",
    );
    site.fails_with(
        "content/authors/lhassan.fr.md",
        &["\"fr\"", "[languages.fr]"],
    );
}

#[test]
fn template_lookups_default_to_the_language_of_the_page() {
    let site = site_with_translated_parts();
    let en = site.html("probe/index.html");
    let ar = site.html("ar/probe/index.html");
    assert_eq!(text(one(&en, "#own")), "The talks");
    assert_eq!(text(one(&ar, "#own")), "المحادثات");
    assert_eq!(
        text(one(&ar, "#en")),
        "The talks",
        "lang= picks the language"
    );
    assert_eq!(
        text(one(&en, "#named")),
        "المحادثات",
        "a translation named is itself"
    );
    assert_eq!(
        text(one(&ar, "#fallback")),
        "The economy",
        "no translation: the default page"
    );
    assert_eq!(text(one(&en, "#section")), "/briefs/");
    assert_eq!(text(one(&ar, "#section")), "/ar/briefs/");
    assert_eq!(text(one(&en, "#terms")), "Security:1;Trade:1;");
    assert_eq!(text(one(&ar, "#terms")), "الأمن:1;");
    assert_eq!(text(one(&ar, "#en-terms")), "Security;Trade;");
    // A language the site does not have is an error naming it.
    site.write(
        "templates/probe.html",
        "{% set p = get_page(path=\"briefs/talks.md\", lang=\"fr\") %}{{ p.title }}",
    );
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("probe.html"), "{err}");
    assert!(
        err.contains("get_page: lang=\"fr\" is not one of the site's languages (\"en\", \"ar\")"),
        "{err}"
    );
}

#[test]
fn an_arabic_page_cites_in_arabic_and_numbers_in_arabic_digits() {
    let site = site_with_translated_parts();
    let ar = site.html("ar/briefs/talks/index.html");
    let en = site.html("briefs/talks/index.html");
    // Note numbers and table names in the page's digits; ids stay ASCII.
    assert_eq!(texts(&ar, "sup.footnote-ref a"), ["١", "٢"]);
    assert_eq!(texts(&en, "sup.footnote-ref a"), ["1", "2"]);
    for (html, first) in [(&ar, "١"), (&en, "1")] {
        let id = attr(html, "sup.footnote-ref", "id");
        assert!(id.iter().all(|id| id.is_ascii()), "{id:?}");
        let back = attr(html, "a.footnote-backref", "aria-label");
        assert!(back[0].ends_with(first), "{back:?}");
        let tables = attr(html, ".table-scroll", "aria-label");
        assert!(
            tables[1].ends_with(if first == "1" { "2" } else { "٢" }),
            "{tables:?}"
        );
    }
    // The citation is in the page's language, with the authors' names in it; the files
    // beside the brief say which language it is in.
    let citation = text(one(&ar, "section.cite-this .citation"));
    // The names as the Arabic file writes them, joined by the Arabic locale's "and".
    assert!(
        citation.starts_with("حسن, ليلى, و Rana Aziz. 2024. المحادثات."),
        "{citation}"
    );
    let english = text(one(&en, "section.cite-this .citation"));
    assert!(english.contains("Hassan, Layla"), "{english}");
    assert!(
        site.read_output("ar/briefs/talks/cite.bib")
            .contains("  language = {arabic},\n")
    );
    assert!(
        site.read_output("ar/briefs/talks/cite.ris")
            .contains("LA  - ar\r\n")
    );
    assert!(
        site.read_output("briefs/talks/cite.bib")
            .contains("  language = {english},\n")
    );
}

#[test]
fn borrowed_titles_types_regions_and_bylines_read_right_in_arabic() {
    let site = site_with_translated_parts();
    // No `_index.ar.md`: the Arabic listing keeps the English title, marked as English.
    let listing = site.html("ar/briefs/index.html");
    let title = one(&listing, "main h1 span[lang]");
    assert_eq!(text(title), "All briefs");
    assert_eq!(title.value().attr("lang"), Some("en"));
    assert_eq!(title.value().attr("dir"), Some("ltr"));
    assert!(select(&site.html("briefs/index.html"), "main h1 span[lang]").is_empty());
    // The Arabic home page takes the language's title, not the English home's.
    assert!(text(one(&site.html("ar/index.html"), "main h1")).contains("موجزات"));
    // Brief types and the taxonomies of fields are named by the catalog.
    let types = site.html("ar/types/briefing/index.html");
    assert_eq!(text(one(&types, "main h1")), "إحاطة");
    assert_eq!(text(one(&types, ".breadcrumb")), "أنواع الموجزات");
    assert_eq!(
        text(one(&site.html("types/briefing/index.html"), "main h1")),
        "Briefing"
    );
    // A region is named as the brief writes it, unless the catalog has a key for it.
    let region = site.html("ar/regions/middle-east/index.html");
    assert_eq!(text(one(&region, "main h1")), "Middle East");
    site.write("i18n/ar.toml", "region_middle-east = \"الشرق الأوسط\"\n");
    site.build_ok(&[]);
    let region = site.html("ar/regions/middle-east/index.html");
    assert_eq!(text(one(&region, "main h1")), "الشرق الأوسط");
    // The byline's separator is the language's, between isolated names.
    let brief = site.html("ar/briefs/talks/index.html");
    let byline = texts(&brief, "ul.authors li");
    assert_eq!(byline[0], "ليلى حسن، معهد دجلة");
    assert_eq!(attr(&brief, "ul.authors li > a", "dir"), ["auto", "auto"]);
    let english = site.html("briefs/talks/index.html");
    assert_eq!(
        texts(&english, "ul.authors li")[0],
        "Layla Hassan, Tigris Institute"
    );
}
