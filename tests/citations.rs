//! Citations from a bibliography file: `[@key]` in a brief renders in the site's CSL style with
//! a reference list and back-links; bad keys, bad files and bad styles are errors with places.

mod common;

use common::{Site, assert_exit, one, select, stderr, text};

const BIB: &str = r#"@report{hassan2024,
  author = {Hassan, Layla},
  title = {Ending the Coalition Mission},
  institution = {Tigris Policy Institute},
  date = {2024-01-27},
}

@report{reed2023,
  author = {Reed, Tom},
  title = {A Drawdown in Stages},
  institution = {Tigris Policy Institute},
  date = {2023-08-08},
}
"#;

const BRIEF: &str = "+++\ntitle = \"Talks\"\ndate = 2024-02-01\n+++\n\nThe talks began [@hassan2024, p. 12].\n\nBoth views [@reed2023; @hassan2024] and `[@code]`.\n";

fn site(style: Option<&str>) -> Site {
    let site = Site::empty();
    let style = style
        .map(|s| format!("citation_style = \"{s}\"\n"))
        .unwrap_or_default();
    site.write(
        "communique.toml",
        &format!("title = \"T\"\nbase_url = \"https://x.org\"\n{style}"),
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write("content/references.bib", BIB);
    site.write("content/briefs/talks.md", BRIEF);
    site
}

#[test]
fn citations_render_with_a_reference_list_and_back_links() {
    let site = site(None);
    site.build_ok(&[]);
    let html = site.html("briefs/talks/index.html");
    let first = one(&html, "#cite-1");
    assert_eq!(text(first), "(Hassan 2024, 12)");
    let link = one(&html, "#cite-1 a");
    assert_eq!(link.value().attr("href"), Some("#ref-hassan2024"));
    // Two works in one citation: each links to its own entry.
    let both: Vec<_> = select(&html, "#cite-2 a")
        .into_iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(both, ["#ref-reed2023", "#ref-hassan2024"]);
    let section = one(&html, "section.references");
    assert_eq!(section.value().attr("aria-labelledby"), Some("references"));
    assert_eq!(
        text(one(&html, "section.references h2#references")),
        "References"
    );
    let entries = select(&html, "section.references li");
    assert_eq!(entries.len(), 2);
    let hassan = one(&html, "li#ref-hassan2024");
    assert!(text(hassan).contains("Ending the Coalition Mission"));
    let backs: Vec<_> = select(&html, "li#ref-hassan2024 a.reference-backref")
        .into_iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(backs, ["#cite-1", "#cite-2"]);
    // Code is untouched.
    assert!(select(&html, "code").iter().any(|c| text(*c) == "[@code]"));
    // .bib files are not pages.
    assert!(!site.has_output("references/index.html"));
}

#[test]
fn apa_and_numeric_styles() {
    let apa = site(Some("apa"));
    apa.build_ok(&[]);
    let html = apa.html("briefs/talks/index.html");
    assert_eq!(text(one(&html, "#cite-1")), "(Hassan, 2024, p. 12)");

    let ieee = site(Some("ieee"));
    ieee.build_ok(&[]);
    let html = ieee.html("briefs/talks/index.html");
    let first = text(one(&html, "#cite-1"));
    assert!(first.starts_with("[1"), "{first}");
    // Numbered by first citation: Hassan first.
    let ids: Vec<_> = select(&html, "section.references li")
        .into_iter()
        .filter_map(|li| li.value().attr("id"))
        .collect();
    assert_eq!(ids, ["ref-hassan2024", "ref-reed2023"]);
}

#[test]
fn unknown_key_is_an_error_at_its_place() {
    let site = site(None);
    site.write(
        "content/briefs/talks.md",
        "+++\ntitle = \"Talks\"\ndate = 2024-02-01\n+++\n\nFirst line.\n\nAs shown [@hasan2024].\n",
    );
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("content/briefs/talks.md:8:10"), "{err}");
    assert!(err.contains("unknown citation key \"hasan2024\""), "{err}");
    assert!(err.contains("did you mean @hassan2024?"), "{err}");
}

#[test]
fn bad_bibliography_is_an_error_at_its_line() {
    let site = site(None);
    site.write(
        "content/references.bib",
        &format!("{BIB}\n@report{{broken,\n  title = {{Unclosed,\n"),
    );
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("content/references.bib:"), "{err}");
    assert!(err.contains("not valid BibTeX"), "{err}");
    assert!(err.contains("hint"), "{err}");
}

#[test]
fn unknown_style_suggests_one() {
    let site = site(Some("chicago-authordate"));
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("communique.toml:3"), "{err}");
    assert!(err.contains("unknown citation_style"), "{err}");
    assert!(
        err.contains("did you mean \"chicago-author-date\"?"),
        "{err}"
    );
    assert!(err.contains("ieee"), "{err}");
}

#[test]
fn a_brief_adds_its_own_bibliography() {
    let site = site(None);
    site.write(
        "content/briefs/own.yml",
        "ali2022:\n  type: Report\n  title: Federal Budget Lines\n  author: Ali, Sara\n  date: 2022\n",
    );
    site.write(
        "content/briefs/talks.md",
        "+++\ntitle = \"Talks\"\ndate = 2024-02-01\nbibliography = \"own.yml\"\n+++\n\nBudget [@ali2022] and talks [@hassan2024].\n",
    );
    site.build_ok(&[]);
    let html = site.html("briefs/talks/index.html");
    assert_eq!(text(one(&html, "#cite-1")), "(Ali 2022)");
    assert!(text(one(&html, "li#ref-ali2022")).contains("Federal Budget Lines"));
    assert!(!site.has_output("briefs/own/index.html"));
}

#[test]
fn a_bibliography_outside_the_site_is_refused() {
    let site = site(None);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.bib"), BIB).unwrap();
    let field = outside.path().join("secret.bib");
    site.write(
        "content/briefs/talks.md",
        &format!(
            "+++\ntitle = \"Talks\"\ndate = 2024-02-01\nbibliography = {:?}\n+++\n\nText.\n",
            field.display().to_string()
        ),
    );
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("content/briefs/talks.md:4"), "{err}");
    assert!(err.contains("outside the site's content/ folder"), "{err}");
}

/// A bibliography edit re-renders exactly the briefs citing a changed entry: the others keep
/// their cached rendering (what `serve` relies on).
#[test]
fn a_bibliography_edit_rerenders_only_the_briefs_citing_the_changed_entry() {
    use communique::site::{self, CacheSlot, ModelOptions};
    use std::sync::Arc;

    let site = site(None);
    site.write(
        "content/briefs/other.md",
        "+++\ntitle = \"Other\"\ndate = 2024-02-02\n+++\n\nOnly Reed [@reed2023].\n",
    );
    site.write(
        "content/briefs/plain.md",
        "+++\ntitle = \"Plain\"\ndate = 2024-02-03\n+++\n\nNo citations.\n",
    );
    let config = Arc::new(
        communique::Config::parse(
            "title = \"T\"\nbase_url = \"https://x.org\"\n",
            "c.toml".as_ref(),
        )
        .unwrap(),
    );
    let content_dir = site.path("content");
    let build = |cache: &mut CacheSlot| {
        let (content, errors) = communique::content::load(&content_dir, site.root(), &config);
        assert!(errors.is_empty(), "{errors:?}");
        site::build_cached(content, config.clone(), &ModelOptions::default(), cache).unwrap()
    };
    let mut first = CacheSlot {
        record: true,
        ..CacheSlot::default()
    };
    let before = build(&mut first);
    // Change Hassan's entry only.
    site.write(
        "content/references.bib",
        &BIB.replace(
            "Ending the Coalition Mission",
            "Winding Down the Coalition Mission",
        ),
    );
    let mut second = CacheSlot {
        previous: first.next.take().unwrap(),
        record: true,
        ..CacheSlot::default()
    };
    let after = build(&mut second);
    let rendered = |model: &communique::SiteModel, rel: &str| {
        let page = model.pages.iter().find(|p| p.source.rel == rel).unwrap();
        page.rendered.clone()
    };
    for (rel, rerendered) in [
        ("briefs/talks.md", true),
        ("briefs/other.md", false),
        ("briefs/plain.md", false),
    ] {
        let (old, new) = (rendered(&before, rel), rendered(&after, rel));
        assert_eq!(!Arc::ptr_eq(&old, &new), rerendered, "{rel}");
    }
    let html = &rendered(&after, "briefs/talks.md").html;
    assert!(
        html.contains("Winding down the Coalition Mission"),
        "{html}"
    );
}
