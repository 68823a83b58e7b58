//! `minify = true`: smaller HTML pages and CSS files, with the `minify-html` crate (whose CSS
//! minifier, lightningcss, also shrinks linked stylesheets).
//!
//! The HTML stays valid: only what the HTML standard lets a parser infer is left out (optional
//! closing tags, quotes around plain attribute values, comments, white space between blocks).
//! Scripts are left as they are: the only ones the theme writes are JSON-LD data.

use super::Contents;

/// The minifier settings: spec-compliant output, inline CSS minified.
fn settings() -> minify_html::Cfg {
    minify_html::Cfg {
        minify_css: true,
        ..minify_html::Cfg::default()
    }
}

/// `html` minified; as it was if the minifier fails (it panics on some inputs it does not
/// expect: a page is better published whole than not at all).
pub fn html(html: Vec<u8>) -> Vec<u8> {
    let cfg = settings();
    match std::panic::catch_unwind(|| minify_html::minify(&html, &cfg)) {
        Ok(minified) => minified,
        Err(_) => html,
    }
}

/// A stylesheet minified, when it is UTF-8 CSS that lightningcss reads; else as it was.
pub fn css(text: &str) -> Option<String> {
    use lightningcss::stylesheet::{MinifyOptions, ParserOptions, PrinterOptions, StyleSheet};
    let mut sheet = StyleSheet::parse(text, ParserOptions::default()).ok()?;
    sheet.minify(MinifyOptions::default()).ok()?;
    let printer = PrinterOptions {
        minify: true,
        ..PrinterOptions::default()
    };
    let code = sheet.to_css(printer).ok()?.code;
    (code.len() < text.len()).then_some(code)
}

/// A copied CSS file's contents, minified when they can be (read now: a file that cannot be
/// read is left for the output stage to report).
pub fn css_file(contents: Contents) -> Contents {
    let bytes = match &contents {
        Contents::Bytes(bytes) => bytes.clone(),
        Contents::Copy(path) => match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(_) => return contents,
        },
    };
    match std::str::from_utf8(&bytes).ok().and_then(css) {
        Some(minified) => Contents::Bytes(minified.into_bytes()),
        None => contents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_lose_only_what_parsers_infer() {
        let page = b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<title>T</title>\n<style>\n  p { color : red ; }\n</style>\n</head>\n<body>\n<!-- a note -->\n<p class=\"x\">Some   <em>text</em></p>\n\n<p>More</p>\n</body>\n</html>\n";
        let out = String::from_utf8(html(page.to_vec())).unwrap();
        assert!(out.len() < page.len(), "{out}");
        assert!(out.contains("<html lang=en>"), "{out}");
        assert!(out.contains("p{color:red}"), "{out}");
        assert!(!out.contains("a note"), "{out}");
        assert!(out.contains("<em>text</em>"), "{out}");
    }

    #[test]
    fn stylesheets_shrink_or_stay_as_they_are() {
        assert_eq!(
            css("a {\n  margin-inline-start : 0px;\n}\n").as_deref(),
            Some("a{margin-inline-start:0}")
        );
        assert_eq!(css("a{color:red}"), None, "nothing to gain");
    }
}
