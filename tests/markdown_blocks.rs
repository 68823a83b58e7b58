//! Callouts, figures and table boxes, built through the default theme: GFM alerts become
//! labelled `role="note"` asides worded by `[strings]`, titled images alone in a paragraph become
//! figures, tables scroll in a focusable region; `config.strings` reaches templates; an unknown
//! `[strings]` key is an error with its line and a suggestion.

mod common;

use common::*;

const CONFIG: &str = "title = \"T\"\nbase_url = \"https://x.org\"\n\n[strings]\nalert_warning = \"Avertissement\"\ntable_label = \"Tableau {n}\"\n";

const BRIEF: &str = "+++\ntitle = \"Blocks\"\ndate = 2024-01-01\n+++\n\nOpening paragraph.\n\n\
> [!NOTE]\n> A note with a [link](https://example.org).\n\n\
> [!WARNING]\n> Watch out.\n>\n> - first\n> - second\n\n\
> [!TIP]\n> A tip.\n\n> [!IMPORTANT]\n> Important.\n\n> [!CAUTION]\n> Careful.\n\n\
> Just a quote.\n\n\
![Bars of attacks by month](chart.svg \"Attacks by month, illustrative\")\n\n\
Text with ![an icon](icon.svg \"Icon\") inline.\n\n\
![No title](plain.svg)\n\n\
| Area | Indicator |\n|---|---|\n| Threat | Attacks |\n\n\
| Second | Table |\n|---|---|\n| a | b |\n";

/// A site with one brief using every block, built with the default theme.
fn built() -> Site {
    let site = Site::empty();
    site.write("communique.toml", CONFIG);
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write("content/briefs/blocks/index.md", BRIEF);
    site.write(
        "content/briefs/blocks/chart.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"/>",
    );
    site.build_ok(&[]);
    site
}

#[test]
fn callouts_figures_and_tables_in_a_built_brief() {
    let site = built();
    let html = site.html("briefs/blocks/index.html");

    let callouts = select(&html, "aside.callout[role=note]");
    assert_eq!(callouts.len(), 5);
    let warning = one(&html, "aside.callout-warning");
    assert_eq!(attr(warning, "aria-label"), "Avertissement");
    assert_eq!(
        text(one(&html, "aside.callout-warning > p.callout-label")),
        "Avertissement"
    );
    assert_eq!(select(&html, "aside.callout-warning li").len(), 2);
    assert_eq!(
        text(one(&html, "aside.callout-note > p.callout-label")),
        "Note"
    );
    assert_eq!(
        hrefs(&html, "aside.callout-note a"),
        ["https://example.org"]
    );
    assert_eq!(select(&html, ".brief-body blockquote").len(), 1);

    let figure = one(&html, "figure");
    let img = one(&html, "figure > img");
    assert_eq!(attr(img, "src"), "chart.svg");
    assert_eq!(attr(img, "alt"), "Bars of attacks by month");
    assert!(img.value().attr("title").is_none());
    assert_eq!(
        text(one(&html, "figure > figcaption")),
        "Attacks by month, illustrative"
    );
    assert_ne!(
        figure
            .parent()
            .and_then(scraper::ElementRef::wrap)
            .map(|p| p.value().name()),
        Some("p")
    );
    assert_eq!(attr(one(&html, "p > img[src='icon.svg']"), "title"), "Icon");
    one(&html, "p > img[src='plain.svg']");
    assert!(site.has_output("briefs/blocks/chart.svg"));

    let boxes = select(&html, "div.table-scroll[role=region][tabindex='0'] > table");
    assert_eq!(boxes.len(), 2);
    let labels: Vec<String> = select(&html, "div.table-scroll")
        .into_iter()
        .map(|d| attr(d, "aria-label"))
        .collect();
    assert_eq!(labels, ["Tableau 1", "Tableau 2"]);
}

#[test]
fn templates_read_the_strings() {
    let site = Site::empty();
    site.write("communique.toml", CONFIG);
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write(
        "templates/index.html",
        "<!doctype html><html lang=\"en\"><title>T</title><p id=\"w\">{{ config.strings.alert_warning }}</p><p id=\"c\">{{ config.strings.cite_this }}</p></html>",
    );
    site.build_ok(&[]);
    let html = site.html("index.html");
    assert_eq!(text(one(&html, "#w")), "Avertissement");
    assert_eq!(text(one(&html, "#c")), "Cite this brief");
}

#[test]
fn an_unknown_strings_key_is_an_error_with_line_and_suggestion() {
    let site = built();
    let before = site.output_snapshot();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://x.org\"\n\n[strings]\nalert_note = \"N\"\nalert_cuation = \"C\"\n",
    );
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("unknown key \"alert_cuation\""), "{err}");
    assert!(err.contains("communique.toml:6:"), "{err}");
    assert!(err.contains("did you mean \"alert_caution\"?"), "{err}");
    assert_eq!(site.output_snapshot(), before);
}
