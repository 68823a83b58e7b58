//! Images that do not make the page jump: `width` and `height` from the file (when it is a
//! local image whose size is known, see [`ImageSizes`]), and `loading="lazy"` on every image
//! after the first of a page. The first may be above the fold, where lazy loading would only
//! delay it; later ones are usually below it.
//!
//! Sizes are looked up by the URL as the author wrote it, before `@/` links and base paths
//! rewrite it, and applied by the URL as written out, so the transforms in between may reorder
//! events (notes move to the end) without mixing sizes up. The image tag itself is written by
//! pulldown-cmark, so its escaping is the writer's own.

use std::cell::RefCell;
use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd, html};

/// An image's width and height in CSS pixels.
pub type ImageSize = (u32, u32);

/// Finds the size of a local image from its URL as written in Markdown.
pub trait ImageSizes: Sync {
    /// The size of the image at `src`, when it is a local file whose header was read.
    fn size_of(&self, src: &str) -> Option<ImageSize>;
}

/// No sizes known (content without a site, the `markdown` filter).
pub struct NoSizes;

impl ImageSizes for NoSizes {
    fn size_of(&self, _: &str) -> Option<ImageSize> {
        None
    }
}

/// The sizes found while a body's events stream, by the URL written out.
#[derive(Default)]
pub struct Found(RefCell<HashMap<String, ImageSize>>);

impl Found {
    /// Records the size of an image written `written` and published at `url`.
    pub fn record(&self, sizes: &dyn ImageSizes, written: &str, url: &str) {
        if let Some(size) = sizes.size_of(written) {
            self.0.borrow_mut().insert(url.to_string(), size);
        }
    }

    fn get(&self, url: &str) -> Option<ImageSize> {
        self.0.borrow().get(url).copied()
    }
}

/// The destination of an image's start event.
pub fn image_url<'e>(event: &'e Event<'_>) -> Option<&'e str> {
    match event {
        Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url),
        _ => None,
    }
}

/// Writes each image as one HTML event with its size and loading attributes.
pub struct Images<'f, 'a, I> {
    inner: I,
    found: &'f Found,
    seen: usize,
    _events: std::marker::PhantomData<Event<'a>>,
}

impl<'f, 'a, I: Iterator<Item = Event<'a>>> Images<'f, 'a, I> {
    /// Wraps `inner`; sizes come from `found`.
    pub fn new(inner: I, found: &'f Found) -> Self {
        Images {
            inner,
            found,
            seen: 0,
            _events: std::marker::PhantomData,
        }
    }

    /// The image whose start is `start`, its alt text and end taken from the stream, as HTML.
    fn image_html(&mut self, start: Event<'a>) -> String {
        let size = image_url(&start).and_then(|url| self.found.get(url));
        let mut events = vec![start];
        let mut depth = 1usize;
        for event in self.inner.by_ref() {
            match &event {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                _ => {}
            }
            events.push(event);
            if depth == 0 {
                break;
            }
        }
        let mut tag = String::new();
        html::push_html(&mut tag, events.into_iter());
        let Some(open) = tag.strip_suffix(" />") else {
            return tag;
        };
        let mut tag = open.to_string();
        if let Some((width, height)) = size {
            tag.push_str(&format!(" width=\"{width}\" height=\"{height}\""));
        }
        if self.seen > 0 {
            tag.push_str(" loading=\"lazy\"");
        }
        self.seen += 1;
        tag.push_str(" />");
        tag
    }
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for Images<'_, 'a, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        match self.inner.next()? {
            start @ Event::Start(Tag::Image { .. }) => {
                Some(Event::InlineHtml(CowStr::from(self.image_html(start))))
            }
            // An image's end is taken with its start.
            Event::End(TagEnd::Image) => self.next(),
            other => Some(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MarkdownConfig;
    use crate::markdown::tests::NoLinks;

    struct Fixed;
    impl ImageSizes for Fixed {
        fn size_of(&self, src: &str) -> Option<ImageSize> {
            (src == "/img/map.png").then_some((640, 480))
        }
    }

    fn render(body: &str) -> String {
        let config = MarkdownConfig::default();
        crate::markdown::render_page_body(body, &config, &NoLinks, None, &Fixed)
            .0
            .html
    }

    #[test]
    fn known_images_get_their_size_and_later_ones_load_lazily() {
        let html = render(
            "![A *map*](/img/map.png \"Map\")\n\nText ![other & \"more\"](/img/x.png) and ![map again](/img/map.png).\n",
        );
        assert_eq!(
            html,
            "<figure>\n<img src=\"/img/map.png\" alt=\"A map\" width=\"640\" height=\"480\" />\n\
             <figcaption>Map</figcaption>\n</figure>\n\
             <p>Text <img src=\"/img/x.png\" alt=\"other &amp; “more”\" loading=\"lazy\" /> \
             and <img src=\"/img/map.png\" alt=\"map again\" width=\"640\" height=\"480\" loading=\"lazy\" />.</p>\n"
        );
    }

    #[test]
    fn images_in_notes_keep_their_own_size() {
        let html = render("Text.[^1]\n\n![b](/img/b.png)\n\n[^1]: ![a](/img/map.png)\n");
        assert!(
            html.contains("<img src=\"/img/b.png\" alt=\"b\" />"),
            "{html}"
        );
        assert!(
            html.contains(
                "<img src=\"/img/map.png\" alt=\"a\" width=\"640\" height=\"480\" loading=\"lazy\" />"
            ),
            "{html}"
        );
    }

    #[test]
    fn image_tags_are_near_linear() {
        crate::test_support::assert_near_linear(
            "images",
            2_000,
            |n| "![a *b*](/img/map.png) ![c](d.png)\n\n".repeat(n),
            |body| {
                render(body);
            },
        );
    }
}
