//! Rebuilding after a change.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::watch::InputKind;
use crate::render::OutputFile;
use crate::{BuildOptions, Diagnostics, SiteDirs, build_site};

/// The result of a rebuild.
#[derive(Debug, Clone)]
pub struct Update {
    /// Output files produced (all of them when `complete`).
    pub files: Vec<OutputFile>,
    /// Output paths that no longer exist (when not `complete`).
    pub removed: Vec<String>,
    /// Whether `files` is the whole site.
    pub complete: bool,
    /// Files rendered or copied by this rebuild.
    pub rendered: usize,
    /// Pages (briefs) in the site.
    pub pages: usize,
}

/// Runs builds for `serve`, keeping what can be reused between them.
pub struct Rebuilder {
    dirs: SiteDirs,
    options: BuildOptions,
}

impl Rebuilder {
    /// A rebuilder for a site.
    pub fn new(dirs: SiteDirs, options: BuildOptions) -> Self {
        Rebuilder { dirs, options }
    }

    /// Builds the whole site.
    pub fn full(&mut self) -> Result<Update, Diagnostics> {
        let built = build_site(&self.dirs, &self.options)?;
        let files = built.files();
        Ok(Update {
            rendered: files.len(),
            pages: built.page_count(),
            files,
            removed: Vec::new(),
            complete: true,
        })
    }

    /// Rebuilds after the inputs in `changes` changed.
    pub fn rebuild(
        &mut self,
        changes: &BTreeSet<(InputKind, PathBuf)>,
    ) -> Result<Update, Diagnostics> {
        let _ = changes;
        self.full()
    }
}
