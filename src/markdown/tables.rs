//! Tables scroll sideways in their own box, so a wide table does not widen the page on a phone.
//!
//! Each table is wrapped in `<div class="table-scroll" role="region" aria-label="Table 1"
//! tabindex="0">`: a box that scrolls must be reachable by keyboard (axe's
//! `scrollable-region-focusable`), and a focusable box needs a role and a name to say what it
//! is. Tables are numbered in the page so that each region's name is distinct.

use std::collections::VecDeque;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::placeholder;
use crate::config::Strings;

/// Wraps every table of `inner` in its scrolling box.
pub struct Tables<'a, 's, I> {
    inner: I,
    strings: &'s Strings,
    /// Tables seen so far.
    count: usize,
    pending: VecDeque<Event<'a>>,
}

impl<'a, 's, I: Iterator<Item = Event<'a>>> Tables<'a, 's, I> {
    /// Wraps `inner`; the boxes are named with `strings.table_label`.
    pub fn new(inner: I, strings: &'s Strings) -> Self {
        Tables {
            inner,
            strings,
            count: 0,
            pending: VecDeque::new(),
        }
    }
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for Tables<'a, '_, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        if let Some(event) = self.pending.pop_front() {
            return Some(event);
        }
        match self.inner.next()? {
            start @ Event::Start(Tag::Table(_)) => {
                self.count += 1;
                let label = placeholder(
                    &self.strings.table_label,
                    "{n}",
                    &self.strings.number(self.count),
                );
                self.pending.push_back(start);
                Some(Event::Html(CowStr::from(format!(
                    "<div class=\"table-scroll\" role=\"region\" aria-label=\"{label}\" tabindex=\"0\">\n"
                ))))
            }
            end @ Event::End(TagEnd::Table) => {
                self.pending
                    .push_back(Event::Html(CowStr::Borrowed("</div>\n")));
                Some(end)
            }
            other => Some(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::md;

    #[test]
    fn tables_are_wrapped_and_numbered() {
        let table = "| a | b |\n|---|--:|\n| 1 | 2 |\n";
        let html = md(&format!("{table}\nBetween.\n\n{table}")).html;
        assert!(html.starts_with(
            "<div class=\"table-scroll\" role=\"region\" aria-label=\"Table 1\" tabindex=\"0\">\n<table>"
        ), "{html}");
        assert!(html.contains("</table>\n</div>\n<p>Between.</p>"), "{html}");
        assert!(html.contains("aria-label=\"Table 2\""), "{html}");
        assert_eq!(html.matches("<div").count(), 2);
        assert_eq!(html.matches("</div>").count(), 2);
        assert!(html.contains("style=\"text-align: right\""), "{html}");
    }

    #[test]
    fn text_that_looks_like_a_table_is_left_alone() {
        let html = md("a | b\n").html;
        assert!(!html.contains("table-scroll"), "{html}");
    }
}
