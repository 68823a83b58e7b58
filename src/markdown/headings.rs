//! Heading ids, self-links and the table of contents.

use std::cell::RefCell;
use std::collections::VecDeque;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Tag, TagEnd};
use serde::Serialize;

use super::ids::{self, IdAllocator};
use super::{MarkdownError, Spanned, placeholder};
use crate::config::Strings;
use crate::diagnostics::escape_html;
use crate::site::urls::slugify;

/// One heading of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Unique id.
    pub id: String,
    /// Plain text of the heading.
    pub title: String,
}

/// An entry in the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TocEntry {
    /// 2 or 3.
    pub level: u8,
    /// Heading id (the fragment of its URL).
    pub id: String,
    /// Plain text.
    pub title: String,
    /// Sub-headings.
    pub children: Vec<TocEntry>,
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Gives every heading a unique id and appends a self-link, as the events stream past.
///
/// An explicit `{#id}` is used as written when it is safe ([`ids::is_safe_id`]); otherwise it is
/// an error, and the cleaned id is used so the rendering stays complete. A heading without one
/// gets the slug of its text, numbered `-1`, `-2`, … when taken. Only one heading's events are
/// held at a time (its text is needed before its id can be written).
pub struct Headings<'a, 's, I> {
    inner: I,
    ids: &'s RefCell<IdAllocator>,
    strings: &'s Strings,
    found: &'s mut Vec<Heading>,
    errors: &'s mut Vec<MarkdownError>,
    pending: VecDeque<Spanned<'a>>,
}

impl<'a, 's, I: Iterator<Item = Spanned<'a>>> Headings<'a, 's, I> {
    /// Wraps `inner`; headings are recorded in `found` and bad explicit ids in `errors`. The
    /// self-links are named with `strings.heading_anchor`.
    pub fn new(
        inner: I,
        ids: &'s RefCell<IdAllocator>,
        strings: &'s Strings,
        found: &'s mut Vec<Heading>,
        errors: &'s mut Vec<MarkdownError>,
    ) -> Self {
        Headings {
            inner,
            ids,
            strings,
            found,
            errors,
            pending: VecDeque::new(),
        }
    }

    /// Gives the heading in `events` (from its start to its end) its id and self-link.
    fn label(&mut self, events: &mut Vec<Spanned<'a>>) {
        let (Event::Start(Tag::Heading { level, id, .. }), range) = &events[0] else {
            return;
        };
        let level = level_number(*level);
        let offset = range.start;
        let title = plain_text(&events[1..]);
        let explicit = id.as_deref().map(|raw| {
            if !ids::is_safe_id(raw) {
                self.errors.push(MarkdownError {
                    offset,
                    message: format!(
                        "heading id \"{raw}\" may only contain letters, digits, '-' and '_'"
                    ),
                    hint: match ids::clean_id(raw).as_str() {
                        "" => "remove the {#…} or write an id such as {#background}".to_string(),
                        clean => format!("write it as {{#{clean}}}"),
                    },
                });
            }
            ids::usable_id(raw)
        });
        let id = match explicit.filter(|id| !id.is_empty()) {
            Some(wanted) => self.ids.borrow_mut().claim(&wanted),
            None => self.ids.borrow_mut().generate(&slug_or_default(&title)),
        };
        if let (Event::Start(Tag::Heading { id: slot, .. }), _) = &mut events[0] {
            *slot = Some(CowStr::from(id.clone()));
        }
        let anchor = format!(
            " <a class=\"heading-anchor\" href=\"#{}\" aria-label=\"{}\">#</a>",
            escape_html(&id),
            placeholder(&self.strings.heading_anchor, "{title}", &title)
        );
        let at = match events.last() {
            Some((Event::End(TagEnd::Heading(_)), _)) => events.len() - 1,
            _ => events.len(),
        };
        events.insert(
            at,
            (Event::InlineHtml(CowStr::from(anchor)), offset..offset),
        );
        self.found.push(Heading { level, id, title });
    }
}

impl<'a, I: Iterator<Item = Spanned<'a>>> Iterator for Headings<'a, '_, I> {
    type Item = Spanned<'a>;

    fn next(&mut self) -> Option<Spanned<'a>> {
        if let Some(event) = self.pending.pop_front() {
            return Some(event);
        }
        let first = self.inner.next()?;
        if !matches!(first.0, Event::Start(Tag::Heading { .. })) {
            return Some(first);
        }
        let mut heading = vec![first];
        for event in self.inner.by_ref() {
            let end = matches!(event.0, Event::End(TagEnd::Heading(_)));
            heading.push(event);
            if end {
                break;
            }
        }
        self.label(&mut heading);
        self.pending.extend(heading);
        self.pending.pop_front()
    }
}

/// The plain text of a heading's inner events.
fn plain_text(events: &[Spanned<'_>]) -> String {
    events
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

fn slug_or_default(title: &str) -> String {
    let slug = slugify(title);
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug
    }
}

/// The ids of headings.
pub fn ids_of(headings: &[Heading]) -> Vec<String> {
    headings.iter().map(|h| h.id.clone()).collect()
}

/// Builds the nested table of contents from h2 and h3 headings.
pub fn nest(headings: Vec<Heading>) -> Vec<TocEntry> {
    let mut toc: Vec<TocEntry> = Vec::new();
    for h in headings
        .into_iter()
        .filter(|h| h.level == 2 || h.level == 3)
    {
        let entry = TocEntry {
            level: h.level,
            id: h.id,
            title: h.title,
            children: Vec::new(),
        };
        match toc.last_mut() {
            Some(parent) if entry.level == 3 => parent.children.push(entry),
            _ => toc.push(entry),
        }
    }
    toc
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
    fn ids_are_unique_and_tocs_nest() {
        let body =
            "## Background\n\n### Detail\n\n## Background\n\n## Custom {#mine}\n\n#### Deep\n";
        let r = render(body, &MarkdownConfig::default(), &NoLinks).unwrap();
        assert!(r.html.contains("<h2 id=\"background\">"));
        assert!(r.html.contains("<h2 id=\"background-1\">"));
        assert!(r.html.contains("<h2 id=\"mine\">"));
        assert!(r.html.contains("href=\"#detail\""));
        assert_eq!(r.toc.len(), 3);
        assert_eq!(r.toc[0].children[0].id, "detail");
        assert!(r.anchors.contains(&"deep".to_string()));
    }

    #[test]
    fn smart_quotes_in_headings_slug_cleanly() {
        let r = render(
            "## Iraq's \"choice\"\n",
            &MarkdownConfig::default(),
            &NoLinks,
        )
        .unwrap();
        assert_eq!(r.toc[0].id, "iraq-s-choice");
    }
}
