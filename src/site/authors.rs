//! Authors: the people who write the briefs, each with a page at `/authors/<id>/`.
//!
//! An author comes from a file (`content/authors/<id>.md`, see [`crate::content::authors`]) or
//! is generated from a name written inline in a brief. A brief's `authors` entry is resolved
//! by one rule ([`resolve`]):
//!
//! 1. A plain string equal to a file author's id names that author (`"lhassan"`).
//! 2. A plain string with the shape of an id (lowercase letters, digits, `-`, `_`; no space,
//!    no capital) that names no file is an error: it is almost always a typo of an id.
//! 3. Anything else (`"Layla Hassan"`, `{ name = "…", affiliation = "…" }`) is a full name.
//!    Its author's id is the name's slug (`layla-hassan`); when a file has that id, the name
//!    is that file's author (the file wins). Spellings with the same slug are one author.
//!
//! A table is always a full name, never an id, so `{ name = "jdoe" }` (as an import writes)
//! stays an inline author.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::urls::{Urls, slugify};
use super::{Page, Section, sort_pages};
use crate::config::Config;
use crate::content::authors::{AUTHORS_DIR, author_id, is_author_id, translated_author};
use crate::content::{Author, AuthorLink, AuthorMeta, Parsed, SectionMeta, SortBy};
use crate::diagnostics::{Diagnostic, Location, did_you_mean};
use crate::markdown::{self, LinkResolver, Rendered};

/// An author of the site, from a file or generated from an inline name.
#[derive(Debug, Clone)]
pub struct SiteAuthor {
    /// The id: the file stem, or the slug of an inline name. Unique in the site.
    pub id: String,
    /// Site path of the author's page (`/authors/lhassan/`).
    pub path: String,
    /// Full name.
    pub name: String,
    /// Institution or programme (for an inline author, as written in their newest brief
    /// that gives one).
    pub affiliation: Option<String>,
    /// Position.
    pub role: Option<String>,
    /// Contact address.
    pub email: Option<String>,
    /// Portrait: a site path or URL, as written.
    pub photo: Option<String>,
    /// Links elsewhere.
    pub links: Vec<AuthorLink>,
    /// The bio as HTML (empty for an inline author).
    pub bio_html: String,
    /// The author's file, if they have one.
    pub source: Option<Arc<Parsed<AuthorMeta>>>,
    /// Indexes of the pages they wrote, newest first (as [`sort_pages`] orders by date).
    pub pages: Vec<usize>,
    /// Their name, role, affiliation and bio in other languages, from
    /// `content/authors/<id>.<lang>.md`, in language order.
    pub translations: Vec<AuthorTranslation>,
}

/// An author file's translation: what `content/authors/<id>.ar.md` says in Arabic. What it
/// leaves out (role, affiliation, bio) is taken from the default language's file.
#[derive(Debug, Clone)]
pub struct AuthorTranslation {
    /// Index into `Config::languages`.
    pub lang: usize,
    /// Their name as written in that language.
    pub name: String,
    /// Position, if the translation gives one.
    pub role: Option<String>,
    /// Institution, if the translation gives one.
    pub affiliation: Option<String>,
    /// The bio as HTML (empty when the translation has none).
    pub bio_html: String,
    /// The translation's file.
    pub source: Arc<Parsed<AuthorMeta>>,
}

impl SiteAuthor {
    /// Their version in language `lang`, if an author file gives one.
    pub fn translation(&self, lang: usize) -> Option<&AuthorTranslation> {
        self.translations.iter().find(|t| t.lang == lang)
    }

    /// Their name in language `lang`: the translation's, else the default language's.
    pub fn name_in(&self, lang: usize) -> &str {
        self.translation(lang).map_or(&self.name, |t| &t.name)
    }
}

/// `authors/_index.md`: the title, text and options of the listing of all authors.
#[derive(Debug, Clone)]
pub struct AuthorsIndex {
    /// The parsed file.
    pub source: Arc<Parsed<SectionMeta>>,
    /// Its body, rendered.
    pub rendered: Rendered,
}

/// What [`build_authors`] reads.
pub struct AuthorInputs<'a> {
    /// Author files that parsed.
    pub files: Vec<Arc<Parsed<AuthorMeta>>>,
    /// `authors/_index.md`, if any.
    pub index: Option<Arc<Parsed<SectionMeta>>>,
    /// Content files that failed to parse: an id naming one of them is not reported again.
    pub failed: &'a [(String, Vec<Diagnostic>)],
    /// The model's pages.
    pub pages: &'a [Page],
    /// The model's sections, whose URLs an author's must not take.
    pub sections: &'a [Section],
    /// The site configuration (Markdown options).
    pub config: &'a Config,
    /// Resolves `@/` links in bios.
    pub resolver: &'a dyn LinkResolver,
}

/// What [`build_authors`] makes.
#[derive(Debug, Default)]
pub struct BuiltAuthors {
    /// Every author, by name.
    pub authors: Vec<SiteAuthor>,
    /// The listing's own text, from `authors/_index.md`.
    pub index: Option<AuthorsIndex>,
    /// Per page (same order as the pages), its authors' indexes in [`BuiltAuthors::authors`],
    /// in the order the brief lists them.
    pub by_page: Vec<Vec<usize>>,
    /// Unknown ids, repeated authors, bios with errors, URLs taken twice.
    pub errors: Vec<Diagnostic>,
}

/// How one `authors` entry of a brief is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// The author of the file with this id.
    File(String),
    /// An id that names no author file.
    UnknownId,
    /// A full name: the author generated under this id (the name's slug).
    Inline(String),
    /// A name with no letter or digit, which cannot make an id.
    Nameless,
}

/// Reads one entry by the rule in the module documentation. `is_file_id` says whether an id
/// is that of an author file.
pub fn resolve(entry: &Author, is_file_id: impl Fn(&str) -> bool) -> Resolved {
    let name = entry.name.trim();
    if !entry.is_table {
        if is_file_id(name) {
            return Resolved::File(name.to_string());
        }
        if is_author_id(name) {
            return Resolved::UnknownId;
        }
    }
    let slug = slugify(name);
    if slug.is_empty() {
        Resolved::Nameless
    } else if is_file_id(&slug) {
        Resolved::File(slug)
    } else {
        Resolved::Inline(slug)
    }
}

/// Gathers the site's authors, resolves each page's `authors` entries and renders the bios.
pub fn build_authors(inputs: AuthorInputs<'_>) -> BuiltAuthors {
    let AuthorInputs {
        files,
        index,
        failed,
        pages,
        sections,
        config,
        resolver,
    } = inputs;
    let (files, translation_files): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|f| translated_author(&f.rel).is_none());
    let failed_ids: Vec<&str> = failed
        .iter()
        .filter_map(|(rel, _)| rel.strip_prefix(AUTHORS_DIR)?.strip_prefix('/'))
        .filter(|name| !name.contains('/') && name.ends_with(".md"))
        .map(author_id)
        .collect();
    let entries: Vec<&[Author]> = pages.iter().map(|p| p.meta().authors.as_slice()).collect();
    let mut newest_first: Vec<usize> = (0..pages.len()).collect();
    sort_pages(&mut newest_first, pages, SortBy::Date);
    let gathered = gather(&files, &entries, &newest_first, &failed_ids);
    let mut errors: Vec<Diagnostic> = gathered
        .problems
        .iter()
        .map(|(page, problem)| problem.diagnostic(&pages[*page].source, &files))
        .collect();
    let mut authors = gathered.authors;
    for author in &mut authors {
        if let Some(source) = &author.source {
            author.bio_html = render_body(source, config, resolver, &mut errors).html;
        }
    }
    let index = index.map(|source| AuthorsIndex {
        rendered: render_body(&source, config, resolver, &mut errors),
        source,
    });
    // Listed by name; the indexes pages hold follow the new order.
    let mut order: Vec<usize> = (0..authors.len()).collect();
    order.sort_by_cached_key(|&a| (authors[a].name.to_lowercase(), authors[a].id.clone()));
    let mut new_index = vec![0; authors.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut slots: Vec<Option<SiteAuthor>> = authors.into_iter().map(Some).collect();
    let authors: Vec<SiteAuthor> = order.iter().filter_map(|&old| slots[old].take()).collect();
    let by_page = gathered
        .by_page
        .into_iter()
        .map(|list| list.into_iter().map(|a| new_index[a]).collect())
        .collect();
    let mut authors = authors;
    attach_translations(
        &mut authors,
        translation_files,
        config,
        resolver,
        &mut errors,
    );
    errors.extend(url_clashes(&authors, pages, sections));
    BuiltAuthors {
        authors,
        index,
        by_page,
        errors,
    }
}

/// Gives each author the translations of their file; a translation into a language the site
/// does not have, or of an author with no file, is an error on the translation.
fn attach_translations(
    authors: &mut [SiteAuthor],
    files: Vec<Arc<Parsed<AuthorMeta>>>,
    config: &Config,
    resolver: &dyn LinkResolver,
    errors: &mut Vec<Diagnostic>,
) {
    for file in files {
        let Some((id, code)) = translated_author(&file.rel) else {
            continue;
        };
        let display = &file.display_path;
        let lang = match config.language_index(code) {
            Some(lang) if lang > 0 => lang,
            Some(_) => {
                errors.push(
                    Diagnostic::error(format!(
                        "\"{code}\" is the site's default language: the author's own file is in it"
                    ))
                    .at(Location::file(display))
                    .hint(format!("rename it to content/authors/{id}.md")),
                );
                continue;
            }
            None => {
                errors.push(super::languages::unknown_language(config, display, code));
                continue;
            }
        };
        let Some(author) = authors
            .iter_mut()
            .find(|a| a.id == id && a.source.is_some())
        else {
            errors.push(
                Diagnostic::error(format!(
                    "a translation of the author \"{id}\", who has no file content/authors/{id}.md"
                ))
                .at(Location::file(display))
                .hint(format!(
                    "create content/authors/{id}.md in the default language, or rename this file to the id of an existing author"
                )),
            );
            continue;
        };
        let bio_html = render_body(&file, config, resolver, errors).html;
        let m = &file.meta;
        author.translations.push(AuthorTranslation {
            lang,
            name: m.name.clone(),
            role: m.role.clone(),
            affiliation: m.affiliation.clone(),
            bio_html,
            source: Arc::clone(&file),
        });
        author.translations.sort_by_key(|t| t.lang);
    }
}

/// A body rendered with the site's Markdown options; its problems are added to `errors`.
fn render_body<M>(
    source: &Parsed<M>,
    config: &Config,
    resolver: &dyn LinkResolver,
    errors: &mut Vec<Diagnostic>,
) -> Rendered {
    markdown::render(source.body(), &config.markdown, resolver).unwrap_or_else(|es| {
        errors.extend(
            es.into_iter()
                .map(|e| source.error_in_body(e.offset, e.message).hint(e.hint)),
        );
        Rendered::default()
    })
}

/// A problem with one page's `authors` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// An id that names no file.
    UnknownId(String),
    /// A name without letters or digits.
    Nameless(String),
    /// The same author listed twice (the two spellings, and the id).
    Repeated(String, String, String),
}

impl Problem {
    fn diagnostic(
        &self,
        page: &Parsed<crate::content::PageMeta>,
        files: &[Arc<Parsed<AuthorMeta>>],
    ) -> Diagnostic {
        match self {
            Problem::UnknownId(id) => {
                let known = files.iter().map(|f| author_id(&f.rel));
                let guess = match did_you_mean(id, known) {
                    Some(s) => format!("did you mean \"{s}\"? If not, "),
                    None => String::new(),
                };
                page.error_at_field("authors", format!("unknown author id \"{id}\""))
                    .hint(format!("{guess}create content/authors/{id}.md, or write the author's full name (e.g. \"Layla Hassan\")"))
            }
            Problem::Nameless(name) => page
                .error_at_field(
                    "authors",
                    format!("author \"{name}\" has no letter or digit"),
                )
                .hint("write the author's full name"),
            Problem::Repeated(first, second, id) => {
                let how = if first == second {
                    format!("\"{first}\" is listed twice")
                } else {
                    format!("\"{first}\" and \"{second}\" are the same author")
                };
                page.error_at_field("authors", format!("{how} (id \"{id}\")"))
                    .hint("list each author once")
            }
        }
    }
}

/// Authors before bios are rendered and before they are put in order.
struct Gathered {
    authors: Vec<SiteAuthor>,
    by_page: Vec<Vec<usize>>,
    problems: Vec<(usize, Problem)>,
}

/// Resolves every page's entries. Pages are visited newest first, so each author's page list
/// comes out in that order and an inline author's name is the spelling of their newest brief.
fn gather(
    files: &[Arc<Parsed<AuthorMeta>>],
    entries: &[&[Author]],
    newest_first: &[usize],
    failed_ids: &[&str],
) -> Gathered {
    let mut authors: Vec<SiteAuthor> = files.iter().map(from_file).collect();
    let mut by_id: HashMap<String, usize> = authors
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.clone(), i))
        .collect();
    let file_ids: std::collections::HashSet<&str> =
        files.iter().map(|f| author_id(&f.rel)).collect();
    let is_file_id = |id: &str| file_ids.contains(id);
    let mut by_page: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    let mut problems = Vec::new();
    for &page in newest_first {
        let mut listed: Vec<(usize, &str)> = Vec::with_capacity(entries[page].len());
        for entry in entries[page] {
            let name = entry.name.trim();
            let id = match resolve(entry, is_file_id) {
                Resolved::File(id) | Resolved::Inline(id) => id,
                Resolved::UnknownId if failed_ids.contains(&name) => continue,
                Resolved::UnknownId => {
                    problems.push((page, Problem::UnknownId(name.to_string())));
                    continue;
                }
                Resolved::Nameless => {
                    problems.push((page, Problem::Nameless(name.to_string())));
                    continue;
                }
            };
            let author = match by_id.get(&id) {
                Some(&a) => a,
                None => {
                    authors.push(from_name(&id, name));
                    by_id.insert(id.clone(), authors.len() - 1);
                    authors.len() - 1
                }
            };
            if let Some((_, first)) = listed.iter().find(|(a, _)| *a == author) {
                problems.push((
                    page,
                    Problem::Repeated(first.to_string(), name.to_string(), id),
                ));
                continue;
            }
            listed.push((author, name));
            let a = &mut authors[author];
            if a.source.is_none() && a.affiliation.is_none() {
                a.affiliation.clone_from(&entry.affiliation);
            }
            a.pages.push(page);
        }
        by_page[page] = listed.into_iter().map(|(a, _)| a).collect();
    }
    Gathered {
        authors,
        by_page,
        problems,
    }
}

fn from_file(file: &Arc<Parsed<AuthorMeta>>) -> SiteAuthor {
    let id = author_id(&file.rel).to_string();
    let m = &file.meta;
    SiteAuthor {
        path: Urls::author(&id),
        id,
        name: m.name.clone(),
        affiliation: m.affiliation.clone(),
        role: m.role.clone(),
        email: m.email.clone(),
        photo: m.photo.clone(),
        links: m.links.clone(),
        bio_html: String::new(),
        source: Some(Arc::clone(file)),
        pages: Vec::new(),
        translations: Vec::new(),
    }
}

fn from_name(id: &str, name: &str) -> SiteAuthor {
    SiteAuthor {
        id: id.to_string(),
        path: Urls::author(id),
        name: name.to_string(),
        affiliation: None,
        role: None,
        email: None,
        photo: None,
        links: Vec::new(),
        bio_html: String::new(),
        source: None,
        pages: Vec::new(),
        translations: Vec::new(),
    }
}

/// Every URL must have one owner: an author's page, or the listing of all authors, against
/// the pages and sections. The error is put on the content file, which can change its URL.
fn url_clashes(authors: &[SiteAuthor], pages: &[Page], sections: &[Section]) -> Vec<Diagnostic> {
    if authors.is_empty() {
        return Vec::new();
    }
    let owners: HashMap<&str, &Path> = pages
        .iter()
        .map(|p| (p.path.as_str(), p.source.display_path.as_path()))
        .chain(
            sections
                .iter()
                .map(|s| (s.path.as_str(), s.source.display_path.as_path())),
        )
        .collect();
    let listing = Urls::authors();
    let taken = |path: &str, whose: String| {
        owners.get(path).map(|file| {
            Diagnostic::error(format!("{path} is the URL of {whose} and of this file"))
                .at(Location::file(file))
                .hint("authors' pages are at /authors/<id>/: give this file another `slug` or `path`, or move it out of an `authors` folder")
        })
    };
    let mut errors: Vec<Diagnostic> = taken(&listing, "the listing of all authors".to_string())
        .into_iter()
        .collect();
    errors.extend(
        authors
            .iter()
            .filter_map(|a| taken(&a.path, format!("the page of the author \"{}\"", a.name))),
    );
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Author {
        Author {
            name: name.to_string(),
            affiliation: None,
            is_table: false,
        }
    }

    fn table(name: &str, affiliation: Option<&str>) -> Author {
        Author {
            name: name.to_string(),
            affiliation: affiliation.map(str::to_string),
            is_table: true,
        }
    }

    fn files(id: &str) -> bool {
        ["lhassan", "daniel-okafor"].contains(&id)
    }

    #[test]
    fn known_ids_name_their_files() {
        assert_eq!(
            resolve(&named("lhassan"), files),
            Resolved::File("lhassan".into())
        );
        assert_eq!(
            resolve(&named(" lhassan "), files),
            Resolved::File("lhassan".into())
        );
    }

    #[test]
    fn unknown_ids_are_errors_but_names_are_not() {
        assert_eq!(resolve(&named("lhasan"), files), Resolved::UnknownId);
        assert_eq!(resolve(&named("t-reed_2"), files), Resolved::UnknownId);
        assert_eq!(
            resolve(&named("Tom Reed"), files),
            Resolved::Inline("tom-reed".into())
        );
        assert_eq!(
            resolve(&named("Reed"), files),
            Resolved::Inline("reed".into())
        );
        assert_eq!(
            resolve(&named("رشا العلي"), files),
            Resolved::Inline("رشا-العلي".into())
        );
        assert_eq!(resolve(&named("--"), files), Resolved::Nameless);
    }

    #[test]
    fn a_name_whose_slug_is_a_file_id_is_that_author() {
        assert_eq!(
            resolve(&named("Daniel Okafor"), files),
            Resolved::File("daniel-okafor".into())
        );
        assert_eq!(
            resolve(&table("Daniel Okafor", Some("X")), files),
            Resolved::File("daniel-okafor".into())
        );
    }

    #[test]
    fn tables_are_always_names() {
        assert_eq!(
            resolve(&table("jdoe", None), files),
            Resolved::Inline("jdoe".into())
        );
        // Its slug is a file id, so it is that file's author all the same.
        assert_eq!(
            resolve(&table("lhassan", None), files),
            Resolved::File("lhassan".into())
        );
    }

    #[test]
    fn spellings_with_one_slug_are_one_author_newest_first() {
        let pages: Vec<Vec<Author>> = vec![
            vec![table("Tom Reed", Some("Old programme"))],
            vec![named("tom  reed"), named("Rana Aziz")],
            vec![named("Rana Aziz"), named("rana-aziz")],
        ];
        let entries: Vec<&[Author]> = pages.iter().map(Vec::as_slice).collect();
        // Page 1 is the newest, then 0, then 2.
        let g = gather(&[], &entries, &[1, 0, 2], &[]);
        let ids: Vec<&str> = g.authors.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["tom-reed", "rana-aziz"]);
        assert_eq!(g.authors[0].name, "tom  reed");
        assert_eq!(g.authors[0].affiliation.as_deref(), Some("Old programme"));
        assert_eq!(g.authors[0].pages, [1, 0]);
        assert_eq!(g.by_page, [vec![0], vec![0, 1], vec![1]]);
        // "rana-aziz" is an id naming no file, not a second spelling.
        assert_eq!(g.problems, [(2, Problem::UnknownId("rana-aziz".into()))]);
    }

    #[test]
    fn an_author_listed_twice_is_reported() {
        let pages = [vec![named("Tom Reed"), table("Tom Reed", None)]];
        let entries: Vec<&[Author]> = pages.iter().map(Vec::as_slice).collect();
        let g = gather(&[], &entries, &[0], &[]);
        assert_eq!(
            g.problems,
            [(
                0,
                Problem::Repeated("Tom Reed".into(), "Tom Reed".into(), "tom-reed".into())
            )]
        );
        assert_eq!(g.by_page, [vec![0]]);
    }

    #[test]
    fn ids_of_files_that_failed_are_not_reported_again() {
        let pages = [vec![named("lhassan")]];
        let entries: Vec<&[Author]> = pages.iter().map(Vec::as_slice).collect();
        let g = gather(&[], &entries, &[0], &["lhassan"]);
        assert!(g.problems.is_empty());
        assert!(g.authors.is_empty());
    }

    #[test]
    fn gathering_is_near_linear() {
        let make = |n: usize| -> Vec<Vec<Author>> {
            (0..n)
                .map(|i| {
                    vec![
                        named(&format!("Author {}", i % 500)),
                        named(&format!("Writer {i}")),
                    ]
                })
                .collect()
        };
        crate::test_support::assert_near_linear("gathering authors", 20_000, make, |pages| {
            let entries: Vec<&[Author]> = pages.iter().map(Vec::as_slice).collect();
            let order: Vec<usize> = (0..pages.len()).collect();
            std::hint::black_box(gather(&[], &entries, &order, &[]));
        });
    }
}
