//! Errors as values with places.
//!
//! Every stage reports problems as [`Diagnostic`]s: a message tied to a file, line and column
//! where known, with a hint that says what to do next. A build collects all of them instead of
//! stopping at the first, and the same value renders in the terminal and in the browser overlay.

use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The build cannot produce a correct site.
    Error,
    /// Something looks wrong but the site can still be built.
    Warning,
}

/// A place in a source file. Lines and columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, relative to the site root when it lies inside it.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    /// A location at a line and column of a file.
    pub fn at(file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// One problem found in a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where the problem is, when it has a place.
    pub location: Option<Location>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// The offending source line, shown under the message.
    pub snippet: Option<String>,
}

impl Diagnostic {
    /// A new error with a message and no place.
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            location: None,
            message: message.into(),
            hint: None,
            snippet: None,
        }
    }

    /// A new warning with a message and no place.
    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    /// Sets where the problem is.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Sets the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Attaches the source line the location points at, taken from `source`.
    pub fn with_snippet_from(mut self, source: &str) -> Self {
        if let Some(line) = self.location.as_ref().and_then(|l| l.line) {
            self.snippet = source
                .lines()
                .nth(line.saturating_sub(1))
                .map(|s| s.trim_end().to_string());
        }
        self
    }

    /// Whether this diagnostic stops the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic for a terminal, with ANSI colours when `colour` is set.
    pub fn render_terminal(&self, colour: bool) -> String {
        let (label, style) = match self.severity {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Warning => ("warning", "\x1b[1;33m"),
        };
        let paint = |s: &str, code: &str| {
            if colour {
                format!("{code}{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let mut out = paint(label, style);
        out.push_str(": ");
        if let Some(location) = &self.location {
            out.push_str(&paint(&location.to_string(), "\x1b[1m"));
            out.push_str(": ");
        }
        out.push_str(&self.message);
        if let Some(snippet) = &self.snippet {
            let line = self.location.as_ref().and_then(|l| l.line).unwrap_or(0);
            let gutter = line.to_string();
            let pad = " ".repeat(gutter.len());
            out.push_str(&format!("\n {pad} |\n {gutter} | {snippet}"));
            if let Some(column) = self.location.as_ref().and_then(|l| l.column) {
                let caret_pad: String = snippet
                    .chars()
                    .take(column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                out.push_str(&format!("\n {pad} | {caret_pad}{}", paint("^", style)));
            }
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("\n  = {}: {hint}", paint("hint", "\x1b[1;36m")));
        }
        out
    }

    /// Renders the diagnostic as an HTML fragment (for the browser overlay during `serve`).
    pub fn render_html(&self) -> String {
        let mut out = String::from("<div class=\"communique-diagnostic\">");
        if let Some(location) = &self.location {
            out.push_str(&format!(
                "<p class=\"communique-location\">{}</p>",
                escape_html(&location.to_string())
            ));
        }
        out.push_str(&format!("<p>{}</p>", escape_html(&self.message)));
        if let Some(snippet) = &self.snippet {
            out.push_str(&format!("<pre>{}</pre>", escape_html(snippet)));
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("<p><em>hint:</em> {}</p>", escape_html(hint)));
        }
        out.push_str("</div>");
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_terminal(false))
    }
}

/// All the problems of one build, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Adds many.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    /// Sorts by file and line so reports read top to bottom, errors first.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                (
                    d.severity,
                    d.location.as_ref().map(|l| l.file.clone()),
                    d.location.as_ref().and_then(|l| l.line),
                    d.location.as_ref().and_then(|l| l.column),
                )
            };
            key(a).cmp(&key(b))
        });
    }

    /// Iterates over the diagnostics.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// Converts a byte offset in `text` to a 1-based line and column (in characters).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Suggests the closest of `candidates` to a misspelt `word`, if one is close enough.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    escape_entities(text, "&#39;")
}

/// Escapes `& < > " '` as entities, `'` as `apostrophe` (`&#39;` in HTML, `&apos;` in XML).
/// Written a run of plain text at a time, not a character at a time: Markdown calls it for
/// every heading, footnote and placeholder of every brief.
pub fn escape_entities(text: &str, apostrophe: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut plain_from = 0;
    for (i, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => apostrophe,
            _ => continue,
        };
        // The bytes matched are ASCII, so `i` is always at a character boundary.
        out.push_str(&text[plain_from..i]);
        out.push_str(entity);
        plain_from = i + 1;
    }
    out.push_str(&text[plain_from..]);
    out
}

/// Shows `path` relative to `root` when it lies inside it.
pub fn relative_to(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_html_escapes_the_five_characters() {
        assert_eq!(
            escape_html("<a href=\"x\">Tom & Jerry's</a> — ü"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt; — ü"
        );
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("&"), "&amp;");
    }

    #[test]
    fn line_col_counts_from_one() {
        let text = "a\nbc\ndéf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 2));
        assert_eq!(line_col(text, text.len()), (3, 4));
    }

    #[test]
    fn suggestions_are_close_matches_only() {
        let fields = ["title", "date", "description"];
        assert_eq!(did_you_mean("tilte", fields), Some("title"));
        assert_eq!(did_you_mean("zzz", fields), None);
    }

    #[test]
    fn terminal_rendering_names_place_and_hint() {
        let d = Diagnostic::error("unknown field \"tilte\"")
            .at(Location::at("content/x.md", 2, 1))
            .hint("did you mean \"title\"?")
            .with_snippet_from("+++\ntilte = \"x\"\n+++");
        let text = d.render_terminal(false);
        assert!(text.starts_with("error: content/x.md:2:1: unknown field"));
        assert!(text.contains("tilte = \"x\""));
        assert!(text.contains("hint: did you mean"));
    }
}
