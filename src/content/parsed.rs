//! A content file once read and parsed: its metadata, where its body lies, and the errors that
//! point into it.

use std::path::PathBuf;

use super::front_matter;
use crate::diagnostics::{Diagnostic, Location, line_col};

/// A content file read and parsed: metadata plus the Markdown body.
#[derive(Debug, Clone)]
pub struct Parsed<M> {
    /// Path relative to `content/` (`briefs/first-round.md`).
    pub rel: String,
    /// Path to show in diagnostics (relative to the site root).
    pub display_path: PathBuf,
    /// Metadata.
    pub meta: M,
    /// Where the Markdown body lies in `source`.
    pub body_range: std::ops::Range<usize>,
    /// Line of the file on which the body starts.
    pub body_line: usize,
    /// Files beside a folder page.
    pub assets: Vec<String>,
    /// The whole normalised file text, for source snippets in later errors; only the front
    /// matter once a build has rendered the body (see [`Parsed::release_body`]).
    pub source: std::sync::Arc<str>,
}

impl<M> Parsed<M> {
    /// The same file with other metadata.
    pub fn with_meta<N>(self, meta: N) -> Parsed<N> {
        Parsed {
            rel: self.rel,
            display_path: self.display_path,
            meta,
            body_range: self.body_range,
            body_line: self.body_line,
            assets: self.assets,
            source: self.source,
        }
    }

    /// The Markdown body (line endings normalised).
    pub fn body(&self) -> &str {
        self.source.get(self.body_range.clone()).unwrap_or("")
    }

    /// Drops the Markdown body and keeps the front matter, which later errors quote. A build
    /// calls this once the body is rendered: the text is not read again, and holding every
    /// body beside its HTML would add a third to a large site's memory. After this,
    /// [`Parsed::body`] is empty and [`Parsed::error_in_body`] can no longer quote the body.
    pub fn release_body(&mut self) {
        let start = self.body_range.start.min(self.source.len());
        if let Some(front_matter) = self
            .source
            .get(..start)
            .filter(|f| f.len() < self.source.len())
        {
            self.source = std::sync::Arc::from(front_matter);
        }
        self.body_range = start..start;
    }

    /// An error at a front matter field, with its source line.
    pub fn error_at_field(&self, field: &str, message: impl Into<String>) -> Diagnostic {
        // Found again from the text when needed: errors are rare, and a map of every field's
        // place would be held for every page of the site.
        let location = front_matter::split(&self.source, &self.display_path)
            .ok()
            .and_then(|split| front_matter::key_location(&split, &self.display_path, field))
            .unwrap_or_else(|| Location::file(&self.display_path));
        Diagnostic::error(message)
            .at(location)
            .with_snippet_from(&self.source)
    }

    /// An error at a byte offset of the body.
    pub fn error_in_body(&self, offset: usize, message: impl Into<String>) -> Diagnostic {
        let (line, column) = line_col(self.body(), offset);
        Diagnostic::error(message)
            .at(Location::at(
                &self.display_path,
                self.body_line + line - 1,
                column,
            ))
            .with_snippet_from(&self.source)
    }
}
