//! What the preview server serves: the site's output files in memory, and the last error.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::Diagnostics;
use crate::render::{Contents, OutputFile};

/// One served file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// Rendered bytes, kept in memory.
    Bytes(Arc<[u8]>),
    /// A file copied as it is (static files, page assets): read from its source on request.
    File(PathBuf),
}

impl From<Contents> for Served {
    fn from(contents: Contents) -> Self {
        match contents {
            Contents::Bytes(b) => Served::Bytes(Arc::from(b)),
            Contents::Copy(p) => Served::File(p),
        }
    }
}

/// The served site.
#[derive(Debug, Default)]
pub struct ServedSite {
    /// Output path (`briefs/x/index.html`) → file.
    pub files: HashMap<String, Served>,
    /// The errors of the last rebuild, while it is failing.
    pub error: Option<Diagnostics>,
}

impl ServedSite {
    /// Replaces the files, returning the output paths whose contents changed (added, changed,
    /// removed), sorted.
    ///
    /// The files are taken by value and each rendered page's buffer is freed as soon as it is
    /// converted: a site's pages are hundreds of megabytes, and holding both forms at once
    /// doubled what the first build of `serve` needed.
    pub fn replace(&mut self, files: Vec<OutputFile>) -> Vec<String> {
        let mut next: HashMap<String, Served> = HashMap::with_capacity(files.len());
        let mut changed = Vec::new();
        for file in files {
            let served = Served::from(file.contents);
            if self.files.get(&file.path) != Some(&served)
                || matches!(served, Served::File(_)) && !self.files.contains_key(&file.path)
            {
                changed.push(file.path.clone());
            }
            next.insert(file.path, served);
        }
        changed.extend(
            self.files
                .keys()
                .filter(|k| !next.contains_key(*k))
                .cloned(),
        );
        self.files = next;
        changed.sort();
        changed
    }

    /// Applies a partial update: these files changed or appeared, those disappeared.
    pub fn apply(&mut self, updated: Vec<OutputFile>, removed: &[String]) -> Vec<String> {
        let mut changed = Vec::new();
        for file in updated {
            let served = Served::from(file.contents);
            if self.files.get(&file.path) != Some(&served) {
                changed.push(file.path.clone());
                self.files.insert(file.path, served);
            }
        }
        for path in removed {
            if self.files.remove(path).is_some() {
                changed.push(path.clone());
            }
        }
        changed.sort();
        changed
    }
}

/// The site path a browser shows for an output path (`briefs/x/index.html` → `/briefs/x/`).
pub fn site_path_of(output_path: &str) -> String {
    match output_path.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{output_path}"),
    }
}
