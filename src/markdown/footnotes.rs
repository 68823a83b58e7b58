//! Footnotes: numbered by first reference, gathered in a notes section at the end of the body,
//! each with links back to where it was cited.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::ids::{IdAllocator, NOTES_LABEL_ID, note_id, reference_id};
use super::{Spanned, placeholder};
use crate::config::Strings;
use crate::diagnostics::escape_html;

/// A note that has been referenced.
struct Note {
    number: usize,
    id: String,
    /// Ids of its references, in order.
    references: Vec<String>,
}

/// Numbers note references and moves note definitions to a notes section at the end, as the
/// events stream past; only definitions are held until the end. A note referenced only from
/// another note is numbered when that note is written. Definitions never referenced are
/// dropped, as on GitHub. Every id it writes is added to `anchors`.
pub struct Footnotes<'a, 's, I> {
    inner: I,
    ids: &'s RefCell<IdAllocator>,
    strings: &'s Strings,
    anchors: &'s mut Vec<String>,
    /// Referenced notes by label key ([`key`]).
    notes: HashMap<String, Note>,
    /// Label keys in order of first reference.
    order: Vec<String>,
    /// Definition bodies by label key; the first definition of a label wins.
    definitions: HashMap<String, Vec<Spanned<'a>>>,
    /// The id of the notes section's heading, claimed at the first reference.
    label_id: Option<String>,
    /// The end of the last event seen: where the notes section sits in the source.
    end: usize,
    finished: bool,
    pending: VecDeque<Spanned<'a>>,
}

/// Labels match without regard to case, as in pulldown-cmark.
fn key(label: &str) -> String {
    label.to_lowercase()
}

impl<'a, 's, I: Iterator<Item = Spanned<'a>>> Footnotes<'a, 's, I> {
    /// Wraps `inner`; the ids written are added to `anchors`. The notes' heading and back-links
    /// are worded with `strings.footnotes` and `strings.footnote_back`.
    pub fn new(
        inner: I,
        ids: &'s RefCell<IdAllocator>,
        strings: &'s Strings,
        anchors: &'s mut Vec<String>,
    ) -> Self {
        Footnotes {
            inner,
            ids,
            strings,
            anchors,
            notes: HashMap::new(),
            order: Vec::new(),
            definitions: HashMap::new(),
            label_id: None,
            end: 0,
            finished: false,
            pending: VecDeque::new(),
        }
    }

    /// Holds the definition that `label` starts, to the end of it.
    fn hold_definition(&mut self, label: &str) {
        let mut body = Vec::new();
        let mut depth = 1usize;
        for (event, range) in self.inner.by_ref() {
            match event {
                Event::Start(Tag::FootnoteDefinition(_)) => depth += 1,
                Event::End(TagEnd::FootnoteDefinition) => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            body.push((event, range));
        }
        self.definitions.entry(key(label)).or_insert(body);
    }

    /// The superscript link that replaces a reference to `label`.
    fn reference(&mut self, label: &str, range: Range<usize>) -> Spanned<'a> {
        let key = key(label);
        let mut ids = self.ids.borrow_mut();
        if self.label_id.is_none() {
            self.label_id = Some(ids.claim(NOTES_LABEL_ID));
        }
        let note = self.notes.entry(key.clone()).or_insert_with(|| {
            self.order.push(key);
            Note {
                number: self.order.len(),
                id: ids.claim(&note_id(label)),
                references: Vec::new(),
            }
        });
        let ref_id = ids.claim(&reference_id(&note.id, note.references.len() + 1));
        let html = format!(
            "<sup class=\"footnote-ref\" id=\"{}\"><a href=\"#{}\" aria-describedby=\"{}\">{}</a></sup>",
            escape_html(&ref_id),
            escape_html(&note.id),
            escape_html(self.label_id.as_deref().unwrap_or(NOTES_LABEL_ID)),
            self.strings.number(note.number)
        );
        note.references.push(ref_id);
        (Event::InlineHtml(CowStr::from(html)), range)
    }

    /// The notes section, or nothing when no note was referenced.
    fn section(&mut self) -> Vec<Spanned<'a>> {
        let Some(label_id) = self.label_id.clone() else {
            return Vec::new();
        };
        let at = self.end..self.end;
        let html = |text: String| (Event::Html(CowStr::from(text)), at.clone());
        let mut section = vec![html(format!(
            "<section class=\"footnotes\" aria-labelledby=\"{0}\">\n<h2 class=\"visually-hidden\" id=\"{0}\">{1}</h2>\n<ol>\n",
            escape_html(&label_id),
            escape_html(&self.strings.footnotes)
        ))];
        self.anchors.push(label_id);
        // A note's body may reference notes not referenced yet: they join `order` as it grows.
        let mut i = 0;
        while i < self.order.len() {
            let key = self.order[i].clone();
            i += 1;
            let Some(body) = self.definitions.remove(&key) else {
                continue;
            };
            let mut body: Vec<Spanned<'a>> = body
                .into_iter()
                .map(|(event, range)| match event {
                    Event::FootnoteReference(label) => self.reference(&label, range),
                    other => (other, range),
                })
                .collect();
            let Some(note) = self.notes.get(&key) else {
                continue;
            };
            self.anchors.push(note.id.clone());
            self.anchors.extend(note.references.iter().cloned());
            section.push(html(format!("<li id=\"{}\">\n", escape_html(&note.id))));
            let backrefs = backlinks(note, self.strings);
            // The back-links go inside the last paragraph so they sit on the note's last line.
            match body.last() {
                Some((Event::End(TagEnd::Paragraph), _)) => {
                    let last = body.len() - 1;
                    body.insert(
                        last,
                        (Event::InlineHtml(CowStr::from(backrefs)), at.clone()),
                    );
                }
                _ => body.push(html(format!("<p>{backrefs}</p>\n"))),
            }
            section.extend(body);
            section.push(html("</li>\n".to_string()));
        }
        section.push(html("</ol>\n</section>\n".to_string()));
        section
    }
}

/// The links from a note back to each of its references, named with `strings.footnote_back`
/// (`{n}` is the note's number; a note cited more than once numbers its links in brackets),
/// numbers in the language's digits.
fn backlinks(note: &Note, strings: &Strings) -> String {
    let count = note.references.len();
    let label = placeholder(&strings.footnote_back, "{n}", &strings.number(note.number));
    note.references
        .iter()
        .enumerate()
        .map(|(i, ref_id)| {
            let label = if count == 1 {
                label.clone()
            } else {
                format!("{label} ({})", strings.number(i + 1))
            };
            format!(
                " <a href=\"#{}\" class=\"footnote-backref\" aria-label=\"{label}\">↩</a>",
                escape_html(ref_id)
            )
        })
        .collect()
}

impl<'a, I: Iterator<Item = Spanned<'a>>> Iterator for Footnotes<'a, '_, I> {
    type Item = Spanned<'a>;

    fn next(&mut self) -> Option<Spanned<'a>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            match self.inner.next() {
                Some((Event::Start(Tag::FootnoteDefinition(label)), _)) => {
                    self.hold_definition(&label)
                }
                Some((Event::FootnoteReference(label), range)) => {
                    return Some(self.reference(&label, range));
                }
                Some((event, range)) => {
                    self.end = self.end.max(range.end);
                    return Some((event, range));
                }
                None if self.finished => return None,
                None => {
                    self.finished = true;
                    let section = self.section();
                    self.pending.extend(section);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::MarkdownConfig;
    use crate::markdown::{LinkResolver, render};

    struct NoLinks;
    impl LinkResolver for NoLinks {
        fn resolve(&self, _: &str) -> Option<String> {
            None
        }
    }

    #[test]
    fn notes_are_numbered_by_first_reference_and_linked_both_ways() {
        let body = "A[^b] then B[^a] and A again[^b].\n\n[^a]: Note a.\n[^b]: Note b.\n";
        let r = render(body, &MarkdownConfig::default(), &NoLinks).unwrap();
        let html = &r.html;
        assert!(html.contains("<sup class=\"footnote-ref\" id=\"fn-b-ref\"><a href=\"#fn-b\""));
        assert!(html.contains(">1</a></sup> then B"));
        assert!(html.contains("id=\"fn-b-ref-2\""));
        let notes = html.find("<section class=\"footnotes\"").unwrap();
        assert!(
            html[notes..].find("id=\"fn-b\"").unwrap() < html[notes..].find("id=\"fn-a\"").unwrap()
        );
        assert!(html.contains("href=\"#fn-b-ref-2\" class=\"footnote-backref\""));
        assert!(html.contains("Note b. <a href=\"#fn-b-ref\""));
        assert!(r.anchors.contains(&"fn-a".to_string()));
    }

    #[test]
    fn interface_words_come_from_the_strings() {
        let config = MarkdownConfig {
            strings: std::sync::Arc::new(crate::config::Strings {
                footnotes: "Anmerkungen".to_string(),
                footnote_back: "Zurück zu {n}".to_string(),
                heading_anchor: "Link zu „{title}“".to_string(),
                ..crate::config::Strings::default()
            }),
            ..MarkdownConfig::default()
        };
        let html = render(
            "## A & B\n\nX[^a] and[^a].\n\n[^a]: N.\n",
            &config,
            &NoLinks,
        )
        .unwrap()
        .html;
        assert!(html.contains(">Anmerkungen</h2>"), "{html}");
        assert!(html.contains("aria-label=\"Zurück zu 1 (2)\""), "{html}");
        assert!(
            html.contains("aria-label=\"Link zu „A &amp; B“\""),
            "{html}"
        );
    }

    #[test]
    fn no_notes_no_section() {
        let r = render("Plain.\n", &MarkdownConfig::default(), &NoLinks).unwrap();
        assert!(!r.html.contains("footnotes"));
    }
}
