//! The Typst compiler's view of one brief: its generated source, the fonts bundled with
//! `typst-assets` (parsed once per process), and the site's images, read on demand from
//! `content/` and `static/` only, never through a link out of the site.

use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

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

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
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

/// Compiles `world` to PDF bytes, or the errors Typst found.
///
/// Typesetting runs in a thread pool of its own, with large stacks: Typst's layout recurses
/// deeply (a rayon or tokio worker's 2 MiB stack overflowed on ordinary briefs in a release
/// build). It must be a rayon pool: the PDF writer (krilla) hands work to rayon and waits for
/// it, helping while it waits only on a rayon worker; a plain thread waiting while every
/// worker of the global pool waited for it deadlocked the build.
pub fn compile(world: &BriefWorld, ident: &str) -> Result<Vec<u8>, Vec<TypstError>> {
    match typesetting_pool() {
        Some(pool) => pool.install(|| compile_here(world, ident)),
        None => Err(vec![TypstError {
            message: "cannot start the typesetting threads".into(),
            hints: Vec::new(),
            range: None,
        }]),
    }
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
