use std::path::Path;

use super::*;
use crate::config::MarkdownConfig;
use crate::content::bibliography::{CitationStyle, Citer, parse};
use crate::markdown::{CitationContext, LinkResolver, Rendered, render_cited};

struct NoLinks;
impl LinkResolver for NoLinks {
    fn resolve(&self, _: &str) -> Option<String> {
        None
    }
}

const BIB: &str = r#"
@report{hassan2024,
  author = {Hassan, Layla},
  title = {Ending the Coalition Mission},
  institution = {Tigris Policy Institute},
  date = {2024-01-27},
}
@report{reed2023,
  author = {Reed, Tom},
  title = {A Drawdown <in> Stages},
  institution = {Tigris Policy Institute},
  date = {2023-08-08},
}
"#;

fn render_in(style: &str, body: &str) -> (Rendered, Vec<MarkdownError>) {
    let library = parse(BIB, Path::new("content/references.bib")).unwrap();
    let style = CitationStyle::by_name(style).unwrap();
    let citer = Citer::new(&style, vec![&library]);
    let labels = Labels::default();
    let context = CitationContext {
        formatter: &citer,
        labels: &labels,
    };
    render_cited(body, &MarkdownConfig::default(), &NoLinks, Some(context))
}

fn render(body: &str) -> Rendered {
    let (r, errors) = render_in("chicago-author-date", body);
    assert!(errors.is_empty(), "{errors:?}");
    r
}

fn key(k: &str, locator: Option<(LocatorKind, &str)>) -> Cite {
    Cite {
        key: k.to_string(),
        locator: locator.map(|(kind, v)| Locator {
            kind,
            value: v.to_string(),
        }),
    }
}

#[test]
fn markers_parse_with_locators_and_several_keys() {
    let one = parse_marker("@hassan2024").unwrap().unwrap();
    assert_eq!(one.items, [key("hassan2024", None)]);
    let page = parse_marker("@hassan2024, p. 12").unwrap().unwrap();
    assert_eq!(
        page.items,
        [key("hassan2024", Some((LocatorKind::Page, "12")))]
    );
    let two = parse_marker("@a; @b, chap. 2").unwrap().unwrap();
    assert_eq!(
        two.items,
        [key("a", None), key("b", Some((LocatorKind::Chapter, "2")))]
    );
    let see = parse_marker("see @key, pp. 3–4").unwrap().unwrap();
    assert_eq!(see.prefix.as_deref(), Some("see"));
    assert_eq!(see.items, [key("key", Some((LocatorKind::Page, "3–4")))]);
    let bare = parse_marker("@k, 7").unwrap().unwrap();
    assert_eq!(bare.items, [key("k", Some((LocatorKind::Page, "7")))]);
    let key_with_punctuation = parse_marker("@doe:2020.a").unwrap().unwrap();
    assert_eq!(key_with_punctuation.items[0].key, "doe:2020.a");
}

#[test]
fn not_citations() {
    for inner in [
        "@",
        "a@b.org",
        "mail a@b.org",
        "@ key",
        "@key and more",
        "x",
    ] {
        assert!(parse_marker(inner).is_none(), "{inner}");
    }
    assert!(parse_marker("@key, emphasis added").unwrap().is_err());
    assert!(parse_marker("@a; see @b").unwrap().is_err());
}

#[test]
fn author_date_citation_links_to_its_entry_and_back() {
    let r = render("As argued [@hassan2024, p. 12], the talks moved.\n");
    assert!(
        r.html.contains("<span class=\"citation\" id=\"cite-1\">(<a href=\"#ref-hassan2024\">Hassan 2024, 12</a>)</span>"),
        "{}",
        r.html
    );
    assert!(
        r.html
            .contains("<section class=\"references\" aria-labelledby=\"references\">")
    );
    assert!(r.html.contains("<h2 id=\"references\">References</h2>"));
    assert!(r.html.contains("<li id=\"ref-hassan2024\">"));
    assert!(
        r.html
            .contains("href=\"#cite-1\" class=\"reference-backref\"")
    );
    assert!(
        r.html.contains("<i>Ending the Coalition Mission</i>"),
        "{}",
        r.html
    );
    assert_eq!(r.citations, ["hassan2024"]);
    assert!(r.anchors.contains(&"ref-hassan2024".to_string()));
    assert!(r.anchors.contains(&"cite-1".to_string()));
    assert_ne!(r.citation_fingerprint, 0);
}

#[test]
fn several_keys_link_each_work() {
    let r = render("Both [@hassan2024; @reed2023].\n\nAgain [@reed2023].\n");
    assert!(r.html.contains("href=\"#ref-hassan2024\""));
    assert!(r.html.contains("href=\"#ref-reed2023\""));
    // reed2023 is cited twice: two back-links.
    let entry = &r.html[r.html.find("<li id=\"ref-reed2023\">").unwrap()..];
    let entry = &entry[..entry.find("</li>").unwrap()];
    assert!(
        entry.contains("#cite-1") && entry.contains("#cite-2"),
        "{entry}"
    );
    // Markup in a title is escaped.
    assert!(r.html.contains("&lt;in&gt;"), "{}", r.html);
}

#[test]
fn prefix_is_kept() {
    let r = render("Compare [see @hassan2024, pp. 3–4].\n");
    assert!(
        r.html
            .contains("<span class=\"citation\" id=\"cite-1\">(see <a href=\"#ref-hassan2024\">"),
        "{}",
        r.html
    );
    assert!(r.html.contains("3–4"), "{}", r.html);
}

#[test]
fn numeric_style_numbers_by_first_citation() {
    let (r, errors) = render_in("ieee", "First [@reed2023], then [@hassan2024].\n");
    assert!(errors.is_empty());
    assert!(
        r.html.contains(">[1]</a>") || r.html.contains("[<a href=\"#ref-reed2023\">1</a>]"),
        "{}",
        r.html
    );
    assert!(r.html.contains("reference-label"), "{}", r.html);
    let first = r.html.find("<li id=\"ref-reed2023\">").unwrap();
    let second = r.html.find("<li id=\"ref-hassan2024\">").unwrap();
    assert!(first < second);
    let (r, _) = render_in("ieee", "Compare [see @reed2023].\n");
    assert!(
        r.html.contains("see <span class=\"citation\""),
        "{}",
        r.html
    );
}

#[test]
fn apa_style_formats() {
    let (r, errors) = render_in("apa", "Text [@hassan2024, p. 12].\n");
    assert!(errors.is_empty());
    assert!(r.html.contains("Hassan, 2024, p. 12"), "{}", r.html);
}

#[test]
fn unknown_key_is_an_error_with_a_suggestion() {
    let (r, errors) = render_in("chicago-author-date", "Line one.\n\nSee [@hasan2024].\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].offset, 15);
    assert!(errors[0].message.contains("hasan2024"));
    assert!(errors[0].hint.contains("@hassan2024"), "{}", errors[0].hint);
    assert!(r.html.contains("[@hasan2024]"));
    assert_eq!(r.citations, ["hasan2024"]);
}

#[test]
fn code_links_addresses_and_escapes_are_left_alone() {
    let body = "`[@hassan2024]` and\n\n```\n[@hassan2024]\n```\n\n[x [@hassan2024]](https://e.org) [mail a@b.org] [@] \\[\\@hassan2024]\n";
    let r = render(body);
    assert!(!r.html.contains("class=\"citation\""), "{}", r.html);
    assert!(!r.html.contains("class=\"references\""));
    assert!(r.html.contains("[mail a@b.org]"));
    assert!(r.citations.is_empty());
}

#[test]
fn a_citation_across_lines_is_found() {
    let r = render("See [@hassan2024;\n@reed2023] here.\n");
    assert!(r.html.contains("class=\"citation\""), "{}", r.html);
}

#[test]
fn summary_has_the_citation_without_links() {
    let r = render("Claim [@hassan2024].\n\nMore.\n");
    let summary = r.summary.unwrap();
    assert!(summary.contains("(Hassan 2024)"), "{summary}");
    assert!(!summary.contains("href"), "{summary}");
}

#[test]
fn without_a_bibliography_markers_stay_text() {
    let r = crate::markdown::render("See [@hassan2024].\n", &MarkdownConfig::default(), &NoLinks)
        .unwrap();
    assert!(r.html.contains("[@hassan2024]"));
    assert_eq!(r.citations, ["hassan2024"]);
    assert_eq!(r.citation_fingerprint, 0);
}

#[test]
fn sanitize_mode_keeps_citations() {
    let library = parse(BIB, Path::new("content/references.bib")).unwrap();
    let style = CitationStyle::by_name("chicago-author-date").unwrap();
    let citer = Citer::new(&style, vec![&library]);
    let labels = Labels::default();
    let config = MarkdownConfig {
        raw_html: crate::config::RawHtml::Sanitize,
        ..MarkdownConfig::default()
    };
    let context = CitationContext {
        formatter: &citer,
        labels: &labels,
    };
    let (r, _) = render_cited(
        "<b>Bold</b> claim [@hassan2024].\n",
        &config,
        &NoLinks,
        Some(context),
    );
    assert!(
        r.html
            .contains("(<a href=\"#ref-hassan2024\">Hassan 2024</a>)"),
        "{}",
        r.html
    );
}

#[test]
fn many_citations_take_near_linear_time() {
    let library = parse(BIB, Path::new("content/references.bib")).unwrap();
    let style = CitationStyle::by_name("chicago-author-date").unwrap();
    let citer = Citer::new(&style, vec![&library]);
    let labels = Labels::default();
    crate::test_support::assert_near_linear(
        "citations",
        30,
        |n| "A claim [@hassan2024, p. 4] and another [@reed2023; @hassan2024].\n\n".repeat(n),
        |body| {
            let context = CitationContext {
                formatter: &citer,
                labels: &labels,
            };
            render_cited(body, &MarkdownConfig::default(), &NoLinks, Some(context));
        },
    );
}

#[test]
fn placeholders_are_replaced_once() {
    let out = replace_placeholders("a\u{FDD0}0\u{FDD1}b\u{FDD0}9\u{FDD1}c\u{FDD0}", |n| {
        (n == 0).then_some("X")
    });
    assert_eq!(out, "aXb\u{FDD0}9\u{FDD1}c\u{FDD0}");
}

#[test]
#[ignore = "measurement: cargo test --lib -- --ignored citation_cost --nocapture"]
fn citation_cost() {
    let library = parse(BIB, Path::new("content/references.bib")).unwrap();
    let t = std::time::Instant::now();
    let style = CitationStyle::by_name("chicago-author-date").unwrap();
    println!("style load: {:?}", t.elapsed());
    let citer = Citer::new(&style, vec![&library]);
    let labels = Labels::default();
    for n in [10usize, 200, 400, 800] {
        let body = "A claim [@hassan2024, p. 4].\n\n".repeat(n);
        let context = CitationContext {
            formatter: &citer,
            labels: &labels,
        };
        let t = std::time::Instant::now();
        render_cited(&body, &MarkdownConfig::default(), &NoLinks, Some(context));
        let cited = t.elapsed();
        let plain = body.replace("[@hassan2024, p. 4]", "(Hassan 2024, 4)");
        let t = std::time::Instant::now();
        render_cited(&plain, &MarkdownConfig::default(), &NoLinks, None);
        let uncited = t.elapsed();
        println!(
            "{n} citations: {cited:?} with, {uncited:?} without: {:?} per citation",
            (cited - uncited) / n as u32
        );
    }
}

#[test]
fn a_citation_in_a_heading_stays_as_written() {
    let r = render("## Background [@hassan2024]\n\nText.\n");
    assert_eq!(r.toc[0].title, "Background [@hassan2024]");
    assert!(!r.html.contains("class=\"citation\""), "{}", r.html);
}
