//! Hugo and Zola shortcodes (`{{< ref "x" >}}`, `{{% note %}}`, `{% figure() %}`) written in a
//! Markdown body. communique has none, so they would pass through as literal text: this finds
//! them (outside code blocks and code spans) so the build can warn with the line.
//!
//! The scan is linear in the body: a Markdown parse only when an opener occurs at all, to
//! learn where code is, then one pass over the text in which each byte is looked at a bounded
//! number of times.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// One shortcode-like tag in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortcode {
    /// Byte offset of its opener in the body.
    pub offset: usize,
    /// The tag as written (up to its closer, or to the end of its line when it has none).
    pub text: String,
}

impl Shortcode {
    /// Why this is reported, in one sentence.
    pub fn message(&self) -> String {
        format!(
            "{} looks like a shortcode; communique has none, so it is shown as written",
            self.text
        )
    }

    /// What to write instead.
    pub fn hint(&self) -> &'static str {
        if self.name().is_some_and(|n| n == "ref" || n == "relref") {
            "link with @/ and the file's path under content/, e.g. [the brief](@/briefs/first-round.md)"
        } else {
            "write it in Markdown or HTML, or put it in `code` if it is meant literally"
        }
    }

    /// The shortcode's name: the first word inside the tag.
    fn name(&self) -> Option<&str> {
        let inner = self.text.get(3..).unwrap_or("");
        inner
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .find(|w| !w.is_empty())
    }
}

/// Openers and the closer each expects, longest first so `{{%` is not read as `{%`.
const TAGS: [(&str, &str); 3] = [("{{<", ">}}"), ("{{%", "%}}"), ("{%", "%}")];

/// Every shortcode-like tag in `body` outside code, in order.
pub fn find(body: &str) -> Vec<Shortcode> {
    if !TAGS.iter().any(|(open, _)| body.contains(open)) {
        return Vec::new();
    }
    let code = code_ranges(body);
    let mut code = code.iter().peekable();
    let mut newline = NextOf::new(body, "\n");
    let mut closers = TAGS.map(|(_, close)| NextOf::new(body, close));
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(at) = body[i..].find('{').map(|n| i + n) {
        // Skip code that ends before this brace; a brace inside code moves past the code.
        while code.peek().is_some_and(|r| r.end <= at) {
            code.next();
        }
        if let Some(r) = code.peek().filter(|r| r.start <= at) {
            i = r.end;
            continue;
        }
        let rest = &body[at..];
        let Some(k) = TAGS.iter().position(|(open, _)| rest.starts_with(open)) else {
            i = at + 1;
            continue;
        };
        let (open, close) = TAGS[k];
        let line_end = newline.from(at).unwrap_or(body.len());
        let end = closers[k]
            .from(at + open.len())
            .map(|c| c + close.len())
            .filter(|&e| e <= line_end)
            .unwrap_or(line_end);
        found.push(Shortcode {
            offset: at,
            text: body[at..end].trim_end().to_string(),
        });
        i = end.max(at + 1);
    }
    found
}

/// The next occurrence of a needle at or after a position, for positions that only grow: each
/// part of the text is searched once, however many times it is asked.
struct NextOf<'a> {
    text: &'a str,
    needle: &'a str,
    /// The occurrence found last, or `None` when there is none after the last search start.
    found: Option<usize>,
    /// Where the last search started.
    searched_from: usize,
}

impl<'a> NextOf<'a> {
    fn new(text: &'a str, needle: &'a str) -> Self {
        let found = text.find(needle);
        NextOf {
            text,
            needle,
            found,
            searched_from: 0,
        }
    }

    fn from(&mut self, at: usize) -> Option<usize> {
        match self.found {
            Some(p) if p >= at => return Some(p),
            None if at >= self.searched_from => return None,
            _ => {}
        }
        self.searched_from = at;
        self.found = self.text.get(at..)?.find(self.needle).map(|n| at + n);
        self.found
    }
}

/// Byte ranges of code blocks and code spans, sorted by start.
fn code_ranges(body: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut block_start = None;
    let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_GFM;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match event {
            Event::Code(_) => ranges.push(range),
            Event::Start(Tag::CodeBlock(_)) => block_start = Some(range.start),
            Event::End(TagEnd::CodeBlock) => {
                ranges.push(block_start.take().unwrap_or(range.start)..range.end);
            }
            _ => {}
        }
    }
    ranges.sort_by_key(|r| r.start);
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(body: &str) -> Vec<String> {
        find(body).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn finds_hugo_and_zola_shortcodes() {
        let body = "See {{< ref \"briefs/x.md\" >}} and {{% note %}}hi{{% /note %}}.\n\n{% figure(src=\"a.png\") %}\n";
        assert_eq!(
            texts(body),
            [
                "{{< ref \"briefs/x.md\" >}}",
                "{{% note %}}",
                "{{% /note %}}",
                "{% figure(src=\"a.png\") %}"
            ]
        );
        let first = &find(body)[0];
        assert_eq!(first.offset, 4);
        assert!(first.hint().contains("@/"));
        assert!(!find(body)[1].hint().contains("@/"));
    }

    #[test]
    fn code_is_left_alone() {
        let body = "Write `{{< ref \"x\" >}}` like so:\n\n```\n{% raw %}\n{{< x >}}\n```\n\n    {% indented %}\n\nbut {% this %} counts.\n";
        assert_eq!(texts(body), ["{% this %}"]);
    }

    #[test]
    fn an_unclosed_tag_is_reported_to_the_end_of_its_line() {
        assert_eq!(texts("a {{< ref \"x\"\nb >}}\n"), ["{{< ref \"x\""]);
    }

    #[test]
    fn plain_braces_are_not_shortcodes() {
        assert!(find("{{ x }} and {a} and { % } and {{").is_empty());
    }

    #[test]
    fn doubling_the_input_does_not_quadruple_the_time() {
        // Openers with no closer, and many code spans: the worst cases for a naive scan.
        let unit = "{% {{< {{% `{% x %}` text {a} ";
        crate::test_support::assert_near_linear(
            "shortcode scan",
            20_000,
            |n| unit.repeat(n),
            |body| {
                std::hint::black_box(find(body));
            },
        );
    }
}
