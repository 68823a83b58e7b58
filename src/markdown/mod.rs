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
//! 6. [`blocks`] — GFM alerts become callouts ([`alerts`]), titled images alone in a paragraph
//!    figures ([`figures`]), and tables scroll in their own box ([`tables`]).
//! 7. [`images::Images`] — images get their size and, after the first, lazy loading (not in the
//!    summary, which listings show small).
//! 8. [`citations::Citations`] — `[@key]` markers (found before step 1, in text only) become
//!    citations in the site's style once the body is written, with a reference list at the end.
//!
//! The words these write (callout labels, note back-links) come from the site's `[strings]`,
//! which reach this stage as [`MarkdownConfig::strings`].
//!
//! In `sanitize` mode a body with raw HTML is then cleaned whole ([`raw_html::sanitize`]).
//! A new feature (citations, say) is one more step in [`render_with_errors`]. Nothing here
//! touches the file system: link targets come through [`LinkResolver`].

pub mod alerts;
pub mod citations;
pub mod figures;
pub mod footnotes;
pub mod headings;
pub mod ids;
pub mod images;
pub mod links;
pub mod raw_html;
pub mod shortcodes;
mod summary;
pub mod tables;
pub mod urls;

#[cfg(test)]
mod safety_tests;

use std::cell::RefCell;
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

use crate::config::{MarkdownConfig, RawHtml, Strings};
use crate::diagnostics::escape_html;
use citations::Citations;
pub use citations::{CitationFormatter, Labels as CitationLabels};
use figures::Figures;
use footnotes::Footnotes;
use headings::Headings;
pub use headings::TocEntry;
use ids::IdAllocator;
pub use links::{InternalLink, LinkResolver, StaticLink};
use raw_html::MORE_MARKER;
use tables::Tables;

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
    /// `@static/` links found: files the site must copy.
    pub static_links: Vec<StaticLink>,
    /// Words in the body.
    pub word_count: usize,
    /// Minutes to read, at least 1.
    pub reading_time: usize,
    /// Keys cited (known or not), in order, repeats removed: a bibliography edit re-renders
    /// the pages citing a changed entry.
    pub citations: Vec<String>,
    /// [`CitationFormatter::fingerprint`] of [`Rendered::citations`] when rendered.
    pub citation_fingerprint: u64,
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

/// How a body's citations are formatted: the site's style and bibliography, and the words of
/// the reference list.
#[derive(Clone, Copy)]
pub struct CitationContext<'a> {
    /// Formats citations and reference entries.
    pub formatter: &'a dyn CitationFormatter,
    /// The reference list's heading.
    pub labels: &'a CitationLabels,
}

/// Renders a page body. Problems (unknown link targets, unsafe heading ids) are returned beside
/// a complete rendering, so later checks still see every heading and link of the body.
pub fn render_with_errors(
    body: &str,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
) -> (Rendered, Vec<MarkdownError>) {
    render_cited(body, config, resolver, None)
}

/// Like [`render_with_errors`], with `[@key]` citations formatted by `citations` (without it,
/// citation markers stay text).
pub fn render_cited(
    body: &str,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
    citations: Option<CitationContext<'_>>,
) -> (Rendered, Vec<MarkdownError>) {
    render_page_body(body, config, resolver, citations, &images::NoSizes)
}

/// Like [`render_cited`], with the sizes of local images from `image_sizes`.
pub fn render_page_body(
    body: &str,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
    citations: Option<CitationContext<'_>>,
    image_sizes: &dyn images::ImageSizes,
) -> (Rendered, Vec<MarkdownError>) {
    let found = images::Found::default();
    let options = parser_options(config);
    let formatter = citations.map(|c| c.formatter);
    let mut cites = Citations::new(
        Parser::new_ext(body, options).into_offset_iter(),
        body,
        formatter,
    );
    let ids = RefCell::new(IdAllocator::with_reserved(ids::reserved_in(body)));
    let mut prepare = Prepare::new(config, resolver);
    prepare.images = Some((image_sizes, &found));
    let mut kept = Vec::new();
    let mut headings = Vec::new();
    let mut heading_errors = Vec::new();
    let mut anchors = Vec::new();
    let mut html = String::with_capacity(body.len() + body.len() / 4);
    // The summary ends at the first `<!-- more -->` marker or, in a body without one, with the
    // first paragraph: the events after that need no copy, nor the drop of the copy (up to
    // 2,048 of each per body).
    let marker_possible = memchr::memmem::find(body.as_bytes(), MORE_MARKER.as_bytes()).is_some();
    let mut keeping = true;
    {
        let events = cites
            .by_ref()
            .map(|event| prepare.apply(event))
            .inspect(|(event, _)| {
                if keeping && kept.len() < summary::LOOKAHEAD {
                    kept.push(event.clone());
                    keeping = !raw_html::is_more_marker(event)
                        && (marker_possible || !matches!(event, Event::End(TagEnd::Paragraph)));
                }
            });
        let strings = &config.strings;
        let events = Headings::new(events, &ids, strings, &mut headings, &mut heading_errors);
        let events = Footnotes::new(events, &ids, strings, &mut anchors);
        let events = blocks(events.map(|(event, _)| event), strings);
        html::push_html(&mut html, images::Images::new(events, &found));
    }
    let summary = prepare.summary.summary().and_then(|range| {
        summary::write(range, &kept, &config.strings, || {
            let mut again = Prepare::new(config, resolver);
            let events = Parser::new_ext(body, options).into_offset_iter();
            Citations::new(events, body, formatter).map(move |event| again.apply(event).0)
        })
    });
    let sanitize = |html: String| prepare.sanitize(html);
    let (mut html, mut summary) = (sanitize(html), summary.map(sanitize));
    if let Some(context) = citations.filter(|_| !cites.found.is_empty()) {
        let finished = citations::finish(
            &cites.found,
            context.formatter,
            &ids,
            &mut anchors,
            context.labels,
        );
        html = finished.substitute(&html, true);
        html.push_str(&finished.section);
        summary = summary.map(|s| finished.substitute(&s, false));
    }
    // Every page's HTML is held until the page is written: give back the spare capacity
    // reserved above (a quarter of the body, or up to half the string after a regrowth).
    html.shrink_to_fit();
    anchors.extend(headings.iter().map(|h| h.id.clone()));
    anchors.sort();
    anchors.dedup();
    let mut errors = prepare.errors;
    errors.extend(heading_errors);
    errors.append(&mut cites.errors);
    let mut cited = std::mem::take(&mut cites.keys);
    let mut seen = std::collections::HashSet::new();
    cited.retain(|key| seen.insert(key.clone()));
    let citation_fingerprint = formatter.map_or(0, |f| f.fingerprint(&cited));
    errors.sort_by_key(|e| e.offset);
    let word_count = prepare.words;
    let rendered = Rendered {
        html,
        summary,
        toc: headings::nest(headings),
        anchors,
        internal_links: prepare.links,
        static_links: prepare.static_links,
        word_count,
        reading_time: word_count.div_ceil(WORDS_PER_MINUTE).max(1),
        citations: cited,
        citation_fingerprint,
        fingerprint: 0,
    };
    (rendered, errors)
}

/// The block transforms that only change markup: callouts, figures and table boxes. The
/// summary goes through them too, so it looks as it does in the page.
pub fn blocks<'a, 's>(
    events: impl Iterator<Item = Event<'a>> + 's,
    strings: &'s Strings,
) -> impl Iterator<Item = Event<'a>> + 's
where
    'a: 's,
{
    let callouts = events.map(|event| alerts::callout(event, strings));
    Tables::new(Figures::new(callouts), strings)
}

/// `template` (an interface string from `[strings]`) as HTML, its `placeholder` replaced by
/// `value`: both are escaped, and the value is not searched for placeholders again.
pub(crate) fn placeholder(template: &str, placeholder: &str, value: &str) -> String {
    escape_html(template).replace(placeholder, &escape_html(value))
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
    if is_plain_sentence(text) {
        return Ok(text.to_string());
    }
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

/// Whether `text` renders inline as itself: letters, digits, single spaces and hyphens and the
/// punctuation Markdown gives no meaning to, starting with a letter (so no block can start) and
/// ending with neither space nor hyphen. Most key points and recommendations are such plain
/// sentences, and a parser, writer and transforms for each cost about 7,000 instructions.
fn is_plain_sentence(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if !first.is_alphabetic() || text.ends_with([' ', '-']) {
        return false;
    }
    let mut previous = 0;
    for byte in text.bytes() {
        let plain = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b' ' | b'-' | b'.' | b',' | b';' | b':' | b'?' | b'(' | b')' | b'%'
            )
            || !byte.is_ascii();
        // A space or hyphen twice is a line break or an en dash (smart punctuation), two dots
        // may be half an ellipsis.
        let doubled = byte == previous && matches!(byte, b' ' | b'-' | b'.');
        if !plain || doubled {
            return false;
        }
        previous = byte;
    }
    text.is_ascii() || text.chars().all(|c| c.is_ascii() || c.is_alphanumeric())
}

/// The first transforms, one event at a time, and what they record: links, errors, words,
/// whether raw HTML stays, and where the summary lies.
struct Prepare<'r> {
    config: &'r MarkdownConfig,
    resolver: &'r dyn LinkResolver,
    links: Vec<InternalLink>,
    static_links: Vec<StaticLink>,
    errors: Vec<MarkdownError>,
    words: usize,
    raw_html: bool,
    summary: summary::Locator,
    /// Where image sizes come from and where those found go (the body only).
    images: Option<(&'r dyn images::ImageSizes, &'r images::Found)>,
}

impl<'r> Prepare<'r> {
    fn new(config: &'r MarkdownConfig, resolver: &'r dyn LinkResolver) -> Self {
        Prepare {
            config,
            resolver,
            links: Vec::new(),
            static_links: Vec::new(),
            errors: Vec::new(),
            words: 0,
            raw_html: false,
            summary: summary::Locator::default(),
            images: None,
        }
    }

    fn apply<'a>(&mut self, (mut event, range): Spanned<'a>) -> Spanned<'a> {
        // An image's size is found from its URL as written, before links are rewritten.
        let written = self
            .images
            .and_then(|_| images::image_url(&event).map(str::to_string));
        // Before `@/` links are resolved: their URLs carry the base path already.
        let (base_path, rewrite) = (&self.config.base_path, self.config.rewrite_root_links);
        if let Some(link) = links::rewrite_site_paths(&mut event, &range, base_path, rewrite) {
            self.static_links.push(link);
        }
        match links::resolve(&mut event, &range, self.resolver) {
            Some(Ok(link)) => self.links.push(link),
            Some(Err(error)) => self.errors.push(error),
            None => {}
        }
        self.raw_html |= raw_html::apply(&mut event, self.config.raw_html);
        if let (Some((sizes, found)), Some(written), Some(url)) =
            (self.images, written, images::image_url(&event))
        {
            found.record(sizes, &written, url);
        }
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
/// was a tenth of the Markdown stage), and eight bytes at a time faster again: byte by byte it
/// was still half of `Prepare::apply`'s own instructions.
fn words_in(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    let (chunks, rest) = text.as_bytes().as_chunks::<8>();
    let mut words = 0;
    // Bit 7 set when the byte before the next chunk is white space (the text's start counts).
    let mut space_before = 0x80;
    for chunk in chunks {
        let space = ascii_space_bits(u64::from_le_bytes(*chunk));
        // A word starts at a byte that is not white space right after one that is.
        let after_space = (space << 8) | space_before;
        words += (!space & after_space & HIGH_BITS).count_ones() as usize;
        space_before = space >> 56;
    }
    let mut in_word = space_before == 0;
    for &b in rest {
        let space = is_ascii_space(b);
        words += usize::from(!space && !in_word);
        in_word = !space;
    }
    words
}

/// Bit 7 of each byte.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The ASCII characters Unicode calls white space: tab, line feed, vertical tab, form feed,
/// carriage return and space.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// Bit 7 set in each byte of `x` (eight ASCII bytes) that [`is_ascii_space`]. Each byte is below
/// 0x80, so adding less than 0x80 to it never carries into the next byte.
fn ascii_space_bits(x: u64) -> u64 {
    const fn each(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    // A byte is a space when `b ^ 0x20` is zero, i.e. adding 0x7f leaves bit 7 clear.
    let space = !((x ^ each(b' ')) + each(0x7f));
    // `b + (0x80 - 9)` has bit 7 set from `\t` up, `b + (0x80 - 14)` from past `\r` up.
    let tab_to_cr = (x + each(0x80 - b'\t')) & !(x + each(0x80 - b'\r' - 1));
    (space | tab_to_cr) & HIGH_BITS
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) struct NoLinks;
    impl LinkResolver for NoLinks {
        fn resolve(&self, _: &str) -> Option<String> {
            None
        }
    }

    /// `body` rendered with the default configuration.
    pub(crate) fn md(body: &str) -> Rendered {
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

        #[test]
        fn ascii_word_count_agrees_with_the_standard_library(text in "[ a-z.\t\n\r\x0b\x0c\x08\x0e\x1f!~]{0,70}") {
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

    proptest::proptest! {
        #[test]
        fn plain_sentences_render_inline_as_themselves(
            text in "[a-zA-Zé-][ a-zA-Z0-9é.,;:?()%\u{a0}\u{661}-]{0,30}[a-z.)]?",
            smart_punctuation: bool,
        ) {
            let config = MarkdownConfig { smart_punctuation, ..MarkdownConfig::default() };
            let rendered = render_inline(&text, &config, &NoLinks).unwrap();
            if is_plain_sentence(&text) {
                let mut prepare = Prepare::new(&config, &NoLinks);
                let mut html = String::new();
                let events = Parser::new_ext(&text, parser_options(&config))
                    .into_offset_iter()
                    .map(|event| prepare.apply(event).0);
                html::push_html(&mut html, events);
                proptest::prop_assert_eq!(format!("<p>{rendered}</p>\n"), html);
            }
        }
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
        assert!(r.html.contains("callout-note"));
    }

    #[test]
    fn the_summary_shows_callouts_as_the_page_does() {
        let r = md("> [!TIP]\n> Read the annex.\n\n<!-- more -->\n\nRest.\n");
        let summary = r.summary.unwrap();
        assert!(
            summary.contains("<aside class=\"callout callout-tip\""),
            "{summary}"
        );
    }

    #[test]
    fn callouts_and_table_boxes_survive_sanitize_mode() {
        let config = MarkdownConfig {
            raw_html: RawHtml::Sanitize,
            ..MarkdownConfig::default()
        };
        // The raw `<b>` makes the whole body go through the cleaner.
        let body = "<b>raw</b>\n\n> [!CAUTION]\n> Careful.\n\n![a](c.svg \"Cap\")\n\n| a |\n|---|\n| 1 |\n";
        let html = render(body, &config, &NoLinks).unwrap().html;
        for kept in [
            "<aside class=\"callout callout-caution\" role=\"note\" aria-label=\"Caution\">",
            "<p class=\"callout-label\">Caution</p>",
            "<figcaption>Cap</figcaption>",
            "<div class=\"table-scroll\" role=\"region\" aria-label=\"Table 1\" tabindex=\"0\">",
        ] {
            assert!(html.contains(kept), "{kept} missing from {html}");
        }
    }

    #[test]
    fn many_callouts_figures_and_tables_render_in_near_linear_time() {
        let block = "> [!IMPORTANT]\n> Key *fact*.\n>\n> > quoted\n\n![a](c.svg \"Cap\")\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n";
        crate::test_support::assert_near_linear(
            "callouts, figures and tables",
            2000,
            |n| block.repeat(n),
            |body| {
                let r = md(body);
                assert!(r.html.contains("Table 2000"));
            },
        );
    }
}
