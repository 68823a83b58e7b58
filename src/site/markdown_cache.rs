//! Rendered Markdown kept between builds (for `serve`).
//!
//! A page's rendering depends on its own text and on the URLs its `@/` links resolve to; an
//! entry is reused only when both are what they were. The text check is a pointer comparison
//! for files that were not re-read, so checking ten thousand pages costs next to nothing.

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::{Config, MarkdownConfig, Strings};
use crate::content::images::ImageProbe;
use crate::content::{PageMeta, Parsed};
use crate::diagnostics::Diagnostic;
use crate::markdown::{self, LinkResolver, Rendered};

/// A page's Markdown, rendered: body, key points, recommendations, and the problems found.
#[derive(Debug, Clone, Default)]
pub struct PageMarkdown {
    /// The body.
    pub rendered: Arc<Rendered>,
    /// Key points as HTML.
    pub key_points: Vec<String>,
    /// Recommendations as HTML.
    pub recommendations: Vec<String>,
    /// Structured summary and events as HTML.
    pub brief: Arc<super::brief_html::BriefHtml>,
    /// Broken links and the like.
    pub errors: Vec<Diagnostic>,
}

struct Entry {
    source: Arc<str>,
    key_points: Vec<String>,
    recommendations: Vec<String>,
    targets: Vec<(String, Option<String>)>,
    output: Arc<PageMarkdown>,
}

/// Rendered Markdown of the previous build, by content path.
#[derive(Default)]
pub struct MarkdownCache {
    entries: HashMap<String, Entry>,
}

impl MarkdownCache {
    /// The cached rendering of `source`, if its text and link targets are unchanged.
    pub fn get(
        &self,
        source: &Parsed<PageMeta>,
        resolver: &dyn LinkResolver,
    ) -> Option<Arc<PageMarkdown>> {
        let entry = self.entries.get(&source.rel)?;
        let same_text =
            Arc::ptr_eq(&entry.source, &source.source) || *entry.source == *source.source;
        let same_inline = entry.key_points == source.meta.key_points
            && entry.recommendations == source.meta.recommendations;
        let same_links = entry
            .targets
            .iter()
            .all(|(target, href)| resolver.resolve(target) == *href);
        (same_text && same_inline && same_links).then(|| entry.output.clone())
    }

    /// Moves a still-valid entry over from the previous cache; false if it has none.
    pub fn keep(&mut self, previous: &mut MarkdownCache, rel: &str) -> bool {
        match previous.entries.remove_entry(rel) {
            Some((key, entry)) => {
                self.entries.insert(key, entry);
                true
            }
            None => false,
        }
    }

    /// Records a rendering.
    pub fn insert(
        &mut self,
        source: &Parsed<PageMeta>,
        resolver: &dyn LinkResolver,
        output: Arc<PageMarkdown>,
    ) {
        let mut targets: Vec<(String, Option<String>)> = link_targets(&source.source)
            .chain(source.meta.key_points.iter().flat_map(|k| link_targets(k)))
            .chain(
                source
                    .meta
                    .recommendations
                    .iter()
                    .flat_map(|k| link_targets(k)),
            )
            .map(|t| {
                let href = resolver.resolve(t);
                (t.to_string(), href)
            })
            .collect();
        targets.sort();
        targets.dedup();
        self.entries.insert(
            source.rel.clone(),
            Entry {
                source: source.source.clone(),
                key_points: source.meta.key_points.clone(),
                recommendations: source.meta.recommendations.clone(),
                targets,
                output,
            },
        );
    }
}

/// Every `@/path` written in a text (a superset of its real links: checking too many is safe).
fn link_targets(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("@/").map(move |(i, _)| {
        let rest = &text[i + 2..];
        let end = rest
            .find(|c: char| {
                c.is_whitespace() || matches!(c, ')' | '#' | '"' | '\'' | ']' | '>' | '<')
            })
            .unwrap_or(rest.len());
        &rest[..end]
    })
}

/// The image sizes of one page: its relative images are beside it (see [`ImageProbe`]).
struct PageImages<'a> {
    probe: &'a ImageProbe,
    rel: &'a str,
}

impl markdown::images::ImageSizes for PageImages<'_> {
    fn size_of(&self, src: &str) -> Option<markdown::images::ImageSize> {
        self.probe.size_of(src, self.rel)
    }
}

/// The Markdown options of pages in language `lang` (an index into [`Config::languages`]):
/// the site's, with that language's words (callout labels, note back-links).
pub fn language_markdown(config: &Config, lang: usize) -> MarkdownConfig {
    match config.languages.get(lang).filter(|_| lang != 0) {
        Some(language) => MarkdownConfig {
            strings: Arc::clone(&language.strings),
            ..config.markdown.clone()
        },
        None => config.markdown.clone(),
    }
}

/// The interface words of language `lang`, which citations use ("Cited", "References").
pub fn language_strings(config: &Config, lang: usize) -> &Strings {
    match config.languages.get(lang).filter(|_| lang != 0) {
        Some(language) => &language.strings,
        None => &config.strings,
    }
}

/// Renders a page's Markdown: body, key points and recommendations.
///
/// `fingerprint` computes [`Rendered::fingerprint`], which only incremental rebuilds use.
pub fn render_page(
    source: &Parsed<PageMeta>,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
    fingerprint: bool,
    citations: Option<markdown::CitationContext<'_>>,
    images: &ImageProbe,
) -> PageMarkdown {
    let sizes = PageImages {
        probe: images,
        rel: &source.rel,
    };
    let (rendered, body_errors) =
        markdown::render_page_body(source.body(), config, resolver, citations, &sizes);
    let rendered = if fingerprint {
        rendered.fingerprinted()
    } else {
        rendered
    };
    let mut errors: Vec<Diagnostic> = body_errors
        .into_iter()
        .map(|e| source.error_in_body(e.offset, e.message).hint(e.hint))
        .collect();
    let mut inline = |field: &str, items: &[String]| -> Vec<String> {
        items
            .iter()
            .map(|item| {
                markdown::render_inline(item, config, resolver).unwrap_or_else(|es| {
                    for e in es {
                        errors.push(
                            source
                                .error_at_field(field, format!("in {field}: {}", e.message))
                                .hint(e.hint),
                        );
                    }
                    String::new()
                })
            })
            .collect()
    };
    let key_points = inline("key_points", &source.meta.key_points);
    let recommendations = inline("recommendations", &source.meta.recommendations);
    let brief = super::brief_html::render(source, config, resolver, &mut errors);
    PageMarkdown {
        brief: Arc::new(brief),
        rendered: Arc::new(rendered),
        key_points,
        recommendations,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_link_targets() {
        let targets: Vec<&str> =
            link_targets("a [x](@/b/c.md#d) and [y](@/e.md) @/f.md\n").collect();
        assert_eq!(targets, ["b/c.md", "e.md", "f.md"]);
    }
}
