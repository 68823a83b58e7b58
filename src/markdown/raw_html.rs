//! The raw HTML policy: what `raw_html = "allow" | "escape" | "sanitize"` does to the HTML a
//! body contains, and to the URLs and attributes its Markdown asks for.
//!
//! In `sanitize` mode the raw HTML is kept, and the body's finished HTML is cleaned as a whole
//! by ammonia. Raw HTML reaches the renderer in pieces (an HTML block, then Markdown, then the
//! block that closes it, as in `<details>…</details>` around a paragraph; or inline tags spread
//! over a paragraph), and a tag opened in one piece and closed in another can only be judged in
//! the whole document, as a browser will read it. Cleaning the whole body means the policy also
//! admits what the Markdown renderer itself writes (heading anchors, note links, table
//! alignment, task-list boxes). A body without raw HTML is not cleaned at all: everything in it
//! was written by the renderer, with its URLs already checked.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, Tag};

use super::urls::{BLOCKED_URL, UrlUse, is_dangerous};
use crate::config::{MarkdownConfig, RawHtml};

/// The summary marker.
pub const MORE_MARKER: &str = "<!-- more -->";

/// Whether an event is the summary marker.
pub fn is_more_marker(event: &Event<'_>) -> bool {
    matches!(event, Event::Html(s) | Event::InlineHtml(s) if s.trim() == MORE_MARKER)
}

/// Applies the raw HTML policy to one event: escapes raw HTML (`escape`), neutralises link and
/// image URLs that would run code and drops heading attributes other than id and classes
/// (`escape`, `sanitize`). Returns whether the event is raw HTML that stays (so the body needs
/// cleaning in `sanitize` mode). The summary marker always stays (it renders as a comment).
pub fn apply(event: &mut Event<'_>, policy: RawHtml) -> bool {
    if policy == RawHtml::Allow {
        return false;
    }
    match event {
        Event::Html(_) | Event::InlineHtml(_) if is_more_marker(event) => false,
        Event::Html(html) | Event::InlineHtml(html) => {
            if policy == RawHtml::Escape {
                *event = Event::Text(std::mem::replace(html, CowStr::Borrowed("")));
                false
            } else {
                true
            }
        }
        Event::Start(Tag::Link { dest_url, .. }) => {
            neutralise(dest_url, UrlUse::Link, policy);
            false
        }
        Event::Start(Tag::Image { dest_url, .. }) => {
            neutralise(dest_url, UrlUse::Image, policy);
            false
        }
        // `## T {onclick=x}` would write `onclick="x"`: only ids (checked when headings get
        // theirs) and classes (plain words in a quoted value) stay.
        Event::Start(Tag::Heading { attrs, .. }) => {
            attrs.clear();
            false
        }
        _ => false,
    }
}

fn neutralise(url: &mut CowStr<'_>, used_as: UrlUse, policy: RawHtml) {
    if is_dangerous(url, used_as, policy == RawHtml::Sanitize) {
        *url = CowStr::Borrowed(BLOCKED_URL);
    }
}

/// Cleans a body's HTML (raw HTML included) with the `sanitize` policy.
pub fn sanitize(html: &str, config: &MarkdownConfig) -> String {
    cleaner(&config.iframe_hosts).clean(html).to_string()
}

/// Elements kept besides ammonia's default set (which has tables, `figure`/`figcaption`,
/// `details`/`summary`, `abbr`, `sup`/`sub`, `mark`, `time`, …).
const EXTRA_TAGS: &[&str] = &["section", "tfoot", "input"];

/// Attributes kept on any element; ids and classes are filtered to safe words in [`attribute`].
const GENERIC_ATTRIBUTES: &[&str] = &["lang", "title", "dir", "id", "class"];

/// Attributes kept per element.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "hreflang"]),
    ("img", &["src", "alt", "width", "height", "loading"]),
    ("td", &["colspan", "rowspan", "headers", "style"]),
    ("th", &["colspan", "rowspan", "headers", "scope", "style"]),
    ("ol", &["start", "reversed"]),
    ("details", &["open"]),
    ("time", &["datetime"]),
    ("data", &["value"]),
    ("blockquote", &["cite"]),
    // Callouts and table boxes ([`super::alerts`], [`super::tables`]); values in [`attribute`].
    ("aside", &["role"]),
    ("div", &["role", "tabindex"]),
    ("q", &["cite"]),
    ("del", &["cite", "datetime"]),
    ("ins", &["cite", "datetime"]),
    ("input", &["type", "checked", "disabled"]),
    (
        "iframe",
        &[
            "src",
            "width",
            "height",
            "title",
            "allow",
            "allowfullscreen",
            "loading",
            "referrerpolicy",
        ],
    ),
];

/// An ammonia cleaner for the `sanitize` policy, with iframes from `iframe_hosts` only.
fn cleaner(iframe_hosts: &[String]) -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder.add_tags(EXTRA_TAGS.iter().copied());
    if !iframe_hosts.is_empty() {
        builder.add_tags(["iframe"]);
    }
    builder
        .add_generic_attributes(GENERIC_ATTRIBUTES.iter().copied())
        .add_generic_attribute_prefixes(["aria-"])
        .tag_attributes(
            TAG_ATTRIBUTES
                .iter()
                .map(|(tag, attributes)| (*tag, attributes.iter().copied().collect()))
                .collect::<HashMap<&str, HashSet<&str>>>(),
        )
        // A raw `<input>` can only be what task lists write: a box that cannot be changed.
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        .filter_style_properties(["text-align"].into_iter().collect())
        // `data:` passes the scheme check so the filter below can keep `data:image/` images.
        .add_url_schemes(["data"])
        // Same-page links stay as written: no `rel` is needed without `target`.
        .link_rel(None);
    let hosts: Vec<String> = iframe_hosts
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    builder.attribute_filter(move |element: &str, name: &str, value: &str| {
        attribute(element, name, value, &hosts)
    });
    builder
}

/// Filters one attribute value that ammonia's lists already admit: `None` drops it.
fn attribute<'v>(
    element: &str,
    name: &str,
    value: &'v str,
    hosts: &[String],
) -> Option<Cow<'v, str>> {
    match (element, name) {
        (_, "id") => super::ids::is_safe_id(value).then_some(Cow::Borrowed(value)),
        (_, "class") => {
            let words: Vec<&str> = value
                .split_ascii_whitespace()
                .filter(|w| super::ids::is_safe_id(w))
                .collect();
            (!words.is_empty()).then(|| Cow::Owned(words.join(" ")))
        }
        // Only what callouts and table boxes write: a raw `role="button"` or a `tabindex` that
        // reorders the page's keyboard path would mislead.
        (_, "role") => matches!(value, "note" | "region").then_some(Cow::Borrowed(value)),
        (_, "tabindex") => (value == "0").then_some(Cow::Borrowed(value)),
        ("iframe", "src") => allowed_frame(value, hosts).then_some(Cow::Borrowed(value)),
        ("img", "src") => {
            (!is_dangerous(value, UrlUse::Image, true)).then_some(Cow::Borrowed(value))
        }
        (_, "href" | "src") => {
            (!is_dangerous(value, UrlUse::Link, false)).then_some(Cow::Borrowed(value))
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Whether an iframe may load `src`: an `https` URL on one of `hosts`.
fn allowed_frame(src: &str, hosts: &[String]) -> bool {
    let Ok(url) = ammonia::Url::parse(src) else {
        return false;
    };
    url.scheme() == "https"
        && url
            .host_str()
            .is_some_and(|host| hosts.iter().any(|h| h == host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str) -> String {
        let config = MarkdownConfig {
            raw_html: RawHtml::Sanitize,
            iframe_hosts: vec!["www.youtube-nocookie.com".to_string()],
            ..MarkdownConfig::default()
        };
        sanitize(html, &config)
    }

    #[test]
    fn scripts_handlers_and_script_urls_go() {
        let html = clean(
            "<p onclick=\"x()\">a<script>alert(1)</script><a href=\"javascript:x\">b</a>\
             <img src=x onerror=alert(1)><a href=\"java&#x09;script:x\">c</a></p>",
        );
        assert!(!html.contains("script"), "{html}");
        assert!(
            !html.contains("onclick") && !html.contains("onerror"),
            "{html}"
        );
    }

    #[test]
    fn what_briefs_need_stays() {
        for kept in [
            "<table><thead><tr><th style=\"text-align:left\">a</th></tr></thead><tbody><tr><td colspan=\"2\">b</td></tr></tbody></table>",
            "<figure><img src=\"chart.png\" alt=\"Chart\"><figcaption>Chart</figcaption></figure>",
            "<details><summary>More</summary><p>Hidden</p></details>",
            "<p><abbr title=\"Popular Mobilization Forces\">PMF</abbr> H<sub>2</sub>O x<sup>2</sup></p>",
            "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"dot\">",
            "<h2 id=\"a\">A <a class=\"heading-anchor\" href=\"#a\" aria-label=\"Link\">#</a></h2>",
            "<aside class=\"callout callout-note\" role=\"note\" aria-label=\"Note\"><p class=\"callout-label\">Note</p></aside>",
            "<div class=\"table-scroll\" role=\"region\" aria-label=\"Table 1\" tabindex=\"0\"><table><tbody><tr><td>1</td></tr></tbody></table></div>",
        ] {
            assert_eq!(clean(kept), kept);
        }
    }

    #[test]
    fn iframes_only_from_named_hosts() {
        let ok =
            "<iframe src=\"https://www.youtube-nocookie.com/embed/x\" title=\"Video\"></iframe>";
        assert_eq!(clean(ok), ok);
        let other = clean("<iframe src=\"https://evil.example/x\"></iframe>");
        assert!(!other.contains("evil"), "{other}");
        let plain = clean("<iframe src=\"http://www.youtube-nocookie.com/embed/x\"></iframe>");
        assert!(!plain.contains("src"), "{plain}");
        let none = sanitize(
            ok,
            &MarkdownConfig {
                raw_html: RawHtml::Sanitize,
                ..MarkdownConfig::default()
            },
        );
        assert!(!none.contains("iframe"), "{none}");
    }

    #[test]
    fn raw_roles_and_tabindex_are_limited_to_what_the_renderer_writes() {
        let html =
            clean("<div role=\"button\" tabindex=\"-1\">x</div><aside role=\"note\">y</aside>");
        assert_eq!(html, "<div>x</div><aside role=\"note\">y</aside>");
    }

    #[test]
    fn data_urls_other_than_images_go() {
        let html = clean("<a href=\"data:text/html,x\">a</a><img src=\"data:text/html,x\">");
        assert!(!html.contains("data:"), "{html}");
    }

    #[test]
    fn unsafe_ids_and_classes_go() {
        let html = clean("<p id=\"a b\" class=\"x y&quot;z\">t</p>");
        assert_eq!(html, "<p class=\"x\">t</p>");
    }
}
