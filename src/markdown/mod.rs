//! Markdown: a page body → [`Rendered`] HTML, table of contents, summary, links and counts.
//!
//! The body is parsed by pulldown-cmark and its events stream through a chain of transforms,
//! each with one job, straight into the HTML writer; no transform holds more than one heading
//! or the note definitions, so time and memory grow in proportion to the body:
//!
//! 1. [`links::resolve`] — `@/path.md#anchor` links become URLs; unknown targets are errors.
//! 2. [`raw_html::apply`] — the raw HTML policy, and neutralised script URLs.
//! 3. the summary is located (before `<!-- more -->`, else the first paragraph) and words counted.
//! 4. [`headings::Headings`] — unique, safe ids, self-links and the table of contents.
//! 5. [`footnotes::Footnotes`] — numbered notes gathered at the end with back-links.
//!
//! In `sanitize` mode a body with raw HTML is then cleaned whole ([`raw_html::sanitize`]).
//! A new feature (citations, say) is one more step in [`render_with_errors`]. Nothing here
//! touches the file system: link targets come through [`LinkResolver`].

pub mod footnotes;
pub mod headings;
pub mod ids;
pub mod links;
pub mod raw_html;
mod summary;
pub mod urls;

use std::cell::RefCell;
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

use crate::config::{MarkdownConfig, RawHtml};
use footnotes::Footnotes;
use headings::Headings;
pub use headings::TocEntry;
use ids::IdAllocator;
pub use links::{InternalLink, LinkResolver};

/// An event with the byte range of the source it came from.
pub type Spanned<'a> = (Event<'a>, Range<usize>);

/// Words read per minute, for reading time.
const WORDS_PER_MINUTE: usize = 200;

/// A rendered Markdown body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// The body as HTML.
    pub html: String,
    /// HTML of the summary, if the body has any paragraph.
    pub summary: Option<String>,
    /// Headings h2–h3, nested.
    pub toc: Vec<TocEntry>,
    /// Every id the body defines (headings and notes), for anchor checks.
    pub anchors: Vec<String>,
    /// `@/` links found, for anchor checks and dependency tracking.
    pub internal_links: Vec<InternalLink>,
    /// Words in the body.
    pub word_count: usize,
    /// Minutes to read, at least 1.
    pub reading_time: usize,
    /// A hash of everything above, so later stages can tell renderings apart cheaply; 0 until
    /// [`Rendered::fingerprinted`] computes it (only `serve` needs it).
    pub fingerprint: u64,
}

impl Rendered {
    /// This rendering with its fingerprint computed.
    pub fn fingerprinted(mut self) -> Rendered {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        self.html.hash(&mut h);
        self.summary.hash(&mut h);
        self.toc.hash(&mut h);
        self.word_count.hash(&mut h);
        self.fingerprint = h.finish();
        self
    }
}

/// A problem in a Markdown body, at a byte offset of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownError {
    /// Byte offset in the body.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// The pulldown-cmark options for a configuration: the one place Markdown syntax is chosen.
pub fn parser_options(config: &MarkdownConfig) -> Options {
    let mut options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM;
    if config.smart_punctuation {
        options |= Options::ENABLE_SMART_PUNCTUATION;
    }
    options
}

/// Renders a page body. Problems (unknown link targets, unsafe heading ids) are returned beside
/// a complete rendering, so later checks still see every heading and link of the body.
pub fn render_with_errors(
    body: &str,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
) -> (Rendered, Vec<MarkdownError>) {
    let options = parser_options(config);
    let ids = RefCell::new(IdAllocator::with_reserved(ids::reserved_in(body)));
    let mut prepare = Prepare::new(config, resolver);
    let mut kept = Vec::new();
    let mut headings = Vec::new();
    let mut heading_errors = Vec::new();
    let mut anchors = Vec::new();
    let mut html = String::with_capacity(body.len() + body.len() / 4);
    {
        let events = Parser::new_ext(body, options)
            .into_offset_iter()
            .map(|event| prepare.apply(event))
            .inspect(|(event, _)| {
                if kept.len() < summary::LOOKAHEAD {
                    kept.push(event.clone());
                }
            });
        let events = Headings::new(events, &ids, &mut headings, &mut heading_errors);
        let events = Footnotes::new(events, &ids, &mut anchors);
        html::push_html(&mut html, events.map(|(event, _)| event));
    }
    let summary = prepare.summary.summary().and_then(|range| {
        summary::write(range, &kept, || {
            let mut again = Prepare::new(config, resolver);
            Parser::new_ext(body, options)
                .into_offset_iter()
                .map(move |event| again.apply(event).0)
        })
    });
    let sanitize = |html: String| prepare.sanitize(html);
    let (html, summary) = (sanitize(html), summary.map(sanitize));
    anchors.extend(headings.iter().map(|h| h.id.clone()));
    anchors.sort();
    anchors.dedup();
    let mut errors = prepare.errors;
    errors.extend(heading_errors);
    errors.sort_by_key(|e| e.offset);
    let word_count = prepare.words;
    let rendered = Rendered {
        html,
        summary,
        toc: headings::nest(headings),
        anchors,
        internal_links: prepare.links,
        word_count,
        reading_time: word_count.div_ceil(WORDS_PER_MINUTE).max(1),
        fingerprint: 0,
    };
    (rendered, errors)
}

/// Renders a page body; any problem is an error.
pub fn render(
    body: &str,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
) -> Result<Rendered, Vec<MarkdownError>> {
    let (rendered, errors) = render_with_errors(body, config, resolver);
    if errors.is_empty() {
        Ok(rendered)
    } else {
        Err(errors)
    }
}

/// Renders a short piece of Markdown (a key point, say) without the enclosing paragraph.
pub fn render_inline(
    text: &str,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
) -> Result<String, Vec<MarkdownError>> {
    let mut prepare = Prepare::new(config, resolver);
    let mut paragraphs = 0usize;
    let mut first_is_paragraph = None;
    let mut last_is_paragraph_end = false;
    let mut html = String::new();
    {
        let events = Parser::new_ext(text, parser_options(config))
            .into_offset_iter()
            .map(|event| prepare.apply(event).0)
            .map(|event| match event {
                // Without a page around it there is no table of contents to link: an id that is
                // not safe is dropped rather than reported.
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => Event::Start(Tag::Heading {
                    level,
                    id: id.filter(|id| ids::is_safe_id(id)),
                    classes,
                    attrs,
                }),
                other => other,
            })
            .inspect(|event| {
                let start = matches!(event, Event::Start(Tag::Paragraph));
                paragraphs += usize::from(start);
                first_is_paragraph.get_or_insert(start);
                last_is_paragraph_end = matches!(event, Event::End(TagEnd::Paragraph));
            });
        html::push_html(&mut html, events);
    }
    if !prepare.errors.is_empty() {
        return Err(prepare.errors);
    }
    let single_paragraph =
        paragraphs == 1 && first_is_paragraph == Some(true) && last_is_paragraph_end;
    if single_paragraph
        && let Some(inner) = html
            .strip_prefix("<p>")
            .and_then(|rest| rest.strip_suffix("</p>\n"))
    {
        html = inner.to_string();
    }
    Ok(prepare.sanitize(html).trim_end().to_string())
}

/// The first transforms, one event at a time, and what they record: links, errors, words,
/// whether raw HTML stays, and where the summary lies.
struct Prepare<'r> {
    config: &'r MarkdownConfig,
    resolver: &'r dyn LinkResolver,
    links: Vec<InternalLink>,
    errors: Vec<MarkdownError>,
    words: usize,
    raw_html: bool,
    summary: summary::Locator,
}

impl<'r> Prepare<'r> {
    fn new(config: &'r MarkdownConfig, resolver: &'r dyn LinkResolver) -> Self {
        Prepare {
            config,
            resolver,
            links: Vec::new(),
            errors: Vec::new(),
            words: 0,
            raw_html: false,
            summary: summary::Locator::default(),
        }
    }

    fn apply<'a>(&mut self, (mut event, range): Spanned<'a>) -> Spanned<'a> {
        match links::resolve(&mut event, &range, self.resolver) {
            Some(Ok(link)) => self.links.push(link),
            Some(Err(error)) => self.errors.push(error),
            None => {}
        }
        self.raw_html |= raw_html::apply(&mut event, self.config.raw_html);
        if let Event::Text(t) | Event::Code(t) = &event {
            self.words += words_in(t);
        }
        self.summary.see(&event);
        (event, range)
    }

    /// `html` cleaned when the policy is `sanitize` and raw HTML stayed in it.
    fn sanitize(&self, html: String) -> String {
        if self.raw_html && self.config.raw_html == RawHtml::Sanitize {
            raw_html::sanitize(&html, self.config)
        } else {
            html
        }
    }
}

/// Words in a text: runs of non-whitespace, as `str::split_whitespace` counts them. Most text
/// is ASCII, where a byte scan is several times faster than decoding characters (word counting
/// was a tenth of the Markdown stage).
fn words_in(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    let mut words = 0;
    let mut in_word = false;
    for &b in text.as_bytes() {
        // The ASCII characters Unicode calls white space: tab, line feed, vertical tab, form
        // feed, carriage return and space.
        let space = matches!(b, b'\t'..=b'\r' | b' ');
        words += usize::from(!space && !in_word);
        in_word = !space;
    }
    words
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn summary_stops_at_marker() {
        let r = md("First *para*.\n\nSecond.\n\n<!-- more -->\n\nThird.\n");
        let summary = r.summary.unwrap();
        assert!(summary.contains("<em>para</em>"));
        assert!(summary.contains("Second."));
        assert!(!summary.contains("Third"));
    }

    #[test]
    fn summary_defaults_to_first_paragraph() {
        let r = md("# Title\n\nFirst para.\n\nSecond.\n");
        assert_eq!(r.summary.as_deref(), Some("<p>First para.</p>\n"));
    }

    #[test]
    fn words_and_reading_time() {
        let r = md(&"word ".repeat(401));
        assert_eq!(r.word_count, 401);
        assert_eq!(r.reading_time, 3);
    }

    #[test]
    fn word_count_matches_split_whitespace() {
        for text in [
            "",
            " ",
            "one",
            "  two  words ",
            "tab\tand\nnew\x0bline\x0c\r",
            "non-breaking\u{a0}space and \u{3000}ideographic",
            "عربي نص",
        ] {
            assert_eq!(words_in(text), text.split_whitespace().count(), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn word_count_agrees_with_the_standard_library(text in "[ a-z\t\n\r\x0b\x0c\u{a0}\u{2003}é]{0,60}") {
            proptest::prop_assert_eq!(words_in(&text), text.split_whitespace().count());
        }
    }

    #[test]
    fn raw_html_can_be_escaped() {
        let config = MarkdownConfig {
            raw_html: RawHtml::Escape,
            ..MarkdownConfig::default()
        };
        let r = render("<script>x</script>\n\nhi <b>there</b>\n", &config, &NoLinks).unwrap();
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&lt;b&gt;"));
    }

    #[test]
    fn inline_render_drops_the_paragraph() {
        let html = render_inline("a *b*", &MarkdownConfig::default(), &NoLinks).unwrap();
        assert_eq!(html, "a <em>b</em>");
    }

    #[test]
    fn tables_strikethrough_tasks_and_alerts() {
        let r = md(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n\n> [!NOTE]\n> Careful.\n",
        );
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>old</del>"));
        assert!(r.html.contains("checkbox"));
        assert!(r.html.contains("markdown-alert-note"));
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
}
