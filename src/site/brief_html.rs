//! The parts of a brief's front matter written in inline Markdown (the structured summary, the
//! events' descriptions) rendered to HTML, and the events' links resolved.

use crate::config::{MarkdownConfig, RawHtml};
use crate::content::{Event, PageMeta, Parsed, StructuredSummary};
use crate::diagnostics::Diagnostic;
use crate::markdown::urls::{BLOCKED_URL, UrlUse, is_dangerous};
use crate::markdown::{self, LinkResolver};

/// The structured summary as HTML, part by part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SummaryHtml {
    /// What is new.
    pub whats_new: Option<String>,
    /// Why it matters.
    pub why_it_matters: Option<String>,
    /// What should be done.
    pub what_should_be_done: Option<String>,
}

/// An event's parts that need rendering or resolving.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EventHtml {
    /// The description as HTML.
    pub description: Option<String>,
    /// The link's URL (an `@/` path resolved).
    pub link: Option<String>,
}

/// A brief's front matter parts as HTML.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BriefHtml {
    /// The structured summary, when the brief has one.
    pub summary: Option<SummaryHtml>,
    /// One per event of [`PageMeta::events`], in the same order.
    pub events: Vec<EventHtml>,
}

/// Renders the summary and the events of `source`; problems go to `errors`, at the line of the
/// key that holds them.
pub fn render(
    source: &Parsed<PageMeta>,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
    errors: &mut Vec<Diagnostic>,
) -> BriefHtml {
    let meta = &source.meta;
    let summary = meta
        .summary
        .as_ref()
        .map(|s| render_summary(source, s, config, resolver, errors));
    let events = meta
        .events
        .iter()
        .enumerate()
        .map(|(index, event)| render_event(source, index, event, config, resolver, errors))
        .collect();
    BriefHtml { summary, events }
}

fn render_summary(
    source: &Parsed<PageMeta>,
    summary: &StructuredSummary,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
    errors: &mut Vec<Diagnostic>,
) -> SummaryHtml {
    let mut part = |key: &str, text: &Option<String>| {
        let text = text.as_deref()?;
        inline(text, config, resolver, |message, hint| {
            errors.push(
                source
                    .error_in_table("summary", key, format!("in summary.{key}: {message}"))
                    .hint(hint),
            );
        })
    };
    SummaryHtml {
        whats_new: part("whats_new", &summary.whats_new),
        why_it_matters: part("why_it_matters", &summary.why_it_matters),
        what_should_be_done: part("what_should_be_done", &summary.what_should_be_done),
    }
}

fn render_event(
    source: &Parsed<PageMeta>,
    index: usize,
    event: &Event,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
    errors: &mut Vec<Diagnostic>,
) -> EventHtml {
    let n = index + 1;
    let description = event.description.as_deref().and_then(|text| {
        inline(text, config, resolver, |message, hint| {
            errors.push(
                source
                    .error_at_item(
                        "events",
                        index,
                        "description",
                        format!("in the description of event {n}: {message}"),
                    )
                    .hint(hint),
            );
        })
    });
    let link = event.link.as_deref().and_then(|link| {
        event_link(link, config, resolver).or_else(|| {
            errors.push(
                source
                    .error_at_item(
                        "events",
                        index,
                        "link",
                        format!("event {n} links to unknown content \"{link}\""),
                    )
                    .hint("an @/ link names a file under content/, e.g. @/briefs/first-round.md; check the spelling and that the file is not a draft"),
            );
            None
        })
    });
    EventHtml { description, link }
}

/// Inline Markdown as HTML; on errors, reports each and returns `None`.
fn inline(
    text: &str,
    config: &MarkdownConfig,
    resolver: &dyn LinkResolver,
    mut report: impl FnMut(String, String),
) -> Option<String> {
    match markdown::render_inline(text, config, resolver) {
        Ok(html) => Some(html),
        Err(errors) => {
            for e in errors {
                report(e.message, e.hint);
            }
            None
        }
    }
}

/// The URL of an event's link: an `@/` path resolved (`None` if it names nothing), any other
/// URL as written unless it would run code and raw HTML is not trusted.
fn event_link(link: &str, config: &MarkdownConfig, resolver: &dyn LinkResolver) -> Option<String> {
    if let Some((target, anchor)) = markdown::links::parse_internal(link) {
        let url = resolver.resolve(target)?;
        return Some(match anchor {
            Some(a) => format!("{url}#{a}"),
            None => url,
        });
    }
    if config.raw_html != RawHtml::Allow && is_dangerous(link, UrlUse::Link, false) {
        return Some(BLOCKED_URL.to_string());
    }
    Some(link.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct OnlyMemo;

    impl LinkResolver for OnlyMemo {
        fn resolve(&self, rel: &str) -> Option<String> {
            (rel == "briefs/memo.md").then(|| "/briefs/memo/".to_string())
        }
    }

    fn config(raw_html: RawHtml) -> MarkdownConfig {
        MarkdownConfig {
            raw_html,
            ..MarkdownConfig::default()
        }
    }

    #[test]
    fn event_links_resolve_content_and_block_script_urls_unless_trusted() {
        let link = |url: &str, policy| event_link(url, &config(policy), &OnlyMemo);
        assert_eq!(
            link("@/briefs/memo.md#timeline", RawHtml::Escape).as_deref(),
            Some("/briefs/memo/#timeline")
        );
        assert_eq!(link("@/briefs/nope.md", RawHtml::Allow), None);
        assert_eq!(
            link("https://example.org/a", RawHtml::Sanitize).as_deref(),
            Some("https://example.org/a")
        );
        for policy in [RawHtml::Escape, RawHtml::Sanitize] {
            assert_eq!(
                link("JavaScript:alert(1)", policy).as_deref(),
                Some(BLOCKED_URL)
            );
        }
        assert_eq!(
            link("javascript:alert(1)", RawHtml::Allow).as_deref(),
            Some("javascript:alert(1)"),
            "allow trusts the team, as in Markdown links"
        );
    }
}
