//! Footnotes: numbered by first reference, gathered in a notes section at the end of the body,
//! each with links back to where it was cited.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::Spanned;
use crate::site::urls::slugify;

struct Note<'a> {
    number: usize,
    id: String,
    references: usize,
    body: Vec<Spanned<'a>>,
}

/// Moves footnote definitions to a notes section at the end and numbers the references.
/// Definitions never referenced are dropped, as on GitHub. Returns the ids it defines.
pub fn collect(events: &mut Vec<Spanned<'_>>) -> Vec<String> {
    if !events.iter().any(|(e, _)| {
        matches!(
            e,
            Event::FootnoteReference(_) | Event::Start(Tag::FootnoteDefinition(_))
        )
    }) {
        return Vec::new();
    }
    let mut notes: HashMap<String, Note<'_>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut kept = Vec::with_capacity(events.len());
    let mut current: Option<(String, Vec<Spanned<'_>>)> = None;
    let mut definitions: HashMap<String, Vec<Spanned<'_>>> = HashMap::new();

    for (event, range) in events.drain(..) {
        match (event, &mut current) {
            (Event::Start(Tag::FootnoteDefinition(label)), None) => {
                current = Some((label.to_string(), Vec::new()));
            }
            (Event::End(TagEnd::FootnoteDefinition), Some(_)) => {
                if let Some((label, body)) = current.take() {
                    definitions.entry(label).or_insert(body);
                }
            }
            (event, Some((_, body))) => body.push((event, range)),
            (Event::FootnoteReference(label), None) => {
                let label = label.to_string();
                let next_number = order.len() + 1;
                let note = notes.entry(label.clone()).or_insert_with(|| {
                    order.push(label.clone());
                    Note {
                        number: next_number,
                        id: note_id(&label),
                        references: 0,
                        body: Vec::new(),
                    }
                });
                note.references += 1;
                let ref_id = reference_id(&note.id, note.references);
                let html = format!(
                    "<sup class=\"footnote-ref\" id=\"{ref_id}\"><a href=\"#{}\" aria-describedby=\"footnotes-label\">{}</a></sup>",
                    note.id, note.number
                );
                kept.push((Event::InlineHtml(CowStr::from(html)), range));
            }
            (event, None) => kept.push((event, range)),
        }
    }

    let mut ids = Vec::new();
    let end = kept.last().map_or(0..0, |(_, r)| r.end..r.end);
    let mut section: Vec<Spanned<'_>> = vec![(
        Event::Html(CowStr::from(
            "<section class=\"footnotes\" aria-labelledby=\"footnotes-label\">\n<h2 class=\"visually-hidden\" id=\"footnotes-label\">Notes</h2>\n<ol>\n",
        )),
        end.clone(),
    )];
    let mut any = false;
    for label in &order {
        let Some(note) = notes.get_mut(label) else {
            continue;
        };
        let Some(body) = definitions.remove(label) else {
            continue;
        };
        any = true;
        note.body = body;
        ids.push(note.id.clone());
        ids.extend((1..=note.references).map(|n| reference_id(&note.id, n)));
        section.push((
            Event::Html(CowStr::from(format!("<li id=\"{}\">\n", note.id))),
            end.clone(),
        ));
        let backrefs: String = (1..=note.references)
            .map(|n| {
                let label = if note.references == 1 {
                    format!("Back to reference {}", note.number)
                } else {
                    format!("Back to reference {} ({n})", note.number)
                };
                format!(
                    " <a href=\"#{}\" class=\"footnote-backref\" aria-label=\"{label}\">↩</a>",
                    reference_id(&note.id, n)
                )
            })
            .collect();
        let mut body = std::mem::take(&mut note.body);
        // Put the back-links inside the last paragraph so they sit on the note's last line.
        match body
            .iter()
            .rposition(|(e, _)| matches!(e, Event::End(TagEnd::Paragraph)))
        {
            Some(p) if p + 1 == body.len() => {
                body.insert(p, (Event::InlineHtml(CowStr::from(backrefs)), end.clone()))
            }
            _ => body.push((
                Event::Html(CowStr::from(format!("<p>{backrefs}</p>\n"))),
                end.clone(),
            )),
        }
        section.extend(body);
        section.push((Event::Html(CowStr::from("</li>\n")), end.clone()));
    }
    section.push((Event::Html(CowStr::from("</ol>\n</section>\n")), end));
    // References to labels without a definition become plain text again.
    for (event, _) in kept.iter_mut() {
        if let Event::InlineHtml(html) = event
            && html.starts_with("<sup class=\"footnote-ref\"")
        {
            let orphan = order
                .iter()
                .filter(|l| !ids.contains(&notes[*l].id))
                .find(|l| html.contains(&format!("href=\"#{}\"", notes[*l].id)));
            if let Some(label) = orphan {
                *event = Event::Text(CowStr::from(format!("[^{label}]")));
            }
        }
    }
    *events = kept;
    if any {
        events.extend(section);
        ids.push("footnotes-label".to_string());
    }
    ids
}

/// The ids the notes section may define, known before headings get theirs, so a heading such as
/// "Fn a" cannot take the id of note `[^a]`.
pub fn reserved_ids(events: &[Spanned<'_>]) -> Vec<String> {
    let mut ids = Vec::new();
    for (event, _) in events {
        if let Event::FootnoteReference(label) | Event::Start(Tag::FootnoteDefinition(label)) =
            event
        {
            let id = note_id(label);
            ids.push(format!("{id}-ref"));
            ids.push(id);
        }
    }
    if !ids.is_empty() {
        ids.push("footnotes-label".to_string());
    }
    ids
}

fn note_id(label: &str) -> String {
    let slug = slugify(label);
    format!("fn-{}", if slug.is_empty() { "note" } else { &slug })
}

fn reference_id(note_id: &str, n: usize) -> String {
    if n == 1 {
        format!("{note_id}-ref")
    } else {
        format!("{note_id}-ref-{n}")
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
    fn no_notes_no_section() {
        let r = render("Plain.\n", &MarkdownConfig::default(), &NoLinks).unwrap();
        assert!(!r.html.contains("footnotes"));
    }
}
