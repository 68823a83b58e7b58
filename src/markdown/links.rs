//! Internal links: `@/briefs/x.md#anchor` → the target's URL.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag};

use super::MarkdownError;

/// Finds the URL of a content file from its path relative to `content/`.
pub trait LinkResolver: Sync {
    /// The URL for `rel` (`briefs/x.md`), or `None` when no such page or section exists.
    fn resolve(&self, rel: &str) -> Option<String>;

    /// Why `rel`, which exists, cannot be linked to (a brief under embargo), if so.
    fn unavailable(&self, _rel: &str) -> Option<String> {
        None
    }
}

/// An `@/` link found in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalLink {
    /// Target path relative to `content/`.
    pub target: String,
    /// Fragment, if any.
    pub anchor: Option<String>,
    /// Byte offset of the link in the body.
    pub offset: usize,
}

/// Splits `@/briefs/x.md#a` into (`briefs/x.md`, `Some("a")`).
pub fn parse_internal(dest: &str) -> Option<(&str, Option<&str>)> {
    let rest = dest.strip_prefix("@/")?;
    Some(match rest.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (rest, None),
    })
}

/// Rewrites the destination of an `@/` link or image to its URL and returns the link, or an
/// error for an unknown target. Other events are left alone.
pub fn resolve(
    event: &mut Event<'_>,
    range: &Range<usize>,
    resolver: &dyn LinkResolver,
) -> Option<Result<InternalLink, MarkdownError>> {
    let (Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. })) =
        event
    else {
        return None;
    };
    let (target, anchor) = parse_internal(dest_url)?;
    let Some(url) = resolver.resolve(target) else {
        if let Some(why) = resolver.unavailable(target) {
            return Some(Err(MarkdownError {
                offset: range.start,
                message: format!("link to \"@/{target}\", which {why}"),
                hint: "a published brief cannot link to one that is not published yet: remove the link until then, or preview both with --drafts".to_string(),
            }));
        }
        return Some(Err(MarkdownError {
            offset: range.start,
            message: format!("link to unknown content \"@/{target}\""),
            hint: "an @/ link names a file under content/, e.g. @/briefs/first-round.md; check the spelling and that the file is not a draft".to_string(),
        }));
    };
    let link = InternalLink {
        target: target.to_string(),
        anchor: anchor.map(str::to_string),
        offset: range.start,
    };
    *dest_url = CowStr::from(match anchor {
        Some(a) => format!("{url}#{a}"),
        None => url,
    });
    Some(Ok(link))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MarkdownConfig;
    use crate::markdown::render;

    struct OneLink;
    impl LinkResolver for OneLink {
        fn resolve(&self, rel: &str) -> Option<String> {
            (rel == "briefs/a.md").then(|| "/briefs/a/".to_string())
        }
    }

    #[test]
    fn resolves_known_links_with_anchors() {
        let r = render(
            "See [a](@/briefs/a.md#x).\n",
            &MarkdownConfig::default(),
            &OneLink,
        )
        .unwrap();
        assert!(r.html.contains("href=\"/briefs/a/#x\""));
        assert_eq!(r.internal_links[0].anchor.as_deref(), Some("x"));
    }

    #[test]
    fn unknown_links_are_errors_with_offsets() {
        let e = render(
            "Line one.\n\n[b](@/briefs/b.md)\n",
            &MarkdownConfig::default(),
            &OneLink,
        )
        .unwrap_err();
        assert_eq!(e[0].offset, 11);
        assert!(e[0].message.contains("@/briefs/b.md"));
    }
}
