//! Markdown: a page body → [`Rendered`] HTML, table of contents, summary, links and counts.
//!
//! The body is parsed once by pulldown-cmark into a list of events; a chain of transforms then
//! rewrites that list, each with one job, before it is written out as HTML:
//!
//! 1. [`links::resolve`] — `@/path.md#anchor` links become URLs; unknown targets are errors.
//! 2. `raw_html` — applies the raw HTML policy.
//! 3. the summary is cut from the events (before `<!-- more -->`, else the first paragraph).
//! 4. [`headings::assign_ids`] — unique ids, self-links and the table of contents.
//! 5. [`footnotes::collect`] — numbered notes gathered at the end with back-links.
//!
//! A new feature (citations, say) is one more function over the event list, added to
//! [`render`]. Nothing here touches the file system: link targets come through [`LinkResolver`].

pub mod footnotes;
pub mod headings;
pub mod links;

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::config::{MarkdownConfig, RawHtml};
pub use headings::TocEntry;
pub use links::{InternalLink, LinkResolver};

/// An event with the byte range of the source it came from.
pub type Spanned<'a> = (Event<'a>, Range<usize>);

/// Words read per minute, for reading time.
const WORDS_PER_MINUTE: usize = 200;

/// The summary marker.
const MORE_MARKER: &str = "<!-- more -->";

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

/// Renders a page body. Problems (unknown link targets) are returned beside a complete
/// rendering, so later checks still see every heading and link of the body.
pub fn render_with_errors(
    body: &str,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
) -> (Rendered, Vec<MarkdownError>) {
    let mut events: Vec<Spanned<'_>> = Parser::new_ext(body, parser_options(config))
        .into_offset_iter()
        .collect();
    let mut errors = Vec::new();
    let internal_links = links::resolve(&mut events, resolver, &mut errors);
    raw_html(&mut events, config.raw_html);
    let summary = summary_events(&events).map(|e| to_html(e.into_iter()));
    let word_count = count_words(&events);
    let reserved = footnotes::reserved_ids(&events);
    let headings = headings::assign_ids(&mut events, &reserved);
    let note_ids = footnotes::collect(&mut events);
    let mut anchors = headings::ids_of(&headings);
    anchors.extend(note_ids);
    anchors.sort();
    anchors.dedup();
    let rendered = Rendered {
        html: to_html_sized(events.into_iter().map(|(e, _)| e), body.len()),
        summary,
        toc: headings::nest(headings),
        anchors,
        internal_links,
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
    let mut events: Vec<Spanned<'_>> = Parser::new_ext(text, parser_options(config))
        .into_offset_iter()
        .collect();
    let mut errors = Vec::new();
    links::resolve(&mut events, resolver, &mut errors);
    raw_html(&mut events, config.raw_html);
    if !errors.is_empty() {
        return Err(errors);
    }
    let single_paragraph = matches!(events.first(), Some((Event::Start(Tag::Paragraph), _)))
        && matches!(events.last(), Some((Event::End(TagEnd::Paragraph), _)))
        && events
            .iter()
            .filter(|(e, _)| matches!(e, Event::Start(Tag::Paragraph)))
            .count()
            == 1;
    if single_paragraph {
        events.remove(0);
        events.pop();
    }
    Ok(to_html(events.into_iter().map(|(e, _)| e))
        .trim_end()
        .to_string())
}

fn to_html<'a>(events: impl Iterator<Item = Event<'a>>) -> String {
    let mut out = String::new();
    html::push_html(&mut out, events);
    out.shrink_to_fit();
    out
}

/// Like [`to_html`] for a whole body of `source_len` bytes. The HTML is a little longer than
/// its Markdown; reserving that up front saves the copies of a growing string, and the result
/// is trimmed to its length because every page's HTML is held until the page is written.
fn to_html_sized<'a>(events: impl Iterator<Item = Event<'a>>, source_len: usize) -> String {
    let mut out = String::with_capacity(source_len + source_len / 4);
    html::push_html(&mut out, events);
    out.shrink_to_fit();
    out
}

fn is_more_marker(event: &Event<'_>) -> bool {
    matches!(event, Event::Html(s) | Event::InlineHtml(s) if s.trim() == MORE_MARKER)
}

/// Applies the raw HTML policy. The summary marker always stays (it renders as a comment).
fn raw_html(events: &mut [Spanned<'_>], policy: RawHtml) {
    if policy == RawHtml::Allow {
        return;
    }
    for (event, _) in events.iter_mut() {
        if is_more_marker(event) {
            continue;
        }
        if let Event::Html(s) | Event::InlineHtml(s) = event {
            *event = Event::Text(std::mem::replace(s, CowStr::Borrowed("")));
        }
    }
}

/// The events of the summary, cleaned for use out of the page: no note references, no
/// footnote definitions, no heading ids (listings show many summaries on one page).
fn summary_events<'a>(events: &[Spanned<'a>]) -> Option<Vec<Event<'a>>> {
    let marker = events.iter().position(|(e, _)| is_more_marker(e));
    let slice: &[Spanned<'a>] = match marker {
        Some(end) => {
            let end = if end > 0 && matches!(events[end - 1].0, Event::Start(Tag::HtmlBlock)) {
                end - 1
            } else {
                end
            };
            &events[..end]
        }
        None => {
            let start = events
                .iter()
                .position(|(e, _)| matches!(e, Event::Start(Tag::Paragraph)))?;
            let len = events[start..]
                .iter()
                .position(|(e, _)| matches!(e, Event::End(TagEnd::Paragraph)))?;
            &events[start..=start + len]
        }
    };
    let mut out = Vec::with_capacity(slice.len());
    let mut in_definition = 0usize;
    for (event, _) in slice {
        match event {
            Event::Start(Tag::FootnoteDefinition(_)) => in_definition += 1,
            Event::End(TagEnd::FootnoteDefinition) => {
                in_definition = in_definition.saturating_sub(1)
            }
            _ if in_definition > 0 => {}
            Event::FootnoteReference(_) => {}
            Event::Start(Tag::Heading {
                level,
                classes,
                attrs,
                ..
            }) => out.push(Event::Start(Tag::Heading {
                level: *level,
                id: None,
                classes: classes.clone(),
                attrs: attrs.clone(),
            })),
            other => out.push(other.clone()),
        }
    }
    if out
        .iter()
        .all(|e| matches!(e, Event::SoftBreak | Event::HardBreak))
    {
        return None;
    }
    Some(out)
}

fn count_words(events: &[Spanned<'_>]) -> usize {
    events
        .iter()
        .map(|(e, _)| match e {
            Event::Text(t) | Event::Code(t) => words_in(t),
            _ => 0,
        })
        .sum()
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
}
