//! Plain text from the HTML the Markdown stage rendered, for the search index.
//!
//! The input is the body HTML communique produced itself (never a page's output), so a small
//! tag skipper is enough: tags become spaces (so that `</p><p>` does not glue two words), the
//! entities the Markdown renderer writes are decoded, and runs of white space collapse to one.

/// Appends the text of `html` to `out`, followed by a space when anything was added.
pub fn push_text(html: &str, out: &mut String) {
    let start_len = out.len();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(special) = rest.find(['<', '&']) else {
            push_words(rest, out);
            break;
        };
        push_words(&rest[..special], out);
        rest = &rest[special..];
        if rest.starts_with('<') {
            rest = skip_tag(rest);
            push_space(out);
        } else {
            rest = push_entity(rest, out);
        }
    }
    if out.len() > start_len {
        push_space(out);
    }
}

/// The text of `html` alone.
pub fn text_of(html: &str) -> String {
    let mut out = String::new();
    push_text(html, &mut out);
    out.truncate(out.trim_end().len());
    out
}

/// What follows a tag (or its element, for `<script>` and `<style>`, whose content is not
/// prose). A `<` that opens no tag is kept as text.
fn skip_tag(rest: &str) -> &str {
    let lower_name = |s: &str, name: &str| {
        s.get(1..=name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    };
    for element in ["script", "style"] {
        if lower_name(rest, element) {
            let close = format!("</{element}");
            return match find_ignore_case(rest, &close) {
                Some(end) => after_gt(&rest[end..]),
                None => "",
            };
        }
    }
    after_gt(rest)
}

fn after_gt(rest: &str) -> &str {
    rest.find('>').map_or("", |end| &rest[end + 1..])
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Decodes one entity at the start of `rest` into `out`; returns what follows it.
fn push_entity<'a>(rest: &'a str, out: &mut String) -> &'a str {
    let Some(end) = rest[1..].find(';').map(|i| i + 1).filter(|&i| i <= 10) else {
        out.push('&');
        return &rest[1..];
    };
    let name = &rest[1..end];
    let decoded = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => numeric_entity(name),
    };
    match decoded {
        Some(c) if c.is_whitespace() => push_space(out),
        Some(c) => out.push(c),
        None => out.push_str(&rest[..=end]),
    }
    &rest[end + 1..]
}

fn numeric_entity(name: &str) -> Option<char> {
    let number = name.strip_prefix('#')?;
    let code = match number.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => number.parse().ok()?,
    };
    char::from_u32(code)
}

/// Appends `text` with its white space collapsed.
fn push_words(text: &str, out: &mut String) {
    let mut words = text.split_whitespace();
    let Some(first) = words.next() else {
        if !text.is_empty() {
            push_space(out);
        }
        return;
    };
    if text.starts_with(char::is_whitespace) {
        push_space(out);
    }
    out.push_str(first);
    for word in words {
        out.push(' ');
        out.push_str(word);
    }
    if text.ends_with(char::is_whitespace) {
        push_space(out);
    }
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_separate_words_and_entities_decode() {
        let html = "<h2 id=\"a\">Troop&nbsp;levels</h2><p>Iraq &amp; the <em>US</em>\n agreed&#8212;in <a href=\"/x/\">Baghdad</a>.</p><p>Next</p>";
        assert_eq!(
            text_of(html),
            "Troop levels Iraq & the US agreed\u{2014}in Baghdad . Next"
        );
    }

    #[test]
    fn scripts_styles_and_stray_signs_are_handled() {
        assert_eq!(
            text_of("<p>a &lt; b &c</p><script>var x = '<p>';</script><STYLE>p{}</STYLE>end"),
            "a < b &c end"
        );
        assert_eq!(text_of("<p>unclosed"), "unclosed");
        assert_eq!(text_of("text <span"), "text");
    }

    #[test]
    fn doubling_the_input_does_not_quadruple_the_time() {
        crate::test_support::assert_near_linear(
            "search text",
            20_000,
            |n| "<p>Talks on <em>troop</em> levels &amp; bases.</p>".repeat(n),
            |html| {
                std::hint::black_box(text_of(html));
            },
        );
    }
}
