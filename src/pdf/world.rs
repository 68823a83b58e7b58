//! The Typst compiler's view of one brief: its generated source, the fonts bundled with
//! `typst-assets` and communique's own Arabic font (parsed once per process), and the site's
//! images, read on demand from `content/` and `static/` only, never through a link out of the
//! site.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

/// The standard library and the bundled fonts: built once, shared by every compile.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// Fonts communique adds to Typst's: `typst-assets` has Latin, Greek and Cyrillic faces only,
/// so Arabic briefs are set in Noto Naskh Arabic (SIL Open Font License; `fonts/OFL.txt`), the
/// family the default theme's stylesheet asks for too. Embedded, so that Arabic PDFs work out
/// of the box, with no font to install: they add ~360 KB to the binary.
const OWN_FONTS: [&[u8]; 2] = [
    include_bytes!("fonts/NotoNaskhArabic-Regular.ttf"),
    include_bytes!("fonts/NotoNaskhArabic-Bold.ttf"),
];

/// Every font file a PDF may be typeset with.
fn font_files() -> impl Iterator<Item = &'static [u8]> {
    typst_assets::fonts().chain(OWN_FONTS)
}

/// What identifies the fonts, for the PDF cache's key (see [`super::cache`]): each file's length
/// and a sample of its bytes, enough to tell a changed font without hashing megabytes on a
/// build that typesets nothing.
pub fn fonts_identity() -> u128 {
    static IDENTITY: LazyLock<u128> = LazyLock::new(|| {
        let samples: Vec<(usize, &[u8], &[u8])> = font_files()
            .map(|data| {
                let head = &data[..data.len().min(4096)];
                let tail = &data[data.len().saturating_sub(4096)..];
                (data.len(), head, tail)
            })
            .collect();
        typst::utils::hash128(&samples)
    });
    *IDENTITY
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = font_files()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// The one main file id every brief is compiled under: ids are interned for the life of the
/// process (at most 65,535), so one per brief would run out on a long `serve`.
static MAIN: LazyLock<FileId> = LazyLock::new(|| {
    let path = VirtualPath::new("/brief.typ").unwrap_or_else(|_| unreachable_path());
    RootedPath::new(VirtualRoot::Project, path).intern()
});

/// `/brief.typ` is a valid virtual path; this only satisfies the type checker.
fn unreachable_path() -> VirtualPath {
    VirtualPath::new("/").unwrap_or_else(|_| unreachable!("the root is a valid path"))
}

/// The folders of the site a brief's PDF may read files (images) from.
const READABLE: &[&str] = &["content", "static"];

/// A file the compile read, with a hash of its bytes (for the cache: see [`super::cache`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// Path relative to the site root, with `/`.
    pub path: String,
    /// Hash of its bytes.
    pub hash: u128,
}

/// One brief's compile.
pub struct BriefWorld {
    source: Source,
    /// The canonical site root, when files may be read.
    root: Option<PathBuf>,
    /// The files read, in order.
    read: Mutex<Vec<Dependency>>,
}

impl BriefWorld {
    /// A world whose main file is `text`, reading images from the site at `root` (canonical).
    pub fn new(text: String, root: Option<PathBuf>) -> Self {
        BriefWorld {
            source: Source::new(*MAIN, text),
            root,
            read: Mutex::new(Vec::new()),
        }
    }

    /// The files read so far.
    pub fn dependencies(&self) -> Vec<Dependency> {
        self.read.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The main source.
    pub fn source(&self) -> &Source {
        &self.source
    }

    fn read_site_file(&self, id: FileId) -> FileResult<Bytes> {
        let rooted = id.get();
        let rel = rooted.vpath().get_without_slash().to_string();
        let not_found = || FileError::NotFound(PathBuf::from(&rel));
        let Some(root) = &self.root else {
            return Err(not_found());
        };
        if *rooted.root() != VirtualRoot::Project
            || !READABLE
                .iter()
                .any(|dir| rel.starts_with(&format!("{dir}/")))
        {
            return Err(not_found());
        }
        let path = root.join(Path::new(&rel));
        let bytes = crate::serve::state::read_inside(root, &path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => not_found(),
            _ => FileError::Other(Some(format!("{rel}: {e}").into())),
        })?;
        let hash = typst::utils::hash128(&bytes);
        if let Ok(mut read) = self.read.lock() {
            read.push(Dependency { path: rel, hash });
        }
        Ok(Bytes::new(bytes))
    }
}

impl World for BriefWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        *MAIN
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == *MAIN {
            Ok(self.source.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == *MAIN {
            return Ok(Bytes::from_string(self.source.clone()));
        }
        self.read_site_file(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    /// No "today": a PDF depends only on its inputs, so an unchanged brief is never typeset
    /// again (a template that asks for `datetime.today()` gets an error saying so).
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

/// A Typst error: message, hints, and the byte range in the main source it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypstError {
    /// What Typst said.
    pub message: String,
    /// Typst's hints.
    pub hints: Vec<String>,
    /// Byte range in the generated source, when the error points into it.
    pub range: Option<std::ops::Range<usize>>,
}

/// Compiles `world` to PDF bytes, or the errors Typst found, waiting at most `limit`.
///
/// Typesetting runs in a thread pool of its own, with large stacks: Typst's layout recurses
/// deeply (a rayon or tokio worker's 2 MiB stack overflowed on ordinary briefs in a release
/// build). It must be a rayon pool: the PDF writer (krilla) hands work to rayon and waits for
/// it, helping while it waits only on a rayon worker; a plain thread waiting while every
/// worker of the global pool waited for it deadlocked the build.
///
/// Typst cannot be interrupted (it has no fuel or cancellation, and a thread cannot be killed),
/// so a compile that runs past `limit` (a template looping over a huge range, say) is left to
/// finish on its thread while this returns an error. Its thread is counted as taken until then;
/// while every typesetting thread is taken, further compiles fail at once instead of queueing
/// behind it.
pub fn compile(
    world: Arc<BriefWorld>,
    ident: &str,
    limit: Duration,
) -> Result<Vec<u8>, Vec<TypstError>> {
    let Some(pool) = typesetting_pool() else {
        return Err(one_error(
            "cannot start the typesetting threads".into(),
            Vec::new(),
        ));
    };
    if OVERRUNNING.load(Ordering::SeqCst) >= pool.current_num_threads() {
        return Err(one_error(
            "not typeset: every typesetting thread is still busy with a PDF that went past its time limit".into(),
            vec!["fix the PDF that timed out first (an error names it)".into()],
        ));
    }
    let (send, receive) = std::sync::mpsc::sync_channel(1);
    let state = Arc::new(AtomicU8::new(RUNNING));
    {
        let state = state.clone();
        let ident = ident.to_string();
        pool.spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                compile_here(&world, &ident)
            }))
            .unwrap_or_else(|_| {
                Err(one_error(
                    "Typst stopped on an internal error (a panic) while typesetting".into(),
                    Vec::new(),
                ))
            });
            let _ = send.send(result);
            if state.swap(DONE, Ordering::SeqCst) == ABANDONED {
                OVERRUNNING.fetch_sub(1, Ordering::SeqCst);
            }
        });
    }
    match receive.recv_timeout(limit) {
        Ok(result) => result,
        Err(_) => {
            OVERRUNNING.fetch_add(1, Ordering::SeqCst);
            if state
                .compare_exchange(RUNNING, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
            {
                // It finished just now.
                OVERRUNNING.fetch_sub(1, Ordering::SeqCst);
                return receive.try_recv().unwrap_or_else(|_| {
                    Err(one_error(
                        "the typesetting thread stopped".into(),
                        Vec::new(),
                    ))
                });
            }
            Err(one_error(
                format!(
                    "typesetting did not finish within {} s (pdf_time_limit)",
                    limit.as_secs_f64()
                ),
                vec![
                    "a loop in the template that runs for very long, or a huge brief? raise `pdf_time_limit` in communique.toml if the brief needs more time; the typesetting is left to finish in the background".into(),
                ],
            ))
        }
    }
}

/// Compiles that ran past their time limit and have not finished yet.
static OVERRUNNING: AtomicUsize = AtomicUsize::new(0);

/// A compile's state, between the thread running it and the one waiting for it.
const RUNNING: u8 = 0;
const DONE: u8 = 1;
const ABANDONED: u8 = 2;

fn one_error(message: String, hints: Vec<String>) -> Vec<TypstError> {
    vec![TypstError {
        message,
        hints,
        range: None,
    }]
}

/// The stack of a typesetting thread.
const STACK: usize = 64 << 20;

/// The pool PDFs are typeset in, made on first use: one thread per core.
fn typesetting_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(STACK)
            .thread_name(|i| format!("communique-typeset-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

fn compile_here(world: &BriefWorld, ident: &str) -> Result<Vec<u8>, Vec<TypstError>> {
    let warned = typst::compile::<PagedDocument>(world);
    let document = warned.output.map_err(|es| errors(world, &es))?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(ident.to_string()),
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|es| errors(world, &es))
}

fn errors(world: &BriefWorld, diagnostics: &[SourceDiagnostic]) -> Vec<TypstError> {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            // An error inside a called function points at the call in the brief's source.
            let span = std::iter::once(d.span)
                .chain(d.trace.iter().map(|t| t.span.into()))
                .find(|s| s.id() == Some(*MAIN));
            TypstError {
                message: d.message.to_string(),
                hints: d.hints.iter().map(|h| h.v.to_string()).collect(),
                range: span.and_then(|s| world.range(s)),
            }
        })
        .collect()
}

/// Frees Typst's memoised results older than `max_age` compiles: a long build or `serve`
/// would otherwise keep every brief's layout in memory.
pub fn evict(max_age: usize) {
    typst::comemo::evict(max_age);
}
