//! The site model: parsed content → pages and sections with URLs, rendered Markdown, sorted
//! listings, taxonomies and resolved links. Pure: no file system, no templates.

pub mod authors;
pub mod brief_html;
pub mod embargo;
mod links;
pub mod listing;
pub mod markdown_cache;
pub mod taxonomy;
pub mod urls;

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::content::bibliography::citer_for;
use crate::content::{Content, PageMeta, Parsed, SectionMeta};
use crate::diagnostics::Diagnostic;
use crate::markdown::{
    self, CitationContext, CitationFormatter, CitationLabels, LinkResolver, Rendered,
};
pub use authors::{AuthorsIndex, SiteAuthor};
use links::Resolver;
pub use links::{ModelResolver, check_anchors_around, check_static_links};
pub use listing::{Listing, ListingKind, sort_pages};
pub use markdown_cache::{MarkdownCache, PageMarkdown};
pub use taxonomy::{Taxonomy, Term};
pub use urls::{Urls, slugify};
use urls::{folder_path, page_location, page_path, section_path};

/// A page of the site.
#[derive(Debug, Clone)]
pub struct Page {
    /// The parsed source.
    pub source: Arc<Parsed<PageMeta>>,
    /// Site path (`/briefs/first-round/`).
    pub path: String,
    /// Last URL segment.
    pub slug: String,
    /// Index of the section it belongs to.
    pub section: usize,
    /// Rendered body.
    pub rendered: Arc<Rendered>,
    /// Key points as HTML.
    pub key_points: Vec<String>,
    /// Recommendations as HTML.
    pub recommendations: Vec<String>,
    /// Structured summary and events as HTML.
    pub brief: Arc<brief_html::BriefHtml>,
    /// Indexes of related pages.
    pub related: Vec<usize>,
    /// When it publishes, if that is still to come (a page under embargo is only in a build
    /// with drafts).
    pub embargoed_until: Option<crate::content::PublishDate>,
    /// Indexes of its authors in [`SiteModel::authors`], in the order the brief lists them.
    pub authors: Vec<usize>,
}

impl Page {
    /// Front matter.
    pub fn meta(&self) -> &PageMeta {
        &self.source.meta
    }
}

/// A section of the site.
#[derive(Debug, Clone)]
pub struct Section {
    /// The parsed source (an empty one for an implicit root).
    pub source: Arc<Parsed<SectionMeta>>,
    /// Site path (`/briefs/`).
    pub path: String,
    /// Rendered body.
    pub rendered: Rendered,
    /// Every page beneath it, sorted by its `sort_by`.
    pub pages: Vec<usize>,
    /// Direct subsections, by weight then title.
    pub subsections: Vec<usize>,
    /// Parent section.
    pub parent: Option<usize>,
}

impl Section {
    /// Front matter.
    pub fn meta(&self) -> &SectionMeta {
        &self.source.meta
    }

    /// Its title, or its folder's name.
    pub fn title(&self, config: &Config) -> String {
        self.meta().title.clone().unwrap_or_else(|| {
            let dir = self.source.rel.trim_end_matches("_index.md");
            let name = dir.trim_matches('/').rsplit('/').next().unwrap_or("");
            if name.is_empty() {
                config.title.clone()
            } else {
                name.to_string()
            }
        })
    }

    /// Pages per pager page, 0 for no pagination.
    pub fn paginate_by(&self, config: &Config) -> usize {
        self.meta().paginate_by.unwrap_or(config.paginate_by)
    }
}

/// Whether a content path names a page or a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentRef {
    /// Index into [`SiteModel::pages`].
    Page(usize),
    /// Index into [`SiteModel::sections`].
    Section(usize),
}

/// The whole site, ready for rendering.
#[derive(Debug, Clone)]
pub struct SiteModel {
    /// Configuration.
    pub config: Arc<Config>,
    /// URL building.
    pub urls: Urls,
    /// Pages, in content path order.
    pub pages: Vec<Page>,
    /// Sections; index 0 is the root.
    pub sections: Vec<Section>,
    /// Taxonomies in config order.
    pub taxonomies: Vec<Taxonomy>,
    /// Authors, by name (see [`authors`]).
    pub authors: Vec<SiteAuthor>,
    /// The text of the listing of all authors, from `content/authors/_index.md`.
    pub authors_index: Option<AuthorsIndex>,
    /// Content path (`briefs/x.md`) → page or section.
    pub by_rel: HashMap<String, ContentRef>,
    /// Every listing: sections, then taxonomy terms (see [`listing`]).
    pub listings: Vec<Listing>,
    /// Briefs under embargo, soonest first (in the build only with drafts).
    pub upcoming: Vec<embargo::Upcoming>,
}

/// Options of a build that change the model.
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// Include drafts (and embargoed pages).
    pub drafts: bool,
    /// The time of publication: pages with a later `publish_date` are embargoed.
    pub now: jiff::Timestamp,
    /// Return the model even when errors were found (they are dropped: `check` reads them
    /// from a first, strict pass).
    pub keep_going: bool,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            drafts: false,
            now: jiff::Timestamp::now(),
            keep_going: false,
        }
    }
}

/// Markdown renderings to reuse, and where the renderings of this build go.
#[derive(Default)]
pub struct CacheSlot {
    /// Renderings of the previous build.
    pub previous: MarkdownCache,
    /// Renderings of this build, filled by [`build_cached`] when `record` is set.
    pub next: Option<MarkdownCache>,
    /// Whether to keep this build's renderings (only `serve` reuses them).
    pub record: bool,
}

/// Builds the model from parsed content. Markdown is rendered here, in parallel.
pub fn build(
    content: Content,
    config: Arc<Config>,
    options: &ModelOptions,
) -> Result<SiteModel, Vec<Diagnostic>> {
    build_cached(content, config, options, &mut CacheSlot::default())
}

/// Like [`build`], reusing renderings from `cache.previous` where the inputs are unchanged and
/// leaving this build's renderings in `cache.next`.
pub fn build_cached(
    content: Content,
    config: Arc<Config>,
    options: &ModelOptions,
    cache: &mut CacheSlot,
) -> Result<SiteModel, Vec<Diagnostic>> {
    let urls = Urls::new(config.base_url());
    let mut errors: Vec<Diagnostic> = Vec::new();

    // Sections, root first.
    // A draft section hides everything beneath it.
    let draft_dirs: Vec<String> = content
        .sections
        .iter()
        .filter(|s| s.meta.draft && !options.drafts)
        .map(|s| s.rel.trim_end_matches("_index.md").to_string())
        .collect();
    let in_draft_section = |rel: &str| draft_dirs.iter().any(|d| rel.starts_with(d.as_str()));
    let mut section_sources: Vec<Arc<Parsed<SectionMeta>>> = content
        .sections
        .into_iter()
        .filter(|s| !in_draft_section(&s.rel))
        .collect();
    section_sources.sort_by_cached_key(|s| section_path(&s.rel));
    if section_sources.first().is_none_or(|s| s.rel != "_index.md") {
        section_sources.insert(0, implicit_root());
    }
    let section_paths: Vec<String> = section_sources
        .iter()
        .map(|s| section_path(&s.rel))
        .collect();
    let section_of_dir = |dir: &str| -> usize {
        // The nearest enclosing section of a folder.
        let mut dir = dir.to_string();
        loop {
            let path = folder_path(&dir);
            if let Some(i) = section_paths.iter().position(|p| *p == path) {
                return i;
            }
            match dir.rsplit_once('/') {
                Some((parent, _)) => dir = parent.to_string(),
                None if !dir.is_empty() => dir.clear(),
                None => return 0,
            }
        }
    };
    let parents: Vec<Option<usize>> = section_paths
        .iter()
        .map(|p| {
            let trimmed = p.trim_matches('/');
            if trimmed.is_empty() {
                return None;
            }
            let parent_dir = trimmed.rsplit_once('/').map_or("", |(d, _)| d);
            Some(section_of_dir(parent_dir))
        })
        .collect();

    // Pages and their site paths. Drafts, expired pages and pages under embargo are left out
    // (unless building with drafts); briefs under embargo are remembered as upcoming.
    let now = options.now;
    let mut upcoming: Vec<embargo::Upcoming> = Vec::new();
    let mut page_sources: Vec<Arc<Parsed<PageMeta>>> = Vec::with_capacity(content.pages.len());
    for page in content.pages {
        let draft = page.meta.draft || in_draft_section(&page.rel);
        let waiting = if draft {
            None
        } else {
            embargo::upcoming(&page, now)
        };
        let held_back = draft || waiting.is_some() || embargo::expired(&page.meta, now);
        upcoming.extend(waiting);
        if options.drafts || !held_back {
            page_sources.push(page);
        }
    }
    upcoming.sort_by(|a, b| a.publish_date.cmp(&b.publish_date).then(a.rel.cmp(&b.rel)));
    page_sources.sort_by(|a, b| a.rel.cmp(&b.rel));
    let mut placed = Vec::with_capacity(page_sources.len());
    for source in &page_sources {
        let (dir, stem) = page_location(&source.rel);
        let slug = slugify(source.meta.slug.as_deref().unwrap_or(stem));
        let slug = if slug.is_empty() {
            "page".to_string()
        } else {
            slug
        };
        // A fixed `path` (Zola's `path`, Hugo's `url`) replaces folder and file name alike.
        let (path, slug) = match &source.meta.path {
            Some(fixed) => {
                let last = fixed.trim_matches('/').rsplit('/').next().unwrap_or("");
                (fixed.clone(), last.to_string())
            }
            None => (page_path(dir, &slug), slug),
        };
        placed.push((path, slug, section_of_dir(dir)));
    }
    // Every URL must have one owner.
    let content_count = page_sources.len() + section_sources.len();
    let mut owners: HashMap<&str, &std::path::Path> = HashMap::with_capacity(content_count);
    for (source, path) in section_sources.iter().zip(&section_paths) {
        if let Some(other) = owners.insert(path.as_str(), &source.display_path) {
            // Folder names are slugified: `Briefs/` and `briefs/` are the same address.
            errors.push(
                Diagnostic::error(format!("{path} is also the URL of {}", other.display()))
                    .at(crate::diagnostics::Location::file(&source.display_path))
                    .hint("two folders' names make the same URL (lowercased, other characters made `-`): rename or merge one"),
            );
        }
    }
    let mut page_owner: HashMap<&str, usize> = HashMap::with_capacity(page_sources.len());
    for (i, (source, (path, _, _))) in page_sources.iter().zip(&placed).enumerate() {
        let Some(other) = owners.insert(path.as_str(), &source.display_path) else {
            page_owner.insert(path.as_str(), i);
            continue;
        };
        // Blame the file whose `slug` (or fixed `path`) makes the clash, when one of them has one.
        let chose = |p: &Parsed<PageMeta>| p.meta.slug.is_some() || p.meta.path.is_some();
        let earlier = page_owner.get(path.as_str()).map(|&j| &page_sources[j]);
        let (culprit, innocent) = match earlier {
            Some(e) if chose(e) && !chose(source) => (e, source.display_path.as_path()),
            _ => (source, other),
        };
        let field = if culprit.meta.path.is_some() {
            "path"
        } else {
            "slug"
        };
        errors.push(
            culprit
                .error_at_field(field, format!("{path} is also the URL of {}", innocent.display()))
                .hint(format!("two files would be published at the same URL: give one of them a different `{field}`")),
        );
    }
    for name in &config.taxonomies {
        let path = Urls::taxonomy(name);
        if let Some(other) = owners.get(path.as_str()) {
            errors.push(
                Diagnostic::error(format!(
                    "{path} is the URL of the \"{name}\" taxonomy and of {}",
                    other.display()
                ))
                .at(crate::diagnostics::Location::file(other))
                .hint("rename the folder or the taxonomy"),
            );
        }
    }

    // Link targets: content path → href.
    let mut hrefs: HashMap<String, String> = HashMap::with_capacity(content_count);
    for (source, path) in section_sources.iter().zip(&section_paths) {
        hrefs.insert(source.rel.clone(), urls.href(path));
    }
    for (source, (path, _, _)) in page_sources.iter().zip(&placed) {
        hrefs.insert(source.rel.clone(), urls.href(path));
    }
    // Files that failed to parse are reported already: links to them are not errors too.
    let content_failed: Vec<String> = content.failed.iter().map(|(rel, _)| rel.clone()).collect();
    for rel in &content_failed {
        hrefs.entry(rel.clone()).or_insert_with(|| "#".to_string());
    }
    let resolver = Resolver {
        hrefs: &hrefs,
        // With drafts, briefs under embargo are in the build, and links to them resolve.
        upcoming: if options.drafts { &[] } else { &upcoming },
    };

    // Markdown, in parallel.
    let md = &config.markdown;
    let release_bodies = !cache.record;
    let labels = CitationLabels::from(&config.strings);
    let own = &content.page_bibliographies;
    let citers =
        |source: &Parsed<PageMeta>| citer_for(content.citations.as_ref(), own.get(&source.rel));
    let page_rendered: Vec<(Arc<PageMarkdown>, bool)> = page_sources
        .par_iter_mut()
        .map(|source| {
            let citer = citers(source);
            let context = citer.as_ref().map(|formatter| CitationContext {
                formatter,
                labels: &labels,
            });
            // A rendering that cites is stale when a cited entry (or the style) changed.
            let cited_same = |r: &Arc<PageMarkdown>| {
                let keys = &r.rendered.citations;
                let now = citer.as_ref().map_or(0, |c| c.fingerprint(keys));
                keys.is_empty() || now == r.rendered.citation_fingerprint
            };
            let rendered = match cache.previous.get(source, &resolver).filter(cited_same) {
                Some(reused) => (reused, true),
                None => (
                    Arc::new(markdown_cache::render_page(
                        source,
                        md,
                        &resolver,
                        cache.record,
                        context,
                        &content.images,
                    )),
                    false,
                ),
            };
            // A build is done with a body once it is rendered, unless a `#anchor` link in it
            // may yet be reported broken (that error quotes the body). Releasing it here lets
            // the next pages' HTML reuse its memory (see `Parsed::release_body`).
            let anchored = rendered
                .0
                .rendered
                .internal_links
                .iter()
                .any(|l| l.anchor.is_some())
                || !rendered.0.rendered.static_links.is_empty();
            // A brief's PDF converts its Markdown again (see `crate::pdf`).
            if release_bodies
                && !anchored
                && !crate::pdf::wanted(&config, &source.meta)
                && let Some(source) = Arc::get_mut(source)
            {
                source.release_body();
            }
            rendered
        })
        .collect();
    if cache.record {
        let mut next_cache = MarkdownCache::default();
        for (source, (output, reused)) in page_sources.iter().zip(&page_rendered) {
            if !(*reused && next_cache.keep(&mut cache.previous, &source.rel)) {
                next_cache.insert(source, &resolver, output.clone());
            }
        }
        cache.next = Some(next_cache);
    }
    let page_rendered: Vec<Arc<PageMarkdown>> = page_rendered.into_iter().map(|(r, _)| r).collect();
    let section_rendered: Vec<Result<Rendered, Vec<Diagnostic>>> = section_sources
        .par_iter()
        .map(|source| {
            markdown::render(source.body(), md, &resolver).map_err(|es| {
                es.into_iter()
                    .map(|e| source.error_in_body(e.offset, e.message).hint(e.hint))
                    .collect()
            })
        })
        .collect();

    let mut pages = Vec::with_capacity(page_sources.len());
    for ((source, (path, slug, section)), rendered) in
        page_sources.into_iter().zip(placed).zip(page_rendered)
    {
        // A page whose body has errors stays in the model so links and related lists that
        // name it are not reported as broken too.
        errors.extend(rendered.errors.iter().cloned());
        let (key_points, recommendations) = (
            rendered.key_points.clone(),
            rendered.recommendations.clone(),
        );
        let brief = rendered.brief.clone();
        let rendered = rendered.rendered.clone();
        pages.push(Page {
            embargoed_until: embargo::until(&source.meta, now).cloned(),
            brief,
            source,
            path,
            slug,
            section,
            rendered,
            key_points,
            recommendations,
            related: Vec::new(),
            authors: Vec::new(),
        });
    }
    let mut sections = Vec::with_capacity(section_sources.len());
    for (((source, path), parent), rendered) in section_sources
        .into_iter()
        .zip(section_paths)
        .zip(parents)
        .zip(section_rendered)
    {
        match rendered {
            Ok(rendered) => sections.push(Section {
                source,
                path,
                rendered,
                pages: Vec::new(),
                subsections: Vec::new(),
                parent,
            }),
            Err(es) => {
                errors.extend(es);
                sections.push(Section {
                    source,
                    path,
                    rendered: Rendered::default(),
                    pages: Vec::new(),
                    subsections: Vec::new(),
                    parent,
                });
            }
        }
    }

    let mut by_rel = HashMap::with_capacity(content_count);
    for (i, p) in pages.iter().enumerate() {
        by_rel.insert(p.source.rel.clone(), ContentRef::Page(i));
    }
    for (i, s) in sections.iter().enumerate() {
        by_rel.insert(s.source.rel.clone(), ContentRef::Section(i));
    }

    // Related briefs and anchors of @/ links.
    let mut related_all = Vec::with_capacity(pages.len());
    for page in &pages {
        let mut related = Vec::new();
        for target in &page.meta().related {
            let rel = target
                .strip_prefix("@/")
                .unwrap_or(target)
                .trim_start_matches('/');
            match by_rel.get(rel) {
                Some(ContentRef::Page(i)) => related.push(*i),
                _ if content_failed.iter().any(|f| f == rel) => {}
                _ if resolver.unavailable(rel).is_some() => errors.push(
                    page.source
                        .error_at_field("related", format!("related brief \"{target}\" {}", resolver.unavailable(rel).unwrap_or_default()))
                        .hint("a published brief cannot point to one that is not published yet: remove it until then, or preview with --drafts"),
                ),
                _ => errors.push(
                    page.source
                        .error_at_field("related", format!("related brief \"{target}\" does not exist"))
                        .hint("list related briefs by their content path, e.g. \"@/briefs/first-round.md\""),
                ),
            }
        }
        related_all.push(related);
        for link in &page.rendered.internal_links {
            let Some(anchor) = &link.anchor else { continue };
            let anchors = match by_rel.get(&link.target) {
                Some(ContentRef::Page(i)) => &pages[*i].rendered.anchors,
                Some(ContentRef::Section(i)) => &sections[*i].rendered.anchors,
                None => continue,
            };
            if !anchors.contains(anchor) {
                errors.push(
                    page.source
                        .error_in_body(link.offset, format!("@/{} has no heading with the id \"{anchor}\"", link.target))
                        .hint(match crate::diagnostics::did_you_mean(anchor, anchors.iter().map(String::as_str)) {
                            Some(s) => format!("did you mean \"#{s}\"?"),
                            None => "heading ids are the slug of the heading text, e.g. \"## Next steps\" is #next-steps".to_string(),
                        }),
                );
            }
        }
    }
    for (page, related) in pages.iter_mut().zip(related_all) {
        page.related = related;
    }

    // Listings: a section lists every page beneath it.
    for (i, page) in pages.iter().enumerate() {
        let mut s = Some(page.section);
        while let Some(current) = s {
            sections[current].pages.push(i);
            s = sections[current].parent;
        }
    }
    for i in 0..sections.len() {
        if let Some(parent) = sections[i].parent {
            sections[parent].subsections.push(i);
        }
    }
    for section in sections.iter_mut() {
        sort_pages(&mut section.pages, &pages, section.source.meta.sort_by);
    }
    let weights: Vec<(Option<i64>, String)> = sections
        .iter()
        .map(|s| (s.meta().weight, s.title(&config)))
        .collect();
    for section in sections.iter_mut() {
        section
            .subsections
            .sort_by(|a, b| weights[*a].cmp(&weights[*b]));
    }

    let taxonomies = taxonomy::build(&config.taxonomies, &pages);
    let built_authors = authors::build_authors(authors::AuthorInputs {
        files: content.authors,
        index: content.authors_index,
        failed: &content.failed,
        pages: &pages,
        sections: &sections,
        config: &config,
        resolver: &resolver,
    });
    errors.extend(built_authors.errors);
    for (page, ids) in pages.iter_mut().zip(built_authors.by_page) {
        page.authors = ids;
    }

    if release_bodies {
        // Only `serve` compares and re-renders sources; a build is done with the bodies.
        for page in &mut pages {
            // `@static/` links are checked once the copied files are known, and quote the body;
            // a brief's PDF converts its Markdown again.
            if !page.rendered.static_links.is_empty() || crate::pdf::wanted(&config, page.meta()) {
                continue;
            }
            if let Some(source) = Arc::get_mut(&mut page.source) {
                source.release_body();
            }
        }
    }

    if errors.is_empty() || options.keep_going {
        let mut model = SiteModel {
            config,
            urls,
            pages,
            sections,
            taxonomies,
            authors: built_authors.authors,
            authors_index: built_authors.index,
            by_rel,
            listings: Vec::new(),
            upcoming,
        };
        model.listings = listing::build(&model);
        Ok(model)
    } else {
        Err(errors)
    }
}

fn implicit_root() -> Arc<Parsed<SectionMeta>> {
    Arc::new(Parsed {
        rel: "_index.md".to_string(),
        display_path: "content/_index.md".into(),
        meta: SectionMeta::default(),
        body_range: 0..0,
        body_line: 1,
        assets: Vec::new(),
        source: Arc::from(""),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_locations() {
        assert_eq!(page_location("briefs/x.md"), ("briefs", "x"));
        assert_eq!(page_location("briefs/x/index.md"), ("briefs", "x"));
        assert_eq!(page_location("about.md"), ("", "about"));
        assert_eq!(section_path("_index.md"), "/");
        assert_eq!(section_path("briefs/_index.md"), "/briefs/");
    }
}
