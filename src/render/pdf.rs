//! A brief's PDF as a render job: `brief.typ` rendered with the brief and its Typst markup
//! (`typst` in docs/templates.md), then typeset (see [`crate::pdf`]); and the `pdf` link a
//! brief page shows.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use tera::{Kwargs, State, Tera, Value};

use super::views::Fields;
use super::{Job, Renderer};
use crate::diagnostics::{Diagnostic, Location, line_col};
use crate::markdown::LinkResolver;
use crate::pdf::from_site::{absolute_url, citation_markup, reference_markup};
use crate::pdf::{self, Mode, Outcome, PdfStats, Typesetter, escape, markup};
use crate::site::{ContentRef, Page, SiteModel};

/// The template a brief's PDF is rendered with.
pub const TEMPLATE: &str = "brief.typ";

/// A renderer's PDF state: what to do with the Typst source, and the sizes of the PDFs made.
#[derive(Debug)]
pub struct Pdfs {
    mode: Mode,
    typesetter: Typesetter,
    sizes: Mutex<HashMap<usize, u64>>,
    /// PDFs typeset ahead of writing ([`Renderer::typeset_pdfs`]), until they are written.
    held: Mutex<HashMap<usize, Held>>,
    /// The hash of what every brief's PDF is made from besides the brief (see
    /// [`Renderer::pdf_key`]), computed once.
    shared_inputs: OnceLock<u128>,
}

/// A PDF typeset ahead: its bytes, or the cache key to read them back by.
#[derive(Debug)]
enum Held {
    Bytes(Vec<u8>),
    Cached(String),
}

impl Pdfs {
    /// PDFs typeset for the site at `root`, each within `limit`.
    pub fn new(root: Option<&std::path::Path>, limit: std::time::Duration) -> Pdfs {
        Pdfs {
            mode: Mode::Typeset,
            typesetter: Typesetter::new(root).with_time_limit(limit),
            sizes: Mutex::new(HashMap::new()),
            held: Mutex::new(HashMap::new()),
            shared_inputs: OnceLock::new(),
        }
    }
}

/// Registers the filters `brief.typ` escapes with: `typst` (text as markup) and
/// `typst_string` (text as a string literal).
pub fn register_filters(tera: &mut Tera) {
    tera.register_filter(
        "typst",
        |text: &str, _: Kwargs, _: &State| -> Result<String, tera::Error> {
            super::limit::check()?;
            Ok(escape::markup(text))
        },
    );
    tera.register_filter(
        "typst_string",
        |text: &str, _: Kwargs, _: &State| -> Result<String, tera::Error> {
            super::limit::check()?;
            Ok(escape::string_literal(text))
        },
    );
}

/// `@/` links as absolute URLs: a PDF is read away from the site.
struct Permalinks<'a>(&'a SiteModel);

impl LinkResolver for Permalinks<'_> {
    fn resolve(&self, rel: &str) -> Option<String> {
        let model = self.0;
        let path = match model.by_rel.get(rel.trim_start_matches('/'))? {
            ContentRef::Page(i) => &model.pages[*i].path,
            ContentRef::Section(i) => &model.sections[*i].path,
        };
        Some(model.urls.permalink(path))
    }
}

impl Renderer {
    /// Typesets PDFs only when `serve` is asked for one: a PDF job's output is then its Typst
    /// source (see [`crate::serve`]).
    pub fn typeset_on_request(mut self) -> Renderer {
        self.pdfs.mode = Mode::Source;
        self
    }

    /// Removes cached PDFs this renderer did not use (see [`Typesetter::prune`]).
    pub fn prune_pdf_cache(&self) {
        if self.pdfs.mode == Mode::Typeset && self.pdf_stats() != PdfStats::default() {
            self.pdfs.typesetter.prune();
        }
    }

    /// What typesetting did so far.
    pub fn pdf_stats(&self) -> PdfStats {
        self.pdfs.typesetter.stats()
    }

    /// Whether page `index` gets a PDF.
    pub fn wants_pdf(&self, index: usize) -> bool {
        pdf::wanted(&self.model.config, self.model.pages[index].meta())
    }

    /// The site path of page `index`'s PDF.
    pub fn pdf_path(&self, index: usize) -> String {
        let page = &self.model.pages[index];
        pdf::site_path(&page.path, &page.slug)
    }

    /// What `brief.html` sees as `pdf`: `{ url, permalink, size, size_text }`, or nothing when
    /// the brief has no PDF. A build knows the size (PDFs are typeset before pages); `serve`
    /// typesets on request, so its link has no size.
    pub(super) fn pdf_link(&self, index: usize) -> Value {
        if !self.wants_pdf(index) {
            return Value::none();
        }
        let size = self
            .pdfs
            .sizes
            .lock()
            .ok()
            .and_then(|s| s.get(&index).copied());
        if self.pdfs.mode == Mode::Typeset && size.is_none() {
            return Value::none();
        }
        let path = self.pdf_path(index);
        let urls = &self.model.urls;
        let mut f = Fields::new();
        f.insert("url", Value::from(urls.href(&path)));
        f.insert("permalink", Value::from(urls.permalink(&path)));
        f.insert("size", size.map_or(Value::none(), Value::from));
        f.insert(
            "size_text",
            size.map_or(Value::none(), |s| Value::from(pdf::size_text(s))),
        );
        Value::from(f)
    }

    /// Typesets every PDF of the site, in parallel, before anything is written: a build then
    /// knows which PDFs failed (they are left out of the output, and their briefs' pages do
    /// not link them) and every PDF's size. Each PDF is held until [`Renderer::render`] writes
    /// it: read back from the cache, or in memory when there is no cache. Returns the PDF jobs
    /// that failed, with why.
    pub fn typeset_pdfs(&self) -> Vec<(Job, Diagnostic)> {
        use rayon::prelude::*;
        let jobs: Vec<usize> = (0..self.model.pages.len())
            .filter(|&p| self.wants_pdf(p))
            .collect();
        // `COMMUNIQUE_TRACE` prints the time per brief (docs/performance.md).
        let trace = std::env::var_os("COMMUNIQUE_TRACE").is_some();
        let times = Mutex::new(Vec::new());
        let failed = jobs.par_iter().filter_map(|&index| {
            let site_path = self.pdf_path(index);
            let started = std::time::Instant::now();
            let typeset = self.typeset_page(index, &site_path);
            if trace && let Ok(mut times) = times.lock() {
                times.push(started.elapsed());
            }
            match typeset {
                Ok(outcome) => {
                    let held = match outcome {
                        Outcome::Cached { key, .. } | Outcome::Fresh { key: Some(key), .. } => {
                            Held::Cached(key)
                        }
                        Outcome::Fresh { pdf, key: None } => Held::Bytes(pdf),
                    };
                    if let Ok(mut all) = self.pdfs.held.lock() {
                        all.insert(index, held);
                    }
                    None
                }
                Err(e) => Some((Job::Pdf(index), e)),
            }
        });
        let failed = failed.collect();
        if let Ok(mut times) = times.into_inner()
            && !times.is_empty()
        {
            times.sort();
            let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
            eprintln!(
                "  pdf: {} briefs, {:.1} ms median, {:.1} ms p90 per brief (brief.typ, Markdown to Typst, typesetting or cache check)",
                times.len(),
                ms(times[times.len() / 2]),
                ms(times[times.len() * 9 / 10])
            );
        }
        failed
    }

    /// Renders page `index`'s PDF (or, in `serve`, its Typst source).
    pub(super) fn render_pdf(&self, index: usize, site_path: &str) -> Result<Vec<u8>, Diagnostic> {
        let held = self
            .pdfs
            .held
            .lock()
            .ok()
            .and_then(|mut h| h.remove(&index));
        let key = match held {
            Some(Held::Bytes(pdf)) => return Ok(pdf),
            Some(Held::Cached(key)) => key,
            None => match self.typeset_page(index, site_path)? {
                Outcome::Fresh { pdf, .. } => return Ok(pdf),
                Outcome::Cached { key, .. } => key,
            },
        };
        if let Some(pdf) = self.pdfs.typesetter.cached(&key) {
            return Ok(pdf);
        }
        // Another build of the same site (with other settings: drafts, another base URL) pruned
        // the entry meanwhile: typeset it again rather than fail.
        let key = match self.typeset_page(index, site_path)? {
            Outcome::Fresh { pdf, .. } => return Ok(pdf),
            Outcome::Cached { key, .. } => key,
        };
        self.pdfs.typesetter.cached(&key).ok_or_else(|| {
            Diagnostic::error(format!(
                "the PDF of {} vanished from {} while the build read it",
                self.model.pages[index].source.display_path.display(),
                pdf::cache::DIR
            ))
            .hint("build again; something else removed the cache folder")
        })
    }

    /// Typesets page `index`'s PDF, or takes it from the cache (in `serve`, renders its Typst
    /// source, which is the outcome).
    ///
    /// The cache entry is named by the PDF's inputs ([`Renderer::pdf_key`]), so an unchanged
    /// brief costs a hash and a look-up: `brief.typ` is rendered only to typeset, or when the
    /// entry was made by a template that read something through a function (see
    /// [`pdf::cache`]).
    fn typeset_page(&self, index: usize, site_path: &str) -> Result<Outcome, Diagnostic> {
        if self.pdfs.mode == Mode::Source {
            let (source, _, _) = self.typst_source(index, site_path)?;
            return Ok(Outcome::Fresh {
                pdf: source.into_bytes(),
                key: None,
            });
        }
        let typesetter = &self.pdfs.typesetter;
        let key = self.pdf_key(index, site_path);
        let found = typesetter.check(&key);
        let outcome = match found {
            Some(found) if found.source.is_none() => typesetter.reuse(key, found.size),
            found => {
                let (source, read_something, absent) = self.typst_source(index, site_path)?;
                let hash = pdf::cache::source_hash(&source);
                match found {
                    Some(found) if found.source.as_ref() == Some(&hash) => {
                        typesetter.reuse(key, found.size)
                    }
                    _ => {
                        let ident = self.model.urls.permalink(site_path);
                        let conditions = pdf::cache::Conditions {
                            absent,
                            source: read_something.then_some(hash),
                        };
                        typesetter
                            .typeset_entry(key, source.clone(), &ident, conditions)
                            .map_err(|errors| self.typst_diagnostic(index, &errors, &source))?
                    }
                }
            }
        };
        if let Ok(mut sizes) = self.pdfs.sizes.lock() {
            sizes.insert(index, outcome.size());
        }
        Ok(outcome)
    }

    /// Page `index`'s `brief.typ`, rendered: the Typst source, whether the template read
    /// anything through a function (which the cache key does not cover), and the site files it
    /// looked for and did not find.
    fn typst_source(
        &self,
        index: usize,
        site_path: &str,
    ) -> Result<(String, bool, Vec<String>), Diagnostic> {
        let ((rendered, absent), reads) = super::deps::recording(|| {
            let mut context = self.context(&Job::Page(index), site_path);
            let (typst, absent) = self.typst_view(index);
            context.insert_value("typst", typst);
            (self.render_template(TEMPLATE, &context, site_path), absent)
        });
        let source = String::from_utf8_lossy(&rendered?).into_owned();
        Ok((source, !reads.is_empty(), absent))
    }

    /// The cache key of page `index`'s PDF: a hash of everything `brief.typ` and the Markdown
    /// to Typst conversion read, as serve's signatures see a page (see
    /// [`super::signature`]): the brief's file and its rendering, its address, its related
    /// briefs, its authors (names and affiliations, which author files can change); and, the
    /// same for every brief, the template with everything it extends or includes and the
    /// configuration (language, PDF and Markdown settings, strings, base URL). Fonts and
    /// communique's version are added by [`pdf::cache::input_key`]. Files Typst reads and
    /// template functions are checked through the entry instead (see [`pdf::cache`]).
    fn pdf_key(&self, index: usize, site_path: &str) -> String {
        use super::signature::light_fingerprint;
        let model = &self.model;
        let shared = self.pdfs.shared_inputs.get_or_init(|| {
            let templates = &self.templates;
            let names = templates.dependencies(TEMPLATE);
            let chain: Vec<(&str, &str)> = names
                .iter()
                .filter_map(|name| {
                    let template = templates.templates.get(name)?;
                    Some((name.as_str(), template.text.as_str()))
                })
                .collect();
            typst::utils::hash128(&(chain, format!("{:?}", model.config)))
        });
        let page = &model.pages[index];
        let related: Vec<u64> = page
            .related
            .iter()
            .map(|&r| light_fingerprint(model, &model.pages[r]))
            .collect();
        // The long texts with SeaHash, several times faster than SipHash: a build with every
        // PDF cached hashes every brief's file and HTML.
        let text = {
            use std::hash::{Hash, Hasher};
            let rendered = &page.rendered;
            let mut h = seahash::SeaHasher::new();
            (&page.source.source, &rendered.html, &rendered.summary).hash(&mut h);
            (&rendered.toc, rendered.word_count).hash(&mut h);
            h.finish()
        };
        pdf::cache::input_key(&(
            shared,
            site_path,
            light_fingerprint(model, page),
            text,
            related,
            self.page_language(index),
        ))
    }

    /// The language page `index` is written in, which chooses its PDF's fonts and direction.
    fn page_language(&self, index: usize) -> &str {
        // A translation is set in its own language (direction and fonts follow it).
        let config = &self.model.config;
        config
            .languages
            .get(self.model.pages[index].lang)
            .map_or(config.language.as_str(), |l| l.code.as_str())
    }

    /// What `brief.typ` sees as `typst`: the brief's Markdown as Typst markup, and how to set
    /// its language (see docs/templates.md); and the site files it looked for in vain.
    fn typst_view(&self, index: usize) -> (Value, Vec<String>) {
        let model = &self.model;
        let page = &model.pages[index];
        let meta = page.meta();
        let config = &model.config;
        let permalink = model.urls.permalink(&page.path);
        let base = model.urls.base_url().to_string();
        let absolute = |url: &str| absolute_url(url, &permalink, &base);
        let absent = RefCell::new(Vec::new());
        let image = |url: &str| self.image_source(page, url, &absent);
        let html = &page.rendered.html;
        let citations = citation_markup(html);
        let options = markup::Options {
            markdown: &config.markdown,
            resolver: &Permalinks(model),
            absolute_url: &absolute,
            image_path: &image,
            citations: (!citations.is_empty()).then_some(citations.as_slice()),
        };
        let inline_list = |items: &[String]| -> Value {
            Value::from(
                items
                    .iter()
                    .map(|k| Value::from(markup::inline(k, &options)))
                    .collect::<Vec<_>>(),
            )
        };
        let mut f = Fields::new();
        f.insert(
            "running_title",
            Value::from(escape::markup(&running_title(
                &meta.title,
                RUNNING_TITLE_CHARS,
            ))),
        );
        f.insert("body", Value::from(markup::body(meta_body(page), &options)));
        f.insert("key_points", inline_list(&meta.key_points));
        f.insert("recommendations", inline_list(&meta.recommendations));
        f.insert("summary", summary_view(meta, &options));
        f.insert("references", Value::from(reference_markup(html)));
        let language = self.page_language(index);
        let typography = pdf::typography(language);
        f.insert("dir", Value::from(typography.dir));
        f.insert("start", Value::from(typography.start));
        let fonts: Vec<String> = typography
            .fonts
            .iter()
            .map(|f| escape::string_literal(f))
            .collect();
        f.insert("fonts", Value::from(format!("({},)", fonts.join(", "))));
        f.insert(
            "page_numbering",
            Value::from(page_numbering(model, language)),
        );
        let lang = language.split(['-', '_']).next().unwrap_or("en");
        f.insert(
            "lang",
            Value::from(escape::string_literal(&lang.to_ascii_lowercase())),
        );
        let authors: Vec<String> = page
            .authors
            .iter()
            .map(|&a| escape::string_literal(model.authors[a].name_in(page.lang)))
            .collect();
        f.insert("authors", Value::from(format!("({},)", authors.join(", "))));
        let date = meta
            .date
            .timestamp
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        f.insert(
            "date",
            Value::from(format!(
                "datetime(year: {}, month: {}, day: {})",
                date.year(),
                date.month(),
                date.day()
            )),
        );
        (Value::from(f), absent.into_inner())
    }

    /// Where Typst reads an image of page `page` from: `/content/…` for the brief's own files,
    /// `/static/…` for the site's; `None` for an image elsewhere (it stays a description). A
    /// site file looked for and not found is added to `absent`: the PDF must be made again
    /// when it appears.
    fn image_source(
        &self,
        page: &Page,
        url: &str,
        absent: &RefCell<Vec<String>>,
    ) -> Option<String> {
        if url.contains(':') || url.starts_with("//") {
            return None;
        }
        let url = url.split(['?', '#']).next().unwrap_or(url);
        let url = percent_encoding::percent_decode_str(url)
            .decode_utf8()
            .ok()?
            .into_owned();
        if url.split('/').any(|part| part == "..") {
            return None;
        }
        if let Some(file) = url.strip_prefix('/') {
            let root = self.templates.root.as_ref()?;
            let found = root.join("static").join(file).is_file();
            if !found && !file.contains('\n') {
                absent.borrow_mut().push(format!("static/{file}"));
            }
            return found.then(|| format!("/static/{file}"));
        }
        let rel = url.trim_start_matches("./");
        let dir =
            crate::content::translation::page_folder(&page.source.rel).unwrap_or(&page.source.rel);
        page.source
            .assets
            .iter()
            .any(|a| a == rel)
            .then(|| format!("/content/{dir}{rel}"))
    }

    /// A Typst error as a diagnostic naming the template and, when the line the error is on
    /// comes from the template as written, its line there.
    fn typst_diagnostic(
        &self,
        index: usize,
        errors: &[pdf::world::TypstError],
        source: &str,
    ) -> Diagnostic {
        let page = &self.model.pages[index];
        let Some(error) = errors.first() else {
            return Diagnostic::error("the PDF could not be typeset");
        };
        let template = self.templates.templates.get(TEMPLATE);
        let file = template.map_or_else(
            || std::path::PathBuf::from(format!("templates/{TEMPLATE}")),
            |t| t.display_path.clone(),
        );
        let generated = error.range.as_ref().map(|r| {
            let (line, column) = line_col(source, r.start);
            let text = source
                .lines()
                .nth(line.saturating_sub(1))
                .unwrap_or("")
                .trim();
            (line, column, text.to_string())
        });
        let in_template = generated.as_ref().and_then(|(_, _, text)| {
            let template = template?;
            let found = template
                .text
                .lines()
                .position(|l| !text.is_empty() && l.trim() == text)?;
            let column = template.text.lines().nth(found)?.find(text.as_str())? + 1;
            Some((found + 1, column, template.text.clone()))
        });
        let mut message = format!(
            "Typst error in the PDF of {}: {}",
            page.source.display_path.display(),
            error.message
        );
        let mut diagnostic = match (&in_template, &generated) {
            (Some((line, column, text)), _) => Diagnostic::error(message)
                .at(Location::at(&file, *line, *column))
                .with_snippet_from(text),
            (None, Some((line, _, text))) => {
                message.push_str(&format!(
                    " (line {line} of the Typst source generated from {}: `{text}`)",
                    file.display()
                ));
                Diagnostic::error(message).at(Location::file(&file))
            }
            (None, None) => Diagnostic::error(message).at(Location::file(&file)),
        };
        let mut hints: Vec<String> = error.hints.clone();
        let kept = self.pdfs.typesetter.keep_failed(&page.slug, source);
        if let Some(kept) = kept {
            hints.push(format!("the generated Typst source is in {kept}"));
        }
        hints.push(format!(
            "the brief's HTML is built without it; fix {} (see \"brief.typ\" in docs/templates.md) or set `pdf = false` in the brief",
            file.display()
        ));
        diagnostic = diagnostic.hint(hints.join("; "));
        diagnostic
    }
}

/// The longest running title (the page header after the first page), in characters.
const RUNNING_TITLE_CHARS: usize = 60;

/// `title` as a running title: whole when it is short, else cut at the last word that fits in
/// `max` characters, with an ellipsis.
fn running_title(title: &str, max: usize) -> String {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.chars().count() <= max {
        return title;
    }
    // Room for the ellipsis.
    let cut: String = title.chars().take(max - 1).collect();
    let next_is_space = title.chars().nth(max - 1) == Some(' ');
    let at_word = if next_is_space {
        cut.as_str()
    } else {
        cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i])
    };
    let at_word = at_word.trim_end_matches([',', ';', ':', '-', '\u{2013}', '\u{2014}', ' ']);
    format!("{at_word}\u{2026}")
}

/// The Markdown body of a page.
fn meta_body(page: &Page) -> &str {
    page.source.body()
}

/// The structured summary's parts as markup, or nothing.
fn summary_view(meta: &crate::content::PageMeta, options: &markup::Options<'_>) -> Value {
    let Some(summary) = &meta.summary else {
        return Value::none();
    };
    let part = |text: &Option<String>| {
        text.as_deref()
            .map_or(Value::none(), |t| Value::from(markup::body(t, options)))
    };
    let mut f = Fields::new();
    f.insert("whats_new", part(&summary.whats_new));
    f.insert("why_it_matters", part(&summary.why_it_matters));
    f.insert("what_should_be_done", part(&summary.what_should_be_done));
    Value::from(f)
}

/// The Typst numbering pattern (a string literal) that writes page numbers in the language's
/// digits, as its `[format]` writes numbers: `"١"` in Arabic. Latin for digits Typst cannot
/// count in.
fn page_numbering(model: &SiteModel, language: &str) -> &'static str {
    let one = model
        .config
        .i18n
        .get(language)
        .map(|catalog| catalog.format.number(1));
    match one.as_deref() {
        Some("١") => "\"١\"",
        Some("۱") => "\"۱\"",
        Some("१") => "\"१\"",
        Some("১") => "\"১\"",
        _ => "\"1\"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_running_title_is_cut_at_a_word_with_an_ellipsis() {
        assert_eq!(running_title("Short  title", 60), "Short title");
        assert_eq!(
            running_title(
                "Joint military commissions: what the new talks can deliver",
                30
            ),
            "Joint military commissions\u{2026}"
        );
        assert_eq!(running_title("one two three", 8), "one two\u{2026}");
        assert_eq!(running_title("Unbreakablewordhere", 8), "Unbreak\u{2026}");
    }
}
