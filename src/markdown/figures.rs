//! An image with a title, alone in its paragraph, becomes a figure with the title as caption:
//! `![Chart of …](chart.svg "Caption")` → `<figure><img …><figcaption>Caption</figcaption>
//! </figure>`, with no paragraph around it (a figure may not sit inside `<p>`). An image without
//! a title, or among other text, stays a plain image.
//!
//! The title moves to the caption rather than staying a `title` attribute too, so a screen
//! reader does not read it twice. Only the events of one paragraph's first image are held while
//! deciding, so the work stays in proportion to the body.

use std::collections::VecDeque;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use crate::diagnostics::escape_html;

/// Turns titled images alone in their paragraph into figures.
pub struct Figures<'a, I> {
    inner: I,
    pending: VecDeque<Event<'a>>,
}

impl<'a, I: Iterator<Item = Event<'a>>> Figures<'a, I> {
    /// Wraps `inner`.
    pub fn new(inner: I) -> Self {
        Figures {
            inner,
            pending: VecDeque::new(),
        }
    }

    /// Called after a paragraph's start: queues either a figure, or the paragraph's first events
    /// unchanged.
    fn after_paragraph_start(&mut self, start: Event<'a>) {
        let Some(first) = self.inner.next() else {
            self.pending.push_back(start);
            return;
        };
        let titled = matches!(&first, Event::Start(Tag::Image { title, .. }) if !title.is_empty());
        if !titled {
            self.pending.extend([start, first]);
            return;
        }
        let mut image = vec![first];
        self.take_image_rest(&mut image);
        match self.inner.next() {
            Some(Event::End(TagEnd::Paragraph)) => self.queue_figure(image),
            after => {
                self.pending.push_back(start);
                self.pending.extend(image);
                self.pending.extend(after);
            }
        }
    }

    /// Moves the image's events after its start (its alt text) to its end into `image`.
    fn take_image_rest(&mut self, image: &mut Vec<Event<'a>>) {
        let mut depth = 1usize;
        for event in self.inner.by_ref() {
            match &event {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                _ => {}
            }
            image.push(event);
            if depth == 0 {
                break;
            }
        }
    }

    /// Queues the figure for an image's events, its title becoming the caption.
    fn queue_figure(&mut self, mut image: Vec<Event<'a>>) {
        let Some(Event::Start(Tag::Image { title, .. })) = image.first_mut() else {
            self.pending.extend(image);
            return;
        };
        let caption = escape_html(&std::mem::replace(title, CowStr::Borrowed("")));
        self.pending
            .push_back(Event::Html(CowStr::Borrowed("<figure>\n")));
        self.pending.extend(image);
        self.pending.push_back(Event::Html(CowStr::from(format!(
            "\n<figcaption>{caption}</figcaption>\n</figure>\n"
        ))));
    }
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for Figures<'a, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        if let Some(event) = self.pending.pop_front() {
            return Some(event);
        }
        match self.inner.next()? {
            start @ Event::Start(Tag::Paragraph) => {
                self.after_paragraph_start(start);
                self.pending.pop_front()
            }
            other => Some(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::md;

    #[test]
    fn a_titled_image_alone_is_a_figure() {
        let html = md(
            "Before.\n\n![Bars of *two* sizes](chart.svg \"Attacks & talks, 2024\")\n\nAfter.\n",
        )
        .html;
        assert_eq!(
            html,
            "<p>Before.</p>\n<figure>\n<img src=\"chart.svg\" alt=\"Bars of two sizes\" />\n\
             <figcaption>Attacks &amp; talks, 2024</figcaption>\n</figure>\n<p>After.</p>\n"
        );
    }

    #[test]
    fn an_image_in_text_or_without_title_stays_an_image() {
        for body in [
            "See ![a](x.svg \"T\") here.\n",
            "![a](x.svg \"T\") and text after.\n",
            "![a](x.svg)\n",
            "![a](x.svg \"T\")![b](y.svg \"U\")\n",
        ] {
            let html = md(body).html;
            assert!(!html.contains("figure"), "{body}: {html}");
            assert!(html.starts_with("<p>"), "{body}: {html}");
            assert!(html.contains("<img src=\"x.svg\""), "{body}: {html}");
        }
    }

    #[test]
    fn figures_work_inside_callouts_and_lists() {
        let html =
            md("> [!NOTE]\n> ![a](x.svg \"Cap\")\n\n- one\n\n  ![b](y.svg \"Cap 2\")\n").html;
        assert!(
            html.contains("<p class=\"callout-label\">Note</p>\n<figure>"),
            "{html}"
        );
        assert!(html.contains("<figcaption>Cap 2</figcaption>"), "{html}");
        assert!(!html.contains("<p><figure>"), "{html}");
    }

    #[test]
    fn an_empty_paragraph_stream_ends_cleanly() {
        assert_eq!(md("").html, "");
    }
}
