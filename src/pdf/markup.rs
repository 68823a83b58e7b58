//! A brief's Markdown as Typst markup, walking the same pulldown-cmark events as the HTML
//! (same parser options, same `@/` link resolution, same citation markers).
//!
//! Inline styles, links, lists, tables, quotes and images become calls of Typst's built-in
//! functions (`#emph[…]`, `#link("…")[…]`, `#list(…)`, `#table(…)`, `#quote(…)`, `#figure(…)`)
//! rather than markup shorthands, which depend on line starts and word boundaries: a call is
//! correct wherever it lands, and nests. Text is escaped ([`super::escape`]). Footnotes become
//! `#footnote[…]` at their first reference (Typst sets them at the foot of the page) and a
//! reference to the same note after that. Each event is handled once and the notes are filled
//! in by one pass over the result, so time grows in proportion to the body.

use pulldown_cmark::{Alignment, BlockQuoteKind, CodeBlockKind, Event, Parser, Tag, TagEnd};

use super::escape::{escape_into, string_literal};
use crate::config::{MarkdownConfig, Strings};
use crate::markdown::citations::{CitationFormatter, Citations, Formatted};
use crate::markdown::{LinkResolver, links, parser_options};

/// Marks a footnote reference in the output until the notes are known (Unicode noncharacters,
/// which text never holds: see [`crate::markdown::citations`]).
const NOTE_OPEN: char = '\u{FDD2}';
const NOTE_CLOSE: char = '\u{FDD3}';
const CITE_OPEN: char = '\u{FDD0}';
const CITE_CLOSE: char = '\u{FDD1}';

/// What the conversion needs to know about the page and the site.
pub struct Options<'a> {
    /// Markdown options (the site's).
    pub markdown: &'a MarkdownConfig,
    /// Turns `@/` links into absolute URLs.
    pub resolver: &'a dyn LinkResolver,
    /// Makes any other link absolute (a PDF is read away from the site).
    pub absolute_url: &'a dyn Fn(&str) -> String,
    /// The path (`/content/briefs/x/chart.png`) a Typst `image` reads an image from, if the
    /// site has it.
    pub image_path: &'a dyn Fn(&str) -> Option<String>,
    /// The page's citations as markup, in order, when the HTML has them.
    pub citations: Option<&'a [String]>,
}

/// A citation formatter that accepts every key: the HTML build already checked them, and the
/// formatted citations are taken from its output ([`Options::citations`]).
struct AnyKey;

impl CitationFormatter for AnyKey {
    fn has(&self, _: &str) -> bool {
        true
    }
    fn suggest(&self, _: &str) -> Option<String> {
        None
    }
    fn format(&self, _: &[crate::markdown::citations::Citation]) -> Formatted {
        Formatted::default()
    }
    fn fingerprint(&self, _: &[String]) -> u64 {
        0
    }
}

/// A body as Typst markup.
pub fn body(text: &str, options: &Options<'_>) -> String {
    let parser = Parser::new_ext(text, parser_options(options.markdown)).into_offset_iter();
    let formatter: Option<&dyn CitationFormatter> = options.citations.map(|_| &AnyKey as _);
    let events = Citations::new(parser, text, formatter).map(|(mut event, range)| {
        // An unknown target was reported by the HTML build; here it keeps its `@/` text.
        let _ = links::resolve(&mut event, &range, options.resolver);
        event
    });
    let mut writer = Writer::new(options);
    for event in events {
        writer.event(event);
    }
    writer.finish()
}

/// A short piece of inline Markdown (a key point) as Typst markup, without a paragraph break.
pub fn inline(text: &str, options: &Options<'_>) -> String {
    body(text, options).trim().to_string()
}

/// A container being filled: its markup so far.
enum Frame {
    /// The document, a paragraph's surroundings.
    Root,
    /// A list: whether ordered (and its first number), items done, and whether loose.
    List {
        start: Option<u64>,
        items: Vec<String>,
        loose: bool,
    },
    /// A list item, a block quote, a footnote, a table cell, an image's description, a code
    /// block: markup that is wrapped when it ends.
    Buffer,
    /// A footnote's definition, by label.
    Note(String),
    /// A table: column alignments, header cells, body cells.
    Table {
        align: Vec<Alignment>,
        header: Vec<String>,
        cells: Vec<String>,
        in_head: bool,
    },
}

struct Writer<'o, 'a> {
    options: &'o Options<'a>,
    /// One buffer per open frame; the last is written to.
    buffers: Vec<String>,
    frames: Vec<Frame>,
    /// Footnotes in order of first mention: label and text.
    notes: Vec<(String, String)>,
    /// Label → index in `notes`.
    note_ids: std::collections::HashMap<String, usize>,
    /// Images being described: their path (if readable) and title.
    images: Vec<(Option<String>, String, String)>,
    /// Whether the last thing written was a call that a `.` or `(` would continue.
    after_call: bool,
    /// The code block being read: its language and text, as written.
    code: Option<(Option<String>, String)>,
}

impl<'o, 'a> Writer<'o, 'a> {
    fn new(options: &'o Options<'a>) -> Self {
        Writer {
            options,
            buffers: vec![String::new()],
            frames: vec![Frame::Root],
            notes: Vec::new(),
            note_ids: std::collections::HashMap::new(),
            images: Vec::new(),
            after_call: false,
            code: None,
        }
    }

    fn out(&mut self) -> &mut String {
        let last = self.buffers.len() - 1;
        &mut self.buffers[last]
    }

    fn raw(&mut self, markup: &str) {
        self.out().push_str(markup);
        self.after_call = false;
    }

    /// Ends a call: text that follows must not continue it.
    fn close_call(&mut self, markup: &str) {
        self.out().push_str(markup);
        self.after_call = true;
    }

    fn parbreak(&mut self) {
        let out = self.out();
        let trimmed = out.trim_end_matches([' ', '\n']).len();
        out.truncate(trimmed);
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        self.after_call = false;
    }

    fn text(&mut self, text: &str) {
        if !text.contains(CITE_OPEN) {
            self.escaped(text);
            return;
        }
        let mut rest = text;
        while let Some(start) = rest.find(CITE_OPEN) {
            self.escaped(&rest[..start]);
            let after = &rest[start + CITE_OPEN.len_utf8()..];
            let Some(end) = after.find(CITE_CLOSE) else {
                rest = after;
                continue;
            };
            let citation = after[..end]
                .parse::<usize>()
                .ok()
                .and_then(|n| self.options.citations?.get(n));
            if let Some(citation) = citation {
                let citation = citation.clone();
                self.out().push_str(&citation);
                self.after_call = citation.ends_with(']');
            }
            rest = &after[end + CITE_CLOSE.len_utf8()..];
        }
        self.escaped(rest);
    }

    fn escaped(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let after_call = self.after_call;
        let out = self.out();
        if after_call && text.starts_with(['.', '(']) {
            out.push('\\');
        }
        let prev = out.chars().last();
        escape_into(out, text, prev);
        self.after_call = false;
    }

    fn push_frame(&mut self, frame: Frame) {
        self.frames.push(frame);
        self.buffers.push(String::new());
        self.after_call = false;
    }

    fn pop_frame(&mut self) -> (Frame, String) {
        let frame = self.frames.pop().unwrap_or(Frame::Root);
        let mut markup = self.buffers.pop().unwrap_or_default();
        if self.buffers.is_empty() {
            self.buffers.push(String::new());
        }
        if self.frames.is_empty() {
            self.frames.push(Frame::Root);
        }
        let trimmed = markup.trim_end().len();
        markup.truncate(trimmed);
        (frame, markup)
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                if let Some((_, code)) = &mut self.code {
                    code.push_str(&t);
                } else if let Some((_, alt, _)) = self.images.last_mut() {
                    alt.push_str(&t);
                } else {
                    self.text(&t);
                }
            }
            Event::Code(code) => {
                let call = format!("#raw({})", string_literal(&code));
                self.close_call(&call);
            }
            Event::InlineMath(math) | Event::DisplayMath(math) => {
                let call = format!("#raw({})", string_literal(&math));
                self.close_call(&call);
            }
            Event::SoftBreak => self.raw(" "),
            Event::HardBreak => self.raw(" \\\n"),
            Event::Rule => {
                self.parbreak();
                self.raw("#line(length: 100%)\n\n");
            }
            Event::FootnoteReference(label) => {
                let index = self.note_index(&label);
                let marker = format!("{NOTE_OPEN}{index}{NOTE_CLOSE}");
                self.out().push_str(&marker);
                self.after_call = false;
            }
            Event::TaskListMarker(done) => self.raw(if done { "\\[x\\] " } else { "\\[ \\] " }),
            Event::InlineHtml(html) if is_line_break(&html) => self.raw(" \\\n"),
            // Raw HTML has no place in a PDF; its text content, if any, comes as text events.
            Event::Html(_) | Event::InlineHtml(_) => {}
        }
    }

    fn note_index(&mut self, label: &str) -> usize {
        if let Some(&i) = self.note_ids.get(label) {
            return i;
        }
        self.notes.push((label.to_string(), String::new()));
        self.note_ids
            .insert(label.to_string(), self.notes.len() - 1);
        self.notes.len() - 1
    }

    fn start(&mut self, tag: Tag<'_>) {
        // An image's description is plain text.
        if !self.images.is_empty() && !matches!(tag, Tag::Image { .. }) {
            return;
        }
        match tag {
            Tag::Paragraph => {
                if let Some(Frame::List { loose, .. }) = self.frames.iter_mut().rev().nth(1) {
                    *loose = true;
                }
                self.parbreak();
            }
            Tag::Heading { level, .. } => {
                self.parbreak();
                // `##` is the body's first level: the brief's title is not in the body.
                let depth = (level as usize).saturating_sub(1).max(1);
                let marker = format!("{} ", "=".repeat(depth));
                self.raw(&marker);
            }
            Tag::FootnoteDefinition(label) => self.push_frame(Frame::Note(label.to_string())),
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().map(str::to_string)
                    }
                    CodeBlockKind::Indented => None,
                };
                self.code = Some((lang, String::new()));
            }
            Tag::BlockQuote(_)
            | Tag::Item
            | Tag::TableCell
            | Tag::HtmlBlock
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition => self.push_frame(Frame::Buffer),
            Tag::List(start) => self.push_frame(Frame::List {
                start,
                items: Vec::new(),
                loose: false,
            }),
            Tag::Table(align) => self.push_frame(Frame::Table {
                align,
                header: Vec::new(),
                cells: Vec::new(),
                in_head: false,
            }),
            Tag::TableHead => {
                if let Some(Frame::Table { in_head, .. }) = self.frames.last_mut() {
                    *in_head = true;
                }
            }
            Tag::TableRow | Tag::DefinitionList | Tag::MetadataBlock(_) => {}
            Tag::Emphasis => self.raw("#emph["),
            Tag::Strong => self.raw("#strong["),
            Tag::Strikethrough => self.raw("#strike["),
            Tag::Superscript => self.raw("#super["),
            Tag::Subscript => self.raw("#sub["),
            Tag::Link { dest_url, .. } => {
                let url = (self.options.absolute_url)(&dest_url);
                let call = format!("#link({})[", string_literal(&url));
                self.raw(&call);
            }
            Tag::Image {
                dest_url, title, ..
            } => {
                let path = (self.options.image_path)(&dest_url);
                self.images.push((path, String::new(), title.to_string()));
            }
        }
    }

    fn end(&mut self, tag: TagEnd) {
        if !self.images.is_empty() && tag != TagEnd::Image {
            return;
        }
        match tag {
            TagEnd::Paragraph => self.parbreak(),
            TagEnd::Heading(_) => self.parbreak(),
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link => self.close_call("]"),
            TagEnd::Image => self.image(),
            TagEnd::BlockQuote(kind) => self.block_quote(kind),
            TagEnd::CodeBlock => self.code_block(),
            TagEnd::Item => {
                let (_, item) = self.pop_frame();
                if let Some(Frame::List { items, .. }) = self.frames.last_mut() {
                    items.push(item);
                }
            }
            TagEnd::List(_) => self.list(),
            TagEnd::FootnoteDefinition => {
                if let (Frame::Note(label), note) = self.pop_frame() {
                    let index = self.note_index(&label);
                    self.notes[index].1 = note;
                }
            }
            TagEnd::TableCell => {
                let (_, cell) = self.pop_frame();
                if let Some(Frame::Table {
                    header,
                    cells,
                    in_head,
                    ..
                }) = self.frames.last_mut()
                {
                    if *in_head { header } else { cells }.push(cell);
                }
            }
            TagEnd::TableHead => {
                if let Some(Frame::Table { in_head, .. }) = self.frames.last_mut() {
                    *in_head = false;
                }
            }
            TagEnd::Table => self.table(),
            TagEnd::HtmlBlock => {
                self.pop_frame();
            }
            TagEnd::DefinitionListTitle | TagEnd::DefinitionListDefinition => {
                let (_, text) = self.pop_frame();
                self.parbreak();
                self.raw(&text);
                self.parbreak();
            }
            TagEnd::TableRow | TagEnd::DefinitionList | TagEnd::MetadataBlock(_) => {}
        }
    }

    fn image(&mut self) {
        let Some((path, alt, title)) = self.images.pop() else {
            return;
        };
        let mut description = String::new();
        escape_into(&mut description, &alt, None);
        let call = match path {
            Some(path) => {
                let image = format!(
                    "image({}, alt: {})",
                    string_literal(&path),
                    string_literal(&alt)
                );
                if title.is_empty() {
                    format!("#{image}")
                } else {
                    let mut caption = String::new();
                    escape_into(&mut caption, &title, None);
                    format!("#figure({image}, caption: [{caption}])")
                }
            }
            // An image the PDF cannot hold (on another site, or missing) leaves its description.
            None => format!("#emph[{description}]"),
        };
        self.close_call(&call);
    }

    fn block_quote(&mut self, kind: Option<BlockQuoteKind>) {
        let (_, quoted) = self.pop_frame();
        self.parbreak();
        let call = match kind {
            Some(kind) => {
                let label = callout_label(kind, &self.options.markdown.strings);
                let mut escaped = String::new();
                escape_into(&mut escaped, label, None);
                format!("#quote(block: true)[#strong[{escaped}] \\\n{quoted}] <callout>\n\n")
            }
            None => format!("#quote(block: true)[{quoted}]\n\n"),
        };
        self.raw(&call);
    }

    fn code_block(&mut self) {
        let Some((lang, code)) = self.code.take() else {
            return;
        };
        self.parbreak();
        let lang = lang.map_or_else(String::new, |l| format!("lang: {}, ", string_literal(&l)));
        let call = format!("#raw(block: true, {lang}{})\n\n", string_literal(&code));
        self.raw(&call);
    }

    fn list(&mut self) {
        let (frame, _) = self.pop_frame();
        let Frame::List {
            start,
            items,
            loose,
        } = frame
        else {
            return;
        };
        let mut call = match start {
            Some(n) => format!("#enum(start: {n}, tight: {}", !loose),
            None => format!("#list(tight: {}", !loose),
        };
        for item in items {
            call.push_str(", [");
            call.push_str(&item);
            call.push(']');
        }
        call.push_str(")\n\n");
        self.parbreak();
        self.raw(&call);
    }

    fn table(&mut self) {
        let (frame, _) = self.pop_frame();
        let Frame::Table {
            align,
            header,
            cells,
            ..
        } = frame
        else {
            return;
        };
        let columns = align.len().max(1);
        let aligns: Vec<&str> = align
            .iter()
            .map(|a| match a {
                Alignment::Left => "left",
                // The start of the line: the right in a right-to-left brief.
                Alignment::None => "start",
                Alignment::Center => "center",
                Alignment::Right => "right",
            })
            .collect();
        let mut call = format!("#table(columns: {columns}, align: ({},)", aligns.join(", "));
        if !header.is_empty() {
            call.push_str(", table.header(");
            call.push_str(&cells_markup(&header));
            call.push(')');
        }
        if !cells.is_empty() {
            call.push_str(", ");
            call.push_str(&cells_markup(&cells));
        }
        call.push_str(")\n\n");
        self.parbreak();
        self.raw(&call);
    }

    fn finish(mut self) -> String {
        while self.frames.len() > 1 {
            let (_, markup) = self.pop_frame();
            self.raw(&markup);
        }
        let body = std::mem::take(&mut self.buffers[0]);
        fill_notes(body.trim_end(), &self.notes)
    }
}

fn cells_markup(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| format!("[{c}]"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replaces each note marker with the note (its first reference) or a reference to it.
fn fill_notes(body: &str, notes: &[(String, String)]) -> String {
    if notes.is_empty() {
        return body.to_string();
    }
    let mut seen = vec![false; notes.len()];
    let mut out =
        String::with_capacity(body.len() + notes.iter().map(|n| n.1.len()).sum::<usize>());
    let mut rest = body;
    while let Some(start) = rest.find(NOTE_OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + NOTE_OPEN.len_utf8()..];
        let Some(end) = after.find(NOTE_CLOSE) else {
            rest = after;
            continue;
        };
        let index = after[..end]
            .parse::<usize>()
            .ok()
            .filter(|&i| i < notes.len());
        rest = &after[end + NOTE_CLOSE.len_utf8()..];
        let Some(index) = index else { continue };
        if seen[index] {
            out.push_str(&format!("#footnote(<note-{}>)", index + 1));
        } else {
            seen[index] = true;
            out.push_str(&format!(
                "#footnote[{}]<note-{}>",
                notes[index].1,
                index + 1
            ));
        }
        if rest.starts_with(['.', '(']) {
            out.push('\\');
        }
    }
    out.push_str(rest);
    out
}

fn is_line_break(html: &str) -> bool {
    let tag = html.trim().to_ascii_lowercase();
    matches!(tag.as_str(), "<br>" | "<br/>" | "<br />")
}

/// The label of a GFM alert kind, from the site's `[strings]` (as the HTML shows it).
fn callout_label(kind: BlockQuoteKind, strings: &Strings) -> &str {
    match kind {
        BlockQuoteKind::Note => &strings.alert_note,
        BlockQuoteKind::Tip => &strings.alert_tip,
        BlockQuoteKind::Important => &strings.alert_important,
        BlockQuoteKind::Warning => &strings.alert_warning,
        BlockQuoteKind::Caution => &strings.alert_caution,
    }
}

#[cfg(test)]
#[path = "markup_tests.rs"]
mod tests;
