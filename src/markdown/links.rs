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

    /// For a page in another language than `rel`'s, when `rel` has no translation into it:
    /// the error message and hint.
    fn untranslated(&self, _rel: &str) -> Option<(String, String)> {
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

/// An `@static/` link found in a body: a file the site copies (from `static/` or a page's
/// folder), checked once the list of copied files is known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StaticLink {
    /// The file's path in the output, without a leading `/` (`images/map.png`).
    pub path: String,
    /// Byte offset of the link in the body.
    pub offset: usize,
}

/// The prefix of a link to a file the site copies: `@static/images/map.png`.
pub const STATIC_PREFIX: &str = "@static/";

/// Rewrites the destination of a link or image to a copied file (`@static/images/map.png`) to
/// its URL under the base path and returns the file to check; and, when `rewrite_root` is set,
/// puts the base path in front of a root-relative URL (`/images/map.png`). Other events and
/// URLs are left alone.
pub fn rewrite_site_paths(
    event: &mut Event<'_>,
    range: &Range<usize>,
    base_path: &str,
    rewrite_root: bool,
) -> Option<StaticLink> {
    let (Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. })) =
        event
    else {
        return None;
    };
    if let Some(rest) = dest_url.strip_prefix(STATIC_PREFIX) {
        let (path, fragment) = match rest.split_once('#') {
            Some((path, fragment)) => (path, Some(fragment)),
            None => (rest, None),
        };
        let path = path.trim_start_matches('/').to_string();
        let mut url = format!(
            "{base_path}{}",
            crate::site::urls::encode_path(&format!("/{path}"))
        );
        if let Some(fragment) = fragment {
            url.push('#');
            url.push_str(fragment);
        }
        *dest_url = CowStr::from(url);
        return Some(StaticLink {
            path,
            offset: range.start,
        });
    }
    let root_relative = dest_url.starts_with('/') && !dest_url.starts_with("//");
    if rewrite_root && root_relative && !base_path.is_empty() {
        *dest_url = CowStr::from(format!("{base_path}{dest_url}"));
    }
    None
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
        if let Some((message, hint)) = resolver.untranslated(target) {
            return Some(Err(MarkdownError {
                offset: range.start,
                message,
                hint,
            }));
        }
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
    fn root_relative_and_static_links_go_under_the_base_path() {
        let config = MarkdownConfig {
            base_path: "/policy".to_string(),
            ..MarkdownConfig::default()
        };
        let body = "![Map](/images/map.png) [b](<@static/files/a b.pdf#page=2>) [c](//cdn.example.org/x) [d](https://e.org/y)\n";
        let r = render(body, &config, &OneLink).unwrap();
        assert!(
            r.html.contains("src=\"/policy/images/map.png\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"/policy/files/a%20b.pdf#page=2\""));
        assert!(r.html.contains("href=\"//cdn.example.org/x\""));
        assert!(r.html.contains("href=\"https://e.org/y\""));
        assert_eq!(r.static_links.len(), 1);
        assert_eq!(r.static_links[0].path, "files/a b.pdf");
        assert_eq!(r.static_links[0].offset, 24);
        let off = MarkdownConfig {
            rewrite_root_links: false,
            ..config
        };
        let r = render(body, &off, &OneLink).unwrap();
        assert!(r.html.contains("src=\"/images/map.png\""));
        assert!(r.html.contains("href=\"/policy/files/a%20b.pdf#page=2\""));
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
