//! Bibliographies: `content/references.bib` (BibTeX/BibLaTeX) or `content/references.yml`
//! (Hayagriva YAML), and a brief's own file named by its `bibliography` field.
//!
//! Reading and parsing live here, with the site's citation style ([`style`]); turning
//! citations into text is [`format`], and "cite this brief" is [`cite_this`]. Formatting is
//! hayagriva's CSL processor with the styles it bundles: no citation style is written here.
//! Files are read only inside the site's `content/` folder (see [`super::sources`]).

pub mod cite_cache;
pub mod cite_this;
pub mod format;
pub mod style;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hayagriva::Library;
use hayagriva::io::BibLaTeXError;

use super::sources::{Entry, SourceFolders};
use crate::diagnostics::{Diagnostic, Location, line_col};
pub use format::Citer;
pub use style::CitationStyle;

/// The names the site's bibliography may have in `content/`, in the order they are looked for.
pub const SITE_FILES: [&str; 3] = ["references.bib", "references.yml", "references.yaml"];

/// A parsed bibliography file.
#[derive(Debug, Clone)]
pub struct Bibliography {
    /// The file, relative to the site root (for messages).
    pub display_path: PathBuf,
    /// Its entries, by key.
    pub library: Library,
}

/// The site's citation setup: the style, and the site-wide bibliography if there is one.
#[derive(Debug, Clone)]
pub struct SiteCitations {
    /// The style from `citation_style`.
    pub style: Arc<CitationStyle>,
    /// `content/references.bib` (or `.yml`), if present.
    pub site: Option<Arc<Bibliography>>,
}

/// What kind of file a bibliography is, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    BibLaTeX,
    Yaml,
}

fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()? {
        "bib" => Some(Format::BibLaTeX),
        "yml" | "yaml" => Some(Format::Yaml),
        _ => None,
    }
}

/// Parses a bibliography's text; `display` names it in errors. A `.bib` file is BibTeX or
/// BibLaTeX, a `.yml`/`.yaml` file Hayagriva YAML.
pub fn parse(text: &str, display: &Path) -> Result<Library, Diagnostic> {
    match format_of(display) {
        Some(Format::BibLaTeX) => hayagriva::io::from_biblatex_str(text).map_err(|errors| {
            let first = errors.into_iter().next();
            biblatex_error(first, text, display)
        }),
        Some(Format::Yaml) => hayagriva::io::from_yaml_str(text).map_err(|e| {
            let (line, column) = e
                .location()
                .map_or((1, 1), |l| (l.line(), l.column()));
            let message = e.to_string();
            // serde_yaml appends " at line L column C": the location says it already.
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            Diagnostic::error(format!("bibliography is not valid Hayagriva YAML: {message}"))
                .at(Location::at(display, line, column))
                .hint("each entry is a key with a `type`, `title`, `author` and `date`; see the Hayagriva file format in docs/content.md")
                .with_snippet_from(text)
        }),
        None => Err(Diagnostic::error("a bibliography must be a .bib, .yml or .yaml file")
            .at(Location::file(display))
            .hint("use BibTeX/BibLaTeX (`.bib`) or Hayagriva YAML (`.yml`)")),
    }
}

fn biblatex_error(error: Option<BibLaTeXError>, text: &str, display: &Path) -> Diagnostic {
    let (offset, message, hint) = match error {
        Some(BibLaTeXError::Parse(e)) => (
            e.span.start,
            format!("bibliography is not valid BibTeX: {}", e.kind),
            "check the braces, commas and quotes of this entry: each is `@type{key, field = {value}, …}`",
        ),
        Some(BibLaTeXError::Type(e)) => (
            e.span.start,
            format!("bibliography has a field of the wrong form: {}", e.kind),
            "dates are written `date = {2024-01-27}` or `year = {2024}`; numbers as digits",
        ),
        None => (
            0,
            "bibliography could not be read".to_string(),
            "check the file is BibTeX",
        ),
    };
    let (line, column) = line_col(text, offset);
    Diagnostic::error(message)
        .at(Location::at(display, line, column))
        .hint(hint)
        .with_snippet_from(text)
}

/// Reads and parses the file at `abs`, which must be a source inside the site's `content/`
/// folder: a link out of the site, or a path that leads out of it, is refused unread.
pub fn read(abs: &Path, content_dir: &Path, root: &Path) -> Result<Bibliography, Diagnostic> {
    let folders = SourceFolders::of_site(root);
    let display = folders.display(abs);
    let outside = || {
        Diagnostic::error("the bibliography lies outside the site's content/ folder")
            .at(Location::file(&display))
            .hint("keep bibliography files inside content/; links out of the site are not followed")
    };
    let inside = match (abs.canonicalize(), content_dir.canonicalize()) {
        (Ok(target), Ok(content)) => target.starts_with(content),
        (Err(_), _) => {
            return Err(Diagnostic::error("no bibliography file here")
                .at(Location::file(&display))
                .hint("check the path: it is relative to the brief's folder"));
        }
        (_, Err(_)) => false,
    };
    if !inside {
        return Err(outside());
    }
    let file_type = abs.symlink_metadata().map_err(|_| outside())?.file_type();
    match folders.classify(abs, file_type) {
        Entry::File => {}
        Entry::Folder => {
            return Err(
                Diagnostic::error("the bibliography is a folder, not a file")
                    .at(Location::file(&display))
                    .hint("name a .bib or .yml file"),
            );
        }
        Entry::Skipped(warning) => {
            return Err(Diagnostic {
                severity: crate::diagnostics::Severity::Error,
                ..warning
            });
        }
    }
    let text =
        super::read_text(abs, &display).map_err(|mut es| es.pop().unwrap_or_else(outside))?;
    let library = parse(&text, &display)?;
    Ok(Bibliography {
        display_path: display,
        library,
    })
}

/// The site's bibliography (`content/references.bib`, else `.yml`/`.yaml`), if it has one.
pub fn load_site(content_dir: &Path, root: &Path) -> Result<Option<Bibliography>, Diagnostic> {
    let Some(abs) = SITE_FILES
        .iter()
        .map(|name| content_dir.join(name))
        .find(|path| path.symlink_metadata().is_ok())
    else {
        return Ok(None);
    };
    read(&abs, content_dir, root).map(Some)
}

/// Reads the site's bibliography and every brief's own, and resolves the citation style (the
/// previous load's, when it is the same: loading one takes a while).
pub fn load_all(
    content: &mut super::Content,
    (content_dir, root): (&Path, &Path),
    config: &crate::config::Config,
    previous_style: Option<Arc<CitationStyle>>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let site = match load_site(content_dir, root) {
        Ok(site) => site.map(Arc::new),
        Err(d) => {
            diagnostics.push(d);
            None
        }
    };
    for page in &content.pages {
        let Some(file) = &page.meta.bibliography else {
            continue;
        };
        let abs = page_file(content_dir, &page.rel, file);
        match read(&abs, content_dir, root) {
            Ok(b) => {
                content
                    .page_bibliographies
                    .insert(page.rel.clone(), Arc::new(b));
            }
            Err(d) => diagnostics.push(
                page.error_at_field(
                    "bibliography",
                    format!("bibliography \"{file}\": {}", d.message),
                )
                .hint(d.hint.clone().unwrap_or_default()),
            ),
        }
    }
    // A site without citations does not pay for loading a style (a tenth of a second).
    if site.is_none() && content.page_bibliographies.is_empty() {
        return;
    }
    let same =
        |s: &Arc<CitationStyle>| s.name == config.citation_style && s.language == config.language;
    let style = match previous_style.filter(same) {
        Some(style) => style,
        // The configuration was validated: an unknown style cannot reach here.
        None => match CitationStyle::for_language(&config.citation_style, &config.language) {
            Ok(style) => Arc::new(style),
            Err(_) => return,
        },
    };
    content.citations = Some(SiteCitations { style, site });
}

/// Where a brief's `bibliography` field points: relative to the brief's own folder.
pub fn page_file(content_dir: &Path, page_rel: &str, field: &str) -> PathBuf {
    let folder = page_rel.rsplit_once('/').map_or("", |(dir, _)| dir);
    content_dir.join(folder).join(field)
}

/// The formatter for a brief: its own bibliography (`own`), then the site's, in the site's
/// style; `None` when neither exists (citation markers then stay text).
pub fn citer_for<'a>(
    citations: Option<&'a SiteCitations>,
    own: Option<&'a Arc<Bibliography>>,
) -> Option<Citer<'a>> {
    let citations = citations?;
    let site = citations.site.as_ref().map(|b| &b.library);
    let libraries: Vec<&Library> = own.map(|b| &b.library).into_iter().chain(site).collect();
    (!libraries.is_empty()).then(|| Citer::new(&citations.style, libraries))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIB: &str = "@report{hassan2024,\n  author = {Hassan, Layla},\n  title = {The Talks},\n  institution = {Tigris Policy Institute},\n  date = {2024-01-27},\n}\n";

    #[test]
    fn bibtex_parses() {
        let library = parse(BIB, Path::new("content/references.bib")).unwrap();
        assert!(library.get("hassan2024").is_some());
    }

    #[test]
    fn yaml_parses() {
        let yaml =
            "reed2023:\n  type: Report\n  title: Drawdown\n  author: Reed, Tom\n  date: 2023\n";
        let library = parse(yaml, Path::new("content/references.yml")).unwrap();
        assert!(library.get("reed2023").is_some());
    }

    #[test]
    fn bibtex_error_names_line_and_column() {
        let bad = format!("{BIB}\n@report{{broken,\n  title = {{Unclosed,\n");
        let e = parse(&bad, Path::new("content/references.bib")).unwrap_err();
        let text = e.render_terminal(false);
        assert!(text.contains("content/references.bib:"), "{text}");
        assert!(e.hint.is_some());
        let location = e.location.as_ref().unwrap();
        assert!(location.line.unwrap_or(0) >= 7, "{text}");
    }

    #[test]
    fn yaml_error_names_line() {
        let e = parse(
            "a:\n  type: Report\n  title: [unclosed\n",
            Path::new("refs.yml"),
        )
        .unwrap_err();
        assert!(e.location.as_ref().unwrap().line.is_some());
    }

    #[test]
    fn other_extensions_are_refused() {
        assert!(parse("", Path::new("refs.txt")).is_err());
    }

    #[test]
    fn page_files_are_relative_to_the_page_folder() {
        let dir = Path::new("/site/content");
        assert_eq!(
            page_file(dir, "briefs/x.md", "refs.bib"),
            Path::new("/site/content/briefs/refs.bib")
        );
        assert_eq!(
            page_file(dir, "x.md", "refs.bib"),
            Path::new("/site/content/refs.bib")
        );
    }
}
