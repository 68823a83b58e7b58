//! What each object is served with: Content-Type, Cache-Control and, where configured,
//! Content-Encoding.

use std::io::Write;

use globset::{Glob, GlobMatcher};

use super::config::{CacheRule, Compression};
use crate::diagnostics::Diagnostic;

/// Pages, feeds and other files whose URL stays the same while their content changes.
pub const SHORT_CACHE: &str = "public, max-age=300";
/// Files whose name carries a hash of their content (`style.3f2a9c1b.css`): a new version gets a
/// new name, so the old one can be cached for ever.
pub const IMMUTABLE_CACHE: &str = "public, max-age=31536000, immutable";
/// Other files (images, PDFs, unhashed CSS): an hour.
pub const DEFAULT_CACHE: &str = "public, max-age=3600";

/// Extensions of text formats worth compressing.
const COMPRESSIBLE: [&str; 10] = [
    "html", "css", "js", "mjs", "json", "xml", "svg", "txt", "csv", "map",
];

/// Extensions served with the short cache: they keep their URL when they change.
const SHORT_LIVED: [&str; 6] = ["html", "htm", "xml", "json", "txt", "webmanifest"];

/// The configured cache rules, compiled.
pub struct CacheRules {
    rules: Vec<(GlobMatcher, String)>,
}

impl CacheRules {
    /// Compiles `[[deploy.cache]]` (already validated with the config; checked again here).
    pub fn new(rules: &[CacheRule]) -> Result<CacheRules, Diagnostic> {
        let rules = rules
            .iter()
            .map(|r| {
                let glob = Glob::new(&r.glob).map_err(|e| {
                    Diagnostic::error(format!("cache rule glob \"{}\": {e}", r.glob))
                })?;
                Ok((glob.compile_matcher(), r.cache_control.clone()))
            })
            .collect::<Result<_, Diagnostic>>()?;
        Ok(CacheRules { rules })
    }

    /// Cache-Control for the file at `rel`: the first matching rule, else the defaults.
    pub fn cache_control(&self, rel: &str) -> String {
        if let Some((_, value)) = self.rules.iter().find(|(m, _)| m.is_match(rel)) {
            return value.clone();
        }
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if is_fingerprinted(name) {
            IMMUTABLE_CACHE.to_string()
        } else if SHORT_LIVED.contains(&extension(name).as_str()) {
            SHORT_CACHE.to_string()
        } else {
            DEFAULT_CACHE.to_string()
        }
    }
}

/// The lowercased extension of a file name ("" when none).
fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Whether a file name carries a content hash: a dot-separated part between the stem and the
/// extension of 8 to 64 hexadecimal digits (`style.3f2a9c1b.css`, `app.0123abcd.min.js`).
pub fn is_fingerprinted(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1]
            .iter()
            .any(|p| (8..=64).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Content-Type for the file at `rel`: the one the preview server sends (`communique serve`),
/// so the published site is served as the preview was.
pub fn content_type(rel: &str) -> String {
    let mime = mime_guess::from_path(rel).first_or_octet_stream();
    crate::serve::http::content_type(rel, &mime)
}

/// The bytes to upload and their Content-Encoding: compressed when configured and the file is
/// text. Compression is deterministic (fixed level), so unchanged files keep their hash.
pub fn encode(
    rel: &str,
    body: Vec<u8>,
    compression: Option<Compression>,
) -> std::io::Result<(Vec<u8>, Option<&'static str>)> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let Some(compression) =
        compression.filter(|_| COMPRESSIBLE.contains(&extension(name).as_str()))
    else {
        return Ok((body, None));
    };
    match compression {
        Compression::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(&body)?;
            Ok((encoder.finish()?, Some("gzip")))
        }
        Compression::Br => {
            let mut out = Vec::new();
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut body.as_slice(), &mut out, &params)?;
            Ok((out, Some("br")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_recognised() {
        assert!(is_fingerprinted("style.3f2a9c1b.css"));
        assert!(is_fingerprinted("app.0123abcd.min.js"));
        assert!(!is_fingerprinted("style.css"));
        assert!(!is_fingerprinted("3f2a9c1b.css"));
        assert!(!is_fingerprinted("report.final.pdf"));
        assert!(!is_fingerprinted("a.3f2a9c.css"));
    }

    #[test]
    fn defaults_and_rules() {
        let rules = CacheRules::new(&[CacheRule {
            glob: "**/*.pdf".into(),
            cache_control: "public, max-age=86400".into(),
        }])
        .unwrap();
        assert_eq!(rules.cache_control("index.html"), SHORT_CACHE);
        assert_eq!(rules.cache_control("atom.xml"), SHORT_CACHE);
        assert_eq!(rules.cache_control("briefs/a/index.html"), SHORT_CACHE);
        assert_eq!(rules.cache_control("style.3f2a9c1b.css"), IMMUTABLE_CACHE);
        assert_eq!(rules.cache_control("style.css"), DEFAULT_CACHE);
        assert_eq!(rules.cache_control("img/logo.svg"), DEFAULT_CACHE);
        assert_eq!(
            rules.cache_control("briefs/a/report.pdf"),
            "public, max-age=86400"
        );
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("img/logo.svg"), "image/svg+xml");
        assert_eq!(content_type("atom.xml"), "text/xml; charset=utf-8");
        assert_eq!(
            content_type("briefs/a/cite.bib"),
            "application/x-bibtex; charset=utf-8"
        );
        assert_eq!(content_type("a.png"), "image/png");
        assert_eq!(content_type("a.pdf"), "application/pdf");
        assert_eq!(content_type("noextension"), "application/octet-stream");
    }

    #[test]
    fn compression_is_for_text_and_deterministic() {
        let html = b"<p>hello hello hello hello</p>".repeat(50);
        let (gz, enc) = encode("a/index.html", html.clone(), Some(Compression::Gzip)).unwrap();
        assert_eq!(enc, Some("gzip"));
        assert!(gz.len() < html.len());
        let (again, _) = encode("a/index.html", html.clone(), Some(Compression::Gzip)).unwrap();
        assert_eq!(gz, again);
        let (br, enc) = encode("a.css", html.clone(), Some(Compression::Br)).unwrap();
        assert_eq!(enc, Some("br"));
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut br.as_slice(), &mut back).unwrap();
        assert_eq!(back, html);
        let (png, enc) = encode("a.png", vec![1, 2, 3], Some(Compression::Gzip)).unwrap();
        assert_eq!((png, enc), (vec![1, 2, 3], None));
        let (plain, enc) = encode("a.html", vec![1], None).unwrap();
        assert_eq!((plain, enc), (vec![1], None));
    }
}
