//! Link and image URLs that would run code: `javascript:`, `vbscript:` and `data:`.
//!
//! A browser reads a URL's scheme after dropping leading spaces and control characters and every
//! tab and line break (`java\tscript:` is `javascript:`), in any case. The checks here do the
//! same, and also look through character references and percent-encoding (`&#106;avascript:`,
//! `%6Aavascript:`): a real link never needs them in its scheme, so treating them as what they
//! decode to costs nothing and covers a decoding step anywhere downstream.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// What replaces a URL that was neutralised: a URL that loads nothing and runs nothing.
pub const BLOCKED_URL: &str = "about:invalid";

/// Where a URL is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlUse {
    /// A link's `href`.
    Link,
    /// An image's `src`.
    Image,
}

/// Whether `url` must be neutralised: its scheme is `javascript:`, `vbscript:` or `data:`,
/// except a `data:image/…` image when `data_images` is true (an image cannot run script).
pub fn is_dangerous(url: &str, used_as: UrlUse, data_images: bool) -> bool {
    readings(url).iter().any(|reading| {
        let Some((scheme, rest)) = scheme_of(reading) else {
            return false;
        };
        match scheme.as_str() {
            "javascript" | "vbscript" => true,
            "data" => !(data_images && used_as == UrlUse::Image && is_image_data(rest)),
            _ => false,
        }
    })
}

/// The URL as written and as decoded by each of character references and percent-encoding, in
/// either order.
fn readings(url: &str) -> Vec<Cow<'_, str>> {
    let entities = decode_character_references(url);
    let percent = percent_decode_str(url).decode_utf8_lossy();
    let both = percent_decode_str(&entities)
        .decode_utf8_lossy()
        .into_owned();
    let both_reversed = decode_character_references(&percent).into_owned();
    vec![
        Cow::Borrowed(url),
        entities,
        percent,
        Cow::Owned(both),
        Cow::Owned(both_reversed),
    ]
}

/// The lower-cased scheme of `url` and what follows its colon, read as a browser reads it; `None`
/// when `url` has no scheme (a relative URL).
fn scheme_of(url: &str) -> Option<(String, &str)> {
    let url = url.trim_start_matches(|c: char| c <= ' ' || c.is_whitespace());
    let colon = url.find(':')?;
    let mut scheme = String::with_capacity(colon);
    for c in url[..colon].chars() {
        if c.is_ascii_control() {
            continue;
        }
        if !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
            return None;
        }
        scheme.push(c.to_ascii_lowercase());
    }
    Some((scheme, &url[colon + 1..]))
}

/// Whether the part of a `data:` URL after the colon declares an image.
fn is_image_data(rest: &str) -> bool {
    let media: String = rest
        .chars()
        .filter(|c| !c.is_ascii_control() && *c != ' ')
        .take(6)
        .collect();
    media.eq_ignore_ascii_case("image/")
}

/// Decodes numeric character references (`&#106;`, `&#x6A;`, with or without the `;`) and the
/// named ones that can hide a scheme (`&colon;`, `&Tab;`, `&NewLine;`).
fn decode_character_references(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match decode_one_reference(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character of the reference at the start of `text` and the bytes it spans.
fn decode_one_reference(text: &str) -> Option<(char, usize)> {
    const NAMED: &[(&str, char)] = &[("&colon;", ':'), ("&tab;", '\t'), ("&newline;", '\n')];
    for (name, c) in NAMED {
        // `get`, not indexing: the bytes after `&` may end inside a multi-byte character.
        if text
            .get(..name.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(name))
        {
            return Some((*c, name.len()));
        }
    }
    let body = text.strip_prefix("&#")?;
    let (digits, radix, skip) = match body.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16, 3),
        None => (body, 10, 2),
    };
    let len = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    if len == 0 {
        return None;
    }
    // Leading zeros are allowed in any number; anything out of range is not a character.
    let value = u32::from_str_radix(&digits[..len], radix).ok()?;
    let c = char::from_u32(value)?;
    let semicolon = usize::from(digits[len..].starts_with(';'));
    Some((c, skip + len + semicolon))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link_blocked(url: &str) -> bool {
        is_dangerous(url, UrlUse::Link, true)
    }

    #[test]
    fn a_reference_cut_inside_a_multibyte_character_is_text() {
        // Found by the `markdown` fuzz target: `&` then a name shorter than `&newline;` that
        // ends inside a three-byte character used to slice through it and panic.
        assert_eq!(
            decode_character_references("&eadi.\u{fffd}$"),
            "&eadi.\u{fffd}$"
        );
        assert!(!link_blocked("&eadi.\u{fffd}$^< T:=task"));
    }

    #[test]
    fn script_schemes_are_caught_however_written() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " \u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "&#106;avascript:alert(1)",
            "&#x6A;avascript:alert(1)",
            "&#0000106avascript:alert(1)",
            "javascript&colon;alert(1)",
            "%6Aavascript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
            "DATA:text/html;base64,PHNjcmlwdD4=",
        ] {
            assert!(link_blocked(url), "{url:?}");
        }
    }

    #[test]
    fn ordinary_urls_pass() {
        for url in [
            "https://example.org/a?b=c#d",
            "/briefs/x/",
            "#notes",
            "mailto:a@example.org",
            "a/javascript:b",
            "?javascript:x",
            "x.html#javascript:y",
            "",
        ] {
            assert!(!link_blocked(url), "{url:?}");
        }
    }

    #[test]
    fn data_images_only_as_images_and_only_when_allowed() {
        let png = "data:image/png;base64,iVBORw0KGgo=";
        assert!(!is_dangerous(png, UrlUse::Image, true));
        assert!(is_dangerous(png, UrlUse::Image, false));
        assert!(is_dangerous(png, UrlUse::Link, true));
        assert!(is_dangerous("data:text/html,x", UrlUse::Image, true));
    }

    proptest::proptest! {
        /// Whatever is put between the letters of "javascript:" from the characters a browser
        /// skips, and however they are cased, the URL is caught.
        #[test]
        fn noise_a_browser_skips_never_hides_the_scheme(
            noise in proptest::collection::vec("[\t\n\r]{0,2}", 11),
            lead in "[ \u{0}-\u{1f}]{0,3}",
            upper in proptest::collection::vec(proptest::bool::ANY, 10),
        ) {
            let mut url = lead;
            for (i, c) in "javascript".chars().enumerate() {
                url.push_str(&noise[i]);
                url.push(if upper[i] { c.to_ascii_uppercase() } else { c });
            }
            url.push_str(&noise[10]);
            url.push_str(":alert(1)");
            proptest::prop_assert!(link_blocked(&url), "{:?}", url);
        }
    }
}
