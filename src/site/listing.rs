//! Listings: one mechanism for every "set of pages, selected and ordered by the model, rendered
//! through a template with pagination and an optional feed". Sections and taxonomy terms are
//! listings (and so are authors and the timeline as they arrive); rendering, signatures and
//! `serve`'s dependency tracking handle a [`Listing`] without knowing its kind.

use super::{Page, SiteModel, Urls};
use crate::config::Config;
use crate::content::SortBy;

/// What a listing lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListingKind {
    /// Every page beneath a section (index into [`SiteModel::sections`]).
    Section(usize),
    /// The pages of a taxonomy term: (taxonomy, term).
    Term(usize, usize),
    /// An author's briefs (index into [`SiteModel::authors`]).
    Author(usize),
    /// The briefs with dated events, whose events make the site's chronology (`/timeline/`).
    Timeline,
}

/// A selected, ordered set of pages published at `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// What it lists.
    pub kind: ListingKind,
    /// Site path of its first pager page (`/briefs/`, `/topics/security/`).
    pub path: String,
    /// Page indexes, in the order the listing shows them.
    pub pages: Vec<usize>,
    /// Pages per pager page; 0 puts every page on one.
    pub paginate_by: usize,
    /// The template its pager pages render with.
    pub template: String,
    /// Site path of its Atom feed, when it has one.
    pub feed: Option<String>,
    /// Its language: an index into [`Config::languages`].
    pub lang: usize,
    /// Every version of it (itself included) in language order, when another language has
    /// the same listing (a section's translation, an author's briefs in that language, the
    /// timeline); empty otherwise.
    pub translations: Vec<usize>,
}

impl Listing {
    /// The number of pager pages (at least one, so an empty listing still has its page).
    pub fn pager_count(&self) -> usize {
        pager_count(self.pages.len(), self.paginate_by)
    }

    /// The pages on pager page `n` (1-based).
    pub fn pager_pages(&self, n: usize) -> &[usize] {
        &self.pages[pager_range(self.pages.len(), self.paginate_by, n)]
    }

    /// The site path of pager page `n`.
    pub fn pager_path(&self, n: usize) -> String {
        Urls::pager(&self.path, n)
    }

    /// The title a feed or message gives it.
    pub fn title(&self, model: &SiteModel) -> String {
        match self.kind {
            ListingKind::Section(s) => model.sections[s].title(&model.config),
            ListingKind::Term(t, k) => model.taxonomies[t].terms[k].name.clone(),
            ListingKind::Author(a) => model.authors[a].name_in(self.lang).to_string(),
            ListingKind::Timeline => model.config.languages.get(self.lang).map_or_else(
                || model.config.strings.timeline.clone(),
                |l| l.strings.timeline.clone(),
            ),
        }
    }

    /// The newest pages, for its feed (listings are not all sorted by date).
    pub fn feed_pages(&self, model: &SiteModel) -> Vec<usize> {
        let limit = model.config.feed.limit;
        // Most listings are newest first already; `serve` asks for every feed's pages on each
        // rebuild, so sorting a copy of a 10,000-page listing is kept for those that are not.
        let pages = &model.pages;
        let newest_first = |&a: &usize, &b: &usize| {
            page_order(&pages[a], &pages[b], SortBy::Date) != std::cmp::Ordering::Greater
        };
        if self.pages.is_sorted_by(newest_first) {
            return self.pages.iter().copied().take(limit).collect();
        }
        let mut newest = self.pages.clone();
        sort_pages(&mut newest, &model.pages, SortBy::Date);
        newest.truncate(limit);
        newest
    }
}

/// The number of pager pages for `total` pages, `per` a page (0: all on one).
pub fn pager_count(total: usize, per: usize) -> usize {
    if per == 0 {
        1
    } else {
        total.div_ceil(per).max(1)
    }
}

/// The positions of pager page `n`'s pages among `total`.
pub fn pager_range(total: usize, per: usize, n: usize) -> std::ops::Range<usize> {
    if per == 0 {
        0..total
    } else {
        (n.saturating_sub(1) * per).min(total)..(n * per).min(total)
    }
}

/// The feed of a listing at `path`: the site's feed for the home page, `atom.xml` beside the
/// listing otherwise; none when feeds are off.
fn feed_path(config: &Config, path: &str) -> Option<String> {
    if !config.feed.enabled {
        return None;
    }
    Some(format!("{path}{}", config.feed.filename))
}

/// Every listing of a model: sections (root first), each taxonomy's terms, authors, then the
/// timeline when any brief has events; each in every language that has pages for it.
pub fn build(model: &SiteModel) -> Vec<Listing> {
    let config = &model.config;
    let language_count = config.languages.len().max(1);
    let mut listings = Vec::with_capacity(model.sections.len());
    for (s, section) in model.sections.iter().enumerate() {
        let home = section.parent.is_none();
        let default = if home { "index.html" } else { "section.html" };
        listings.push(Listing {
            kind: ListingKind::Section(s),
            path: section.path.clone(),
            pages: section.pages.clone(),
            paginate_by: section.paginate_by(config),
            template: section
                .meta()
                .template
                .clone()
                .unwrap_or_else(|| default.to_string()),
            // The home page's feed is the site's (in its language); other sections' pages are
            // in it already.
            feed: home.then(|| feed_path(config, &section.path)).flatten(),
            lang: section.lang,
            translations: Vec::new(),
        });
    }
    for (t, taxonomy) in model.taxonomies.iter().enumerate() {
        for (k, term) in taxonomy.terms.iter().enumerate() {
            let path = taxonomy.term_path(&term.slug);
            listings.push(Listing {
                kind: ListingKind::Term(t, k),
                feed: feed_path(config, &path),
                path,
                pages: term.pages.clone(),
                paginate_by: config.paginate_by,
                template: "taxonomy_term.html".to_string(),
                lang: taxonomy.lang,
                translations: Vec::new(),
            });
        }
    }
    for lang in 0..language_count {
        let prefix = config.languages.get(lang).map_or("", |l| l.prefix.as_str());
        for (a, author) in model.authors.iter().enumerate() {
            let pages: Vec<usize> = if language_count == 1 {
                author.pages.clone()
            } else {
                let pages: Vec<usize> = author
                    .pages
                    .iter()
                    .copied()
                    .filter(|&p| model.pages[p].lang == lang)
                    .collect();
                // Every author has a page in the default language; in another, those who
                // wrote in it.
                if pages.is_empty() && lang != 0 {
                    continue;
                }
                pages
            };
            let path = format!("{prefix}{}", author.path);
            listings.push(Listing {
                kind: ListingKind::Author(a),
                feed: feed_path(config, &path),
                path,
                pages,
                paginate_by: config.paginate_by,
                template: "author.html".to_string(),
                lang,
                translations: Vec::new(),
            });
        }
    }
    for lang in 0..language_count {
        let prefix = config.languages.get(lang).map_or("", |l| l.prefix.as_str());
        let with_events: Vec<usize> = (0..model.pages.len())
            .filter(|&i| model.pages[i].lang == lang && !model.pages[i].meta().events.is_empty())
            .collect();
        if !with_events.is_empty() {
            listings.push(Listing {
                kind: ListingKind::Timeline,
                path: format!("{prefix}{}", Urls::timeline()),
                pages: with_events,
                // One page: a chronology is read (and filtered) whole.
                paginate_by: 0,
                template: "timeline.html".to_string(),
                feed: None,
                lang,
                translations: Vec::new(),
            });
        }
    }
    if language_count > 1 {
        link_translations(model, &mut listings);
    }
    listings
}

/// Fills each listing's [`Listing::translations`]: sections by their translations, authors by
/// author, the timelines together. Terms are words of their language and have none.
fn link_translations(model: &SiteModel, listings: &mut [Listing]) {
    #[derive(PartialEq, Eq, Hash)]
    enum Key {
        Section(usize),
        Author(usize),
        Timeline,
    }
    let key = |listing: &Listing| match listing.kind {
        // A section's versions share their first one (in language order).
        ListingKind::Section(s) => Some(Key::Section(
            model.sections[s].translations.first().copied().unwrap_or(s),
        )),
        ListingKind::Author(a) => Some(Key::Author(a)),
        ListingKind::Timeline => Some(Key::Timeline),
        ListingKind::Term(..) => None,
    };
    let mut groups: std::collections::HashMap<Key, Vec<usize>> = Default::default();
    for (l, listing) in listings.iter().enumerate() {
        if let Some(k) = key(listing) {
            groups.entry(k).or_default().push(l);
        }
    }
    for group in groups.into_values().filter(|g| g.len() > 1) {
        let mut group = group;
        group.sort_by_key(|&l| listings[l].lang);
        for &l in &group {
            listings[l].translations.clone_from(&group);
        }
    }
}

/// Sorts page indexes: newest first, by title, or lightest first; ties by title then path.
pub fn sort_pages(indexes: &mut [usize], pages: &[Page], sort_by: SortBy) {
    indexes.sort_by(|&a, &b| page_order(&pages[a], &pages[b], sort_by));
}

/// The order [`sort_pages`] puts two pages in.
fn page_order(a: &Page, b: &Page, sort_by: SortBy) -> std::cmp::Ordering {
    let primary = match sort_by {
        SortBy::Date => b.meta().date.cmp(&a.meta().date),
        SortBy::Title => a
            .meta()
            .title
            .to_lowercase()
            .cmp(&b.meta().title.to_lowercase()),
        SortBy::Weight => a
            .meta()
            .weight
            .unwrap_or(i64::MAX)
            .cmp(&b.meta().weight.unwrap_or(i64::MAX)),
    };
    primary
        .then_with(|| a.meta().title.cmp(&b.meta().title))
        .then_with(|| a.path.cmp(&b.path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagers_cover_every_page_once() {
        for total in 0..12 {
            for per in 0..5 {
                let count = pager_count(total, per);
                let covered: Vec<usize> = (1..=count)
                    .flat_map(|n| pager_range(total, per, n))
                    .collect();
                assert_eq!(covered, (0..total).collect::<Vec<_>>(), "{total}/{per}");
            }
        }
        assert_eq!(pager_count(0, 10), 1);
    }
}
