//! What a brief's PDF takes from the site as the web pages have it: links made absolute (a
//! PDF is read away from the site), and the citations and reference list the Markdown stage
//! formatted into the body's HTML, as Typst markup.

use super::escape;

/// A link's URL made absolute against the brief's permalink (`page`) and the site's base.
pub fn absolute_url(url: &str, page: &str, base: &str) -> String {
    use crate::markdown::urls::{UrlUse, is_dangerous};
    if is_dangerous(url, UrlUse::Link, false) {
        return page.to_string();
    }
    let has_scheme = url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if has_scheme {
        url.to_string()
    } else if let Some(rest) = url.strip_prefix("//") {
        format!("https://{rest}")
    } else if url.starts_with('/') {
        format!("{}{url}", base.trim_end_matches('/'))
    } else {
        format!("{page}{url}")
    }
}

/// The formatted citations of a body's HTML (`<span class="citation" …>`), in order, as markup.
pub fn citation_markup(html: &str) -> Vec<String> {
    const OPEN: &str = "<span class=\"citation\"";
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start..];
        let Some(inner_start) = after.find('>') else {
            break;
        };
        let inner = &after[inner_start + 1..];
        let end = matching_end(inner, "span");
        out.push(escape::html_to_markup(&inner[..end]));
        rest = &inner[end..];
    }
    out
}

/// The entries of a body's reference list, as markup (its label first), without back-links.
pub fn reference_markup(html: &str) -> Vec<String> {
    let Some(list) = html.find("<section class=\"references\"") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut rest = &html[list..];
    while let Some(start) = rest.find("<li") {
        let after = &rest[start..];
        let Some(inner_start) = after.find('>') else {
            break;
        };
        let inner = &after[inner_start + 1..];
        let end = inner.find("</li>").unwrap_or(inner.len());
        let entry = &inner[..end];
        let entry = entry
            .find(" <a href=\"#cite-")
            .or_else(|| entry.find(" <a href=\"#"))
            .filter(|&i| entry[i..].contains("reference-backref"))
            .map_or(entry, |i| &entry[..i]);
        out.push(escape::html_to_markup(entry).trim().to_string());
        rest = &inner[end..];
    }
    out
}

/// The offset of the `</name>` that closes an element whose content starts `html`.
fn matching_end(html: &str, name: &str) -> usize {
    let (open, close) = (format!("<{name}"), format!("</{name}>"));
    let mut depth = 0usize;
    let mut at = 0;
    while at < html.len() {
        let rest = &html[at..];
        let next_open = rest.find(&open);
        let Some(next_close) = rest.find(&close) else {
            return html.len();
        };
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                at += o + open.len();
            }
            _ if depth == 0 => return at + next_close,
            _ => {
                depth -= 1;
                at += next_close + close.len();
            }
        }
    }
    html.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_and_references_are_read_from_the_html() {
        let html = "<p>As <span class=\"citation\" id=\"cite-1\">(<a href=\"#ref-h\">Hassan <span>2024</span></a>)</span>.</p>\n<section class=\"references\" aria-labelledby=\"references\">\n<h2 id=\"references\">References</h2>\n<ol class=\"reference-list\">\n<li id=\"ref-h\"><span class=\"reference-label\">[1]</span> Hassan, L. <i>Ports</i>. <a href=\"#cite-1\" class=\"reference-backref\" aria-label=\"Back\">↩</a></li>\n</ol>\n</section>\n";
        assert_eq!(citation_markup(html), ["(Hassan 2024)"]);
        assert_eq!(
            reference_markup(html),
            ["\\[1\\] Hassan, L. #emph[Ports]\\."]
        );
    }

    #[test]
    fn links_are_made_absolute() {
        let page = "https://x.org/briefs/a/";
        assert_eq!(
            absolute_url("b/", page, "https://x.org"),
            "https://x.org/briefs/a/b/"
        );
        assert_eq!(
            absolute_url("/about/", page, "https://x.org"),
            "https://x.org/about/"
        );
        assert_eq!(
            absolute_url("#s", page, "https://x.org"),
            "https://x.org/briefs/a/#s"
        );
        assert_eq!(
            absolute_url("mailto:a@b.org", page, "https://x.org"),
            "mailto:a@b.org"
        );
        assert_eq!(
            absolute_url("javascript:alert(1)", page, "https://x.org"),
            page
        );
    }
}
