//! GFM alerts (`> [!NOTE]`, `> [!WARNING]`, …) become callouts with a visible, translatable
//! label. pulldown-cmark recognises the syntax (`Options::ENABLE_GFM`); this only chooses the
//! markup.
//!
//! Markup: `<aside class="callout callout-note" role="note" aria-label="Note">` with the label
//! as a visible `<p class="callout-label">`. `role="note"` ("parenthetic or ancillary content")
//! is the ARIA role for this, and is allowed on `<aside>`; it also keeps a callout from being a
//! `complementary` landmark, which belongs to whole-page asides. Warnings and cautions use
//! `note` too: `role="alert"` is a live region that a screen reader announces the moment the
//! page loads, meant for messages that appear while the page is in use, not for static text.
//! Their urgency is carried by the visible label, which the stylesheet does not hide, and the
//! class, so colour is never the only cue.

use pulldown_cmark::{BlockQuoteKind, CowStr, Event, Tag, TagEnd};

use crate::config::Strings;
use crate::diagnostics::escape_html;

/// The callout for an alert's start or end; any other event is returned as it is.
pub fn callout<'a>(event: Event<'a>, strings: &Strings) -> Event<'a> {
    match event {
        Event::Start(Tag::BlockQuote(Some(kind))) => {
            let (name, label) = kind_and_label(kind, strings);
            let label = escape_html(label);
            Event::Html(CowStr::from(format!(
                "<aside class=\"callout callout-{name}\" role=\"note\" aria-label=\"{label}\">\n<p class=\"callout-label\">{label}</p>\n"
            )))
        }
        Event::End(TagEnd::BlockQuote(Some(_))) => Event::Html(CowStr::Borrowed("</aside>\n")),
        other => other,
    }
}

/// The class suffix and the label of an alert kind.
fn kind_and_label(kind: BlockQuoteKind, strings: &Strings) -> (&'static str, &str) {
    match kind {
        BlockQuoteKind::Note => ("note", &strings.alert_note),
        BlockQuoteKind::Tip => ("tip", &strings.alert_tip),
        BlockQuoteKind::Important => ("important", &strings.alert_important),
        BlockQuoteKind::Warning => ("warning", &strings.alert_warning),
        BlockQuoteKind::Caution => ("caution", &strings.alert_caution),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::md;
    use crate::config::{MarkdownConfig, Strings};
    use crate::markdown::{LinkResolver, render};

    #[test]
    fn each_kind_is_a_labelled_note() {
        for (marker, class, label) in [
            ("NOTE", "callout-note", "Note"),
            ("TIP", "callout-tip", "Tip"),
            ("IMPORTANT", "callout-important", "Important"),
            ("WARNING", "callout-warning", "Warning"),
            ("CAUTION", "callout-caution", "Caution"),
        ] {
            let html = md(&format!("> [!{marker}]\n> Mind the *gap*.\n")).html;
            assert_eq!(
                html,
                format!(
                    "<aside class=\"callout {class}\" role=\"note\" aria-label=\"{label}\">\n\
                     <p class=\"callout-label\">{label}</p>\n<p>Mind the <em>gap</em>.</p>\n</aside>\n"
                )
            );
        }
    }

    #[test]
    fn a_plain_quote_stays_a_blockquote() {
        let html = md("> Said plainly.\n").html;
        assert!(html.starts_with("<blockquote>"), "{html}");
        assert!(!html.contains("aside"), "{html}");
    }

    #[test]
    fn nested_content_and_quotes_close_in_order() {
        let body = "> [!WARNING]\n> First.\n>\n> - a list\n> - of two\n>\n> > A quote inside.\n>\n> | a |\n> |---|\n> | 1 |\n\nAfter.\n";
        let html = md(body).html;
        let open = html.find("<aside").unwrap();
        let quote = html.find("<blockquote>").unwrap();
        let quote_end = html.find("</blockquote>").unwrap();
        let table = html.find("<table>").unwrap();
        let close = html.find("</aside>").unwrap();
        assert!(open < quote && quote < quote_end && quote_end < table && table < close);
        assert!(html.contains("<li>of two</li>"));
        assert!(html[close..].contains("<p>After.</p>"));
        assert_eq!(html.matches("</aside>").count(), 1);
    }

    #[test]
    fn labels_are_translated_and_escaped() {
        struct NoLinks;
        impl LinkResolver for NoLinks {
            fn resolve(&self, _: &str) -> Option<String> {
                None
            }
        }
        let config = MarkdownConfig {
            strings: std::sync::Arc::new(Strings {
                alert_note: "Remarque <b>\"".to_string(),
                ..Strings::default()
            }),
            ..MarkdownConfig::default()
        };
        let html = render("> [!NOTE]\n> x\n", &config, &NoLinks).unwrap().html;
        assert!(
            html.contains("aria-label=\"Remarque &lt;b&gt;&quot;\""),
            "{html}"
        );
        assert!(html.contains(">Remarque &lt;b&gt;&quot;</p>"), "{html}");
    }
}
