//! What an output page refers to and defines: every URL in `href`, `src`, `srcset` and the like
//! (with the line it is on and what kind of resource it is), every `id`, the `<title>` and the
//! meta description. One pass of html5ever's tokenizer: linear in the page, no tree built.

use std::cell::RefCell;
use std::collections::HashSet;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// What a URL in a page loads or leads to; a missing one is reported as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RefKind {
    /// A link a reader follows (`<a href>`, `<link rel=canonical>`, a redirect).
    Link,
    /// An image (`<img src>`, `srcset`, `og:image`).
    Image,
    /// A stylesheet (`<link rel=stylesheet>`, `@import`).
    Stylesheet,
    /// A script (`<script src>`).
    Script,
    /// Anything else a page loads (icons, media, fonts, CSS `url()`).
    Asset,
}

impl RefKind {
    /// The kind's name in reports (`kind` in `--format json`).
    pub fn name(self) -> &'static str {
        match self {
            RefKind::Link => "link",
            RefKind::Image => "image",
            RefKind::Stylesheet => "stylesheet",
            RefKind::Script => "script",
            RefKind::Asset => "asset",
        }
    }
}

/// A URL found in an output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The URL as written (entities decoded).
    pub url: String,
    /// 1-based line in the output file.
    pub line: usize,
    /// What it is.
    pub kind: RefKind,
}

/// What one HTML page holds.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Every `id` (and `<a name>`): the fragments links may point at.
    pub ids: HashSet<String>,
    /// Every URL it refers to.
    pub refs: Vec<Reference>,
    /// The text of `<title>`, when it has one.
    pub title: Option<String>,
    /// The `content` of `<meta name="description">`, when it has one.
    pub description: Option<String>,
    /// It is a redirect page (`<meta http-equiv="refresh">`).
    pub redirect: bool,
}

/// Scans an HTML document.
pub fn scan(html: &str) -> Scan {
    let sink = Sink::default();
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // Without a tree builder nothing asks the tokenizer to stop for a script.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.state.into_inner().scan
}

#[derive(Default)]
struct Sink {
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    scan: Scan,
    /// Inside `<title>`: its text so far.
    title: Option<String>,
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<()> {
        let line = usize::try_from(line).unwrap_or(usize::MAX);
        let mut state = self.state.borrow_mut();
        match token {
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                let attr = |wanted: &str| {
                    tag.attrs
                        .iter()
                        .find(|a| &*a.name.local == wanted)
                        .map(|a| a.value.to_string())
                };
                if tag.kind == TagKind::EndTag {
                    if name == "title"
                        && let Some(text) = state.title.take()
                    {
                        state.scan.title.get_or_insert(text);
                    }
                    return TokenSinkResult::Continue;
                }
                if let Some(id) = attr("id").filter(|id| !id.is_empty()) {
                    state.scan.ids.insert(id);
                }
                if name == "a"
                    && let Some(anchor) = attr("name").filter(|n| !n.is_empty())
                {
                    state.scan.ids.insert(anchor);
                }
                let mut push = |url: String, kind: RefKind| {
                    state.scan.refs.push(Reference { url, line, kind });
                };
                for (url, kind) in references_of(name, &attr) {
                    push(url, kind);
                }
                match name {
                    "title" => state.title = Some(String::new()),
                    "meta" => meta(&mut state.scan, &attr, line),
                    _ => {}
                }
                // What a tree builder would tell the tokenizer: these elements hold text, not
                // markup.
                match name {
                    "script" => return TokenSinkResult::RawData(RawKind::ScriptData),
                    "style" | "noscript" | "xmp" | "iframe" | "noembed" | "noframes" => {
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    "title" | "textarea" => return TokenSinkResult::RawData(RawKind::Rcdata),
                    _ => {}
                }
            }
            Token::CharacterTokens(text) => {
                if let Some(title) = state.title.as_mut() {
                    title.push_str(&text);
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The URLs of one start tag.
fn references_of(name: &str, attr: &dyn Fn(&str) -> Option<String>) -> Vec<(String, RefKind)> {
    let mut found = Vec::new();
    let mut take = |attribute: &str, kind: RefKind| {
        if let Some(url) = attr(attribute) {
            found.push((url, kind));
        }
    };
    match name {
        "a" | "area" => take("href", RefKind::Link),
        "link" => {
            let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
            let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
            let kind = if rels.contains(&"stylesheet") {
                RefKind::Stylesheet
            } else if rels
                .iter()
                .any(|r| ["canonical", "alternate", "prev", "next", "author"].contains(r))
            {
                RefKind::Link
            } else {
                RefKind::Asset
            };
            take("href", kind);
        }
        "img" => {
            take("src", RefKind::Image);
            for url in srcset(attr("srcset")) {
                found.push((url, RefKind::Image));
            }
        }
        "source" => {
            take("src", RefKind::Asset);
            for url in srcset(attr("srcset")) {
                found.push((url, RefKind::Image));
            }
        }
        "script" => take("src", RefKind::Script),
        "video" => {
            take("src", RefKind::Asset);
            take("poster", RefKind::Image);
        }
        "audio" | "track" | "iframe" | "embed" => take("src", RefKind::Asset),
        "object" => take("data", RefKind::Asset),
        _ => {}
    }
    found
}

/// The URLs of a `srcset` (`a.png 1x, b.png 2x`).
fn srcset(value: Option<String>) -> Vec<String> {
    value
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|candidate| candidate.split_ascii_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// `<meta>`: the description, a redirect, and the images shared on social sites.
fn meta(scan: &mut Scan, attr: &dyn Fn(&str) -> Option<String>, line: usize) {
    let name = attr("name")
        .or_else(|| attr("property"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let content = attr("content");
    match name.as_str() {
        "description" => scan.description = content.clone(),
        "og:image" | "twitter:image" => {
            if let Some(url) = content.clone() {
                let kind = RefKind::Image;
                scan.refs.push(Reference { url, line, kind });
            }
        }
        _ => {}
    }
    let refresh = attr("http-equiv").is_some_and(|h| h.eq_ignore_ascii_case("refresh"));
    if refresh {
        scan.redirect = true;
        // `0; url=/briefs/x/`
        let target = content.as_deref().and_then(|c| {
            let at = c.to_ascii_lowercase().find("url=")?;
            Some(c[at + 4..].trim().trim_matches(['"', '\'']).to_string())
        });
        if let Some(url) = target {
            let kind = RefKind::Link;
            scan.refs.push(Reference { url, line, kind });
        }
    }
}

/// The URLs of a stylesheet: `url(…)` and `@import "…"`, with their lines. Comments are
/// skipped. Linear: each pattern's next place is searched for again only once passed.
pub fn css_references(css: &str) -> Vec<Reference> {
    const PATTERNS: [&str; 3] = ["/*", "url(", "@import"];
    let find_from = |pattern: &str, from: usize| css.get(from..)?.find(pattern).map(|i| i + from);
    let mut next: [Option<usize>; 3] = PATTERNS.map(|p| find_from(p, 0));
    let mut refs = Vec::new();
    let mut cursor = 0;
    let mut line = 1;
    loop {
        for (slot, pattern) in next.iter_mut().zip(PATTERNS) {
            if slot.is_some_and(|at| at < cursor) {
                *slot = find_from(pattern, cursor);
            }
        }
        let Some((which, at)) = next
            .iter()
            .enumerate()
            .filter_map(|(i, at)| at.map(|at| (i, at)))
            .min_by_key(|(_, at)| *at)
        else {
            break;
        };
        line += css[cursor..at].matches('\n').count();
        let after = at + PATTERNS[which].len();
        let (end, found) = match which {
            0 => (find_from("*/", after).map_or(css.len(), |e| e + 2), None),
            1 => url_body(css, after),
            _ => import_body(css, after),
        };
        if let Some((url, kind)) = found.filter(|(url, _)| !url.is_empty()) {
            refs.push(Reference { url, line, kind });
        }
        line += css[at..end].matches('\n').count();
        cursor = end.max(at + 1);
    }
    refs
}

/// The URL of `url(…)` whose body starts at `from`, and where it ends.
fn url_body(css: &str, from: usize) -> (usize, Option<(String, RefKind)>) {
    let body = &css[from..];
    let trimmed = body.trim_start();
    let start = from + body.len() - trimmed.len();
    let (url, len) = quoted_or_until(trimmed, ')');
    (start + len, Some((url.trim().to_string(), RefKind::Asset)))
}

/// The URL of `@import "…"` whose rest starts at `from` (an `@import url(…)` is left to the
/// `url(` that follows).
fn import_body(css: &str, from: usize) -> (usize, Option<(String, RefKind)>) {
    let body = &css[from..];
    let trimmed = body.trim_start();
    let start = from + body.len() - trimmed.len();
    if !trimmed.starts_with(['"', '\'']) {
        return (start, None);
    }
    let (url, len) = quoted_or_until(trimmed, ';');
    (start + len, Some((url.to_string(), RefKind::Stylesheet)))
}

/// A quoted string at the start of `text` (without its quotes), or the text up to `end`; and
/// how many bytes it spans.
fn quoted_or_until(text: &str, end: char) -> (&str, usize) {
    if let Some(quote) = text.chars().next().filter(|c| *c == '"' || *c == '\'')
        && let Some(inner) = text.get(1..)
    {
        let close = inner.find(quote).unwrap_or(inner.len());
        return (&inner[..close], (close + 2).min(text.len()));
    }
    let close = text.find(end).unwrap_or(text.len());
    (&text[..close], close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_urls_ids_title_and_description() {
        let html = "<!DOCTYPE html>\n<html><head><title>A &amp; B</title>\n\
            <meta name=\"description\" content=\"\">\n\
            <link rel=\"stylesheet\" href=\"/style.css\"><link rel=\"icon\" href=\"/favicon.svg\">\n\
            <script src=\"/app.js\"></script><script>var x = '<a href=\"/no\">';</script>\n\
            <style>a[href=\"/no\"] {}</style></head>\n\
            <body><h2 id=\"next-steps\">x</h2><a name=\"old\"></a>\n\
            <a href=\"/briefs/x/#y\">x</a><img src=\"a.png\" srcset=\"b.png 2x, c.png 3x\"></body></html>";
        let s = scan(html);
        assert_eq!(s.title.as_deref(), Some("A & B"));
        assert_eq!(s.description.as_deref(), Some(""));
        assert!(s.ids.contains("next-steps") && s.ids.contains("old"));
        let refs: Vec<(&str, RefKind, usize)> = s
            .refs
            .iter()
            .map(|r| (r.url.as_str(), r.kind, r.line))
            .collect();
        assert_eq!(
            refs,
            [
                ("/style.css", RefKind::Stylesheet, 4),
                ("/favicon.svg", RefKind::Asset, 4),
                ("/app.js", RefKind::Script, 5),
                ("/briefs/x/#y", RefKind::Link, 8),
                ("a.png", RefKind::Image, 8),
                ("b.png", RefKind::Image, 8),
                ("c.png", RefKind::Image, 8),
            ]
        );
    }

    #[test]
    fn redirect_pages_lead_to_their_target() {
        let s = scan("<meta http-equiv=\"refresh\" content=\"0; url=/briefs/x/\">");
        assert!(s.redirect);
        assert_eq!(s.refs[0].url, "/briefs/x/");
    }

    #[test]
    fn css_urls_and_imports() {
        let css = "/* url(nope.png) */\n@import \"base.css\";\n@import url(more.css);\n\
            a { background: url( 'img/a b.png' ) }\nb { src: url(font.woff2) }";
        let found = css_references(css);
        let refs: Vec<(&str, RefKind, usize)> = found
            .iter()
            .map(|r| (r.url.as_str(), r.kind, r.line))
            .collect();
        assert_eq!(
            refs,
            [
                ("base.css", RefKind::Stylesheet, 2),
                ("more.css", RefKind::Asset, 3),
                ("img/a b.png", RefKind::Asset, 4),
                ("font.woff2", RefKind::Asset, 5),
            ]
        );
    }

    #[test]
    fn scanning_is_near_linear() {
        let page = "<p id=\"a\"><a href=\"/x/#y\">x</a><img src=\"i.png\"></p>\n";
        crate::test_support::assert_near_linear(
            "html scan",
            4000,
            |n| page.repeat(n),
            |h| {
                scan(h);
            },
        );
        let css = "a { b: url(x.png) } /* c */\n";
        crate::test_support::assert_near_linear(
            "css urls",
            8000,
            |n| css.repeat(n),
            |c| {
                css_references(c);
            },
        );
    }
}
