//! Search records: what the index holds for each brief, taken from the site model.
//!
//! Records come from what the build already has (front matter, the Markdown stage's HTML of
//! the body, key points and summary), never from the output pages, so indexing parses no HTML
//! page. Only briefs are indexed: listing pages would repeat their briefs' words.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::text::{push_text, text_of};
use crate::content::brief_fields::type_label;
use crate::site::{Page, SiteModel};

/// The taxonomy whose terms the `topic` filter offers.
pub const TOPIC_TAXONOMY: &str = "topics";

/// The longest excerpt kept in a record's metadata, in characters.
const EXCERPT_CHARS: usize = 240;

/// One brief, as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    /// The brief's href (with the base URL's sub-path), as hits link to it.
    pub url: String,
    /// Every searchable word: title, subtitle, description, summary, key points,
    /// recommendations, terms, authors and body, as plain text.
    pub content: String,
    /// Shown with a hit: `title`, `date` (`YYYY-MM-DD`), `type`, `url`, `excerpt`.
    pub meta: BTreeMap<String, String>,
    /// Filter values: `topic`, `type`, `year`.
    pub filters: BTreeMap<String, Vec<String>>,
}

/// The records of every brief, in page order.
pub fn records(model: &SiteModel) -> Vec<Record> {
    model
        .pages
        .par_iter()
        .map(|page| record(model, page))
        .collect()
}

/// The record of one brief.
pub fn record(model: &SiteModel, page: &Page) -> Record {
    let meta = page.meta();
    let url = model.urls.href(&page.path);
    let date = meta
        .date
        .text
        .get(..10)
        .unwrap_or(&meta.date.text)
        .to_string();
    let year = date.get(..4).unwrap_or_default().to_string();
    let kind = meta.page_type.as_deref().map(type_label);
    let excerpt = excerpt(page);

    let mut fields = BTreeMap::new();
    fields.insert("title".to_string(), meta.title.clone());
    fields.insert("date".to_string(), date);
    fields.insert("url".to_string(), url.clone());
    fields.insert("excerpt".to_string(), excerpt);
    if let Some(kind) = &kind {
        fields.insert("type".to_string(), kind.clone());
    }

    let mut filters = BTreeMap::new();
    if let Some(topics) = meta.taxonomies.get(TOPIC_TAXONOMY) {
        filters.insert("topic".to_string(), topics.clone());
    }
    if let Some(kind) = kind {
        filters.insert("type".to_string(), vec![kind]);
    }
    if !year.is_empty() {
        filters.insert("year".to_string(), vec![year]);
    }

    Record {
        url,
        content: content(model, page),
        meta: fields,
        filters,
    }
}

/// The searchable text of a brief.
fn content(model: &SiteModel, page: &Page) -> String {
    let meta = page.meta();
    let mut text = String::with_capacity(page.rendered.html.len() + 512);
    let mut push_plain = |s: &str| {
        text.push_str(s);
        text.push(' ');
    };
    push_plain(&meta.title);
    for plain in [&meta.subtitle, &meta.description, &meta.series]
        .into_iter()
        .flatten()
    {
        push_plain(plain);
    }
    for terms in meta.taxonomies.values() {
        terms.iter().for_each(|t| push_plain(t));
    }
    for &author in &page.authors {
        push_plain(model.authors[author].name_in(page.lang));
    }
    if let Some(summary) = &page.brief.summary {
        for html in [
            &summary.whats_new,
            &summary.why_it_matters,
            &summary.what_should_be_done,
        ]
        .into_iter()
        .flatten()
        {
            push_text(html, &mut text);
        }
    }
    for html in page.key_points.iter().chain(&page.recommendations) {
        push_text(html, &mut text);
    }
    push_text(&page.rendered.html, &mut text);
    text.truncate(text.trim_end().len());
    text
}

/// The brief's description, else the text of its summary paragraph, cut at a word.
fn excerpt(page: &Page) -> String {
    let text = match (&page.meta().description, &page.rendered.summary) {
        (Some(description), _) => description.clone(),
        (None, Some(summary)) => text_of(summary),
        (None, None) => String::new(),
    };
    if text.chars().count() <= EXCERPT_CHARS {
        return text;
    }
    let cut: String = text.chars().take(EXCERPT_CHARS).collect();
    let at_word = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
    format!("{at_word}…")
}

/// Hashes everything [`record`] reads of a brief, without making the record: a build whose
/// briefs all hash as before can reuse the index without extracting any text.
pub fn fingerprint(model: &SiteModel, page: &Page, h: &mut impl std::hash::Hasher) {
    use std::hash::Hash;
    let meta = page.meta();
    model.urls.href(&page.path).hash(h);
    (&meta.title, &meta.date.text, &meta.page_type).hash(h);
    (&meta.subtitle, &meta.description, &meta.series).hash(h);
    meta.taxonomies.hash(h);
    for &author in &page.authors {
        model.authors[author].name_in(page.lang).hash(h);
    }
    if let Some(s) = &page.brief.summary {
        (&s.whats_new, &s.why_it_matters, &s.what_should_be_done).hash(h);
    }
    (&page.key_points, &page.recommendations).hash(h);
    (&page.rendered.html, &page.rendered.summary).hash(h);
}
