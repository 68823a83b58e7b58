//! The body against a hostile brief: ids and URLs that try to leave their attributes, raw HTML
//! under each policy, and summaries written from kept events or a second parse.

use super::*;

struct NoLinks;
impl LinkResolver for NoLinks {
    fn resolve(&self, _: &str) -> Option<String> {
        None
    }
}

fn md(body: &str) -> Rendered {
    render(body, &MarkdownConfig::default(), &NoLinks).unwrap()
}

fn with(raw_html: RawHtml) -> MarkdownConfig {
    MarkdownConfig {
        raw_html,
        iframe_hosts: vec!["www.youtube-nocookie.com".to_string()],
        ..MarkdownConfig::default()
    }
}

/// The values of every `name="…"` attribute in `html`.
fn attribute_values<'h>(html: &'h str, name: &str) -> Vec<&'h str> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            &rest[..rest.find('"').unwrap_or(rest.len())]
        })
        .collect()
}

#[test]
fn an_explicit_id_cannot_break_out_of_its_attributes() {
    let body = "## Click {#x\"onmouseover=\"alert(1)\"}\n";
    for mode in [RawHtml::Allow, RawHtml::Escape, RawHtml::Sanitize] {
        let (r, errors) = render_with_errors(body, &with(mode), &NoLinks);
        assert!(!r.html.contains("onmouseover=\""), "{mode:?}: {}", r.html);
        assert_eq!(r.toc[0].id, "x-onmouseover-alert-1");
        assert!(r.anchors.iter().all(|id| ids::is_safe_id(id)));
        assert!(
            r.html.contains("href=\"#x-onmouseover-alert-1\""),
            "{}",
            r.html
        );
        assert_eq!(errors.len(), 1, "{mode:?}");
        assert!(
            errors[0].message.contains("heading id"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].hint, "write it as {#x-onmouseover-alert-1}");
    }
}

#[test]
fn heading_attributes_other_than_id_and_class_go_unless_allowed() {
    let body = "## Hi {.wide onclick=alert(1)}\n";
    let escaped = render(body, &with(RawHtml::Escape), &NoLinks).unwrap();
    assert!(!escaped.html.contains("onclick"), "{}", escaped.html);
    assert!(escaped.html.contains("class=\"wide\""), "{}", escaped.html);
    let allowed = render(body, &with(RawHtml::Allow), &NoLinks).unwrap();
    assert!(allowed.html.contains("onclick"), "{}", allowed.html);
}

#[test]
fn script_urls_are_neutralised_in_escape_and_sanitize_modes() {
    let body = "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](&#106;avascript:alert(1)) \
        <javascript:alert(1)> [d][ref] ![e](data:text/html,x) [f](vbscript:x) \
        ![g](data:image/png;base64,iVBORw0KGgo=) [h](https://example.org/)\n\n\
        [ref]: java%09script:alert(1)\n";
    for mode in [RawHtml::Escape, RawHtml::Sanitize] {
        let r = render(body, &with(mode), &NoLinks).unwrap();
        let urls: Vec<&str> = attribute_values(&r.html, "href")
            .into_iter()
            .chain(attribute_values(&r.html, "src"))
            .collect();
        for url in &urls {
            let lower = url.to_ascii_lowercase();
            assert!(
                !lower.contains("script") && !lower.contains("data:text"),
                "{mode:?}: {url} in {}",
                r.html
            );
        }
        assert!(urls.contains(&"https://example.org/"), "{mode:?}: {urls:?}");
        let data_image = urls.iter().any(|u| u.starts_with("data:image/"));
        assert_eq!(data_image, mode == RawHtml::Sanitize, "{mode:?}: {urls:?}");
    }
    let allowed = render(body, &with(RawHtml::Allow), &NoLinks).unwrap();
    assert!(allowed.html.contains("href=\"javascript:alert(1)\""));
}

#[test]
fn sanitize_keeps_what_briefs_need_across_html_blocks() {
    let body = "Intro <abbr title=\"Popular Mobilization Forces\">PMF</abbr> and <span onclick=\"x()\">text</span>.\n\n\
        <details>\n<summary>Method</summary>\n\n\
        Some **Markdown** inside.\n\n</details>\n\n\
        <script>alert(1)</script>\n\n\
        <iframe src=\"https://www.youtube-nocookie.com/embed/x\" title=\"Video\"></iframe>\n\n\
        <iframe src=\"https://evil.example/x\"></iframe>\n\n\
        ## Heading\n\nText[^1].\n\n[^1]: A note.\n";
    let r = render(body, &with(RawHtml::Sanitize), &NoLinks).unwrap();
    let html = &r.html;
    assert!(
        html.contains("<abbr title=\"Popular Mobilization Forces\">PMF</abbr>"),
        "{html}"
    );
    assert!(
        !html.contains("onclick") && !html.contains("<script"),
        "{html}"
    );
    assert!(
        html.contains("<details>\n<summary>Method</summary>\n<p>Some <strong>Markdown</strong> inside.</p>\n</details>"),
        "{html}"
    );
    assert!(
        html.contains("src=\"https://www.youtube-nocookie.com/embed/x\""),
        "{html}"
    );
    assert!(!html.contains("evil.example"), "{html}");
    assert!(
        html.contains("<a class=\"heading-anchor\" href=\"#heading\""),
        "{html}"
    );
    assert!(html.contains("<li id=\"fn-1\">"), "{html}");
    assert!(
        html.contains("aria-describedby=\"footnotes-label\""),
        "{html}"
    );
}

#[test]
fn the_summary_marker_works_in_every_mode() {
    let body = "First <b>bold</b>.\n\n<!-- more -->\n\nSecond.\n";
    for mode in [RawHtml::Allow, RawHtml::Escape, RawHtml::Sanitize] {
        let r = render(body, &with(mode), &NoLinks).unwrap();
        let summary = r.summary.unwrap();
        assert!(summary.contains("First"), "{mode:?}: {summary}");
        assert!(!summary.contains("Second"), "{mode:?}: {summary}");
        assert!(r.html.contains("Second"), "{mode:?}");
    }
}

#[test]
fn a_summary_past_the_kept_events_is_the_same() {
    // The summary before the marker holds more events than are kept aside, so it is written
    // from a second parse; it must match the one written from kept events.
    let paragraphs = summary::LOOKAHEAD / 3 + 10;
    let long: String = (0..paragraphs)
        .map(|i| format!("Para *{i}*[^n].\n\n"))
        .collect();
    let body = format!("{long}<!-- more -->\n\nAfter.\n\n[^n]: Note.\n");
    let r = md(&body);
    let summary = r.summary.unwrap();
    assert!(
        summary.starts_with("<p>Para <em>0</em>.</p>\n"),
        "{}",
        &summary[..40]
    );
    assert!(summary.contains(&format!("<em>{}</em>", paragraphs - 1)));
    assert!(!summary.contains("After") && !summary.contains("footnote"));
    let short = md("Para *0*[^n].\n\n<!-- more -->\n\n[^n]: Note.\n");
    assert_eq!(short.summary.as_deref(), Some("<p>Para <em>0</em>.</p>\n"));
}

#[test]
fn inline_render_sanitizes_too() {
    let html = render_inline(
        "a <b onclick=\"x\">b</b> [c](javascript:x)",
        &with(RawHtml::Sanitize),
        &NoLinks,
    )
    .unwrap();
    assert_eq!(html, "a <b>b</b> <a>c</a>");
}

proptest::proptest! {
    /// Whatever a brief writes as an explicit id or a heading, every id, self-link and
    /// table-of-contents entry is made of safe characters only.
    #[test]
    fn no_heading_id_escapes_its_attribute(
        id in "[a-z\"'<>&= \\-_.:#/()\u{e9}\u{645}]{1,12}",
        title in "[A-Za-z\"'<>& #]{1,12}",
    ) {
        let body = format!("## {title} {{#{id}}}\n\n## {title}\n\nText[^{id}].\n\n[^{id}]: Note.\n");
        let (r, _) = render_with_errors(&body, &with(RawHtml::Escape), &NoLinks);
        for value in attribute_values(&r.html, "id") {
            proptest::prop_assert!(ids::is_safe_id(value), "{:?} in {}", value, r.html);
        }
        // (A label such as `[^ ]` is no note: the definition makes it an ordinary link.)
        for href in attribute_values(&r.html, "href") {
            if let Some(fragment) = href.strip_prefix('#') {
                proptest::prop_assert!(ids::is_safe_id(fragment), "{:?} in {}", href, r.html);
            }
        }
        for entry in &r.toc {
            proptest::prop_assert!(ids::is_safe_id(&entry.id));
        }
        for anchor in &r.anchors {
            proptest::prop_assert!(ids::is_safe_id(anchor));
        }
    }

    /// A link to any URL never leaves a script or non-image data URL live in escape mode.
    #[test]
    fn no_link_url_runs_script_in_escape_mode(
        scheme in "(java|vb)script|data|JavaScript|DATA",
        noise in "[\t\n\r \u{1}]{0,2}",
        split in 0usize..4,
    ) {
        let split = split.min(scheme.len());
        let url = format!("{}{noise}{}:alert(1)", &scheme[..split], &scheme[split..]);
        let body = format!("[a](<{url}>) ![b](<{url}>) [c][r]\n\n[r]: <{url}>\n");
        let r = render(&body, &with(RawHtml::Escape), &NoLinks).unwrap();
        for value in attribute_values(&r.html, "href").into_iter().chain(attribute_values(&r.html, "src")) {
            proptest::prop_assert!(!urls::is_dangerous(&decode(value), urls::UrlUse::Link, false), "{:?} in {}", value, r.html);
        }
    }
}

/// An attribute value as a browser reads it, for the few character references the writer
/// uses.
fn decode(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn notes_referenced_only_from_notes_are_kept() {
    let r = md("A[^a].\n\n[^a]: See also[^b].\n[^b]: Inner.\n");
    assert!(r.html.contains("<li id=\"fn-b\">"), "{}", r.html);
    assert!(r.html.contains("href=\"#fn-b\""), "{}", r.html);
    assert!(r.anchors.contains(&"fn-b-ref".to_string()));
}

#[test]
fn note_labels_match_without_case() {
    let r = md("A[^Big].\n\n[^big]: Note.\n");
    assert!(r.html.contains("<li id=\"fn-big\">"), "{}", r.html);
}
