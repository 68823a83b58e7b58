//! Content: `content/**.md` → typed pages and sections.
//!
//! This stage reads files (the only file-system input besides config and templates) and parses
//! their front matter. Markdown bodies are kept as text for the `markdown` stage.

pub mod authors;
pub mod bibliography;
pub mod brief_fields;
pub mod discover;
pub mod events;
pub mod front_matter;
pub mod images;
pub mod locate;
pub mod migration;
mod parsed;
pub mod sources;
pub mod translation;
pub mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Location, line_col};
pub use authors::{AuthorLink, AuthorMeta};
pub use brief_fields::StructuredSummary;
pub use discover::{Found, Kind};
pub use events::{Event, EventDate};
pub use front_matter::{Author, PublishDate};
use front_matter::{OneOrMany, RawFrontMatter, normalise, split};
pub use parsed::Parsed;

/// A brief's metadata, from its front matter.
#[derive(Debug, Clone, PartialEq)]
pub struct PageMeta {
    /// Title.
    pub title: String,
    /// Publication date.
    pub date: PublishDate,
    /// Last update.
    pub updated: Option<PublishDate>,
    /// One- or two-sentence description.
    pub description: Option<String>,
    /// Subtitle.
    pub subtitle: Option<String>,
    /// Authors in order.
    pub authors: Vec<Author>,
    /// Left out unless building with drafts (the front matter flag only; embargo and expiry are the site model's, see `site::embargo`).
    pub draft: bool,
    /// Embargo: not to be published before this instant (`publish_date`, Hugo's `publishDate`).
    pub publish_date: Option<PublishDate>,
    /// Hugo's `expiryDate`: not to be published from this instant on.
    pub expiry_date: Option<PublishDate>,
    /// The kind of brief: one of [`brief_fields::known_types`].
    pub page_type: Option<String>,
    /// The region the brief is about.
    pub region: Option<String>,
    /// The three-part summary.
    pub summary: Option<StructuredSummary>,
    /// The brief's chronology, in the order written.
    pub events: Vec<Event>,
    /// Replaces the file name in the URL.
    pub slug: Option<String>,
    /// The whole site path (`/about/`), replacing the folder and the file name.
    pub path: Option<String>,
    /// Series name.
    pub series: Option<String>,
    /// Number in the series.
    pub number: Option<i64>,
    /// Editorial status.
    pub status: Option<String>,
    /// Key points (inline Markdown).
    pub key_points: Vec<String>,
    /// Recommendations (inline Markdown).
    pub recommendations: Vec<String>,
    /// `@/` paths of related briefs.
    pub related: Vec<String>,
    /// Template name.
    pub template: Option<String>,
    /// Sort weight.
    pub weight: Option<i64>,
    /// Old URL paths that redirect here.
    pub aliases: Vec<String>,
    /// Taxonomy name → term names.
    pub taxonomies: BTreeMap<String, Vec<String>>,
    /// Free-form data.
    pub extra: BTreeMap<String, Value>,
    /// The brief's own bibliography file, relative to its folder.
    pub bibliography: Option<String>,
    /// Whether it gets a PDF, over the site's `pdf` setting.
    pub pdf: Option<bool>,
}

/// Fixed page fields (taxonomy names are added from the config).
pub const PAGE_FIELDS: &[&str] = &[
    "title",
    "date",
    "updated",
    "description",
    "subtitle",
    "authors",
    "draft",
    "publish_date",
    "type",
    "region",
    "summary",
    "events",
    "slug",
    "path",
    "series",
    "number",
    "status",
    "key_points",
    "recommendations",
    "related",
    "template",
    "weight",
    "aliases",
    "taxonomies",
    "extra",
    "bibliography",
    "pdf",
];

/// Whether `name` is a page field (so not free to name a taxonomy): one of [`PAGE_FIELDS`], or
/// a Hugo or Zola name read as one (`summary`, `lastmod`, `publishDate`, `url`, …).
pub fn is_page_field(name: &str) -> bool {
    PAGE_FIELDS.contains(&name) || migration::is_foreign_field(name)
}

/// How a section sorts its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Newest first.
    #[default]
    Date,
    /// Alphabetical.
    Title,
    /// Lightest first.
    Weight,
}

/// A section's metadata, from `_index.md`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SectionMeta {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Sort order of its pages.
    pub sort_by: SortBy,
    /// Pages per listing page, overriding the config.
    pub paginate_by: Option<usize>,
    /// Template name.
    pub template: Option<String>,
    /// Orders subsections.
    pub weight: Option<i64>,
    /// Left out unless building with drafts.
    pub draft: bool,
    /// Free-form data.
    pub extra: BTreeMap<String, Value>,
}

/// Fixed section fields.
pub const SECTION_FIELDS: &[&str] = &[
    "title",
    "description",
    "sort_by",
    "paginate_by",
    "template",
    "weight",
    "draft",
    "extra",
];

/// All content of a site.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// Pages, in discovery order.
    pub pages: Vec<Arc<Parsed<PageMeta>>>,
    /// Sections, in discovery order.
    pub sections: Vec<Arc<Parsed<SectionMeta>>>,
    /// Author files (`authors/<id>.md`), in id order.
    pub authors: Vec<Arc<Parsed<AuthorMeta>>>,
    /// `authors/_index.md`: the title, text and options of the listing of all authors. It is
    /// not a section: `content/authors/` holds authors, not pages.
    pub authors_index: Option<Arc<Parsed<SectionMeta>>>,
    /// Files that failed to parse, with their errors. Links to them are not reported again.
    pub failed: Vec<(String, Vec<Diagnostic>)>,
    /// The citation style and the site's bibliography; `None` when the site has no
    /// bibliography at all (neither its own nor a brief's).
    pub citations: Option<bibliography::SiteCitations>,
    /// Briefs' own bibliographies (`bibliography` field), by the brief's content path.
    pub page_bibliographies: std::collections::HashMap<String, Arc<bibliography::Bibliography>>,
    /// The sizes of the images Markdown shows, read once per build (see [`images`]).
    pub images: Arc<images::ImageProbe>,
}

impl Content {
    /// Whether the file at `rel` exists but failed to parse.
    pub fn has_failed(&self, rel: &str) -> bool {
        self.failed.iter().any(|(f, _)| f == rel)
    }
}

/// Reads and parses every content file under `content_dir`, in parallel. Returns the content
/// that parsed and a diagnostic for every file that did not, plus a warning for every entry
/// discovery skipped (links out of the site, names that cannot be published).
pub fn load(content_dir: &Path, root: &Path, config: &Config) -> (Content, Vec<Diagnostic>) {
    load_incremental(content_dir, root, config, None)
}

/// What an incremental load may reuse: the previous content and the paths changed since.
pub struct Reuse<'a> {
    /// The content of the previous load.
    pub previous: &'a Content,
    /// Files and folders changed since (absolute paths, as the watcher reports them).
    pub changed: &'a [PathBuf],
}

/// Like [`load`], but files that did not change since `reuse.previous` are taken from it
/// instead of being read and parsed again.
pub fn load_incremental(
    content_dir: &Path,
    root: &Path,
    config: &Config,
    reuse: Option<Reuse<'_>>,
) -> (Content, Vec<Diagnostic>) {
    let discovery = match discover::discover(content_dir, root) {
        Ok(discovery) => discovery,
        Err(d) => return (Content::default(), vec![d]),
    };
    let found = discovery.found;
    enum Previous<'a> {
        Page(&'a Arc<Parsed<PageMeta>>),
        Section(&'a Arc<Parsed<SectionMeta>>),
        Author(&'a Arc<Parsed<AuthorMeta>>),
        Failed(&'a [Diagnostic]),
    }
    let mut previous: std::collections::HashMap<&str, Previous<'_>> =
        std::collections::HashMap::new();
    let mut changed: &[PathBuf] = &[];
    if let Some(reuse) = &reuse {
        changed = reuse.changed;
        let p = reuse.previous;
        previous.extend(p.pages.iter().map(|x| (x.rel.as_str(), Previous::Page(x))));
        previous.extend(
            p.sections
                .iter()
                .map(|x| (x.rel.as_str(), Previous::Section(x))),
        );
        previous.extend(
            p.authors
                .iter()
                .map(|x| (x.rel.as_str(), Previous::Author(x))),
        );
        previous.extend(
            p.authors_index
                .iter()
                .map(|x| (x.rel.as_str(), Previous::Section(x))),
        );
        previous.extend(
            p.failed
                .iter()
                .map(|(rel, d)| (rel.as_str(), Previous::Failed(d))),
        );
    }
    let results: Vec<Result<Loaded, Vec<Diagnostic>>> = found
        .par_iter()
        .map(|f| {
            let unchanged = !changed.iter().any(|c| f.abs.starts_with(c));
            match previous.get(f.rel.as_str()) {
                Some(Previous::Page(p)) if unchanged && f.kind == Kind::Page => {
                    if p.assets == f.assets {
                        return Ok(Loaded::Page(Arc::clone(p)));
                    }
                    let mut page = Parsed::clone(p);
                    page.assets = f.assets.clone();
                    return Ok(Loaded::Page(Arc::new(page)));
                }
                Some(Previous::Section(s)) if unchanged && f.kind == Kind::Section => {
                    return Ok(Loaded::Section(Arc::clone(s)));
                }
                Some(Previous::Section(s)) if unchanged && f.kind == Kind::AuthorsIndex => {
                    return Ok(Loaded::AuthorsIndex(Arc::clone(s)));
                }
                Some(Previous::Author(a)) if unchanged && f.kind == Kind::Author => {
                    return Ok(Loaded::Author(Arc::clone(a)));
                }
                Some(Previous::Failed(d)) if unchanged => return Err(d.to_vec()),
                _ => {}
            }
            let display = crate::diagnostics::relative_to(&f.abs, root);
            let text = read_text(&f.abs, &display)?;
            parse_file(f, &display, &text, config)
        })
        .collect();
    let mut content = Content::default();
    let mut diagnostics = discovery.diagnostics;
    for (rel, error) in discovery.rejected {
        diagnostics.push(error.clone());
        content.failed.push((rel, vec![error]));
    }
    for (result, found) in results.into_iter().zip(&found) {
        match result {
            Ok(Loaded::Page(p)) => content.pages.push(p),
            Ok(Loaded::Section(s)) => content.sections.push(s),
            Ok(Loaded::Author(a)) => content.authors.push(a),
            Ok(Loaded::AuthorsIndex(s)) => content.authors_index = Some(s),
            Err(d) => {
                diagnostics.extend(d.iter().cloned());
                content.failed.push((found.rel.clone(), d));
            }
        }
    }
    let previous_style = reuse
        .as_ref()
        .and_then(|r| r.previous.citations.as_ref())
        .map(|c| Arc::clone(&c.style));
    content.images = Arc::new(images::ImageProbe::new(content_dir, root));
    let dirs = (content_dir, root);
    bibliography::load_all(&mut content, dirs, config, previous_style, &mut diagnostics);
    (content, diagnostics)
}

/// A file that parsed.
pub enum Loaded {
    /// A page.
    Page(Arc<Parsed<PageMeta>>),
    /// A section.
    Section(Arc<Parsed<SectionMeta>>),
    /// An author.
    Author(Arc<Parsed<AuthorMeta>>),
    /// The listing of all authors.
    AuthorsIndex(Arc<Parsed<SectionMeta>>),
}

/// Reads a file as UTF-8, naming the place of the first invalid byte otherwise.
pub fn read_text(abs: &Path, display: &Path) -> Result<String, Vec<Diagnostic>> {
    let bytes = std::fs::read(abs).map_err(|e| {
        vec![Diagnostic::error(format!("cannot read file: {e}")).at(Location::file(display))]
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let prefix = String::from_utf8_lossy(&bytes[..valid]);
        let (line, column) = line_col(&prefix, valid);
        vec![
            Diagnostic::error("file is not valid UTF-8")
                .at(Location::at(display, line, column))
                .hint("save the file as UTF-8 in your editor"),
        ]
    })
}

/// Parses one content file's text.
pub fn parse_file(
    found: &Found,
    display: &Path,
    text: &str,
    config: &Config,
) -> Result<Loaded, Vec<Diagnostic>> {
    let text = normalise(text);
    let split = split(&text, display).map_err(|d| vec![d])?;
    let mut raw = RawFrontMatter::parse(&split, display, &text).map_err(|d| vec![d])?;
    let body_start = text.len() - split.body.len();
    let (body_range, body_line) = (body_start..text.len(), split.body_line);
    let source: std::sync::Arc<str> = std::sync::Arc::from(text.as_str());
    let shell = Parsed {
        rel: found.rel.clone(),
        display_path: display.to_path_buf(),
        meta: (),
        body_range: body_range.clone(),
        body_line,
        assets: Vec::new(),
        source: source.clone(),
    };
    match found.kind {
        Kind::Page => {
            let meta = page_meta(&mut raw, config)?;
            Ok(Loaded::Page(Arc::new(Parsed {
                rel: found.rel.clone(),
                display_path: display.to_path_buf(),
                meta,
                body_range: body_range.clone(),
                body_line,
                assets: found.assets.clone(),
                source,
            })))
        }
        Kind::Section => {
            let meta = section_meta(&raw)?;
            Ok(Loaded::Section(Arc::new(Parsed {
                rel: found.rel.clone(),
                display_path: display.to_path_buf(),
                meta,
                body_range: body_range.clone(),
                body_line,
                assets: Vec::new(),
                source,
            })))
        }
        Kind::Author => {
            let meta = authors::author_meta(&raw, &found.rel, display)?;
            Ok(Loaded::Author(Arc::new(shell.with_meta(meta))))
        }
        Kind::AuthorsIndex => {
            let meta = section_meta(&raw)?;
            Ok(Loaded::AuthorsIndex(Arc::new(shell.with_meta(meta))))
        }
    }
}

fn page_meta(raw: &mut RawFrontMatter<'_>, config: &Config) -> Result<PageMeta, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let hugo = migration::read_foreign_keys(raw, PAGE_FIELDS, &config.taxonomies, &mut errors);
    let raw = &*raw;
    let e = &mut errors;
    const STRINGS: &str = "a list of strings";
    let title: Option<String> = raw.require("title", "a string", "\"…\"", e);
    let publish_date = raw
        .has("publish_date")
        .then(|| raw.date("publish_date", e))
        .flatten();
    let expiry_date = hugo.expiry_date.as_deref().and_then(|k| raw.date(k, e));
    let date = if raw.has("date") {
        raw.date("date", e)
    } else if raw.has("publish_date") {
        publish_date.clone()
    } else {
        e.push(
            raw.error_at("title", "missing required field \"date\"")
                .hint(format!(
                    "add the publication date to the front matter, e.g. {}",
                    front_matter::assignment(raw.format(), "date", "2024-01-27")
                )),
        );
        None
    };
    let taxonomies = page_taxonomies(raw, config, e);
    let mut extra: BTreeMap<String, Value> = raw.take("extra", "a table", e).unwrap_or_default();
    if let Some(key) = &hugo.images
        && let Some(images) = raw.fields.get(key)
    {
        if extra.contains_key("images") {
            e.push(
                raw.error_at(
                    key,
                    format!("\"{key}\" is kept as extra.images, which is also set"),
                )
                .hint("keep one of the two"),
            );
        } else {
            extra.insert("images".to_string(), images.clone());
        }
    }
    let draft: bool = raw.take("draft", "true or false", e).unwrap_or(false);
    let (description, summary) = brief_fields::description_and_summary(raw, e);
    let mut meta = PageMeta {
        title: title.unwrap_or_default(),
        date: date.clone().unwrap_or_else(|| PublishDate {
            timestamp: jiff::Timestamp::UNIX_EPOCH,
            text: String::new(),
        }),
        updated: raw
            .has("updated")
            .then(|| raw.date("updated", e))
            .flatten(),
        description,
        subtitle: raw.take("subtitle", "a string", e),
        authors: raw
            .take_with_example::<OneOrMany<Author>>(
                "authors",
                "a name, or a list of names or tables with `name` and `affiliation`",
                [
                    r#"["Layla Hassan", { name = "Tom Reed", affiliation = "Security programme" }]"#,
                    r#"["Layla Hassan", { name: "Tom Reed", affiliation: "Security programme" }]"#,
                ],
                e,
            )
            .map(OneOrMany::into_vec)
            .unwrap_or_default(),
        draft,
        publish_date,
        expiry_date,
        page_type: brief_fields::read_type(raw, config, e),
        region: raw.take("region", "a string", e),
        summary,
        events: events::read_events(raw, e),
        slug: raw.take("slug", "a string", e),
        path: raw
            .take::<String>("path", "a site path such as \"/about/\"", e)
            .and_then(|p| migration::fixed_path(raw, &p, e)),
        series: raw.take("series", "a string", e),
        number: raw.take("number", "an integer", e),
        status: raw.take("status", "a string", e),
        key_points: raw.take("key_points", STRINGS, e).unwrap_or_default(),
        recommendations: raw.take("recommendations", STRINGS, e).unwrap_or_default(),
        related: raw
            .take("related", "a list of @/ paths", e)
            .unwrap_or_default(),
        template: raw.take("template", "a string", e),
        weight: raw.take("weight", "an integer", e),
        aliases: raw.take("aliases", STRINGS, e).unwrap_or_default(),
        taxonomies,
        extra,
        bibliography: raw.take("bibliography", "a file name such as \"refs.bib\"", e),
        pdf: raw.take("pdf", "true or false", e),
    };
    for alias in &mut meta.aliases {
        // Kept decoded: a site path names the file on disk; URLs are encoded when made.
        match crate::site::urls::alias_path(alias) {
            Ok(path) => *alias = path,
            Err(why) => errors.push(
                raw.error_at(
                    "aliases",
                    format!("alias \"{}\" {why}", sources::printable(alias)),
                )
                .hint("write an alias as a site path such as \"/old/brief-name/\", without `..`"),
            ),
        }
    }
    if let Some(slug) = &meta.slug
        && crate::site::urls::slugify(slug).is_empty()
    {
        errors.push(
            raw.error_at("slug", "slug is empty")
                .hint("a slug needs at least one letter or digit"),
        );
    }
    if errors.is_empty() {
        Ok(meta)
    } else {
        Err(errors)
    }
}

/// The terms of each taxonomy: top-level lists (`tags = ["a"]`) and Zola's `[taxonomies]`
/// table, merged without repeats.
fn page_taxonomies(
    raw: &RawFrontMatter<'_>,
    config: &Config,
    e: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Vec<String>> {
    // Hugo takes `tags: "x"` as one term.
    const TERMS: &str = "a string or a list of strings";
    let mut taxonomies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in &config.taxonomies {
        let example = ["[\"security\", \"diplomacy\"]", "[security, diplomacy]"];
        if let Some(terms) =
            raw.take_with_example::<values::OneOrMany<String>>(name, TERMS, example, e)
        {
            taxonomies.insert(name.clone(), terms.into_vec());
        }
    }
    if raw.has("taxonomies") {
        for (name, terms) in migration::taxonomy_table(raw, &config.taxonomies, e) {
            let list = taxonomies.entry(name).or_default();
            for term in terms {
                if !list.contains(&term) {
                    list.push(term);
                }
            }
        }
    }
    for (name, terms) in &taxonomies {
        if let Some(bad) = terms
            .iter()
            .find(|t| crate::site::urls::slugify(t).is_empty())
        {
            let key = if raw.has(name) { name } else { "taxonomies" };
            e.push(
                raw.error_at(
                    key,
                    format!("term \"{bad}\" in \"{name}\" has no letters or digits"),
                )
                .hint("a term needs at least one letter or digit to make its URL"),
            );
        }
    }
    taxonomies
}

fn section_meta(raw: &RawFrontMatter<'_>) -> Result<SectionMeta, Vec<Diagnostic>> {
    let mut errors = raw.unknown_keys(SECTION_FIELDS, &[], "section");
    let e = &mut errors;
    let meta = SectionMeta {
        title: raw.take("title", "a string", e),
        description: raw.take("description", "a string", e),
        sort_by: raw
            .take("sort_by", "one of \"date\", \"title\", \"weight\"", e)
            .unwrap_or_default(),
        paginate_by: raw.take("paginate_by", "a whole number", e),
        template: raw.take("template", "a string", e),
        weight: raw.take("weight", "an integer", e),
        draft: raw.take("draft", "true or false", e).unwrap_or(false),
        extra: raw.take("extra", "a table", e).unwrap_or_default(),
    };
    if errors.is_empty() {
        Ok(meta)
    } else {
        Err(errors)
    }
}
