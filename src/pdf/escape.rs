//! Escaping for Typst: text in markup, string literals, and the HTML of already-formatted
//! citations turned into markup.
//!
//! Markup gives meaning to many characters, some only in context (`-` before a digit is a minus
//! sign, `1.` at the start of a line a numbered item, `...` an ellipsis, `http://` a link, `//`
//! a comment). Every character that can start markup is escaped with a backslash, which Typst
//! reads as the character itself for anything but white space and `u{`; `.` and `-` only where
//! they would combine, so ordinary prose stays readable in the generated source.

/// Characters that start markup wherever they are.
fn always_escaped(c: char) -> bool {
    matches!(
        c,
        '\\' | '#'
            | '$'
            | '*'
            | '_'
            | '`'
            | '<'
            | '>'
            | '@'
            | '['
            | ']'
            | '~'
            | '/'
            | '+'
            | '='
            | '\''
            | '"'
    )
}

/// Appends `text` to `out` as Typst markup that shows exactly `text`. `prev` is the character
/// written just before (for `1.`, `..`); line breaks become spaces.
pub fn escape_into(out: &mut String, text: &str, mut prev: Option<char>) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let escape = match c {
            c if always_escaped(c) => true,
            // `--`, `---`, `-?`, `-1` (minus) and `- ` (a list item).
            '-' => !next.is_some_and(char::is_alphabetic),
            // `...` (an ellipsis), and `12.` followed by a space (a numbered item).
            '.' => {
                next == Some('.')
                    || prev.is_none_or(|p| p.is_ascii_digit() || p == '.')
                        && next.is_none_or(char::is_whitespace)
            }
            _ => false,
        };
        if c == '\n' || c == '\r' {
            out.push(' ');
            prev = Some(' ');
            continue;
        }
        if escape {
            out.push('\\');
        }
        out.push(c);
        prev = Some(c);
    }
}

/// `text` as Typst markup (see [`escape_into`]).
pub fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into(&mut out, text, None);
    out
}

/// `text` as a Typst string literal, quotes included.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// HTML that communique wrote (a formatted citation or reference entry) as Typst markup:
/// italics and bold are kept, other tags dropped, entities decoded, the text escaped.
pub fn html_to_markup(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut open: Vec<bool> = Vec::new();
    // After a call's closing `]`, a `.` or `(` would continue the call.
    let text = |out: &mut String, html: &str| {
        let decoded = decode_entities(html);
        if out.ends_with(']') && decoded.starts_with(['.', '(']) {
            out.push('\\');
        }
        escape_into(out, &decoded, out.chars().last());
    };
    while let Some(lt) = rest.find('<') {
        text(&mut out, &rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            text(&mut out, &rest[lt..]);
            return out;
        };
        let tag = &rest[lt + 1..lt + gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let styled = match name.as_str() {
            "i" | "em" => Some("#emph["),
            "b" | "strong" => Some("#strong["),
            _ => None,
        };
        if tag.starts_with('/') {
            if open.pop() == Some(true) {
                out.push(']');
            }
        } else if !tag.ends_with('/') && !matches!(name.as_str(), "br" | "img" | "wbr") {
            if let Some(call) = styled {
                out.push_str(call);
            }
            open.push(styled.is_some());
        }
        rest = &rest[lt + gt + 1..];
    }
    text(&mut out, rest);
    for styled in open.into_iter().rev() {
        if styled {
            out.push(']');
        }
    }
    out
}

/// `text` with the HTML character references communique and hayagriva write decoded.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &after[..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_markup_character_is_escaped() {
        for c in [
            '#', '$', '*', '_', '`', '<', '>', '@', '[', ']', '\\', '~', '/', '+', '=', '\'', '"',
        ] {
            assert_eq!(markup(&format!("a{c}b")), format!("a\\{c}b"), "{c}");
        }
    }

    #[test]
    fn contextual_characters_are_escaped_only_where_they_combine() {
        assert_eq!(markup("well-known"), "well-known");
        assert_eq!(markup("2020-21"), "2020\\-21");
        assert_eq!(markup("a -- b"), "a \\-\\- b");
        assert_eq!(markup("- item"), "\\- item");
        assert_eq!(markup("wait..."), "wait\\.\\.\\.");
        assert_eq!(markup("1. first"), "1\\. first");
        assert_eq!(markup("3.5 per cent."), "3.5 per cent.");
        assert_eq!(markup("see https://x.org"), "see https:\\/\\/x.org");
        assert_eq!(markup("line\nbreak"), "line break");
        assert_eq!(markup("u{41}"), "u{41}");
    }

    #[test]
    fn string_literals_escape_quotes_and_backslashes() {
        assert_eq!(
            string_literal("a \"b\" \\ c\n"),
            "\"a \\\"b\\\" \\\\ c\\n\""
        );
    }

    #[test]
    fn html_keeps_italics_and_decodes_entities() {
        assert_eq!(
            html_to_markup("Hassan, <i>Ports &amp; Power</i> (2024) <span>[1]</span>"),
            "Hassan, #emph[Ports & Power] (2024) \\[1\\]"
        );
        assert_eq!(decode_entities("&#x2013;&#8212;&bogus;"), "–—&bogus;");
    }
}
