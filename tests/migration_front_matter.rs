//! Front matter written for Hugo or Zola builds: taxonomies named as there (`tags`,
//! `categories`), Zola's `[taxonomies]` table, Hugo's field names, and errors whose hints are
//! written in the file's own syntax (issue 9, items 1 and 2).

mod common;

use common::{Site, stderr};
use scraper::Selector;

/// A site with the built-in theme, the given taxonomies and these content files.
fn site(taxonomies: &str, files: &[(&str, &str)]) -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        &format!(
            "title = \"Migrated\"\nbase_url = \"https://example.org\"\ntaxonomies = {taxonomies}\n"
        ),
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    for (rel, text) in files {
        site.write(rel, text);
    }
    site
}

/// The `href`s of the links in the listing of a built page.
fn links(site: &Site, rel: &str) -> Vec<String> {
    let html = site.html(rel);
    let a = Selector::parse("main a").unwrap();
    html.select(&a)
        .filter_map(|e| e.value().attr("href").map(str::to_string))
        .collect()
}

/// Asserts that the term page `/<taxonomy>/<term>/` exists and links to `page`.
fn term_lists(site: &Site, taxonomy: &str, term: &str, page: &str) {
    let rel = format!("{taxonomy}/{term}/index.html");
    assert!(site.has_output(&rel), "no term page {rel}");
    let links = links(site, &rel);
    assert!(
        links.iter().any(|l| l.ends_with(page)),
        "{rel} does not link to {page}: {links:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Item 1: taxonomy names are free except for real page fields

#[test]
fn tags_and_categories_are_taxonomy_names() {
    let site = site(
        r#"["tags", "categories"]"#,
        &[(
            "content/posts/hello.md",
            "+++\ntitle = \"Hello\"\ndate = 2024-01-01\ntags = [\"Rust\"]\ncategories = [\"News\"]\n+++\nBody.\n",
        )],
    );
    site.build_ok(&[]);
    term_lists(&site, "tags", "rust", "/posts/hello/");
    term_lists(&site, "categories", "news", "/posts/hello/");
}

#[test]
fn a_single_term_may_be_written_as_a_string() {
    // Hugo reads `categories: analysis` as one term.
    let site = site(
        r#"["tags", "categories"]"#,
        &[(
            "content/posts/hello.md",
            "---\ntitle: Hello\ndate: 2024-01-01\ncategories: Analysis\ntags: [a, b]\n---\nBody.\n",
        )],
    );
    site.build_ok(&[]);
    term_lists(&site, "categories", "analysis", "/posts/hello/");
    term_lists(&site, "tags", "b", "/posts/hello/");
}

#[test]
fn a_page_field_is_still_not_a_taxonomy_name() {
    let site = site(r#"["tags", "authors"]"#, &[]);
    let out = site.build(&[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("taxonomy name \"authors\" cannot be used"),
        "{err}"
    );
    assert!(err.contains("\"authors\" is a page field"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Item 2: Hugo's and Zola's front matter maps onto communique's fields

/// The text of the first element matching `css` in a built page.
fn text_of(site: &Site, rel: &str, css: &str) -> String {
    let html = site.html(rel);
    let selector = Selector::parse(css).unwrap();
    html.select(&selector)
        .next()
        .unwrap_or_else(|| panic!("no {css} in {rel}"))
        .text()
        .collect::<String>()
}

/// The `content` of `<meta name="description">` in a built page.
fn meta_description(site: &Site, rel: &str) -> String {
    let html = site.html(rel);
    let selector = Selector::parse(r#"meta[name="description"]"#).unwrap();
    html.select(&selector)
        .next()
        .and_then(|m| m.value().attr("content"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn zola_taxonomies_table_makes_terms() {
    let site = site(
        r#"["tags", "categories"]"#,
        &[(
            "content/posts/zola.md",
            "+++\ntitle = \"Zola\"\ndate = 2024-02-01\nauthors = [\"Ana\"]\n\n[taxonomies]\ntags = [\"Static sites\"]\ncategories = [\"Tools\"]\n+++\nBody.\n",
        )],
    );
    site.build_ok(&[]);
    term_lists(&site, "tags", "static-sites", "/posts/zola/");
    term_lists(&site, "categories", "tools", "/posts/zola/");
}

#[test]
fn hugo_yaml_front_matter_builds() {
    let site = site(
        r#"["tags", "categories"]"#,
        &[(
            "content/posts/hugo.md",
            "---\nTitle: Hugo brief\npublishDate: 2024-03-01\nlastMod: 2024-04-02\nauthor: Jane Doe\nsummary: What Hugo wrote.\nTags: [Migration, Rust]\ncategories: [Howto]\nweight: 3\naliases: [/old/hugo-brief/]\nurl: /briefs/from-hugo/\n---\nBody.\n",
        )],
    );
    site.build_ok(&[]);
    let page = "briefs/from-hugo/index.html";
    assert!(site.has_output(page), "url did not fix the path");
    assert!(!site.has_output("posts/hugo/index.html"));
    assert_eq!(text_of(&site, page, "h1"), "Hugo brief");
    assert_eq!(text_of(&site, page, ".authors li"), "Jane Doe");
    assert_eq!(meta_description(&site, page), "What Hugo wrote.");
    let meta = text_of(&site, page, ".meta");
    assert!(
        meta.contains("1 March 2024"),
        "publishDate is the date: {meta}"
    );
    assert!(
        meta.contains("updated 2 April 2024"),
        "lastMod is updated: {meta}"
    );
    assert!(
        site.read_output("old/hugo-brief/index.html")
            .contains("/briefs/from-hugo/")
    );
    term_lists(&site, "tags", "migration", "/briefs/from-hugo/");
    term_lists(&site, "categories", "howto", "/briefs/from-hugo/");
}

#[test]
fn a_plain_string_author_is_one_author() {
    let site = site(
        r#"["tags"]"#,
        &[(
            "content/one.md",
            "---\ntitle: One\ndate: 2024-01-01\nauthors: \"Layla Hassan\"\n---\nBody.\n",
        )],
    );
    site.build_ok(&[]);
    assert_eq!(
        text_of(&site, "one/index.html", ".authors li"),
        "Layla Hassan"
    );
}

#[test]
fn images_are_kept_as_extra_images() {
    let site = site(
        r#"["tags"]"#,
        &[
            (
                "content/pic.md",
                "---\ntitle: Pic\ndate: 2024-01-01\nimages: [/img/a.png, /img/b.png]\n---\nBody.\n",
            ),
            (
                "templates/brief.html",
                "<main><p id=\"images\">{% for i in page.extra.images %}{{ i }};{% endfor %}</p></main>",
            ),
        ],
    );
    site.build_ok(&[]);
    assert_eq!(
        text_of(&site, "pic/index.html", "#images"),
        "/img/a.png;/img/b.png;"
    );
}

#[test]
fn future_publish_dates_and_past_expiry_dates_hold_pages_back() {
    let site = site(
        r#"["tags"]"#,
        &[
            (
                "content/later.md",
                "---\ntitle: Later\ndate: 2024-01-01\npublishDate: 2999-01-01\n---\nBody.\n",
            ),
            (
                "content/gone.md",
                "+++\ntitle = \"Gone\"\ndate = 2024-01-01\nexpiryDate = 2001-01-01\n+++\nBody.\n",
            ),
            (
                "content/current.md",
                "---\ntitle: Current\ndate: 2024-01-01\nexpiry_date: 2999-01-01\npublishdate: 2001-01-01\n---\nBody.\n",
            ),
        ],
    );
    site.build_ok(&[]);
    assert!(!site.has_output("later/index.html"));
    assert!(!site.has_output("gone/index.html"));
    assert!(site.has_output("current/index.html"));
    site.build_ok(&["--drafts"]);
    assert!(site.has_output("later/index.html"));
    assert!(site.has_output("gone/index.html"));
}

// ---------------------------------------------------------------------------------------------
// Item 2: what cannot be mapped says what to write, in the file's own syntax

/// Builds a site whose only brief is `text` (at content/x.md), expects the build to fail, and
/// returns (first line, hint line) of the error at `place` (`content/x.md:L:C`).
fn error_at(taxonomies: &str, text: &str, place: &str) -> (String, String) {
    let site = site(taxonomies, &[("content/x.md", text)]);
    let out = site.build(&[]);
    assert!(!out.status.success(), "the build should fail");
    let err = stderr(&out);
    let prefix = format!("error: {place}: ");
    let mut lines = err.lines().skip_while(|l| !l.starts_with(&prefix));
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no error at {place} in:\n{err}"))
        .to_string();
    let hint = lines
        .take_while(|l| !l.starts_with("error:"))
        .find(|l| l.trim_start().starts_with("= hint:"))
        .unwrap_or_else(|| panic!("no hint for {place} in:\n{err}"))
        .to_string();
    (first, hint)
}

#[test]
fn undeclared_categories_says_to_declare_them_not_did_you_mean() {
    let (first, hint) = error_at(
        r#"["topics", "actors"]"#,
        "---\ntitle: X\ndate: 2024-01-01\ncategories: [News]\n---\nBody.\n",
        "content/x.md:4:1",
    );
    assert!(first.contains("unknown field \"categories\""), "{first}");
    assert!(!hint.contains("did you mean"), "{hint}");
    assert!(
        hint.contains(r#"communique.toml: taxonomies = ["topics", "actors", "categories"]"#),
        "{hint}"
    );
}

#[test]
fn undeclared_zola_taxonomy_says_to_declare_it() {
    let (first, hint) = error_at(
        r#"["topics"]"#,
        "+++\ntitle = \"X\"\ndate = 2024-01-01\n[taxonomies]\ntags = [\"a\"]\n+++\nBody.\n",
        "content/x.md:4:1",
    );
    assert!(
        first.contains("\"tags\" in \"taxonomies\" is not a taxonomy"),
        "{first}"
    );
    assert!(
        hint.contains(r#"taxonomies = ["topics", "tags"]"#),
        "{hint}"
    );
}

#[test]
fn unknown_field_hints_are_in_the_files_own_syntax() {
    let (_, yaml) = error_at(
        r#"["tags"]"#,
        "---\ntitle: X\ndate: 2024-01-01\nhero_colour: blue\n---\nBody.\n",
        "content/x.md:4:1",
    );
    assert!(yaml.contains("under an `extra:` line"), "{yaml}");
    assert!(!yaml.contains("[extra]"), "{yaml}");
    let (_, toml) = error_at(
        r#"["tags"]"#,
        "+++\ntitle = \"X\"\ndate = 2024-01-01\nhero_colour = \"blue\"\n+++\nBody.\n",
        "content/x.md:4:1",
    );
    assert!(toml.contains("`[extra]` line"), "{toml}");
}

#[test]
fn a_bad_authors_value_gets_an_example_not_the_parsers_words() {
    let (first, hint) = error_at(
        r#"["tags"]"#,
        "---\ntitle: X\ndate: 2024-01-01\nauthors: 3\n---\nBody.\n",
        "content/x.md:4:1",
    );
    assert!(
        first.contains("field \"authors\" should be a name, or a list"),
        "{first}"
    );
    assert!(
        hint.contains(r#"authors: ["Layla Hassan", { name: "Tom Reed""#),
        "{hint}"
    );
    assert!(!hint.contains("invalid type"), "{hint}");
}

#[test]
fn a_url_naming_a_file_suggests_a_folder_and_an_alias_in_yaml() {
    let (first, hint) = error_at(
        r#"["tags"]"#,
        "---\ntitle: X\ndate: 2024-01-01\nurl: /about.html\n---\nBody.\n",
        "content/x.md:4:1",
    );
    assert!(first.contains("\"url\" names a file"), "{first}");
    assert!(
        hint.contains(r#"url: "/about/" and aliases: ["/about.html"]"#),
        "{hint}"
    );
}

#[test]
fn summary_beside_description_is_reported() {
    let (first, _) = error_at(
        r#"["tags"]"#,
        "---\ntitle: X\ndate: 2024-01-01\ndescription: One.\nsummary: Two.\n---\nBody.\n",
        "content/x.md:5:1",
    );
    assert!(first.contains("\"summary\" and \"description\""), "{first}");
}

#[test]
fn a_string_where_a_list_belongs_gets_a_list_example_in_toml() {
    let (_, hint) = error_at(
        r#"["tags"]"#,
        "+++\ntitle = \"X\"\ndate = 2024-01-01\nkey_points = \"One\"\n+++\nBody.\n",
        "content/x.md:4:1",
    );
    assert!(
        hint.contains(r#"write a list, e.g. key_points = ["One"]"#),
        "{hint}"
    );
}

#[test]
fn missing_fields_are_shown_in_yaml_for_yaml_files() {
    let (first, hint) = error_at(
        r#"["tags"]"#,
        "---\ntitle: X\n---\nBody.\n",
        "content/x.md:2:1",
    );
    assert!(first.contains("missing required field \"date\""), "{first}");
    assert!(hint.contains("e.g. date: 2024-01-27"), "{hint}");
    let (_, hint) = error_at(
        r#"["tags"]"#,
        "---\ndate: 2024-01-01\n---\nBody.\n",
        "content/x.md:1:1",
    );
    assert!(hint.contains("e.g. title: \"…\""), "{hint}");
}

#[test]
fn a_fixed_path_clashing_with_a_page_blames_the_path() {
    let site = site(
        r#"["tags"]"#,
        &[
            (
                "content/about.md",
                "+++\ntitle = \"About\"\ndate = 2024-01-01\n+++\nBody.\n",
            ),
            (
                "content/posts/x.md",
                "+++\ntitle = \"X\"\ndate = 2024-01-01\npath = \"/about/\"\n+++\nBody.\n",
            ),
        ],
    );
    let out = site.build(&[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("error: content/posts/x.md:4:1: /about/ is also the URL of content/about.md"),
        "{err}"
    );
    assert!(err.contains("a different `path`"), "{err}");
}
