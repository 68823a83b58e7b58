//! "Cite this brief": the `page.cite` view and the `cite.bib` / `cite.ris` files beside each
//! brief (rendered by the overridable templates `cite.bib` and `cite.ris`).
//!
//! The citation in the site's style is formatted through a per-process
//! [`CiteFormatter`](crate::content::bibliography::cite_cache::CiteFormatter), which keeps the
//! cost per brief to microseconds; BibTeX and RIS are written only for the files' own jobs.

use tera::Value;

use super::views::Fields;
use crate::content::bibliography::cite_cache;
use crate::content::bibliography::cite_this::{BriefReference, bibtex, ris};
use crate::site::SiteModel;

/// A file a brief can be cited from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CiteFormat {
    /// `cite.bib`.
    Bibtex,
    /// `cite.ris`.
    Ris,
}

impl CiteFormat {
    /// Both formats, in the order their jobs are made.
    pub const ALL: [CiteFormat; 2] = [CiteFormat::Bibtex, CiteFormat::Ris];

    /// The file's name, which is also its template's name.
    pub fn file_name(self) -> &'static str {
        match self {
            CiteFormat::Bibtex => "cite.bib",
            CiteFormat::Ris => "cite.ris",
        }
    }
}

/// The site path of a page's citation file: beside its `index.html` (a page's path is its
/// folder, ending in `/`).
pub fn site_path(page_path: &str, format: CiteFormat) -> String {
    format!("{page_path}{}", format.file_name())
}

/// The code of the language page `index` is written in (`ar`), or the site's language.
fn language_code(model: &SiteModel, index: usize) -> &str {
    let config = &model.config;
    config
        .languages
        .get(model.pages[index].lang)
        .map_or(config.language.as_str(), |l| l.code.as_str())
}

/// What a page's reference is made of: its title, authors' names, date, the site's
/// organisation (or title) as publisher, series, number, permalink and language.
pub fn reference(model: &SiteModel, index: usize) -> BriefReference {
    let page = &model.pages[index];
    let m = page.meta();
    let config = &model.config;
    // `text` is `YYYY-MM-DD`, or RFC 3339 for a date with a time: the day is what is cited.
    let date = m.date.text.get(..10).unwrap_or(&m.date.text).to_string();
    BriefReference {
        key: page.slug.clone(),
        title: m.title.clone(),
        authors: page
            .authors
            .iter()
            .map(|&a| model.authors[a].name_in(page.lang).to_string())
            .collect(),
        date,
        publisher: config
            .organization
            .clone()
            .unwrap_or_else(|| config.title.clone()),
        series: m.series.clone(),
        number: m.number,
        url: model.urls.permalink(&page.path),
        language: Some(language_code(model, index).to_string()),
    }
}

/// `page.cite`: `text` (the citation in the site's style and the page's language, with the
/// style's terms and dates in that language where hayagriva has a CSL locale for it; as
/// HTML; none if the style cannot format it), `bibtex_url` and `ris_url`.
pub fn view(model: &SiteModel, index: usize) -> Fields {
    let brief = reference(model, index);
    let config = &model.config;
    let text = cite_cache::shared(&config.citation_style, language_code(model, index))
        .and_then(|formatter| formatter.citation_html(&brief));
    let path = &model.pages[index].path;
    let mut f = Fields::new();
    f.insert(
        "text",
        text.map_or(Value::none(), |t| Value::safe_string(&t)),
    );
    for (name, format) in [
        ("bibtex_url", CiteFormat::Bibtex),
        ("ris_url", CiteFormat::Ris),
    ] {
        f.insert(name, Value::from(model.urls.href(&site_path(path, format))));
    }
    f
}

/// The entry in `format` alone: what the built-in `cite.bib` and `cite.ris` write.
pub fn file_text(model: &SiteModel, index: usize, format: CiteFormat) -> String {
    let brief = reference(model, index);
    match format {
        CiteFormat::Bibtex => bibtex(&brief),
        CiteFormat::Ris => ris(&brief),
    }
}

/// `cite` for a citation file's template: `key`, the entry in the file's own format (`bibtex`
/// in `cite.bib`, `ris` in `cite.ris`), `bibtex_url` and `ris_url`. The template also sees
/// `page`, the page's listing view as it is (shared, not copied: a site has two of these files
/// per brief).
pub fn file_view(model: &SiteModel, index: usize, format: CiteFormat) -> Value {
    let brief = reference(model, index);
    let path = &model.pages[index].path;
    let mut f = Fields::new();
    f.insert("key", Value::from(brief.key.as_str()));
    match format {
        CiteFormat::Bibtex => f.insert("bibtex", Value::from(bibtex(&brief))),
        CiteFormat::Ris => f.insert("ris", Value::from(ris(&brief))),
    };
    for (name, format) in [
        ("bibtex_url", CiteFormat::Bibtex),
        ("ris_url", CiteFormat::Ris),
    ] {
        f.insert(name, Value::from(model.urls.href(&site_path(path, format))));
    }
    Value::from(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_sit_beside_the_page() {
        assert_eq!(
            site_path("/briefs/x/", CiteFormat::Bibtex),
            "/briefs/x/cite.bib"
        );
    }
}
