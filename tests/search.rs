//! Site search: an index of the briefs (and only the briefs) built from their records, a search
//! page and a header box, a cache that spares an unchanged site the indexing, and real queries
//! in headless Chromium: under a sub-path base URL, and during `serve` right after an edit.
//!
//! The browser tests need Debian's `chromium` (`.ci/run` installs it); set
//! `COMMUNIQUE_SKIP_BROWSER=1` to skip them on a machine without it.

mod common;

use std::fs;
use std::process::Stdio;

use common::chromium::{self, Killed, Page};
use common::static_server::Host;
use common::{Site, attr, communique, one, select, text};
use serde_json::{Value, json};

fn brief(title: &str, topic: &str, kind: &str, date: &str, body: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\ndate = {date}\ntype = \"{kind}\"\ndescription = \"About {title}.\"\ntopics = [\"{topic}\"]\nkey_points = [\"A point on {topic}.\"]\n+++\n\n{body}\n"
    )
}

/// A site on the built-in theme with two briefs, each with a word found nowhere else.
fn site(extra_config: &str) -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        &format!(
            "title = \"Search test\"\nbase_url = \"https://x.org\"\nlanguage = \"en\"\ntaxonomies = [\"topics\"]\n{extra_config}"
        ),
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write("content/briefs/_index.md", "+++\ntitle = \"Briefs\"\n+++\n");
    site.write(
        "content/briefs/one.md",
        &brief(
            "Troop levels",
            "Security",
            "briefing",
            "2024-03-01",
            "## Background\n\nThe talks on the *zanzibarite* question went on.",
        ),
    );
    site.write(
        "content/briefs/two.md",
        &brief(
            "Oil revenue",
            "Economy",
            "report",
            "2023-05-02",
            "Budget lines and quokkaflux figures.",
        ),
    );
    site
}

/// A file of the index, parsed.
fn index_file(site: &Site, rel: &str) -> Value {
    serde_json::from_str(&site.read_output(&format!("search/data/{rel}")))
        .unwrap_or_else(|e| panic!("search/data/{rel} is JSON: {e}"))
}

/// The shard file of a word (see src/search/compact.rs).
fn shard(site: &Site, word: &str) -> Value {
    let prefix: String = word.chars().take(2).collect();
    let hex: String = prefix.bytes().map(|b| format!("{b:02x}")).collect();
    index_file(site, &format!("w/{hex}.json"))
}

/// The entries of the search cache.
fn cache_entries(site: &Site) -> Vec<String> {
    let mut entries: Vec<String> = fs::read_dir(site.path(".communique-cache/search"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    entries
}

#[test]
fn the_index_holds_the_briefs_with_their_body_words_and_is_reused_until_one_changes() {
    let site = site("");
    site.build_ok(&[]);

    let manifest = index_file(&site, "index.json");
    assert_eq!(
        manifest["docs"],
        json!(2),
        "briefs only, not listing pages: {manifest}"
    );
    assert_eq!(
        manifest["filters"]["topic"],
        json!([["Economy", 1], ["Security", 1]])
    );
    assert_eq!(
        manifest["filters"]["year"],
        json!([["2024", 1], ["2023", 1]])
    );
    assert_eq!(
        manifest["filters"]["type"],
        json!([["Briefing", 1], ["Report", 1]])
    );
    // Briefs are numbered newest first: "Troop levels" (2024) is brief 0.
    for word in ["zanzibarite", "background", "troop", "point", "security"] {
        assert!(
            shard(&site, word)[word].is_array(),
            "the index has {word:?}"
        );
    }
    assert_eq!(shard(&site, "zanzibarite")["zanzibarite"], json!([0, 1]));
    assert!(shard(&site, "quokkaflux")["quokkaflux"] == json!([1, 1]));
    assert!(
        !site.has_output("search/data/w/656d.json"),
        "no markup (<em>) in the text"
    );
    assert_eq!(
        index_file(&site, "d/0.json")[0],
        json!([
            "/briefs/one/",
            "Troop levels",
            "2024-03-01",
            "Briefing",
            "About Troop levels."
        ])
    );

    let page = site.html("search/index.html");
    let form = one_in(&page, "main form[role=search]");
    assert_eq!(attr(form, "action"), "/search/");
    assert_eq!(attr(one_in(&page, "main input[type=search]"), "name"), "q");
    let noscript = text(one_in(&page, "noscript"));
    assert!(noscript.contains("needs JavaScript"), "{noscript}");
    assert!(
        page.html().contains("href=\"/topics/\""),
        "links to the topics"
    );
    let brief_page = site.html("briefs/one/index.html");
    let header_box = one(&brief_page, "header form[role=search]");
    assert_eq!(attr(header_box, "action"), "/search/");
    assert_eq!(
        attr(one(&brief_page, "header input[type=search]"), "name"),
        "q"
    );

    // A build that changed no brief reads the index back from the cache; an edit re-indexes.
    let first = cache_entries(&site);
    assert_eq!(first.len(), 1, "{first:?}");
    let mtimes = site.output_mtimes();
    site.build_ok(&[]);
    assert_eq!(cache_entries(&site), first);
    assert_eq!(site.output_mtimes(), mtimes, "nothing rewritten");
    site.write(
        "content/briefs/two.md",
        &brief(
            "Oil revenue",
            "Economy",
            "report",
            "2023-05-02",
            "New marmalite words.",
        ),
    );
    site.build_ok(&[]);
    let second = cache_entries(&site);
    assert_eq!(second.len(), 1, "the older entry is removed: {second:?}");
    assert_ne!(second, first);
    assert!(shard(&site, "marmalite")["marmalite"].is_array());
    assert!(shard(&site, "quokkaflux").get("quokkaflux").is_none());
}

fn one_in<'a>(html: &'a scraper::Html, css: &str) -> scraper::ElementRef<'a> {
    let found = select(html, css);
    assert_eq!(found.len(), 1, "one {css}");
    found[0]
}

#[test]
fn search_can_be_turned_off() {
    let site = site("search = false\n");
    site.build_ok(&[]);
    assert!(!site.output_path("search").exists());
    assert!(!site.has_output("search/index.html"));
    let brief = site.html("briefs/one/index.html");
    assert!(select(&brief, "form[role=search]").is_empty());
    assert!(!site.path(".communique-cache").exists());
}

fn start_browser() -> Option<(Killed, tempfile::TempDir, Page)> {
    if std::env::var_os("COMMUNIQUE_SKIP_BROWSER").is_some() {
        eprintln!("skipped: COMMUNIQUE_SKIP_BROWSER is set");
        return None;
    }
    let chromium = chromium::find_chromium()
        .expect("Chromium is needed for this test: `apt-get install chromium` (as .ci/run does), or set COMMUNIQUE_SKIP_BROWSER=1");
    Some(chromium::launch(chromium))
}

/// The hits the search page shows once it has answered: (title, href, meta line).
fn hits(page: &mut Page, url: &str) -> Vec<(String, String, String)> {
    page.open(url);
    page.wait_until(
        "the search to answer",
        "/found\\.$/.test(document.getElementById('search-status').textContent)",
    );
    let hits = page.eval(
        "[...document.querySelectorAll('#search-results .search-hit')].map(h => [h.querySelector('a').textContent, h.querySelector('a').href, h.querySelector('.meta').textContent])",
    );
    serde_json::from_value(hits).unwrap()
}

#[test]
fn a_query_in_chromium_finds_a_brief_by_a_body_word_under_a_sub_path() {
    let Some((_browser, _profile, mut page)) = start_browser() else {
        return;
    };
    let site = site("");
    let host = Host::bind();
    let base = format!("http://127.0.0.1:{}/sub", host.port);
    site.build_ok(&["--base-url", &base]);
    host.serve(&site.output_path(""), "/sub");

    let found = hits(&mut page, &format!("{base}/search/?q=troop+zanzibar"));
    assert_eq!(found.len(), 1, "{found:?}");
    let said = page.eval("document.getElementById('search-status').textContent");
    assert_eq!(said, json!("1 brief found."));
    let (title, href, meta) = &found[0];
    assert_eq!(title, "Troop levels");
    assert_eq!(href, &format!("{base}/briefs/one/"));
    assert!(meta.contains("2024") && meta.contains("Briefing"), "{meta}");
    let marked = page.eval("document.querySelector('.search-hit h2 mark').textContent");
    assert_eq!(marked, json!("Troop"), "the words searched for are marked");

    // Filters alone list the briefs they keep; the form keeps them in its address.
    let found = hits(&mut page, &format!("{base}/search/?topic=Economy"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "Oil revenue");
    let chosen = page.eval("document.getElementById('search-topic').value");
    assert_eq!(chosen, json!("Economy"));
    let years = page.eval("[...document.getElementById('search-year').options].map(o => o.value)");
    assert_eq!(years, json!(["", "2024", "2023"]));
}

#[test]
fn during_serve_the_next_query_after_an_edit_finds_the_new_text() {
    let Some((_browser, _profile, mut page)) = start_browser() else {
        return;
    };
    let site = site("");
    let mut server = communique()
        .args([
            "--root",
            site.root().to_str().unwrap(),
            "serve",
            "--port",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (port, lines) = common::serving_port(&mut server);
    let _server = Killed(server);
    std::thread::spawn(move || for _ in lines {});
    let base = format!("http://127.0.0.1:{port}");

    assert_eq!(
        hits(&mut page, &format!("{base}/search/?q=quokkaflux")).len(),
        1
    );
    site.write(
        "content/briefs/two.md",
        &brief(
            "Oil revenue",
            "Economy",
            "report",
            "2023-05-02",
            "Now with xylophonic text.",
        ),
    );
    // The edit is visible as soon as the page is rebuilt; the index is not waited for.
    let started = std::time::Instant::now();
    while !chromium::http_get(port, "/briefs/two/").contains("xylophonic") {
        assert!(started.elapsed().as_secs() < 15, "the edit was not rebuilt");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let found = hits(&mut page, &format!("{base}/search/?q=xylophonic"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "Oil revenue");
    assert!(hits(&mut page, &format!("{base}/search/?q=quokkaflux")).is_empty());
}

#[test]
fn a_word_in_most_briefs_is_still_found_in_chromium() {
    let Some((_browser, _profile, mut page)) = start_browser() else {
        return;
    };
    // 24 briefs: "coalition" is in all of them (a common word, in a file of its own), and
    // "zanzibarite" in one.
    let site = site("");
    for i in 0..22 {
        site.write(
            &format!("content/briefs/filler-{i}.md"),
            &brief(
                &format!("Filler {i}"),
                "Security",
                "briefing",
                "2022-01-01",
                "The coalition met.",
            ),
        );
    }
    site.write(
        "content/briefs/one.md",
        &brief(
            "Troop levels",
            "Security",
            "briefing",
            "2024-03-01",
            "The coalition and the *zanzibarite* question.",
        ),
    );
    site.write(
        "content/briefs/two.md",
        &brief(
            "Oil revenue",
            "Economy",
            "report",
            "2023-05-02",
            "The coalition budget.",
        ),
    );
    let host = Host::bind();
    let base = format!("http://127.0.0.1:{}", host.port);
    site.build_ok(&["--base-url", &base]);
    let common = index_file(&site, "index.json")["common"].clone();
    assert!(
        common.as_array().unwrap().contains(&json!("coalition")),
        "{common}"
    );
    host.serve(&site.output_path(""), "");

    // Whole and begun, alone and with a rarer word.
    for query in ["coalition", "coal"] {
        page.open(&format!("{base}/search/?q={query}"));
        page.wait_until(
            "the search to answer",
            "/found\\.$/.test(document.getElementById('search-status').textContent)",
        );
        let said = page.eval("document.getElementById('search-status').textContent");
        assert_eq!(said, json!("24 briefs found."), "{query}");
    }
    let found = hits(
        &mut page,
        &format!("{base}/search/?q=coalition+zanzibarite"),
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "Troop levels");
}

#[test]
fn an_arabic_word_typed_without_diacritics_is_found_in_chromium() {
    let Some((_browser, _profile, mut page)) = start_browser() else {
        return;
    };
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"بحث\"\nbase_url = \"https://x.org\"\nlanguage = \"ar\"\ntaxonomies = [\"topics\"]\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"الرئيسية\"\n+++\n");
    site.write(
        "content/briefs/_index.md",
        "+++\ntitle = \"الموجزات\"\n+++\n",
    );
    // Written with harakat, a hamza on the alef, taa marbuta and a tatweel.
    site.write(
        "content/briefs/one.md",
        &brief(
            "الاتِّفَاقِيَّةُ الأمنية",
            "أمن",
            "briefing",
            "2024-03-01",
            "ناقشت بغـــداد الاتِّفَاقِيَّةَ مع واشنطن في أيار.",
        ),
    );
    site.write(
        "content/briefs/two.md",
        &brief(
            "عائدات النفط",
            "اقتصاد",
            "report",
            "2023-05-02",
            "خطوط الموازنة في المستشفى الجديد.",
        ),
    );
    let host = Host::bind();
    let base = format!("http://127.0.0.1:{}", host.port);
    site.build_ok(&["--base-url", &base]);
    // The index holds the plain spelling.
    assert!(shard(&site, "الاتفاقيه")["الاتفاقيه"].is_array());
    host.serve(&site.output_path(""), "");

    let first_hit = |page: &mut Page, query: &str| -> Vec<String> {
        let query: String = query.bytes().map(|b| format!("%{b:02X}")).collect();
        page.open(&format!("{base}/search/?q={query}"));
        // Waits for hits, not for the status's words, which follow the site's language.
        page.wait_until(
            "the search to answer",
            "document.querySelectorAll('#search-results .search-hit').length > 0",
        );
        serde_json::from_value(page.eval(
            "[...document.querySelectorAll('#search-results .search-hit a')].map(a => a.textContent)",
        ))
        .unwrap()
    };
    // Typed without diacritics, with a bare alef and heh for taa marbuta, without tatweel.
    for query in ["الاتفاقية", "الاتفاقيه", "الاتفاق", "بغداد", "الامنية"]
    {
        assert_eq!(first_hit(&mut page, query), ["الاتِّفَاقِيَّةُ الأمنية"], "{query}");
    }
    // Alef maqsura typed as yeh.
    assert_eq!(first_hit(&mut page, "المستشفي"), ["عائدات النفط"]);
    // The word found is marked as it is written, diacritics and all.
    first_hit(&mut page, "الاتفاقية");
    let marked = page.eval("document.querySelector('.search-hit h2 mark').textContent");
    assert_eq!(marked, json!("الاتِّفَاقِيَّةُ"));
}
