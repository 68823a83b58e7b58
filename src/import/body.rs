//! Markdown bodies: Hugo `ref`/`relref` shortcodes → `@/` links, the summary marker, and a
//! note for every other shortcode (Hugo `{{< … >}}`/`{{% … %}}`, Zola `{{ f(…) }}`/`{% f(…) %}`),
//! which stays in the text as it was.
//!
//! Fenced code blocks are left alone: a shortcode shown in a code sample is an example.

use std::collections::{BTreeSet, HashMap};

use super::report::Report;

/// What a body is converted against.
pub struct BodyContext<'a> {
    /// The source file, relative to the source site (for the report).
    pub file: &'a str,
    /// Line of the source file on which the body starts.
    pub first_line: usize,
    /// The file relative to `content/`.
    pub content_rel: &'a str,
    /// Every content file of the new site, relative to `content/`.
    pub pages: &'a ContentIndex,
    /// Hugo (refs and `{{< >}}`) or Zola (`{{ f() }}` and `{% f() %}`).
    pub hugo: bool,
}

/// The body converted, with notes in `report`.
pub fn convert(body: &str, cx: &BodyContext<'_>, report: &mut Report) -> String {
    let fences = fenced_ranges(body);
    let in_fence = |offset: usize| {
        let i = fences.partition_point(|r| r.end <= offset);
        fences.get(i).is_some_and(|r| r.contains(&offset))
    };
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_at = |offset: usize| cx.first_line + line_starts.partition_point(|s| *s <= offset) - 1;
    let mut out = String::with_capacity(body.len());
    let mut rest = 0;
    let mut search = 0;
    while let Some(found) = next_shortcode(body, search, cx.hugo) {
        search = found.end;
        if in_fence(found.start) {
            continue;
        }
        let line = line_at(found.start);
        let replacement = match &found.call {
            Call::Ref(target) => convert_ref(body, &found, target, cx, line, report),
            Call::Other(name) if name.starts_with('/') || name == "end" => None,
            Call::Other(name) => {
                report.not_converted(
                    cx.file,
                    Some(line),
                    format!("shortcode `{name}` left as text: communique has no shortcodes; rewrite it as Markdown or HTML"),
                );
                None
            }
        };
        if let Some(text) = replacement {
            out.push_str(&body[rest..found.start]);
            out.push_str(&text);
            rest = found.end;
        }
    }
    out.push_str(&body[rest..]);
    normalise_more_marker(&out)
}

/// A shortcode found in a body.
struct Found {
    start: usize,
    end: usize,
    call: Call,
}

enum Call {
    /// `ref`/`relref` with its target.
    Ref(String),
    /// Any other shortcode, by name (`/name` for a closing one).
    Other(String),
}

/// The longest shortcode looked for: bounds the search for a closing `>}}`, so a body full
/// of unclosed `{{<` is still read in linear time.
const MAX_SHORTCODE: usize = 2000;

/// The next shortcode at or after `from`.
fn next_shortcode(body: &str, from: usize, hugo: bool) -> Option<Found> {
    let mut at = from;
    while let Some(i) = body.get(at..)?.find('{') {
        let start = at + i;
        at = start + 1;
        let rest = &body[start..];
        let (open, close) = if hugo {
            match rest.get(..3) {
                Some("{{<") => ("{{<", ">}}"),
                Some("{{%") => ("{{%", "%}}"),
                _ => continue,
            }
        } else {
            match rest.get(..2) {
                Some("{{") => ("{{", "}}"),
                Some("{%") => ("{%", "%}"),
                _ => continue,
            }
        };
        let inner_start = start + open.len();
        let mut window_end = (inner_start + MAX_SHORTCODE).min(body.len());
        while !body.is_char_boundary(window_end) {
            window_end -= 1;
        }
        let Some(j) = body[inner_start..window_end].find(close) else {
            continue;
        };
        let inner = &body[inner_start..inner_start + j];
        if let Some(call) = parse_call(inner, hugo) {
            let end = inner_start + j + close.len();
            return Some(Found { start, end, call });
        }
    }
    None
}

/// Reads the inside of a shortcode; `None` when it is not one (a Hugo comment-escaped
/// `{{</* */>}}`, or Zola text that is not a call such as `{{ name(…) }}`).
fn parse_call(inner: &str, hugo: bool) -> Option<Call> {
    let inner = inner.trim();
    if hugo {
        if inner.starts_with("/*") {
            return None;
        }
        let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
        let (name, args) = inner.split_at(name_end);
        if name.is_empty() {
            return None;
        }
        if name == "ref" || name == "relref" {
            return Some(Call::Ref(ref_argument(args)?));
        }
        return Some(Call::Other(name.to_string()));
    }
    if inner == "end" {
        return Some(Call::Other("end".to_string()));
    }
    let paren = inner.find('(')?;
    let name = inner[..paren].trim();
    let is_name = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    (is_name && inner.ends_with(')')).then(|| Call::Other(name.to_string()))
}

/// The target of `ref "x"`, `ref 'x'`, ``ref `x` ``, `ref x` or `ref path="x"`.
fn ref_argument(args: &str) -> Option<String> {
    let args = args.trim();
    let args = args
        .strip_prefix("path")
        .map(|r| r.trim_start())
        .and_then(|r| r.strip_prefix('='))
        .map_or(args, str::trim_start);
    let mut chars = args.chars();
    match chars.next()? {
        q @ ('"' | '\'' | '`') => {
            let rest = chars.as_str();
            rest.find(q).map(|end| rest[..end].to_string())
        }
        _ => args.split_whitespace().next().map(str::to_string),
    }
}

/// The `@/` link for a ref, when it is a link destination and its target is found.
fn convert_ref(
    body: &str,
    found: &Found,
    target: &str,
    cx: &BodyContext<'_>,
    line: usize,
    report: &mut Report,
) -> Option<String> {
    let shortcode = &body[found.start..found.end];
    if !is_link_destination(body, found.start) {
        report.not_converted(
            cx.file,
            Some(line),
            format!("`{shortcode}` is not the destination of a Markdown link, so it was left as text; write it as [text](@/path.md)"),
        );
        return None;
    }
    match resolve_ref(target, cx.content_rel, cx.pages) {
        Some(link) => Some(link),
        None => {
            report.not_converted(
                cx.file,
                Some(line),
                format!(
                    "`{shortcode}`: no content file matches \"{target}\", so it was left as text"
                ),
            );
            None
        }
    }
}

/// Whether the text before `offset` opens a link destination: `](`, `](<` or a reference
/// definition `[name]: `.
fn is_link_destination(body: &str, offset: usize) -> bool {
    let before = body[..offset].trim_end_matches([' ', '<']);
    if before.ends_with("](") {
        return true;
    }
    let line = before.rsplit('\n').next().unwrap_or(before).trim();
    line.starts_with('[') && line.ends_with("]:")
}

/// The content files of the new site, found by path or by file name.
#[derive(Debug, Default)]
pub struct ContentIndex {
    all: BTreeSet<String>,
    by_name: HashMap<String, Vec<String>>,
}

impl ContentIndex {
    /// Indexes content files (paths relative to `content/`).
    pub fn new(pages: impl IntoIterator<Item = String>) -> Self {
        let mut index = ContentIndex::default();
        for rel in pages {
            index
                .by_name
                .entry(name_key(&rel).to_string())
                .or_default()
                .push(rel.clone());
            index.all.insert(rel);
        }
        index
    }

    fn contains(&self, rel: &str) -> bool {
        self.all.contains(rel)
    }

    /// Files whose path ends with `/{tail}`.
    fn ending_with(&self, tail: &str) -> impl Iterator<Item = &String> {
        let suffix = format!("/{tail}");
        self.by_name
            .get(name_key(tail))
            .into_iter()
            .flatten()
            .filter(move |p| p.ends_with(&suffix))
    }
}

/// The file name, or for `index.md` and `_index.md` the folder and file name, so a name
/// lookup reads a few candidates rather than every bundle of the site.
fn name_key(rel: &str) -> &str {
    let mut cuts = rel.rmatch_indices('/').map(|(i, _)| i);
    let last = cuts.next();
    let name = last.map_or(rel, |i| &rel[i + 1..]);
    if name == "index.md" || name == "_index.md" {
        return cuts.next().map_or(rel, |i| &rel[i + 1..]);
    }
    name
}

/// Finds the content file a Hugo ref names: an absolute path from `content/`, a path
/// relative to the page, or a file name unique in the site; with or without `.md`, and a
/// folder for its `index.md` or `_index.md`.
pub fn resolve_ref(target: &str, from: &str, pages: &ContentIndex) -> Option<String> {
    let (path, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (target, None),
    };
    let with_anchor = |rel: &str| match anchor {
        Some(a) => format!("@/{rel}#{a}"),
        None => format!("@/{rel}"),
    };
    if path.is_empty() {
        return anchor.map(|a| format!("@/{from}#{a}"));
    }
    let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
    let mut bases = Vec::new();
    if let Some(absolute) = path.strip_prefix('/') {
        bases.push(normalise(absolute));
    } else {
        bases.push(normalise(&format!("{dir}/{path}")));
        bases.push(normalise(path));
    }
    for base in bases.iter().flatten() {
        if let Some(rel) = variants(base).into_iter().find(|v| pages.contains(v)) {
            return Some(with_anchor(&rel));
        }
    }
    // Hugo also finds a page by its file name alone when that is unique.
    let base = normalise(path.trim_start_matches('/'))?;
    let matches: Vec<&String> = variants(&base)
        .iter()
        .flat_map(|v| pages.ending_with(v).collect::<Vec<_>>())
        .collect();
    match matches.as_slice() {
        [only] => Some(with_anchor(only)),
        _ => None,
    }
}

fn variants(base: &str) -> Vec<String> {
    if base.ends_with(".md") {
        return vec![base.to_string()];
    }
    let folder = if base.is_empty() {
        String::new()
    } else {
        format!("{base}/")
    };
    vec![
        format!("{base}.md"),
        format!("{folder}index.md"),
        format!("{folder}_index.md"),
    ]
}

/// Resolves `.` and `..`; `None` when the path climbs out of `content/`.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Byte ranges of fenced code blocks (```` ``` ```` or `~~~`), fences included.
fn fenced_ranges(body: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut open: Option<(usize, char, usize)> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let fence_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = fence_char.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        match (open, fence_char) {
            (None, Some(c)) if run >= 3 => open = Some((offset, c, run)),
            (Some((start, c, n)), Some(f))
                if f == c && run >= n && trimmed[run..].trim().is_empty() =>
            {
                ranges.push(start..offset + line.len());
                open = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some((start, _, _)) = open {
        ranges.push(start..body.len());
    }
    ranges
}

/// Hugo's `<!--more-->` is communique's `<!-- more -->`.
fn normalise_more_marker(body: &str) -> String {
    if !body.contains("<!--more-->") {
        return body.to_string();
    }
    body.split_inclusive('\n')
        .map(|line| {
            if line.trim() == "<!--more-->" {
                line.replace("<!--more-->", "<!-- more -->")
            } else {
                line.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages() -> ContentIndex {
        ContentIndex::new(
            [
                "posts/a.md",
                "posts/b/index.md",
                "posts/_index.md",
                "about.md",
                "other/a.md",
            ]
            .map(String::from),
        )
    }

    fn hugo(body: &str) -> (String, Report) {
        let pages = pages();
        let cx = BodyContext {
            file: "content/posts/c.md",
            first_line: 5,
            content_rel: "posts/c.md",
            pages: &pages,
            hugo: true,
        };
        let mut report = Report::default();
        (convert(body, &cx, &mut report), report)
    }

    #[test]
    fn refs_in_every_form_become_internal_links() {
        let (out, report) = hugo(concat!(
            "[a]({{< ref \"a\" >}}) [b]({{< relref \"/posts/b\" >}})\n",
            "[c]({{% ref 'about.md' %}}) [d]({{<relref `posts#top`>}})\n",
            "[e]({{< ref path=\"b#x\" >}})\n[f]: {{< ref \"/about\" >}}\n",
        ));
        assert_eq!(
            out,
            concat!(
                "[a](@/posts/a.md) [b](@/posts/b/index.md)\n",
                "[c](@/about.md) [d](@/posts/_index.md#top)\n",
                "[e](@/posts/b/index.md#x)\n[f]: @/about.md\n",
            )
        );
        assert!(report.notes.is_empty(), "{:?}", report.notes);
    }

    #[test]
    fn other_shortcodes_and_loose_refs_are_reported_with_their_line() {
        let (out, report) = hugo(
            "text\n{{< youtube abc >}}\nsee {{< ref \"a\" >}} and [x]({{< ref \"nope\" >}})\n{{< note >}}hi{{< /note >}}\n",
        );
        assert!(out.contains("{{< youtube abc >}}"));
        let places: Vec<String> = report.notes.iter().map(|n| n.place()).collect();
        assert_eq!(
            places,
            [
                "content/posts/c.md:6",
                "content/posts/c.md:7",
                "content/posts/c.md:7",
                "content/posts/c.md:8"
            ]
        );
        assert!(report.notes[0].message.contains("`youtube`"));
        assert!(report.notes[2].message.contains("\"nope\""));
    }

    #[test]
    fn code_blocks_and_escaped_shortcodes_are_left_alone() {
        let body = "```\n{{< ref \"a\" >}}\n```\n{{</* youtube x */>}}\n<!--more-->\n";
        let (out, report) = hugo(body);
        assert_eq!(out, body.replace("<!--more-->", "<!-- more -->"));
        assert!(report.notes.is_empty());
    }

    #[test]
    fn zola_calls_are_reported_but_not_other_braces() {
        let pages = pages();
        let cx = BodyContext {
            file: "content/a.md",
            first_line: 1,
            content_rel: "a.md",
            pages: &pages,
            hugo: false,
        };
        let mut report = Report::default();
        let body = "{{ youtube(id=\"x\") }}\n{% note() %}\nhi\n{% end %}\n{{ not a call }} [a](@/about.md)\n";
        assert_eq!(convert(body, &cx, &mut report), body);
        let names: Vec<&str> = report.notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[1].contains("`note`"));
    }

    #[test]
    fn ambiguous_names_and_climbing_out_do_not_resolve() {
        let p = pages();
        assert_eq!(
            resolve_ref("a", "about.md", &p),
            None,
            "posts/a.md or other/a.md"
        );
        assert_eq!(resolve_ref("../../x", "posts/c.md", &p), None);
        assert_eq!(
            resolve_ref("#top", "posts/c.md", &p).as_deref(),
            Some("@/posts/c.md#top")
        );
        assert_eq!(
            resolve_ref("../about", "posts/c.md", &p).as_deref(),
            Some("@/about.md")
        );
    }

    #[test]
    fn name_keys_keep_the_folder_of_index_files() {
        assert_eq!(name_key("posts/b/index.md"), "b/index.md");
        assert_eq!(name_key("_index.md"), "_index.md");
        assert_eq!(name_key("posts/a.md"), "a.md");
        let p = pages();
        assert_eq!(
            resolve_ref("b", "about.md", &p).as_deref(),
            Some("@/posts/b/index.md")
        );
    }

    /// Doubling a body of refs, shortcodes and unclosed braces does not quadruple the time.
    #[test]
    fn conversion_is_near_linear() {
        let index = ContentIndex::new((0..2000).map(|i| format!("s{}/p{i}.md", i % 50)));
        let chunk = "Text [a]({{< ref \"p7\" >}}) {{< youtube x >}} {{< unclosed\n```\n{{< ref \"x\" >}}\n```\n";
        let cx = BodyContext {
            file: "content/x.md",
            first_line: 1,
            content_rel: "x.md",
            pages: &index,
            hugo: true,
        };
        crate::test_support::assert_near_linear(
            "import body conversion",
            4000,
            |n| chunk.repeat(n),
            |body| {
                let mut report = Report::default();
                let out = convert(body, &cx, &mut report);
                assert!(out.len() >= body.len() / 2);
            },
        );
    }
}
