//! Shared pieces of the fuzz targets: turning raw fuzz bytes into structured inputs, so the
//! fuzzer spends its time inside the parsers rather than failing the first check.
//!
//! A content-file input is laid out as
//!
//! ```text
//! byte 0     flags (see the `FLAG_*` constants)
//! bytes 1..  the front matter, a NUL byte, then the Markdown body
//! ```
//!
//! The harness adds the fences itself, so almost every input reaches the front matter parser.
//! Without a NUL byte the whole input is the body, under a fixed valid front matter, so the
//! Markdown and template stages are reached too. With [`FLAG_VERBATIM`] the bytes after the flags
//! are the file exactly as written (fences, invalid UTF-8 and all), which fuzzes the splitter.

use communique::config::{MarkdownConfig, RawHtml};
use communique::markdown::LinkResolver;

/// YAML (`---`) front matter instead of TOML (`+++`).
pub const FLAG_YAML: u8 = 1;
/// A section (`_index.md`) instead of a page.
pub const FLAG_SECTION: u8 = 1 << 1;
/// The bytes are the whole file; no fences are added.
pub const FLAG_VERBATIM: u8 = 1 << 2;
/// Windows line endings.
pub const FLAG_CRLF: u8 = 1 << 3;
/// A UTF-8 byte-order mark in front.
pub const FLAG_BOM: u8 = 1 << 4;
/// Build with drafts included.
pub const FLAG_DRAFTS: u8 = 1 << 5;

/// A content file made from fuzz bytes.
#[derive(Debug, Clone)]
pub struct ContentFile {
    /// The flags byte.
    pub flags: u8,
    /// The file's bytes, as they would be on disk.
    pub bytes: Vec<u8>,
}

impl ContentFile {
    /// Decodes fuzz bytes (see the crate documentation for the layout).
    pub fn from_fuzz(data: &[u8]) -> ContentFile {
        let Some((&flags, rest)) = data.split_first() else {
            return ContentFile {
                flags: 0,
                bytes: Vec::new(),
            };
        };
        if flags & FLAG_VERBATIM != 0 {
            return ContentFile {
                flags,
                bytes: rest.to_vec(),
            };
        }
        let rest = String::from_utf8_lossy(rest);
        let yaml = flags & FLAG_YAML != 0;
        let (front_matter, body) = match rest.split_once('\0') {
            Some((front_matter, body)) => (front_matter.to_string(), body),
            None => (default_front_matter(yaml).to_string(), rest.as_ref()),
        };
        let fence = if yaml { "---" } else { "+++" };
        let mut text = format!("{fence}\n{front_matter}\n{fence}\n{body}");
        if flags & FLAG_CRLF != 0 {
            text = text.replace('\n', "\r\n");
        }
        if flags & FLAG_BOM != 0 {
            text.insert(0, '\u{feff}');
        }
        ContentFile {
            flags,
            bytes: text.into_bytes(),
        }
    }

    /// Whether the file is a section's `_index.md`.
    pub fn is_section(&self) -> bool {
        self.flags & FLAG_SECTION != 0
    }

    /// Whether a build should include drafts.
    pub fn drafts(&self) -> bool {
        self.flags & FLAG_DRAFTS != 0
    }

    /// The file as text, as a build would read it if it were valid UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

fn default_front_matter(yaml: bool) -> &'static str {
    if yaml {
        "title: Fuzzed brief\ndate: 2024-01-31\ntopics: [fuzzing]"
    } else {
        "title = \"Fuzzed brief\"\ndate = 2024-01-31\ntopics = [\"fuzzing\"]"
    }
}

/// Markdown options chosen by a flags byte: bit 0 turns smart punctuation off; bits 1 and 2
/// pick the raw HTML policy (allow, escape, sanitize, sanitize with an iframe host).
pub fn markdown_config(flags: u8) -> MarkdownConfig {
    let (raw_html, iframe_hosts) = match (flags >> 1) & 3 {
        0 => (RawHtml::Allow, Vec::new()),
        1 => (RawHtml::Escape, Vec::new()),
        2 => (RawHtml::Sanitize, Vec::new()),
        _ => (RawHtml::Sanitize, vec!["www.youtube-nocookie.com".to_string()]),
    };
    MarkdownConfig {
        smart_punctuation: flags & 1 == 0,
        raw_html,
        iframe_hosts,
        ..MarkdownConfig::default()
    }
}

/// Resolves every `@/….md` link except those whose path mentions `missing`, so both the
/// resolved and the error paths of link handling are reached.
pub struct FuzzLinks;

impl LinkResolver for FuzzLinks {
    fn resolve(&self, rel: &str) -> Option<String> {
        if rel.contains("missing") || !rel.ends_with(".md") {
            return None;
        }
        Some(format!("/{}/", rel.trim_end_matches(".md")))
    }
}
