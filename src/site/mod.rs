//! The site model: parsed content → pages and sections with URLs, rendered Markdown, sorted
//! listings, taxonomies and resolved links. Pure: no file system, no templates.

pub mod authors;
pub mod brief_html;
pub mod embargo;
pub mod languages;
mod links;
pub mod listing;
pub mod markdown_cache;
pub mod taxonomy;
pub mod urls;

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::config::MarkdownConfig;
use crate::content::bibliography::citer_for;
use crate::content::{Content, PageMeta, Parsed, SectionMeta};
use crate::diagnostics::Diagnostic;
use crate::markdown::{
    self, CitationContext, CitationFormatter, CitationLabels, LinkResolver, Rendered,
};
pub use authors::{AuthorsIndex, SiteAuthor};
use languages::{FileLanguage, SectionSource};
use links::Resolver;
pub use links::{LanguageResolver, ModelResolver, check_anchors_around, check_static_links};
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
    /// Its language: an index into [`Config::languages`] (0, the default, on a site with one).
    pub lang: usize,
    /// Every version of it (itself included) in language order, when it has a translation;
    /// empty otherwise.
    pub translations: Vec<usize>,
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
    /// Its language: an index into [`Config::languages`].
    pub lang: usize,
    /// Every version of it (itself included) in language order, when it has a translation;
    /// empty otherwise.
    pub translations: Vec<usize>,
}

impl Section {
    /// Front matter.
    pub fn meta(&self) -> &SectionMeta {
        &self.source.meta
    }

    /// Its title, or its folder's name (the site's title in its language for a home page).
    pub fn title(&self, config: &Config) -> String {
        self.meta().title.clone().unwrap_or_else(|| {
            let dir = self.source.rel.rsplit_once('/').map_or("", |(d, _)| d);
            let name = dir.rsplit('/').next().unwrap_or("");
            if name.is_empty() {
                config
                    .languages
                    .get(self.lang)
                    .map_or_else(|| config.title.clone(), |l| l.title.clone())
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

/// A page's language (an index into [`Config::languages`]) and, for a translation, the content
/// path it translates.
type PageKey = (usize, Option<String>);

/// A section's language and the content path of the default language's version.
type SectionKey = (usize, String);

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

    // Every file's language, by its name (see [`languages`]).
    let multilingual = config.is_multilingual();
    let mut unknown_language = |display: &std::path::Path, code: &str| {
        errors.push(languages::unknown_language(&config, display, code));
    };
    let mut section_files: Vec<SectionSource> = Vec::with_capacity(content.sections.len());
    for source in content.sections {
        let (lang, key) = match languages::file_language(&config, &source.rel) {
            FileLanguage::Default => (0, source.rel.clone()),
            FileLanguage::Translation { lang, key } => (lang, key),
            FileLanguage::Unknown(code) => {
                // Before languages, `_index.fr.md` was an ignored file: it stays one on a site
                // with a single language.
                if multilingual {
                    unknown_language(&source.display_path, &code);
                }
                continue;
            }
        };
        section_files.push(SectionSource { source, lang, key });
    }
    let mut page_files: Vec<(Arc<Parsed<PageMeta>>, usize, Option<String>)> =
        Vec::with_capacity(content.pages.len());
    for source in content.pages {
        let (lang, key) = match languages::file_language(&config, &source.rel) {
            FileLanguage::Default => (0, None),
            FileLanguage::Translation { lang, key } => (lang, Some(key)),
            FileLanguage::Unknown(code) => {
                unknown_language(&source.display_path, &code);
                continue;
            }
        };
        page_files.push((source, lang, key));
    }
    let key_of = |(source, _, key): &(Arc<Parsed<PageMeta>>, usize, Option<String>)| -> String {
        key.clone().unwrap_or_else(|| source.rel.clone())
    };

    // Sections, root first.
    // A draft section hides everything beneath it: in every language when it is the default
    // language's, in its own language when it is a translation's.
    let draft_dirs: Vec<(usize, String)> = section_files
        .iter()
        .filter(|s| s.source.meta.draft && !options.drafts)
        .map(|s| (s.lang, s.key.trim_end_matches("_index.md").to_string()))
        .collect();
    let in_draft_section = |lang: usize, key: &str| {
        draft_dirs
            .iter()
            .any(|(l, d)| (*l == 0 || *l == lang) && key.starts_with(d.as_str()))
    };
    section_files.retain(|s| !in_draft_section(s.lang, &s.key));
    if !section_files
        .iter()
        .any(|s| s.lang == 0 && s.key == "_index.md")
    {
        section_files.push(SectionSource {
            source: implicit_root(),
            lang: 0,
            key: "_index.md".to_string(),
        });
    }
    if multilingual {
        let (defaults, translated): (Vec<SectionSource>, Vec<SectionSource>) =
            section_files.into_iter().partition(|s| s.lang == 0);
        let page_dirs: Vec<(usize, String)> = page_files
            .iter()
            .filter(|(_, lang, _)| *lang != 0)
            .map(|file| {
                let key = key_of(file);
                (file.1, page_location(&key).0.to_string())
            })
            .collect();
        let implicit = languages::implicit_sections(&config, &defaults, &translated, &page_dirs);
        section_files = defaults;
        section_files.extend(translated);
        section_files.extend(implicit);
    }
    let prefix_of = |lang: usize| -> &str {
        config
            .languages
            .get(lang)
            .map_or("", |l: &crate::config::Language| l.prefix.as_str())
    };
    section_files.sort_by_cached_key(|s| (s.lang, section_path(&s.key)));
    let section_paths: Vec<String> = section_files
        .iter()
        .map(|s| format!("{}{}", prefix_of(s.lang), section_path(&s.key)))
        .collect();
    let section_langs: Vec<usize> = section_files.iter().map(|s| s.lang).collect();
    let section_of_dir = |lang: usize, dir: &str| -> usize {
        // The nearest enclosing section of a folder, in the language.
        let mut dir = dir.to_string();
        let prefix = prefix_of(lang);
        loop {
            let path = format!("{prefix}{}", folder_path(&dir));
            if let Some(i) = section_paths
                .iter()
                .zip(&section_langs)
                .position(|(p, l)| *l == lang && *p == path)
            {
                return i;
            }
            match dir.rsplit_once('/') {
                Some((parent, _)) => dir = parent.to_string(),
                None if !dir.is_empty() => dir.clear(),
                None => {
                    // A language's home page always exists (see `implicit_sections`).
                    return section_langs.iter().position(|l| *l == lang).unwrap_or(0);
                }
            }
        }
    };
    let parents: Vec<Option<usize>> = section_files
        .iter()
        .map(|s| {
            let dir = s.key.trim_end_matches("_index.md").trim_end_matches('/');
            if dir.is_empty() {
                return None;
            }
            let parent_dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
            Some(section_of_dir(s.lang, parent_dir))
        })
        .collect();

    // Pages and their site paths. Drafts, expired pages and pages under embargo are left out
    // (unless building with drafts); briefs under embargo are remembered as upcoming.
    let now = options.now;
    let mut upcoming: Vec<embargo::Upcoming> = Vec::new();
    let mut page_sources: Vec<(Arc<Parsed<PageMeta>>, usize, Option<String>)> =
        Vec::with_capacity(page_files.len());
    for file in page_files {
        let page = &file.0;
        let draft =
            page.meta.draft || in_draft_section(file.1, file.2.as_deref().unwrap_or(&page.rel));
        let waiting = if draft {
            None
        } else {
            embargo::upcoming(page, now)
        };
        let held_back = draft || waiting.is_some() || embargo::expired(&page.meta, now);
        upcoming.extend(waiting);
        if options.drafts || !held_back {
            page_sources.push(file);
        }
    }
    upcoming.sort_by(|a, b| a.publish_date.cmp(&b.publish_date).then(a.rel.cmp(&b.rel)));
    page_sources.sort_by(|a, b| a.0.rel.cmp(&b.0.rel));
    // Each page's language and, for a translation, the content path it translates.
    let (mut page_sources, page_keys): (Vec<Arc<Parsed<PageMeta>>>, Vec<PageKey>) = page_sources
        .into_iter()
        .map(|(source, lang, key)| (source, (lang, key)))
        .unzip();
    let mut placed = Vec::with_capacity(page_sources.len());
    for (source, (lang, key)) in page_sources.iter().zip(&page_keys) {
        let (dir, stem) = page_location(key.as_deref().unwrap_or(&source.rel));
        let slug = slugify(source.meta.slug.as_deref().unwrap_or(stem));
        let slug = if slug.is_empty() {
            "page".to_string()
        } else {
            slug
        };
        let prefix = prefix_of(*lang);
        // A fixed `path` (Zola's `path`, Hugo's `url`) replaces folder and file name alike;
        // a translation's is within its language.
        let (path, slug) = match &source.meta.path {
            Some(fixed) => {
                let last = fixed.trim_matches('/').rsplit('/').next().unwrap_or("");
                (format!("{prefix}{fixed}"), last.to_string())
            }
            None => (format!("{prefix}{}", page_path(dir, &slug)), slug),
        };
        placed.push((path, slug, section_of_dir(*lang, dir)));
    }
    let (section_sources, section_keys): (Vec<Arc<Parsed<SectionMeta>>>, Vec<SectionKey>) =
        section_files
            .into_iter()
            .map(|s| (s.source, (s.lang, s.key)))
            .unzip();
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
    for (name, language) in config
        .taxonomies
        .iter()
        .flat_map(|name| config.languages.iter().map(move |l| (name, l)))
    {
        let path = format!("{}{}", language.prefix, Urls::taxonomy(name));
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

    // Link targets: content path → href, and per language other than the default, the key
    // of each of its pages and sections → href (`@/` links resolve within the linking page's
    // language).
    let mut hrefs: HashMap<String, String> = HashMap::with_capacity(content_count);
    let mut translated_hrefs: Vec<HashMap<String, String>> =
        vec![HashMap::new(); config.languages.len().max(1)];
    for (source, path) in section_sources.iter().zip(&section_paths) {
        hrefs.insert(source.rel.clone(), urls.href(path));
    }
    for ((lang, key), path) in section_keys.iter().zip(&section_paths) {
        if *lang != 0 {
            translated_hrefs[*lang].insert(key.clone(), urls.href(path));
        }
    }
    for ((source, (path, _, _)), (lang, key)) in page_sources.iter().zip(&placed).zip(&page_keys) {
        let href = urls.href(path);
        if let (Some(key), true) = (key, *lang != 0) {
            translated_hrefs[*lang].insert(key.clone(), href.clone());
        }
        hrefs.insert(source.rel.clone(), href);
    }
    // Files that failed to parse are reported already: links to them are not errors too.
    let content_failed: Vec<String> = content.failed.iter().map(|(rel, _)| rel.clone()).collect();
    for rel in &content_failed {
        hrefs.entry(rel.clone()).or_insert_with(|| "#".to_string());
        if let FileLanguage::Translation { lang, key } = languages::file_language(&config, rel) {
            translated_hrefs[lang]
                .entry(key)
                .or_insert_with(|| "#".to_string());
        }
    }
    // With drafts, briefs under embargo are in the build, and links to them resolve.
    let upcoming_links: &[embargo::Upcoming] = if options.drafts { &[] } else { &upcoming };
    let resolvers: Vec<Resolver> = (0..config.languages.len().max(1))
        .map(|lang| Resolver {
            hrefs: &hrefs,
            upcoming: upcoming_links,
            language: (lang != 0).then(|| links::InLanguage {
                hrefs: &translated_hrefs[lang],
                language: &config.languages[lang],
            }),
        })
        .collect();
    let resolver = &resolvers[0];

    // Markdown, in parallel.
    // Each language renders with its own interface words (callout labels, note back-links).
    let markdown_configs: Vec<MarkdownConfig> = (1..config.languages.len())
        .map(|lang| markdown_cache::language_markdown(&config, lang))
        .collect();
    let md_of = |lang: usize| -> &MarkdownConfig {
        match lang {
            0 => &config.markdown,
            _ => &markdown_configs[lang - 1],
        }
    };
    let release_bodies = !cache.record;
    let labels: Vec<CitationLabels> = (0..config.languages.len().max(1))
        .map(|lang| CitationLabels::from(markdown_cache::language_strings(&config, lang)))
        .collect();
    let own = &content.page_bibliographies;
    let citers =
        |source: &Parsed<PageMeta>| citer_for(content.citations.as_ref(), own.get(&source.rel));
    let page_rendered: Vec<(Arc<PageMarkdown>, bool)> = page_sources
        .par_iter_mut()
        .zip(&page_keys)
        .map(|(source, (lang, _))| {
            let (lang, resolver) = (*lang, &resolvers[*lang]);
            let citer = citers(source);
            let context = citer.as_ref().map(|formatter| CitationContext {
                formatter,
                labels: &labels[lang],
            });
            // A rendering that cites is stale when a cited entry (or the style) changed.
            let cited_same = |r: &Arc<PageMarkdown>| {
                let keys = &r.rendered.citations;
                let now = citer.as_ref().map_or(0, |c| c.fingerprint(keys));
                keys.is_empty() || now == r.rendered.citation_fingerprint
            };
            let rendered = match cache.previous.get(source, resolver).filter(cited_same) {
                Some(reused) => (reused, true),
                None => (
                    Arc::new(markdown_cache::render_page(
                        source,
                        md_of(lang),
                        resolver,
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
        for ((source, (output, reused)), (lang, _)) in
            page_sources.iter().zip(&page_rendered).zip(&page_keys)
        {
            if !(*reused && next_cache.keep(&mut cache.previous, &source.rel)) {
                next_cache.insert(source, &resolvers[*lang], output.clone());
            }
        }
        cache.next = Some(next_cache);
    }
    let page_rendered: Vec<Arc<PageMarkdown>> = page_rendered.into_iter().map(|(r, _)| r).collect();
    let section_rendered: Vec<Result<Rendered, Vec<Diagnostic>>> = section_sources
        .par_iter()
        .zip(&section_keys)
        .map(|(source, (lang, _))| {
            let resolver = &resolvers[*lang];
            markdown::render(source.body(), md_of(*lang), resolver).map_err(|es| {
                es.into_iter()
                    .map(|e| source.error_in_body(e.offset, e.message).hint(e.hint))
                    .collect()
            })
        })
        .collect();

    let mut pages = Vec::with_capacity(page_sources.len());
    for (((source, (path, slug, section)), rendered), (lang, _)) in page_sources
        .into_iter()
        .zip(placed)
        .zip(page_rendered)
        .zip(&page_keys)
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
            lang: *lang,
            translations: Vec::new(),
        });
    }
    let mut sections = Vec::with_capacity(section_sources.len());
    for ((((source, path), parent), rendered), (lang, _)) in section_sources
        .into_iter()
        .zip(section_paths)
        .zip(parents)
        .zip(section_rendered)
        .zip(&section_keys)
    {
        let rendered = rendered.unwrap_or_else(|es| {
            errors.extend(es);
            Rendered::default()
        });
        sections.push(Section {
            source,
            path,
            rendered,
            pages: Vec::new(),
            subsections: Vec::new(),
            parent,
            lang: *lang,
            translations: Vec::new(),
        });
    }
    if multilingual {
        let page_groups = languages::translations(
            page_keys
                .iter()
                .zip(&pages)
                .map(|((lang, key), page)| (key.as_deref().unwrap_or(&page.source.rel), *lang)),
        );
        for (page, group) in pages.iter_mut().zip(page_groups) {
            page.translations = group;
        }
        let section_groups =
            languages::translations(section_keys.iter().map(|(lang, key)| (key.as_str(), *lang)));
        for (section, group) in sections.iter_mut().zip(section_groups) {
            section.translations = group;
        }
    }

    let mut by_rel = HashMap::with_capacity(content_count);
    for (i, p) in pages.iter().enumerate() {
        by_rel.insert(p.source.rel.clone(), ContentRef::Page(i));
    }
    for (i, s) in sections.iter().enumerate() {
        by_rel.insert(s.source.rel.clone(), ContentRef::Section(i));
    }

    // Related briefs and anchors of @/ links, within each page's language.
    let mut related_all = Vec::with_capacity(pages.len());
    for page in &pages {
        let mut related = Vec::new();
        let resolver = &resolvers[page.lang];
        for target in &page.meta().related {
            let rel = target
                .strip_prefix("@/")
                .unwrap_or(target)
                .trim_start_matches('/');
            match find_target(&by_rel, &config, page.lang, rel) {
                Some(ContentRef::Page(i)) => related.push(i),
                // A related brief not translated yet is left out of the translation's list.
                _ if page.lang != 0 && by_rel.contains_key(rel) => {}
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
            let anchors = match find_target(&by_rel, &config, page.lang, &link.target) {
                Some(ContentRef::Page(i)) => &pages[i].rendered.anchors,
                Some(ContentRef::Section(i)) => &sections[i].rendered.anchors,
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

    let taxonomies = taxonomy::build_all(&config, &pages);
    let built_authors = authors::build_authors(authors::AuthorInputs {
        files: content.authors,
        index: content.authors_index,
        failed: &content.failed,
        pages: &pages,
        sections: &sections,
        config: &config,
        resolver,
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

/// What an `@/` link to `rel` from a page in language `lang` leads to: the translation into
/// that language when there is one, else the file named (which is in the default language,
/// or in the language its name says).
pub fn find_target(
    by_rel: &HashMap<String, ContentRef>,
    config: &Config,
    lang: usize,
    rel: &str,
) -> Option<ContentRef> {
    if lang != 0
        && let Some(language) = config.languages.get(lang)
    {
        let translated = crate::content::translation::translated_rel(rel, &language.code);
        if let Some(found) = by_rel.get(&translated) {
            return Some(*found);
        }
    }
    by_rel.get(rel).copied()
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
