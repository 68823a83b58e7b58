//! "Cite this brief": every brief shows its citation in the site's CSL style and links to
//! `cite.bib` and `cite.ris` beside its page, rendered by templates a site can override.

mod common;

use common::{Site, one, select, text};

const BRIEF: &str = "+++\ntitle = \"Ending the Coalition Mission\"\ndate = 2024-01-27\nauthors = [\"Layla Hassan\", \"Tom Reed\"]\nseries = \"Policy Briefs\"\nnumber = 7\n+++\n\nThe talks began.\n";

fn site(style: Option<&str>) -> Site {
    let site = Site::empty();
    let style = style
        .map(|s| format!("citation_style = \"{s}\"\n"))
        .unwrap_or_default();
    site.write(
        "communique.toml",
        &format!(
            "title = \"T\"\nbase_url = \"https://x.org\"\norganization = \"Tigris Policy Institute\"\n{style}"
        ),
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write("content/briefs/talks.md", BRIEF);
    site
}

#[test]
fn the_brief_page_shows_its_citation_in_chicago_by_default() {
    let site = site(None);
    site.build_ok(&[]);
    let html = site.html("briefs/talks/index.html");
    assert_eq!(
        text(one(&html, "section.cite-this h2#cite-this-title")),
        "Cite this brief"
    );
    let citation = text(one(&html, "section.cite-this .citation"));
    assert!(
        citation.starts_with("Hassan, Layla, and Tom Reed. 2024. Ending the Coalition Mission."),
        "{citation}"
    );
    assert!(citation.contains("Tigris Policy Institute"), "{citation}");
    assert!(
        citation.contains("https://x.org/briefs/talks/"),
        "{citation}"
    );
    let links: Vec<(Option<&str>, Option<&str>)> = select(&html, "section.cite-this a[download]")
        .into_iter()
        .map(|a| (a.value().attr("href"), a.value().attr("download")))
        .collect();
    assert_eq!(
        links,
        [
            (Some("/briefs/talks/cite.bib"), Some("talks.bib")),
            (Some("/briefs/talks/cite.ris"), Some("talks.ris"))
        ]
    );
}

#[test]
fn apa_when_the_site_says_so() {
    let site = site(Some("apa"));
    site.build_ok(&[]);
    let html = site.html("briefs/talks/index.html");
    let citation = text(one(&html, "section.cite-this .citation"));
    assert!(
        citation.starts_with("Hassan, L., & Reed, T. (2024). Ending the Coalition Mission"),
        "{citation}"
    );
}

#[test]
fn bibtex_and_ris_files_sit_beside_the_page() {
    let site = site(None);
    site.build_ok(&[]);
    let bib = site.read_output("briefs/talks/cite.bib");
    assert!(bib.starts_with("@techreport{talks,\n"), "{bib}");
    assert!(
        bib.contains("title = {{Ending the Coalition Mission}}"),
        "{bib}"
    );
    assert!(
        bib.contains("author = {Hassan, Layla and Reed, Tom}"),
        "{bib}"
    );
    assert!(bib.contains("year = {2024}"), "{bib}");
    assert!(bib.contains("url = {https://x.org/briefs/talks/}"), "{bib}");
    assert!(bib.trim_end().ends_with('}'), "{bib}");
    let ris = site.read_output("briefs/talks/cite.ris");
    let lines: Vec<&str> = ris.lines().collect();
    assert_eq!(lines.first(), Some(&"TY  - RPRT"), "{ris}");
    for line in [
        "TI  - Ending the Coalition Mission",
        "AU  - Hassan, Layla",
        "AU  - Reed, Tom",
        "PY  - 2024",
        "UR  - https://x.org/briefs/talks/",
    ] {
        assert!(lines.contains(&line), "{line} in {ris}");
    }
    assert_eq!(lines.last(), Some(&"ER  - "), "{ris}");
}

#[test]
fn special_characters_are_escaped_in_each_format() {
    let site = site(None);
    site.write(
        "content/briefs/talks.md",
        "+++\ntitle = 'Oil {revenue} & the 50% \"share\"'\ndate = 2024-01-27\nauthors = [\"Layla Hassan\"]\n+++\n\nText.\n",
    );
    site.build_ok(&[]);
    let bib = site.read_output("briefs/talks/cite.bib");
    assert!(
        bib.contains(r#"title = {{Oil \{revenue\} \& the 50\% "share"}}"#),
        "{bib}"
    );
    let ris = site.read_output("briefs/talks/cite.ris");
    assert!(
        ris.contains("TI  - Oil {revenue} & the 50% \"share\"\r\n"),
        "{ris}"
    );
    let html = site.html("briefs/talks/index.html");
    let citation = text(one(&html, "section.cite-this .citation"));
    assert!(citation.contains("& the 50%"), "{citation}");
}

#[test]
fn a_site_template_overrides_the_built_in_one() {
    let site = site(None);
    site.write(
        "templates/cite.bib",
        "% {{ page.title }}\n{{ cite.bibtex }}",
    );
    site.build_ok(&[]);
    let bib = site.read_output("briefs/talks/cite.bib");
    assert!(
        bib.starts_with("% Ending the Coalition Mission\n@techreport{talks,"),
        "{bib}"
    );
    // The other format keeps the built-in template.
    assert!(
        site.read_output("briefs/talks/cite.ris")
            .starts_with("TY  - RPRT")
    );
}
