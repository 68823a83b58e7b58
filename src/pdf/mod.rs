//! PDFs of briefs, typeset in-process by Typst.
//!
//! A brief's PDF is one more output of the build ([`crate::render::Job::Pdf`]): its template,
//! `brief.typ`, renders the brief into Typst markup (the body converted from Markdown by
//! [`markup`], text escaped by [`escape`]), and [`Typesetter::typeset`] compiles that to PDF
//! with the fonts bundled in the binary ([`world`]). PDFs are kept in a cache folder keyed by
//! their inputs ([`cache`]), so an unchanged brief is typeset once. `serve` typesets a PDF
//! only when it is asked for (see [`crate::serve`]).
//!
//! PDFs are opt-in: `pdf = true` in `communique.toml`, or `pdf = true`/`false` in a brief's
//! front matter, which wins.

pub mod cache;
pub mod escape;
pub mod from_site;
pub mod markup;
pub mod world;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::config::Config;
use crate::content::PageMeta;

/// Whether a brief gets a PDF: its own `pdf` field, else the site's.
pub fn wanted(config: &Config, meta: &PageMeta) -> bool {
    meta.pdf.unwrap_or(config.pdf)
}

/// The site path of a brief's PDF: `/briefs/x/` → `/briefs/x/x.pdf`.
pub fn site_path(page_path: &str, slug: &str) -> String {
    let dir = if page_path.ends_with('/') {
        page_path.to_string()
    } else {
        format!("{page_path}/")
    };
    let name = if slug.is_empty() { "brief" } else { slug };
    format!("{dir}{name}.pdf")
}

/// A file size as people read it: "182 KB", "1.4 MB" (powers of 1,000, as file managers do).
pub fn size_text(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{} KB", (bytes + 500) / 1_000),
        _ => format!("{:.1} MB", bytes as f64 / 1_000_000.0),
    }
}

/// How text is set for a language: its direction and the fonts to try, in order. The one place
/// a right-to-left script is chosen. The bundled fonts cover Latin, Greek and Cyrillic
/// (`typst-assets`) and Arabic script (Noto Naskh Arabic, see [`world`]); Hebrew needs a font
/// communique does not bundle, and Typst falls back to the next font (with a warning) when a
/// family is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typography {
    /// `ltr` or `rtl`.
    pub dir: &'static str,
    /// The side lines start on, `left` or `right`: Typst's strokes and insets are physical, so
    /// a rule that marks a block's start is drawn on this side.
    pub start: &'static str,
    /// Font families, first choice first.
    pub fonts: &'static [&'static str],
}

/// The typography of a BCP 47 language tag (`en`, `ar-EG`).
pub fn typography(language: &str) -> Typography {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match primary.as_str() {
        "ar" | "fa" | "ur" => Typography {
            dir: "rtl",
            start: "right",
            // Latin words and digits in Arabic text, which Noto Naskh Arabic lacks, fall back
            // to the Latin face.
            fonts: &["Noto Naskh Arabic", "Libertinus Serif"],
        },
        "he" | "yi" => Typography {
            dir: "rtl",
            start: "right",
            fonts: &["Noto Serif Hebrew", "Libertinus Serif"],
        },
        _ => Typography {
            dir: "ltr",
            start: "left",
            fonts: &["Libertinus Serif", "New Computer Modern"],
        },
    }
}

/// What happens to a brief's Typst source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Typeset it (a build): the output is the PDF.
    Typeset,
    /// Keep it for later (`serve`, which typesets on request): the output is the source.
    Source,
}

/// Typesets PDFs, through the cache, counting what it did.
#[derive(Debug)]
pub struct Typesetter {
    /// The site root as given.
    given_root: Option<PathBuf>,
    /// The canonical root and the cache, found when the first PDF is typeset (a site without
    /// PDFs gets no cache folder).
    place: OnceLock<(Option<PathBuf>, Option<cache::Cache>)>,
    typeset: AtomicUsize,
    reused: AtomicUsize,
    /// The cache keys of every PDF typeset or reused, for [`Typesetter::prune`].
    used: std::sync::Mutex<std::collections::HashSet<String>>,
    /// How long one PDF may take (`pdf_time_limit`).
    limit: std::time::Duration,
}

/// The time limit of a typesetter made without a configuration (`serve`'s on request).
pub const DEFAULT_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// What a run did with PDFs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PdfStats {
    /// PDFs typeset.
    pub typeset: usize,
    /// PDFs taken from the cache.
    pub reused: usize,
}

/// What typesetting gave.
#[derive(Debug)]
pub enum Outcome {
    /// A PDF typeset now, and the cache key it is kept under, if it could be kept.
    Fresh {
        /// The PDF.
        pdf: Vec<u8>,
        /// Its cache key.
        key: Option<String>,
    },
    /// A PDF in the cache, not read yet.
    Cached {
        /// Its cache key.
        key: String,
        /// Its size in bytes.
        size: u64,
    },
}

impl Outcome {
    /// The PDF's size in bytes.
    pub fn size(&self) -> u64 {
        match self {
            Outcome::Fresh { pdf, .. } => pdf.len() as u64,
            Outcome::Cached { size, .. } => *size,
        }
    }
}

/// How many evictions a memoised Typst result survives unused. Briefs share little that
/// Typst memoises, so every compile evicts what the ones before it left: at 1,000 briefs this
/// took peak memory from 351 MB to 115 MB and the cold build from 11.4 s to 10.7 s (less
/// memory to fault in and zero; docs/performance.md). One eviction of grace keeps what a
/// compile on the other thread, still running, has just memoised.
const MEMO_MAX_AGE: usize = 1;

impl Typesetter {
    /// A typesetter for the site at `root` (images are read from it, the cache kept in it).
    pub fn new(root: Option<&std::path::Path>) -> Typesetter {
        Typesetter {
            given_root: root.map(std::path::Path::to_path_buf),
            place: OnceLock::new(),
            typeset: AtomicUsize::new(0),
            reused: AtomicUsize::new(0),
            used: std::sync::Mutex::new(std::collections::HashSet::new()),
            limit: DEFAULT_TIME_LIMIT,
        }
    }

    /// This typesetter, giving each PDF at most `limit` (see [`world::compile`]).
    pub fn with_time_limit(mut self, limit: std::time::Duration) -> Typesetter {
        self.limit = limit;
        self
    }

    fn root(&self) -> Option<&PathBuf> {
        self.place().0.as_ref()
    }

    fn cache(&self) -> Option<&cache::Cache> {
        self.place().1.as_ref()
    }

    fn place(&self) -> &(Option<PathBuf>, Option<cache::Cache>) {
        self.place.get_or_init(|| {
            let root = self.given_root.as_ref().and_then(|r| r.canonicalize().ok());
            let cache = root.as_deref().and_then(cache::Cache::open);
            (root, cache)
        })
    }

    /// What it did so far.
    pub fn stats(&self) -> PdfStats {
        PdfStats {
            typeset: self.typeset.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
        }
    }

    /// The PDF of `source` (from the cache when it holds it), or Typst's errors. `ident`
    /// identifies the document (its permalink), so the PDF's id is stable across builds.
    pub fn typeset(&self, source: String, ident: &str) -> Result<Vec<u8>, Vec<world::TypstError>> {
        match self.typeset_lazily(source, ident)? {
            Outcome::Fresh { pdf, .. } => Ok(pdf),
            Outcome::Cached { key, .. } => self.cached(&key).ok_or_else(|| {
                vec![world::TypstError {
                    message: "the cached PDF vanished while it was read".into(),
                    hints: Vec::new(),
                    range: None,
                }]
            }),
        }
    }

    /// Like [`Typesetter::typeset`], but a PDF in the cache is only checked, not read. The
    /// entry is named by the source (`serve`'s way: it has the source in hand).
    pub fn typeset_lazily(
        &self,
        source: String,
        ident: &str,
    ) -> Result<Outcome, Vec<world::TypstError>> {
        let key = cache::key(&source);
        if let Some(found) = self.check(&key)
            && found.source.is_none()
        {
            return Ok(self.reuse(key, found.size));
        }
        self.typeset_entry(key, source, ident, cache::Conditions::default())
    }

    /// The cache entry `key`, if it is there and holds (see [`cache::Cache::check`]); not
    /// counted as reused until [`Typesetter::reuse`] says so.
    pub fn check(&self, key: &str) -> Option<cache::Found> {
        self.cache()?.check(key)
    }

    /// Takes the PDF under `key` (found by [`Typesetter::check`]) as this run's.
    pub fn reuse(&self, key: String, size: u64) -> Outcome {
        self.reused.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut used) = self.used.lock() {
            used.insert(key.clone());
        }
        Outcome::Cached { key, size }
    }

    /// Typesets `source` and keeps the PDF under `key`, with `conditions` (see [`cache`]).
    pub fn typeset_entry(
        &self,
        key: String,
        source: String,
        ident: &str,
        conditions: cache::Conditions,
    ) -> Result<Outcome, Vec<world::TypstError>> {
        if let Ok(mut used) = self.used.lock() {
            used.insert(key.clone());
        }
        let world = std::sync::Arc::new(world::BriefWorld::new(source, self.root().cloned()));
        let result = world::compile(world.clone(), ident, self.limit);
        self.typeset.fetch_add(1, Ordering::Relaxed);
        world::evict(MEMO_MAX_AGE);
        let pdf = result?;
        let kept = self
            .cache()
            .is_some_and(|cache| cache.put(&key, &pdf, &world.dependencies(), &conditions));
        Ok(Outcome::Fresh {
            pdf,
            key: kept.then_some(key),
        })
    }

    /// Removes from the cache every PDF this typesetter did not typeset or reuse: called after
    /// a whole build, which asked for every PDF the site has.
    pub fn prune(&self) {
        if let (Some(cache), Ok(used)) = (self.cache(), self.used.lock()) {
            cache.prune(&used);
        }
    }

    /// A PDF this typesetter kept under `key`, without counting it as reused.
    pub fn cached(&self, key: &str) -> Option<Vec<u8>> {
        self.cache()?.read(key)
    }

    /// Keeps a failed source for the user to read (see [`cache::Cache::keep_failed`]).
    pub fn keep_failed(&self, name: &str, source: &str) -> Option<String> {
        self.cache()?.keep_failed(name, source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_paths_sizes_and_directions() {
        assert_eq!(site_path("/briefs/x/", "x"), "/briefs/x/x.pdf");
        assert_eq!(size_text(182_400), "182 KB");
        assert_eq!(size_text(1_400_000), "1.4 MB");
        assert_eq!(size_text(900), "900 bytes");
        assert_eq!(typography("ar-EG").dir, "rtl");
        assert_eq!(typography("en-GB").dir, "ltr");
    }

    #[test]
    fn a_document_typesets_and_a_mistake_is_located() {
        let typesetter = Typesetter::new(None);
        let pdf = typesetter
            .typeset(
                "#set document(title: \"T\")\n= Hello\n\nWorld.\n".into(),
                "t",
            )
            .unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let errors = typesetter
            .typeset("= Hello\n\n#nonsense(1)\n".into(), "t")
            .unwrap_err();
        assert!(errors[0].message.contains("nonsense"), "{errors:?}");
        assert_eq!(errors[0].range.as_ref().map(|r| r.start), Some(10));
        assert_eq!(typesetter.stats().typeset, 2);
    }
}
