use super::*;
use crate::config::MarkdownConfig;

struct Links;
impl LinkResolver for Links {
    fn resolve(&self, rel: &str) -> Option<String> {
        (rel == "briefs/b.md").then(|| "https://x.org/briefs/b/".to_string())
    }
}

fn convert_with(text: &str, citations: Option<&[String]>) -> String {
    let config = MarkdownConfig::default();
    let absolute = |url: &str| {
        if url.contains("://") {
            url.to_string()
        } else {
            format!("https://x.org/briefs/a/{url}")
        }
    };
    let image = |url: &str| (url == "chart.png").then(|| "/content/briefs/a/chart.png".to_string());
    let options = Options {
        markdown: &config,
        resolver: &Links,
        absolute_url: &absolute,
        image_path: &image,
        citations,
    };
    body(text, &options)
}

fn convert(text: &str) -> String {
    convert_with(text, None)
}

#[test]
fn paragraphs_headings_and_inline_styles() {
    let out = convert("## Why *now*\n\nA **bold** and `c#de` step.\n\nNext.\n");
    assert_eq!(
        out,
        "= Why #emph[now]\n\nA #strong[bold] and #raw(\"c#de\") step.\n\nNext."
    );
}

#[test]
fn text_after_a_call_cannot_continue_it() {
    assert_eq!(
        convert("*a*.b and *c*(d)"),
        "#emph[a]\\.b and #emph[c]\\(d)"
    );
}

#[test]
fn links_are_absolute_and_internal_links_resolved() {
    let out = convert("[next](@/briefs/b.md) and [annex](annex/) and [x](https://e.org/a_b)");
    assert_eq!(
        out,
        "#link(\"https://x.org/briefs/b/\")[next] and #link(\"https://x.org/briefs/a/annex/\")[annex] and #link(\"https://e.org/a_b\")[x]"
    );
}

#[test]
fn lists_nest_and_keep_their_numbers() {
    let out = convert("- one\n- two\n  1. a\n  2. b\n\n3. three\n");
    assert_eq!(
        out,
        "#list(tight: true, [one], [two\n\n#enum(start: 1, tight: true, [a], [b])])\n\n#enum(start: 3, tight: true, [three])"
    );
}

#[test]
fn footnotes_are_set_where_they_are_referenced() {
    let out = convert("Claim[^a]. Again[^a].\n\n[^a]: The *source*.\n");
    assert_eq!(
        out,
        "Claim#footnote[The #emph[source]\\.]<note-1>\\. Again#footnote(<note-1>)\\."
    );
}

#[test]
fn tables_images_quotes_and_code() {
    let out = convert(
        "| a | b |\n|:-|-:|\n| 1 | *2* |\n\n![A chart](chart.png \"Figure 1\")\n\n![gone](http://e.org/x.png)\n\n> [!NOTE]\n> Mind it.\n\n```rust\nlet x = \"1\";\n```\n",
    );
    assert!(
        out.contains(
            "#table(columns: 2, align: (left, right,), table.header([a], [b]), [1], [#emph[2]])"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "#figure(image(\"/content/briefs/a/chart.png\", alt: \"A chart\"), caption: [Figure 1])"
        ),
        "{out}"
    );
    assert!(out.contains("#emph[gone]"), "{out}");
    assert!(
        out.contains("#quote(block: true)[#strong[Note] \\\nMind it.] <callout>"),
        "{out}"
    );
    assert!(
        out.contains("#raw(block: true, lang: \"rust\", \"let x = \\\"1\\\";\\n\")"),
        "{out}"
    );
}

#[test]
fn citations_come_from_the_formatted_html() {
    let cited = ["(Hassan 2024)".to_string()];
    let out = convert_with("As shown [@hassan2024].\n", Some(&cited));
    assert_eq!(out, "As shown (Hassan 2024).");
    // Without a bibliography the marker stays as written, escaped.
    assert_eq!(
        convert("As shown [@hassan2024]."),
        "As shown \\[\\@hassan2024\\]."
    );
}

#[test]
fn converting_grows_linearly() {
    let block = "## Part\n\nText with *emphasis*, a [link](https://e.org) and a note[^n].\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n> quoted\n\n[^n]: Note text.\n\n";
    crate::test_support::assert_near_linear(
        "Markdown to Typst",
        1000,
        |n| block.repeat(n),
        |text| {
            let out = convert(text);
            assert!(out.contains("#footnote"));
        },
    );
}
