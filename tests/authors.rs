//! Authors: files in content/authors/, briefs naming them by id or in full, and the errors a
//! wrong id or a bad author file makes (file:line, hint, exit 1, previous output intact).

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{Site, one, select, stderr};

/// The fixture, built once.
fn built() -> Site {
    let site = Site::fixture("authors");
    site.build_ok(&[]);
    site
}

/// The byline of a brief page: (href, name, affiliation) of each author.
fn byline(site: &Site, rel: &str) -> Vec<(String, String, String)> {
    let html = site.html(rel);
    select(&html, "ul.authors > li")
        .into_iter()
        .map(|li| {
            let link = li
                .select(&common::sel("a"))
                .next()
                .unwrap_or_else(|| panic!("an author without a link in {rel}"));
            let affiliation = li
                .select(&common::sel(".affiliation"))
                .next()
                .map(|a| a.text().collect())
                .unwrap_or_default();
            (
                link.value().attr("href").unwrap_or("").to_string(),
                link.text().collect(),
                affiliation,
            )
        })
        .collect()
}

#[test]
fn file_and_inline_authors_are_linked_from_the_brief_page() {
    let site = built();
    let newer = byline(&site, "briefs/newer/index.html");
    assert_eq!(
        newer,
        [
            (
                "/authors/lhassan/".to_string(),
                "Layla Hassan".to_string(),
                "Tigris Policy Institute".to_string()
            ),
            // The newest brief's spelling names an inline author; the older one gave the
            // affiliation.
            (
                "/authors/tom-reed/".to_string(),
                "tom reed".to_string(),
                "Security Programme".to_string()
            ),
        ]
    );
    let older = byline(&site, "briefs/older/index.html");
    assert_eq!(
        older,
        [
            (
                "/authors/tom-reed/".to_string(),
                "tom reed".to_string(),
                "Security Programme".to_string()
            ),
            // "Rana Aziz" written in full is the author of content/authors/rana-aziz.md.
            (
                "/authors/rana-aziz/".to_string(),
                "Rana Aziz".to_string(),
                "Economy Programme".to_string()
            ),
        ]
    );
    // Listings link authors too.
    let listing = site.html("briefs/index.html");
    let hrefs: Vec<&str> = select(&listing, ".card-authors a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(
        hrefs,
        [
            "/authors/lhassan/",
            "/authors/tom-reed/",
            "/authors/tom-reed/",
            "/authors/rana-aziz/"
        ]
    );
    // The feed names the person, not the id.
    let feed = site.read_output("atom.xml");
    assert!(feed.contains("<name>Layla Hassan</name>"), "{feed}");
    assert!(!feed.contains("<name>lhassan</name>"), "{feed}");
    one(
        &site.html("briefs/newer/index.html"),
        "a[rel=author][href='/authors/lhassan/']",
    );
}

#[test]
fn the_model_gathers_each_author_and_their_briefs_newest_first() {
    let site = Site::fixture("authors");
    let root = site.root();
    let config = communique::Config::parse(
        &std::fs::read_to_string(root.join("communique.toml")).unwrap(),
        Path::new("communique.toml"),
    )
    .unwrap();
    let (content, diagnostics) = communique::content::load(&root.join("content"), root, &config);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(content.authors.len(), 2);
    assert!(content.authors_index.is_some(), "authors/_index.md");
    assert!(
        content
            .sections
            .iter()
            .all(|s| !s.rel.starts_with("authors/")),
        "content/authors/ is not a section"
    );
    let model = communique::site::build(content, Arc::new(config), &Default::default()).unwrap();
    let summary: Vec<(&str, &str, Vec<&str>)> = model
        .authors
        .iter()
        .map(|a| {
            let titles = a
                .pages
                .iter()
                .map(|&p| model.pages[p].meta().title.as_str());
            (a.id.as_str(), a.name.as_str(), titles.collect())
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("lhassan", "Layla Hassan", vec!["Newer"]),
            ("rana-aziz", "Rana Aziz", vec!["Older"]),
            ("tom-reed", "tom reed", vec!["Newer", "Older"]),
        ]
    );
    let layla = &model.authors[0];
    assert_eq!(layla.path, "/authors/lhassan/");
    assert_eq!(layla.role.as_deref(), Some("Senior Fellow"));
    assert_eq!(layla.links[0].title, "ORCID");
    assert!(
        layla
            .bio_html
            .contains("<a href=\"/briefs/older/\">first brief</a>"),
        "{}",
        layla.bio_html
    );
    assert!(
        model.authors[2].source.is_none(),
        "an inline author has no file"
    );
    let index = model.authors_index.as_ref().unwrap();
    assert_eq!(index.source.meta.title.as_deref(), Some("Our analysts"));
    assert!(index.rendered.html.contains("Who writes for us."));
}

#[test]
fn an_unknown_id_is_an_error_at_the_authors_line_with_a_suggestion() {
    let site = built();
    site.write(
        "content/briefs/newer.md",
        "+++\ntitle = \"Newer\"\ndate = 2024-02-01\nauthors = [\"lhasan\", \"tom reed\"]\n+++\n\nText.\n",
    );
    site.fails_with(
        "content/briefs/newer.md:4:1",
        &[
            "unknown author id \"lhasan\"",
            "did you mean \"lhassan\"?",
            "create content/authors/lhasan.md, or write the author's full name",
        ],
    );
    // Far from every id: no guess, the same way out.
    site.write(
        "content/briefs/newer.md",
        "---\ntitle: Newer\ndate: 2024-02-01\nauthors:\n  - zq\n---\n",
    );
    let err = site.fails_with(
        "content/briefs/newer.md:4:1",
        &["unknown author id \"zq\"", "create content/authors/zq.md"],
    );
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn bad_author_front_matter_is_reported_like_a_page() {
    let site = built();
    let good = site.read("content/authors/lhassan.md");
    site.write(
        "content/authors/lhassan.md",
        &good.replace("affiliation =", "afiliation ="),
    );
    site.fails_with(
        "content/authors/lhassan.md:3:1",
        &[
            "unknown field \"afiliation\"",
            "did you mean \"affiliation\"?",
        ],
    );
    site.write(
        "content/authors/lhassan.md",
        &good.replace(
            "links = [{ title = \"ORCID\", url = \"https://orcid.org/0000-0002-1825-0097\" }]",
            "links = \"https://orcid.org\"",
        ),
    );
    site.fails_with(
        "content/authors/lhassan.md:6:1",
        &["field \"links\" should be a list of tables with `title` and `url`, found a string"],
    );
    site.write(
        "content/authors/rana-aziz.md",
        "---\naffiliation: Economy Programme\nphoto: javascript:alert(1)\n---\n",
    );
    site.fails_with(
        "content/authors/rana-aziz.md:",
        &[
            "missing required field \"name\"",
            "is not a site path or a web address",
        ],
    );
}

#[test]
fn an_author_file_name_must_be_an_id() {
    let site = built();
    site.write(
        "content/authors/Omar Saadi.md",
        "+++\nname = \"Omar Al-Saadi\"\n+++\n",
    );
    site.fails_with(
        "content/authors/Omar Saadi.md",
        &[
            "\"Omar Saadi\" cannot be an author id",
            "e.g. omar-saadi.md",
        ],
    );
}

#[test]
fn two_spellings_of_one_author_in_one_brief_are_an_error() {
    let site = built();
    site.write(
        "content/briefs/older.md",
        "+++\ntitle = \"Older\"\ndate = 2024-01-01\nauthors = [\"Rana Aziz\", \"rana-aziz\"]\n+++\n",
    );
    site.fails_with(
        "content/briefs/older.md:4:1",
        &[
            "\"Rana Aziz\" and \"rana-aziz\" are the same author (id \"rana-aziz\")",
            "list each author once",
        ],
    );
}

#[test]
fn an_author_page_url_taken_by_a_page_is_an_error() {
    let site = built();
    site.write(
        "content/about.md",
        "+++\ntitle = \"About\"\ndate = 2024-01-01\npath = \"/authors/lhassan/\"\n+++\n",
    );
    site.fails_with("content/about.md",
        &[
            "/authors/lhassan/ is the URL of the page of the author \"Layla Hassan\" and of this file",
        ],
    );
}

#[test]
fn only_direct_markdown_files_are_authors() {
    let site = built();
    site.write("content/authors/team/x.md", "+++\nname = \"X\"\n+++\n");
    let output = site.build_ok(&[]);
    let err = stderr(&output);
    assert!(
        err.contains("content/authors/team/x.md")
            && err.contains("author files lie directly in content/authors/"),
        "{err}"
    );
    site.write("content/authors/index.md", "+++\nname = \"X\"\n+++\n");
    site.fails_with("content/authors/index.md", &["rename it to _index.md"]);
}

/// What a rebuild serves, as path → bytes (copied files read from disk).
fn served(files: Vec<communique::render::OutputFile>) -> Vec<(String, Vec<u8>)> {
    use communique::render::Contents;
    let mut out: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|f| {
            let bytes = match f.contents {
                Contents::Bytes(b) => b,
                Contents::Copy(source) => std::fs::read(source).unwrap(),
            };
            (f.path, bytes)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn serve_re_renders_bylines_when_an_author_file_changes() {
    use communique::serve::rebuild::Rebuilder;
    use communique::serve::watch::InputKind;
    use communique::{BuildOptions, SiteDirs};
    let site = Site::fixture("authors");
    let root = site.root().canonicalize().unwrap();
    let dirs = SiteDirs::new(&root, None);
    let mut rebuilder = Rebuilder::new(dirs.clone(), BuildOptions::default());
    let mut files: std::collections::BTreeMap<String, Vec<u8>> =
        served(rebuilder.full().expect("first build").files)
            .into_iter()
            .collect();
    let author = root.join("content/authors/lhassan.md");
    let text = std::fs::read_to_string(&author).unwrap();
    std::fs::write(
        &author,
        text.replace("\"Layla Hassan\"", "\"Layla Hassan-Reed\""),
    )
    .unwrap();
    let changed = [(InputKind::Content, author)].into_iter().collect();
    let update = rebuilder.rebuild(&changed).expect("rebuild");
    files.extend(served(update.files));
    let brief = String::from_utf8_lossy(&files["briefs/newer/index.html"]).into_owned();
    assert!(brief.contains(">Layla Hassan-Reed</a>"), "{brief}");
    let fresh: std::collections::BTreeMap<String, Vec<u8>> = served(
        Rebuilder::new(dirs, BuildOptions::default())
            .full()
            .unwrap()
            .files,
    )
    .into_iter()
    .collect();
    assert!(files == fresh, "the rebuild serves what a full build would");
}

#[cfg(unix)]
#[test]
fn author_files_follow_the_link_policy() {
    let site = built();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    std::fs::write(&secret, "+++\nname = \"TOKEN\"\n+++\n").unwrap();
    std::os::unix::fs::symlink(&secret, site.path("content/authors/evil.md")).unwrap();
    let output = site.build_ok(&[]);
    let err = stderr(&output);
    assert!(
        err.contains("content/authors/evil.md") && err.contains("skipped: a link"),
        "{err}"
    );
    assert!(!err.contains("TOKEN"));
    let html = site.read_output("briefs/newer/index.html");
    assert!(!html.contains("TOKEN"));
}

#[test]
fn each_author_has_a_page_with_bio_briefs_and_feed_and_all_are_listed() {
    let site = built();
    let page = site.html("authors/lhassan/index.html");
    assert_eq!(common::text(one(&page, "h1")), "Layla Hassan");
    // The bio is the file's Markdown, with its links resolved.
    let bio = one(&page, ".author-bio");
    assert_eq!(
        common::attr(bio.select(&common::sel("a")).next().unwrap(), "href"),
        "/briefs/older/"
    );
    assert_eq!(common::texts(&page, ".listing h2"), ["Newer"]);
    let alternates = common::hrefs(&page, "link[rel=alternate]");
    assert!(alternates.contains(&"https://x.org/authors/lhassan/atom.xml".to_string()));

    // An inline author has a page too, with their briefs newest first.
    let page = site.html("authors/tom-reed/index.html");
    assert_eq!(common::texts(&page, ".listing h2"), ["Newer", "Older"]);
    let feed = site.read_output("authors/tom-reed/atom.xml");
    common::check_well_formed_xml(&feed).unwrap();
    let titles: Vec<String> = common::xml_elements(&feed, "entry")
        .iter()
        .flat_map(|e| common::xml_texts(e, "title"))
        .collect();
    assert_eq!(titles, ["Newer", "Older"]);

    let list = site.html("authors/index.html");
    let names = common::texts(&list, "ul.authors li a");
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"Rana Aziz".to_string()));
}
