//! Internal links: `@/briefs/x.md#anchor` → the target's URL.

use pulldown_cmark::{CowStr, Event, Tag};

use super::{MarkdownError, Spanned};

/// Finds the URL of a content file from its path relative to `content/`.
pub trait LinkResolver: Sync {
    /// The URL for `rel` (`briefs/x.md`), or `None` when no such page or section exists.
    fn resolve(&self, rel: &str) -> Option<String>;
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

/// Rewrites `@/` link destinations to URLs; records each link, and an error for each unknown target.
pub fn resolve(
    events: &mut [Spanned<'_>],
    resolver: &dyn LinkResolver,
    errors: &mut Vec<MarkdownError>,
) -> Vec<InternalLink> {
    let mut found = Vec::new();
    for (event, range) in events.iter_mut() {
        let (Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. })) =
            event
        else {
            continue;
        };
        let Some((target, anchor)) = parse_internal(dest_url) else {
            continue;
        };
        match resolver.resolve(target) {
            Some(url) => {
                let href = match anchor {
                    Some(a) => format!("{url}#{a}"),
                    None => url,
                };
                found.push(InternalLink {
                    target: target.to_string(),
                    anchor: anchor.map(str::to_string),
                    offset: range.start,
                });
                *dest_url = CowStr::from(href);
            }
            None => errors.push(MarkdownError {
                offset: range.start,
                message: format!("link to unknown content \"@/{target}\""),
                hint: "an @/ link names a file under content/, e.g. @/briefs/first-round.md; check the spelling and that the file is not a draft".to_string(),
            }),
        }
    }
    found
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
