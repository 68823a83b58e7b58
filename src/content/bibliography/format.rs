//! Formatting citations with hayagriva: [`Citer`] is the markdown stage's
//! [`CitationFormatter`] for one page (the site's bibliography, and the page's own if it has
//! one, in the site's style).
//!
//! hayagriva's own HTML writer copies text and URLs as they are, so a `<` in a title would
//! become markup: [`write_html`] writes its output again, escaped, with links only to web
//! addresses.

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

use hayagriva::citationberg::taxonomy::Locator as CslLocator;
use hayagriva::citationberg::{FontStyle, FontVariant, FontWeight, VerticalAlign};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, ElemChild,
    ElemChildren, ElemMeta, Entry, Formatting, Library, LocatorPayload, SpecificLocator,
};

use super::CitationStyle;
use crate::diagnostics::escape_html;
use crate::markdown::citations::{
    Citation, CitationFormatter, Formatted, LocatorKind, Reference, Segment,
};

/// Formats one page's citations: entries are looked up in the page's own bibliography first,
/// then the site's.
pub struct Citer<'a> {
    style: &'a CitationStyle,
    libraries: Vec<&'a Library>,
}

impl<'a> Citer<'a> {
    /// A formatter in `style` over `libraries`, searched in order.
    pub fn new(style: &'a CitationStyle, libraries: Vec<&'a Library>) -> Self {
        Citer { style, libraries }
    }

    fn entry(&self, key: &str) -> Option<&'a Entry> {
        self.libraries.iter().find_map(|l| l.get(key))
    }
}

fn csl_locator(kind: LocatorKind) -> CslLocator {
    match kind {
        LocatorKind::Page => CslLocator::Page,
        LocatorKind::Chapter => CslLocator::Chapter,
        LocatorKind::Section => CslLocator::Section,
        LocatorKind::Paragraph => CslLocator::Paragraph,
        LocatorKind::Volume => CslLocator::Volume,
        LocatorKind::Figure => CslLocator::Figure,
        LocatorKind::Note => CslLocator::Note,
        LocatorKind::Line => CslLocator::Line,
        LocatorKind::Table => CslLocator::Table,
        LocatorKind::Appendix => CslLocator::Appendix,
        LocatorKind::Part => CslLocator::Part,
    }
}

impl CitationFormatter for Citer<'_> {
    fn has(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    fn suggest(&self, key: &str) -> Option<String> {
        let keys = self.libraries.iter().flat_map(|l| l.keys());
        crate::diagnostics::did_you_mean(key, keys).map(str::to_string)
    }

    fn format(&self, citations: &[Citation]) -> Formatted {
        let style = &self.style.csl;
        let locales = &self.style.locales;
        let mut driver = BibliographyDriver::new();
        for citation in citations {
            let items: Vec<CitationItem<'_, Entry>> = citation
                .items
                .iter()
                .filter_map(|cite| {
                    let entry = self.entry(&cite.key)?;
                    let locator = cite.locator.as_ref().map(|l| {
                        SpecificLocator(csl_locator(l.kind), LocatorPayload::Str(&l.value))
                    });
                    Some(CitationItem::with_locator(entry, locator))
                })
                .collect();
            driver.citation(CitationRequest::new(
                items,
                style,
                self.style.locale.clone(),
                locales,
                None,
            ));
        }
        let rendered = driver.finish(BibliographyRequest::new(
            style,
            self.style.locale.clone(),
            locales,
        ));
        let citations = rendered
            .citations
            .iter()
            .map(|c| segments(&c.citation))
            .collect();
        let references = rendered
            .bibliography
            .map(|b| {
                b.items
                    .iter()
                    .map(|item| Reference {
                        key: item.key.clone(),
                        label: item.first_field.as_ref().map(|f| {
                            let mut out = String::new();
                            write_child(&mut out, f);
                            out
                        }),
                        html: {
                            let mut out = String::new();
                            write_html(&mut out, &item.content);
                            out
                        },
                    })
                    .collect()
            })
            .unwrap_or_default();
        Formatted {
            citations,
            references,
        }
    }

    fn fingerprint(&self, keys: &[String]) -> u64 {
        let mut h = std::hash::DefaultHasher::new();
        self.style.name.hash(&mut h);
        for key in keys {
            key.hash(&mut h);
            // hayagriva entries hash their whole content.
            self.entry(key).hash(&mut h);
        }
        h.finish()
    }
}

/// A formatted citation split where each cited work's part begins and ends.
fn segments(children: &ElemChildren) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut push = |item: Option<usize>, html: String| match out.last_mut() {
        Some(last) if last.item.is_none() && item.is_none() => last.html.push_str(&html),
        _ => out.push(Segment { item, html }),
    };
    for child in &children.0 {
        let mut html = String::new();
        write_child(&mut html, child);
        let item = match child {
            ElemChild::Elem(e) => match e.meta {
                Some(ElemMeta::Entry(i)) => Some(i),
                _ => None,
            },
            _ => None,
        };
        push(item, html);
    }
    out
}

/// Writes formatted output as escaped HTML.
pub fn write_html(out: &mut String, children: &ElemChildren) {
    for child in &children.0 {
        write_child(out, child);
    }
}

fn write_child(out: &mut String, child: &ElemChild) {
    match child {
        ElemChild::Text(t) => write_formatted(out, &t.text, &t.formatting),
        ElemChild::Elem(e) => write_html(out, &e.children),
        ElemChild::Markup(m) => out.push_str(&escape_html(m)),
        ElemChild::Link { text, url } => {
            let web = url.starts_with("https://") || url.starts_with("http://");
            if web {
                let _ = write!(out, "<a href=\"{}\">", escape_html(url));
            }
            write_formatted(out, &text.text, &text.formatting);
            if web {
                out.push_str("</a>");
            }
        }
        ElemChild::Transparent { .. } => {}
    }
}

/// Text with the style's formatting as elements: `<i>` for titles in italics, and so on.
fn write_formatted(out: &mut String, text: &str, formatting: &Formatting) {
    let mut close = Vec::new();
    let mut open = |out: &mut String, tag: &'static str, end: &'static str| {
        out.push_str(tag);
        close.push(end);
    };
    if matches!(formatting.font_style, FontStyle::Italic) {
        open(out, "<i>", "</i>");
    }
    if formatting.font_weight == FontWeight::Bold {
        open(out, "<b>", "</b>");
    }
    if formatting.font_variant == FontVariant::SmallCaps {
        open(out, "<span class=\"small-caps\">", "</span>");
    }
    match formatting.vertical_align {
        VerticalAlign::Sup => open(out, "<sup>", "</sup>"),
        VerticalAlign::Sub => open(out, "<sub>", "</sub>"),
        _ => {}
    }
    out.push_str(&escape_html(text));
    for end in close.iter().rev() {
        out.push_str(end);
    }
}
