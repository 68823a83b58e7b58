//! The summary: the events before `<!-- more -->`, else the first paragraph, written on their
//! own for listings.
//!
//! The body is rendered in one streaming pass, so the summary is found as the events go by
//! ([`Locator`]) and written afterwards: from the first events, kept aside while the body is
//! written ([`LOOKAHEAD`]), when it lies among them (nearly always), else from a second parse
//! that stops where the summary ends. Memory stays bounded either way.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd, html};

use super::raw_html::is_more_marker;
use crate::config::Strings;

/// How many of a body's first events are kept for its summary.
pub const LOOKAHEAD: usize = 2048;

/// Finds where the summary lies among a body's events, seeing them one by one.
#[derive(Debug, Default)]
pub struct Locator {
    seen: usize,
    marker: Option<usize>,
    first_paragraph_start: Option<usize>,
    first_paragraph_end: Option<usize>,
    previous_was_html_block_start: bool,
}

impl Locator {
    /// Notes the next event of the body.
    pub fn see(&mut self, event: &Event<'_>) {
        let i = self.seen;
        self.seen += 1;
        if self.marker.is_none() && is_more_marker(event) {
            // A marker on its own line sits in an HTML block: the summary ends before the block.
            let before_block = self.previous_was_html_block_start;
            self.marker = Some(if before_block { i - 1 } else { i });
        }
        self.previous_was_html_block_start = matches!(event, Event::Start(Tag::HtmlBlock));
        match event {
            Event::Start(Tag::Paragraph) if self.first_paragraph_start.is_none() => {
                self.first_paragraph_start = Some(i);
            }
            Event::End(TagEnd::Paragraph)
                if self.first_paragraph_start.is_some() && self.first_paragraph_end.is_none() =>
            {
                self.first_paragraph_end = Some(i);
            }
            _ => {}
        }
    }

    /// The positions of the summary's events among the body's, if it has one.
    pub fn summary(&self) -> Option<Range<usize>> {
        if let Some(marker) = self.marker {
            return Some(0..marker);
        }
        Some(self.first_paragraph_start?..self.first_paragraph_end? + 1)
    }
}

/// Writes the summary at `range`, from `kept` (the body's first events) when they hold it, else
/// from `reparse` (all the body's events again).
pub fn write<'a, R>(
    range: Range<usize>,
    kept: &[Event<'a>],
    strings: &Strings,
    reparse: impl FnOnce() -> R,
) -> Option<String>
where
    R: Iterator<Item = Event<'a>>,
{
    let mut out = String::new();
    if range.end <= kept.len() {
        let events = for_summary(kept[range].iter().cloned());
        html::push_html(&mut out, super::blocks(events, strings));
    } else {
        let len = range.len();
        let events = for_summary(reparse().skip(range.start).take(len));
        html::push_html(&mut out, super::blocks(events, strings));
    }
    if out.trim().is_empty() {
        return None;
    }
    out.shrink_to_fit();
    Some(out)
}

/// The events cleaned for use out of the page: no note references, no note definitions, no
/// heading ids (listings show many summaries on one page).
fn for_summary<'a>(events: impl Iterator<Item = Event<'a>>) -> impl Iterator<Item = Event<'a>> {
    let mut in_definition = 0usize;
    events.filter_map(move |event| match event {
        Event::Start(Tag::FootnoteDefinition(_)) => {
            in_definition += 1;
            None
        }
        Event::End(TagEnd::FootnoteDefinition) => {
            in_definition = in_definition.saturating_sub(1);
            None
        }
        _ if in_definition > 0 => None,
        Event::FootnoteReference(_) => None,
        Event::Start(Tag::Heading {
            level,
            classes,
            attrs,
            ..
        }) => Some(Event::Start(Tag::Heading {
            level,
            id: None,
            classes,
            attrs,
        })),
        other => Some(other),
    })
}
