//! Heading ids, self-links and the table of contents.

use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Tag, TagEnd};
use serde::Serialize;

use super::Spanned;
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

/// Gives every heading a unique id (an explicit `{#id}` wins, else the slug of its text,
/// de-duplicated with `-1`, `-2`, …, never one of `reserved`) and appends a self-link. Returns
/// every heading in order.
pub fn assign_ids(events: &mut Vec<Spanned<'_>>, reserved: &[String]) -> Vec<Heading> {
    let mut used: HashSet<String> = reserved.iter().cloned().collect();
    // Explicit ids are claimed first so generated ones never take them.
    for (event, _) in events.iter() {
        if let Event::Start(Tag::Heading { id: Some(id), .. }) = event {
            used.insert(id.to_string());
        }
    }
    let mut headings = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let Event::Start(Tag::Heading { level, id, .. }) = &events[i].0 else {
            i += 1;
            continue;
        };
        let level = level_number(*level);
        let explicit = id.as_ref().map(|s| s.to_string());
        let end = events[i..]
            .iter()
            .position(|(e, _)| matches!(e, Event::End(TagEnd::Heading(_))))
            .map_or(events.len(), |p| i + p);
        let title: String = events[i + 1..end]
            .iter()
            .filter_map(|(e, _)| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect::<String>()
            .trim()
            .to_string();
        let id = explicit.unwrap_or_else(|| unique(&slug_or_default(&title), &mut used));
        if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i].0 {
            *slot = Some(CowStr::from(id.clone()));
        }
        let anchor = format!(
            " <a class=\"heading-anchor\" href=\"#{id}\" aria-label=\"Link to the section “{}”\">#</a>",
            escape_html(&title)
        );
        let range = events[i].1.clone();
        events.insert(end, (Event::InlineHtml(CowStr::from(anchor)), range));
        headings.push(Heading { level, id, title });
        i = end + 1;
    }
    headings
}

fn slug_or_default(title: &str) -> String {
    let slug = slugify(title);
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug
    }
}

fn unique(base: &str, used: &mut HashSet<String>) -> String {
    let mut candidate = base.to_string();
    let mut n = 0;
    while used.contains(&candidate) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    used.insert(candidate.clone());
    candidate
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
