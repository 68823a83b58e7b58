//! Citations: `[@key]`, `[@key, p. 12]`, `[@a; @b]` and `[see @key, pp. 3–4]` in a body's
//! text become citations in the site's style, each linking to its entry in a reference list
//! at the end of the body, which links back to every place that cites it.
//!
//! How a citation reads depends on the whole body (numbers follow the order of first citation,
//! and names are told apart across all entries cited), so it is known only once the body has
//! streamed past. The step therefore writes a placeholder for each citation as the events go by
//! ([`Citations`]) and, once the HTML is written, [`Finished::substitute`] puts the formatted
//! citations in their place and the reference list is appended. The placeholders are made of
//! Unicode noncharacters (U+FDD0, U+FDD1) around a number, which text never legitimately holds
//! and HTML escaping leaves alone. Formatting itself comes in through [`CitationFormatter`]:
//! nothing here reads a file or knows a citation style.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt::Write as _;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::ids::{IdAllocator, clean_id};
use super::{MarkdownError, Spanned};
use crate::diagnostics::escape_html;
pub use syntax::{Citation, Cite, Locator, LocatorKind, parse_locator, parse_marker};

mod syntax;

const OPEN: char = '\u{FDD0}';
const CLOSE: char = '\u{FDD1}';

/// A piece of a formatted citation: HTML, and the item it shows, if it shows one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Index into [`Citation::items`], for the part that names that work.
    pub item: Option<usize>,
    /// Escaped HTML.
    pub html: String,
}

/// An entry of the reference list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The entry's key.
    pub key: String,
    /// Its label (`[1]` in a numeric style) as HTML, if the style gives one.
    pub label: Option<String>,
    /// The entry as HTML.
    pub html: String,
}

/// A body's citations formatted, and its reference list in the style's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Formatted {
    /// One per citation, in the order given.
    pub citations: Vec<Vec<Segment>>,
    /// The works cited.
    pub references: Vec<Reference>,
}

/// Formats citations in a style from a bibliography: how the markdown stage reaches them.
pub trait CitationFormatter: Sync {
    /// Whether the bibliography has an entry `key`.
    fn has(&self, key: &str) -> bool;
    /// The closest key to a misspelt one, if one is close.
    fn suggest(&self, key: &str) -> Option<String>;
    /// The citations of one body, formatted together; every key is one [`Self::has`] knows.
    fn format(&self, citations: &[Citation]) -> Formatted;
    /// A hash of what the rendering of citations of `keys` depends on (the style and these
    /// entries), to tell when a cached rendering is stale.
    fn fingerprint(&self, keys: &[String]) -> u64;
}

/// The words of the reference list (for translation).
#[derive(Debug, Clone)]
pub struct Labels {
    /// The list's heading.
    pub references: String,
    /// The label of a link back to a citation; `{n}` is the citation's number.
    pub back_to_citation: String,
}

impl From<&crate::config::Strings> for Labels {
    fn from(strings: &crate::config::Strings) -> Self {
        Labels {
            references: strings.references.clone(),
            back_to_citation: strings.back_to_citation.clone(),
        }
    }
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            references: "References".to_string(),
            back_to_citation: "Back to citation {n}".to_string(),
        }
    }
}

/// A citation found in a body.
#[derive(Debug, Clone)]
pub struct Found {
    /// The citation.
    pub citation: Citation,
    /// Byte offset of its `[` in the body.
    pub offset: usize,
}

/// A run of text events merged into one: the text, and where each piece came from.
#[derive(Default)]
struct Run {
    text: String,
    /// (offset in `text`, offset in the body, whether the body there reads as `text` does).
    pieces: Vec<(usize, usize, bool)>,
    range: Option<std::ops::Range<usize>>,
}

impl Run {
    fn push(&mut self, text: &str, range: std::ops::Range<usize>, body: &str) {
        let exact = body.get(range.clone()) == Some(text);
        self.pieces.push((self.text.len(), range.start, exact));
        self.text.push_str(text);
        self.range = Some(match self.range.take() {
            Some(r) => r.start..range.end,
            None => range,
        });
    }

    /// The body offset of `at` in the merged text (the start of its piece when the piece was
    /// not a plain copy of the body, as after an escape or with curly quotes).
    fn body_offset(&self, at: usize) -> usize {
        let piece = self.pieces.partition_point(|&(start, _, _)| start <= at);
        let (start, body_start, exact) = self.pieces[piece.saturating_sub(1)];
        if exact {
            body_start + (at - start)
        } else {
            body_start
        }
    }
}

/// Replaces citation markers in text events with placeholders, recording the citations found
/// and the errors (unknown keys). Text in code, links, images and headings is left alone. With no
/// formatter (a site without a bibliography) markers stay text, but their keys are recorded.
pub struct Citations<'a, 'f, I: Iterator<Item = Spanned<'a>>> {
    inner: std::iter::Peekable<I>,
    body: &'f str,
    formatter: Option<&'f dyn CitationFormatter>,
    /// Inside a code block, a link or an image.
    opaque: usize,
    pending: VecDeque<Spanned<'a>>,
    /// The citations, in the order of the placeholders.
    pub found: Vec<Found>,
    /// Unknown keys and markers written wrong.
    pub errors: Vec<MarkdownError>,
    /// Keys cited, known or not, for dependency tracking.
    pub keys: Vec<String>,
}

impl<'a, 'f, I: Iterator<Item = Spanned<'a>>> Citations<'a, 'f, I> {
    /// Wraps the events of `body`.
    pub fn new(inner: I, body: &'f str, formatter: Option<&'f dyn CitationFormatter>) -> Self {
        Citations {
            inner: inner.peekable(),
            body,
            formatter,
            opaque: 0,
            pending: VecDeque::new(),
            found: Vec::new(),
            errors: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// The text events (and soft breaks) that follow `first`, as they are.
    fn pieces(&mut self, first: CowStr<'a>, range: std::ops::Range<usize>) -> Vec<Spanned<'a>> {
        let mut pieces = vec![(Event::Text(first), range)];
        while let Some(piece) = self
            .inner
            .next_if(|(event, _)| matches!(event, Event::Text(_) | Event::SoftBreak))
        {
            pieces.push(piece);
        }
        pieces
    }

    /// Text events merged into one run (a soft break is a line feed in it).
    fn run(&self, pieces: &[Spanned<'a>]) -> Run {
        let mut run = Run::default();
        for (event, range) in pieces {
            match event {
                Event::Text(t) => run.push(t, range.clone(), self.body),
                _ => run.push("\n", range.clone(), self.body),
            }
        }
        run
    }

    /// Writes a run of text with its markers replaced, into `pending`.
    fn replace_markers(&mut self, run: Run) {
        let range = run.range.clone().unwrap_or(0..0);
        let text = run.text.as_str();
        let mut written = 0;
        let mut search = 0;
        while let Some(open) = text[search..].find('[').map(|i| search + i) {
            search = open + 1;
            let Some(len) = text[open + 1..].find([']', '[']) else {
                break;
            };
            let close = open + 1 + len;
            if text.as_bytes()[close] != b']' {
                continue;
            }
            let inner = &text[open + 1..close];
            if !inner.contains('@') {
                continue;
            }
            let Some(parsed) = parse_marker(inner) else {
                continue;
            };
            let offset = run.body_offset(open);
            let at = inner.find('@').map_or(open, |i| open + 1 + i);
            if self.body[..run.body_offset(at)].ends_with('\\') {
                continue;
            }
            let Some(citation) = self.check(parsed, offset) else {
                continue;
            };
            if written < open {
                self.pending.push_back((
                    Event::Text(CowStr::from(text[written..open].to_string())),
                    range.clone(),
                ));
            }
            let placeholder = format!("{OPEN}{}{CLOSE}", self.found.len());
            self.pending
                .push_back((Event::Text(CowStr::from(placeholder)), range.clone()));
            self.found.push(Found { citation, offset });
            written = close + 1;
            search = close + 1;
        }
        if written < text.len() {
            self.pending.push_back((
                Event::Text(CowStr::from(text[written..].to_string())),
                range,
            ));
        }
    }

    /// The citation if every key is known; otherwise records why not. Without a formatter
    /// the keys are recorded (a bibliography added later must re-render the page) and the
    /// marker stays text.
    fn check(&mut self, parsed: Result<Citation, String>, offset: usize) -> Option<Citation> {
        let Some(formatter) = self.formatter else {
            if let Ok(citation) = parsed {
                self.keys.extend(citation.items.into_iter().map(|c| c.key));
            }
            return None;
        };
        let citation = match parsed {
            Ok(citation) => citation,
            Err(problem) => {
                self.errors.push(MarkdownError {
                    offset,
                    message: format!("citation {problem}"),
                    hint: "write a citation as [@key], [@key, p. 12], [see @key, pp. 3–4] or [@a; @b]; a locator starts with p., pp., chap., sec., para., vol., fig., n. or l.".to_string(),
                });
                return None;
            }
        };
        let mut known = true;
        for item in &citation.items {
            self.keys.push(item.key.clone());
            if !formatter.has(&item.key) {
                known = false;
                let hint = match formatter.suggest(&item.key) {
                    Some(s) => format!("did you mean @{s}? Keys are in content/references.bib or the brief's `bibliography` file"),
                    None => "add an entry with this key to content/references.bib (or the brief's `bibliography` file), or check the spelling".to_string(),
                };
                self.errors.push(MarkdownError {
                    offset,
                    message: format!("unknown citation key \"{}\"", item.key),
                    hint,
                });
            }
        }
        known.then_some(citation)
    }
}

/// Whether `text` has an `@`, which every citation marker does: asked of every text event, so
/// with the memchr crate's vectorised scan rather than `str::contains`.
fn has_at_sign(text: &str) -> bool {
    memchr::memchr(b'@', text.as_bytes()).is_some()
}

impl<'a, I: Iterator<Item = Spanned<'a>>> Iterator for Citations<'a, '_, I> {
    type Item = Spanned<'a>;

    fn next(&mut self) -> Option<Spanned<'a>> {
        if let Some(event) = self.pending.pop_front() {
            return Some(event);
        }
        let (event, range) = self.inner.next()?;
        match event {
            // A heading's text also becomes its id, its anchor's label and the table of
            // contents, which are not places for a link: a citation there stays as written.
            Event::Start(
                Tag::CodeBlock(_) | Tag::Link { .. } | Tag::Image { .. } | Tag::Heading { .. },
            ) => self.opaque += 1,
            Event::End(TagEnd::CodeBlock | TagEnd::Link | TagEnd::Image | TagEnd::Heading(_)) => {
                self.opaque = self.opaque.saturating_sub(1)
            }
            Event::Text(text) if self.opaque == 0 => {
                // Most text has no `@`: it passes as it is, without a copy.
                let more_text = matches!(
                    self.inner.peek(),
                    Some((Event::Text(_) | Event::SoftBreak, _))
                );
                if !more_text && !has_at_sign(&text) {
                    return Some((Event::Text(text), range));
                }
                let pieces = self.pieces(text, range);
                let has_at =
                    |(event, _): &Spanned<'a>| matches!(event, Event::Text(t) if has_at_sign(t));
                if pieces.iter().any(has_at) {
                    let run = self.run(&pieces);
                    self.replace_markers(run);
                } else {
                    self.pending.extend(pieces);
                }
                return self.pending.pop_front().or_else(|| self.next());
            }
            _ => {}
        }
        Some((event, range))
    }
}

/// A body's citations, formatted and given ids, ready to replace the placeholders.
pub struct Finished {
    /// Per citation: its id and its HTML with links to the entries.
    linked: Vec<String>,
    /// Per citation: its HTML without links or ids (for summaries and the table of contents).
    plain: Vec<String>,
    /// The reference list.
    pub section: String,
}

/// Formats the citations found and lays out the reference list; every id written is claimed
/// from `ids` and added to `anchors`.
pub fn finish(
    found: &[Found],
    formatter: &dyn CitationFormatter,
    ids: &RefCell<IdAllocator>,
    anchors: &mut Vec<String>,
    labels: &Labels,
) -> Finished {
    let citations: Vec<Citation> = found.iter().map(|f| f.citation.clone()).collect();
    let formatted = formatter.format(&citations);
    let mut ids = ids.borrow_mut();
    let mut claim = |id: &str| {
        let id = ids.claim(id);
        anchors.push(id.clone());
        id
    };
    let ref_ids: Vec<(String, String)> = formatted
        .references
        .iter()
        .map(|r| {
            let slug = clean_id(&r.key);
            (
                r.key.clone(),
                claim(&format!(
                    "ref-{}",
                    if slug.is_empty() { "entry" } else { &slug }
                )),
            )
        })
        .collect();
    let ref_id = |key: &str| {
        ref_ids
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, id)| id.as_str())
    };
    // Per entry: the ids and numbers of the citations that cite it.
    let mut backlinks: Vec<Vec<(String, usize)>> = vec![Vec::new(); ref_ids.len()];
    let mut linked = Vec::with_capacity(citations.len());
    let mut plain = Vec::with_capacity(citations.len());
    for (n, (citation, segments)) in citations.iter().zip(&formatted.citations).enumerate() {
        let id = claim(&format!("cite-{}", n + 1));
        let key_of = |item: usize| citation.items.get(item).map_or("", |c| c.key.as_str());
        for item in &citation.items {
            if let Some(i) = ref_ids.iter().position(|(k, _)| *k == item.key)
                && backlinks[i].last().is_none_or(|(last, _)| *last != id)
            {
                backlinks[i].push((id.clone(), n + 1));
            }
        }
        let linked_items = segments.iter().any(|s| s.item.is_some());
        let mut html = String::new();
        let mut text = String::new();
        let prefix = citation
            .prefix
            .as_ref()
            .map(|p| format!("{} ", escape_html(p)))
            .unwrap_or_default();
        // "see" goes inside the style's opening bracket when the style writes one on its own:
        // "(see Hassan 2024)"; otherwise before the citation: "see [1]".
        let inside = linked_items
            && segments
                .first()
                .is_some_and(|s| s.item.is_none() && matches!(s.html.as_str(), "(" | "["));
        for (i, segment) in segments.iter().enumerate() {
            if i == 1 && inside {
                html.push_str(&prefix);
                text.push_str(&prefix);
            }
            text.push_str(&segment.html);
            match segment.item {
                Some(item) => {
                    let _ = write!(
                        html,
                        "<a href=\"#{}\">{}</a>",
                        escape_html(ref_id(key_of(item))),
                        segment.html
                    );
                }
                None => html.push_str(&segment.html),
            }
        }
        if !linked_items {
            // The style wrote the works together (a range of numbers, say): link the whole.
            html = format!("<a href=\"#{}\">{text}</a>", escape_html(ref_id(key_of(0))));
        }
        let prefix = if inside { "" } else { prefix.as_str() };
        linked.push(format!(
            "{prefix}<span class=\"citation\" id=\"{}\">{html}</span>",
            escape_html(&id)
        ));
        plain.push(format!("{prefix}{text}"));
    }
    let heading_id = claim("references");
    let section = reference_list(
        &formatted.references,
        &ref_ids,
        &backlinks,
        &heading_id,
        labels,
    );
    Finished {
        linked,
        plain,
        section,
    }
}

fn reference_list(
    references: &[Reference],
    ref_ids: &[(String, String)],
    backlinks: &[Vec<(String, usize)>],
    heading_id: &str,
    labels: &Labels,
) -> String {
    let mut out = format!(
        "<section class=\"references\" aria-labelledby=\"{0}\">\n<h2 id=\"{0}\">{1}</h2>\n<ol class=\"reference-list\">\n",
        escape_html(heading_id),
        escape_html(&labels.references)
    );
    for ((reference, (_, id)), back) in references.iter().zip(ref_ids).zip(backlinks) {
        let _ = write!(out, "<li id=\"{}\">", escape_html(id));
        if let Some(label) = &reference.label {
            let _ = write!(out, "<span class=\"reference-label\">{label}</span> ");
        }
        out.push_str(&reference.html);
        for (cite_id, number) in back {
            let label = labels.back_to_citation.replace("{n}", &number.to_string());
            let _ = write!(
                out,
                " <a href=\"#{}\" class=\"reference-backref\" aria-label=\"{}\">↩</a>",
                escape_html(cite_id),
                escape_html(&label),
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</section>\n");
    out
}

impl Finished {
    /// `html` with each placeholder replaced by its citation, linked or plain.
    pub fn substitute(&self, html: &str, linked: bool) -> String {
        let texts = if linked { &self.linked } else { &self.plain };
        replace_placeholders(html, |n| texts.get(n).map(String::as_str))
    }
}

/// Replaces each `OPEN n CLOSE` in `html` with `with(n)`; one unknown is left as it is.
pub fn replace_placeholders<'t>(html: &str, with: impl Fn(usize) -> Option<&'t str>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len_utf8()..];
        let replaced = after.find(CLOSE).and_then(|end| {
            let n: usize = after[..end].parse().ok()?;
            Some((with(n)?, end))
        });
        match replaced {
            Some((text, end)) => {
                out.push_str(text);
                rest = &after[end + CLOSE.len_utf8()..];
            }
            None => {
                out.push(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[path = "citations_tests.rs"]
mod tests;
