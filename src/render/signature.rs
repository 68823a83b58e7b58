//! Job signatures: a hash of everything a job's output depends on, computed from cheap
//! fingerprints instead of the rendered data. Two builds give a job the same signature only
//! when its output cannot differ, so `serve` re-renders exactly the jobs whose signature moved.
//!
//! What each job depends on:
//! - a page: its own full view (text, rendering, related pages' listing views), its templates;
//! - a listing's pager page (whatever the listing lists): the listing's own view (a section's
//!   text; a term and its taxonomy's term list), the listing views of the pages on it, the
//!   pager's shape, and the listing views of all its pages when its templates read `pages`;
//! - a listing's feed: its newest pages in full;
//! - anything a template read through a function (`get_page`, `get_section`, `get_url`,
//!   `get_taxonomy`, `load_data`, `now`), as recorded during its previous render;
//! - always: the configuration and the job's templates (through `extends` and `include`).

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use super::deps::Read;
use super::{Job, Renderer};
use crate::site::{ContentRef, ListingKind, Page, SiteModel};

fn hash_of(value: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// What a body edit moved (see [`Fingerprints::body_edit_changes`]): per page, whether its
/// listing (`light`) and full views moved, and what lists or reads those pages.
pub struct BodyEditChanges {
    light: Vec<bool>,
    full: Vec<bool>,
    /// Per listing: it lists a page whose listing view moved.
    listings: Vec<bool>,
    /// Per listing: its feed shows a page whose full view moved.
    feeds: Vec<bool>,
    /// Per section: it holds a page whose listing view moved (`get_section`).
    sections: Vec<bool>,
    /// Taxonomies a term of which lists such a page (`get_taxonomy`).
    taxonomies: HashSet<String>,
    /// Files whose contents changed, and those known at all.
    files: HashSet<PathBuf>,
    known_files: HashSet<PathBuf>,
}

/// Fingerprints of one model, computed once per build.
pub struct Fingerprints {
    /// Per page: what its listing view shows.
    pub light: Vec<u64>,
    /// Per page: what its full view shows.
    pub full: Vec<u64>,
    /// Per section: its own view without the page list.
    pub section: Vec<u64>,
    /// Per taxonomy: its terms.
    pub taxonomy: Vec<u64>,
    /// Per author: what their page shows besides their briefs.
    pub author: Vec<u64>,
    config: u64,
    templates: HashMap<String, (u64, bool)>,
    /// Data and static files read by templates, hashed once per build: every page reads the
    /// stylesheet through `get_url(cachebust=true)`, and reading it once per job was a third
    /// of an edit's rebuild at 10,000 briefs.
    files: std::sync::Mutex<HashMap<PathBuf, Option<u64>>>,
}

pub(crate) fn light_fingerprint(model: &SiteModel, page: &Page) -> u64 {
    let mut h = DefaultHasher::new();
    let source = &page.source;
    // The front matter: everything before the body.
    source.source.get(..source.body_range.start).hash(&mut h);
    page.path.hash(&mut h);
    page.slug.hash(&mut h);
    // Whether it is still under embargo depends on the time of the build, not on the file.
    page.embargoed_until.as_ref().map(|d| &d.text).hash(&mut h);
    model.sections[page.section].path.hash(&mut h);
    page.rendered.summary.hash(&mut h);
    page.rendered.word_count.hash(&mut h);
    source.assets.hash(&mut h);
    page.key_points.hash(&mut h);
    page.recommendations.hash(&mut h);
    // The byline shows each author's name and URL, which an author file (or another brief's
    // spelling of an inline name) can change without this page's front matter changing.
    for author in page.authors.iter().map(|&a| &model.authors[a]) {
        (&author.id, author.name_in(page.lang), &author.affiliation).hash(&mut h);
        author
            .translation(page.lang)
            .map(|t| &t.affiliation)
            .hash(&mut h);
    }
    page.brief.hash(&mut h);
    h.finish()
}

/// The fingerprint of every page's listing view.
pub fn light_fingerprints(model: &SiteModel) -> Vec<u64> {
    use rayon::prelude::*;
    model
        .pages
        .par_iter()
        .map(|p| light_fingerprint(model, p))
        .collect()
}

impl Fingerprints {
    /// Computes the fingerprints of a renderer's model and templates, given the pages' light
    /// fingerprints from [`light_fingerprints`].
    pub fn new(renderer: &Renderer, light: Vec<u64>) -> Fingerprints {
        let model = renderer.model();
        let full = model
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let related: Vec<u64> = p.related.iter().map(|&r| light[r]).collect();
                hash_of((light[i], p.rendered.fingerprint, related))
            })
            .collect();
        let section = model
            .sections
            .iter()
            .map(|s| {
                let subsections: Vec<(&str, usize, Option<&String>)> = s
                    .subsections
                    .iter()
                    .map(|&c| {
                        let sub = &model.sections[c];
                        (
                            sub.source.source.as_ref(),
                            sub.pages.len(),
                            sub.meta().title.as_ref(),
                        )
                    })
                    .collect();
                // A section's body is not fingerprinted when rendered: hash its HTML, which
                // `@/` links make depend on other pages' URLs as well as on its text.
                let body = (&s.rendered.html, &s.rendered.summary, &s.rendered.toc);
                hash_of((s.source.source.as_ref(), &s.path, body, subsections))
            })
            .collect();
        let taxonomy = model
            .taxonomies
            .iter()
            .map(|t| {
                let terms: Vec<(&str, &str, usize)> = t
                    .terms
                    .iter()
                    .map(|term| (term.name.as_str(), term.slug.as_str(), term.pages.len()))
                    .collect();
                hash_of((&t.name, &t.path, terms))
            })
            .collect();
        let author = model
            .authors
            .iter()
            .map(|a| {
                let file = a.source.as_ref().map(|s| s.source.as_ref());
                // The bio's HTML, not only its text: its `@/` links follow other pages' URLs.
                let translations: Vec<(&str, &str)> = a
                    .translations
                    .iter()
                    .map(|t| (t.source.source.as_ref(), t.bio_html.as_str()))
                    .collect();
                hash_of((
                    file,
                    &a.id,
                    &a.name,
                    &a.affiliation,
                    &a.path,
                    &a.bio_html,
                    translations,
                ))
            })
            .collect();
        let mut templates = HashMap::new();
        for name in renderer.templates().templates.keys() {
            let chain = renderer.templates().dependencies(name);
            let texts: Vec<(&str, &str)> = chain
                .iter()
                .filter_map(|n| {
                    renderer
                        .templates()
                        .templates
                        .get(n)
                        .map(|t| (n.as_str(), t.text.as_str()))
                })
                .collect();
            let reads_section_pages = texts.iter().any(|(_, text)| reads_all_pages(text));
            templates.insert(name.clone(), (hash_of(texts), reads_section_pages));
        }
        Fingerprints {
            light,
            full,
            section,
            taxonomy,
            author,
            config: hash_of(format!("{:?}", model.config)),
            templates,
            files: std::sync::Mutex::default(),
        }
    }

    /// The hash of what the file at `path` holds now (`None` when it cannot be read).
    fn file(&self, path: &std::path::Path) -> Option<u64> {
        if let Some(known) = self.files.lock().ok().and_then(|f| f.get(path).copied()) {
            return known;
        }
        let hash = std::fs::read(path).ok().map(hash_of);
        if let Ok(mut files) = self.files.lock() {
            files.insert(path.to_path_buf(), hash);
        }
        hash
    }

    /// The signature of a job, given what it read when it was last rendered.
    pub fn signature(&self, renderer: &Renderer, job: &Job, reads: &[Read]) -> u64 {
        let model = renderer.model();
        let mut h = DefaultHasher::new();
        self.config.hash(&mut h);
        job_kind(job).hash(&mut h);
        renderer.site_path(job).hash(&mut h);
        let template = renderer.template_of(job);
        let (template_fp, all_pages) = self.templates.get(&template).copied().unwrap_or((0, true));
        template_fp.hash(&mut h);
        match job {
            // A PDF shows what its page shows.
            Job::Page(i) | Job::Pdf(i) => {
                self.full[*i].hash(&mut h);
                // The language switcher and `hreflang` links name each translation (feeds and
                // `get_page` do not, so this is not part of the page's full fingerprint).
                for &t in &model.pages[*i].translations {
                    let version = &model.pages[t];
                    (&version.path, &version.meta().title).hash(&mut h);
                }
            }
            Job::Pager(l, n) => {
                let listing = &model.listings[*l];
                self.listing(model, *l).hash(&mut h);
                self.pager(&listing.pages, listing.paginate_by, *n, &mut h);
                if all_pages {
                    listing
                        .pages
                        .iter()
                        .for_each(|&p| self.light[p].hash(&mut h));
                }
            }
            // A feed shows its listing's newest pages in full.
            Job::Feed(l) => {
                self.listing(model, *l).hash(&mut h);
                let newest = model.listings[*l].feed_pages(model);
                newest.iter().for_each(|&p| self.full[p].hash(&mut h));
            }
            Job::TaxonomyList(t) => {
                self.taxonomy[*t].hash(&mut h);
                // Its versions in other languages, for the language switcher.
                let name = &model.taxonomies[*t].name;
                for other in model.taxonomies.iter().filter(|o| &o.name == name) {
                    other.path.hash(&mut h);
                }
            }
            // Every author with their briefs, and the text of `authors/_index.md`.
            Job::AuthorList(_) => {
                for (author, fingerprint) in model.authors.iter().zip(&self.author) {
                    fingerprint.hash(&mut h);
                    author
                        .pages
                        .iter()
                        .for_each(|&p| self.light[p].hash(&mut h));
                }
                // The other languages' lists, for the language switcher.
                renderer.author_list_languages().hash(&mut h);
                let index = model.authors_index.as_ref();
                index
                    .map(|i| (i.source.source.as_ref(), &i.rendered.html))
                    .hash(&mut h);
            }
            Job::Alias(p, _) => model.pages[*p].path.hash(&mut h),
            // The sitemap lists every address with the date of its page.
            Job::Sitemap => {
                for page in &model.pages {
                    let m = page.meta();
                    (
                        &page.path,
                        &m.date.text,
                        m.updated.as_ref().map(|d| &d.text),
                    )
                        .hash(&mut h);
                }
                for listing in &model.listings {
                    (&listing.path, listing.pager_count()).hash(&mut h);
                }
                self.taxonomy.hash(&mut h);
            }
            Job::NotFound | Job::Robots | Job::Search(_) => {}
            // Aliases and the static files' names.
            Job::Host(_) => {
                for page in &model.pages {
                    (&page.path, &page.meta().aliases).hash(&mut h);
                }
            }
            // A citation file shows the page's title, authors, date, series and URL.
            Job::Cite(p, _) => self.light[*p].hash(&mut h),
        }
        for read in reads {
            read.hash(&mut h);
            match read {
                Read::PageFull(rel) => match model.by_rel.get(rel) {
                    Some(ContentRef::Page(i)) => self.full[*i].hash(&mut h),
                    _ => 0u64.hash(&mut h),
                },
                Read::Section(rel) => match model.by_rel.get(rel) {
                    Some(ContentRef::Section(s)) => {
                        self.section[*s].hash(&mut h);
                        model.sections[*s]
                            .pages
                            .iter()
                            .for_each(|&p| self.light[p].hash(&mut h));
                    }
                    _ => 0u64.hash(&mut h),
                },
                Read::Url(rel) => match model.by_rel.get(rel) {
                    Some(ContentRef::Page(i)) => model.pages[*i].path.hash(&mut h),
                    Some(ContentRef::Section(s)) => model.sections[*s].path.hash(&mut h),
                    None => 0u64.hash(&mut h),
                },
                Read::Taxonomy(name) => {
                    let index = model.taxonomies.iter().position(|t| &t.name == name);
                    index.map(|t| self.taxonomy[t]).hash(&mut h);
                    // `get_taxonomy` lists each term's pages.
                    for taxonomy in model.taxonomies.iter().filter(|t| &t.name == name) {
                        for term in &taxonomy.terms {
                            term.pages.iter().for_each(|&p| self.light[p].hash(&mut h));
                        }
                    }
                }
                // A data file: what it holds now (a file that is gone hashes as nothing).
                Read::File(path) => self.file(path).hash(&mut h),
                // The read itself, hashed above, holds the time.
                Read::Now(_) => {}
            }
        }
        h.finish()
    }

    /// The hashes of the files read so far (see [`Fingerprints::file`]).
    pub fn files_read(&self) -> HashMap<PathBuf, Option<u64>> {
        self.files.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// What moved since the fingerprints `before` (`light`, `full`) of the same pages, after
    /// an edit of page bodies only (`serve`'s fast path: no page, URL, term or listing came or
    /// went). `known_files` holds the hashes of the files read before; a file not in it counts
    /// as changed. `None` when the pages are not the same in number.
    pub fn body_edit_changes(
        &self,
        model: &SiteModel,
        before: (&[u64], &[u64]),
        known_files: &HashMap<PathBuf, Option<u64>>,
    ) -> Option<BodyEditChanges> {
        let (light_before, full_before) = before;
        if light_before.len() != self.light.len() || full_before.len() != self.full.len() {
            return None;
        }
        let light: Vec<bool> = self
            .light
            .iter()
            .zip(light_before)
            .map(|(a, b)| a != b)
            .collect();
        let full: Vec<bool> = self
            .full
            .iter()
            .zip(full_before)
            .map(|(a, b)| a != b)
            .collect();
        let any_light = |pages: &[usize]| pages.iter().any(|&p| light[p]);
        let listings = model.listings.iter().map(|l| any_light(&l.pages)).collect();
        let feeds = model
            .listings
            .iter()
            .map(|l| l.feed.is_some() && l.feed_pages(model).iter().any(|&p| full[p]))
            .collect();
        let sections = model.sections.iter().map(|s| any_light(&s.pages)).collect();
        let taxonomies = model
            .taxonomies
            .iter()
            .filter(|t| t.terms.iter().any(|term| any_light(&term.pages)))
            .map(|t| t.name.clone())
            .collect();
        let files = known_files
            .iter()
            .filter(|(path, hash)| self.file(path) != **hash)
            .map(|(path, _)| path.clone())
            .collect();
        Some(BodyEditChanges {
            light,
            full,
            listings,
            feeds,
            sections,
            taxonomies,
            files,
            known_files: known_files.keys().cloned().collect(),
        })
    }

    /// Whether `job`'s signature can have moved after a body edit with `changes`, given what
    /// its template read last time. Follows [`Fingerprints::signature`] part by part; the jobs
    /// that depend on no page's views, or on all of them, are always signed again (they are
    /// few). A body edit changes no path, date, term or template, so only the pages' light and
    /// full views and the files read can move.
    pub fn may_have_moved(
        &self,
        model: &SiteModel,
        job: &Job,
        reads: &[Read],
        changes: &BodyEditChanges,
    ) -> bool {
        let by_job = match job {
            Job::Page(i) | Job::Pdf(i) => changes.full[*i],
            Job::Pager(l, _) => changes.listings[*l],
            Job::Feed(l) => changes.feeds[*l],
            Job::Cite(p, _) => changes.light[*p],
            Job::TaxonomyList(_)
            | Job::AuthorList(_)
            | Job::Alias(..)
            | Job::NotFound
            | Job::Sitemap
            | Job::Robots
            | Job::Search(_)
            | Job::Host(_) => true,
        };
        by_job
            || reads.iter().any(|read| match read {
                Read::PageFull(rel) => match model.by_rel.get(rel) {
                    Some(ContentRef::Page(i)) => changes.full[*i],
                    _ => false,
                },
                Read::Section(rel) => match model.by_rel.get(rel) {
                    Some(ContentRef::Section(s)) => changes.sections[*s],
                    _ => false,
                },
                Read::Url(_) => false,
                Read::Taxonomy(name) => changes.taxonomies.contains(name),
                Read::File(path) => {
                    changes.files.contains(path) || !changes.known_files.contains(path)
                }
                Read::Now(_) => true,
            })
    }

    fn pager(&self, pages: &[usize], per: usize, n: usize, h: &mut DefaultHasher) {
        (pages.len(), per, n).hash(h);
        let range = crate::site::listing::pager_range(pages.len(), per, n);
        pages[range].iter().for_each(|&p| self.light[p].hash(h));
    }

    /// What a listing shows besides its pages: its own view (a section's text, a term and its
    /// taxonomy's term list), its address, feed and pagination.
    fn listing(&self, model: &SiteModel, l: usize) -> u64 {
        let listing = &model.listings[l];
        let own = match listing.kind {
            ListingKind::Section(s) => self.section[s],
            ListingKind::Term(t, k) => hash_of((self.taxonomy[t], k)),
            ListingKind::Author(a) => self.author[a],
            // Its pages' listing views hold their events and terms, and it shows every page.
            ListingKind::Timeline => 0,
        };
        // Its versions in other languages, for the language switcher.
        let translations: Vec<&str> = listing
            .translations
            .iter()
            .map(|&t| model.listings[t].path.as_str())
            .collect();
        hash_of((
            own,
            &listing.path,
            &listing.feed,
            listing.paginate_by,
            &listing.template,
            translations,
        ))
    }
}

fn job_kind(job: &Job) -> u8 {
    match job {
        Job::Page(_) => 0,
        Job::Pager(..) => 1,
        Job::Feed(_) => 2,
        Job::TaxonomyList(_) => 3,
        Job::AuthorList(_) => 8,
        Job::Alias(..) => 4,
        Job::NotFound => 5,
        Job::Sitemap => 6,
        Job::Robots => 7,
        Job::Cite(..) => 9,
        Job::Search(_) | Job::Host(_) | Job::Pdf(_) => 10,
    }
}

/// Whether template code may read the whole page list of a section (`section.pages`), not only
/// the pager's. Conservative: any `pages` name in the code of a tag counts, other than
/// `paginator.pages` and the interface word `words.pages`. Comments, string literals and the
/// HTML between tags do not: a comment saying "pages" once made every brief depend on all its
/// section's pages, and `trans(key='pages')` in the pagination partial made every pager of
/// every listing hash all the listing's pages, so an edit's signatures grew with the square of
/// the site (~100 ms at 10,000 briefs).
fn reads_all_pages(text: &str) -> bool {
    let code = tag_code(text);
    let mut from = 0;
    while let Some(found) = code[from..].find("pages") {
        let start = from + found;
        let end = start + "pages".len();
        from = end;
        let before = &code[..start];
        let is_name =
            !before.ends_with(is_identifier_char) && !code[end..].starts_with(is_identifier_char);
        if is_name && !before.ends_with("paginator.") && !before.ends_with("words.") {
            return true;
        }
    }
    false
}

fn is_identifier_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The code inside a template's `{{ … }}` and `{% … %}` tags, each tag on a line of its own,
/// with string literals blanked out; comments and the text between tags are left out (an
/// unclosed tag or comment runs to the end).
fn tag_code(text: &str) -> String {
    let mut code = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = match after.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => {
                rest = after.find("#}").map_or("", |end| &after[end + 2..]);
                continue;
            }
            _ => {
                rest = after;
                continue;
            }
        };
        rest = copy_tag(&after[1..], close, &mut code);
        code.push('\n');
    }
    code
}

/// Copies one tag's code, up to `close`, into `code` with its string literals blanked; returns
/// the text after the tag.
fn copy_tag<'t>(tag: &'t str, close: &str, code: &mut String) -> &'t str {
    let mut quote: Option<char> = None;
    for (i, c) in tag.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => {
                quote = Some(c);
                code.push(' ');
            }
            None if tag[i..].starts_with(close) => return &tag[i + close.len()..],
            None => code.push(c),
        }
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::reads_all_pages;

    #[test]
    fn section_pages_use_is_detected() {
        assert!(!reads_all_pages(
            "{% for p in paginator.pages %}{{ p.title }}{% endfor %}"
        ));
        assert!(reads_all_pages("{% for p in section.pages %}{% endfor %}"));
        assert!(reads_all_pages(
            "{% set s = section %}{{ s.pages | length }}"
        ));
        assert!(!reads_all_pages(
            "{#- pages fill the blocks -#}<main>{% block content %}{% endblock %}</main>"
        ));
        assert!(reads_all_pages("{# a #}{{ section.pages }}{# b"));
    }

    #[test]
    fn words_and_strings_named_pages_are_not_reads() {
        let pagination = r#"<nav aria-label="{{ trans(key='pages', lang=lang) }}">All pages</nav>"#;
        assert!(!reads_all_pages(pagination));
        assert!(!reads_all_pages("{{ words.pages }} {{ \"}} pages\" }}"));
        assert!(!reads_all_pages("{{ page.subpages }}{{ pages_seen }}"));
        assert!(reads_all_pages("{{ term.pages | length }}"));
        assert!(reads_all_pages("{% for p in pages %}{% endfor %}"));
        assert!(reads_all_pages("{{ 'a' ~ section.pages[0].title }}"));
        assert!(reads_all_pages("{{ section.pages"));
    }
}
