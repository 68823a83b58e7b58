//! "Cite this brief": a brief's own reference, as a ready-to-copy citation in the site's style
//! (formatted by hayagriva from a `Report` entry), as BibTeX and as RIS.

use hayagriva::{BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, Entry};

use super::CitationStyle;
use super::format::write_html;

/// What a brief's reference is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BriefReference {
    /// The key for BibTeX (the brief's slug, say).
    pub key: String,
    /// Title.
    pub title: String,
    /// Authors' names as written ("Layla Hassan").
    pub authors: Vec<String>,
    /// Publication date, `YYYY-MM-DD` (or `YYYY-MM`, `YYYY`).
    pub date: String,
    /// The publishing organisation (or the site's name).
    pub publisher: String,
    /// Series name.
    pub series: Option<String>,
    /// Number in the series.
    pub number: Option<i64>,
    /// Permanent URL.
    pub url: String,
    /// The language it is written in (a BCP 47 code such as `ar`), when the site says.
    pub language: Option<String>,
}

/// The BibLaTeX (babel/polyglossia) name of a language code: what `language = {…}` takes.
/// A code not listed is written as given.
pub fn biblatex_language(code: &str) -> String {
    let base = code
        .split(['-', '_'])
        .next()
        .unwrap_or(code)
        .to_ascii_lowercase();
    let name = match base.as_str() {
        "ar" => "arabic",
        "de" => "german",
        "en" => "english",
        "es" => "spanish",
        "fa" => "persian",
        "fr" => "french",
        "he" => "hebrew",
        "it" => "italian",
        "ku" => "kurdish",
        "nl" => "dutch",
        "pt" => "portuguese",
        "ru" => "russian",
        "tr" => "turkish",
        "ur" => "urdu",
        "zh" => "chinese",
        _ => return code.to_string(),
    };
    name.to_string()
}

/// A name as "Family, Given" (the last word is taken for the family name; a name already
/// written with a comma is kept).
fn inverted(name: &str) -> String {
    let name = name.trim();
    if name.contains(',') {
        return name.to_string();
    }
    match name.rsplit_once(' ') {
        Some((given, family)) => format!("{family}, {given}"),
        None => name.to_string(),
    }
}

/// The year of a `YYYY-MM-DD` date.
fn year(date: &str) -> &str {
    date.split('-').next().unwrap_or(date)
}

/// The brief as a hayagriva `Report` entry (built through Hayagriva YAML, every value quoted
/// as a JSON string, which YAML reads as written).
pub fn entry(brief: &BriefReference) -> Option<Entry> {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
    let mut yaml = format!("brief:\n  type: Report\n  title: {}\n", q(&brief.title));
    if !brief.authors.is_empty() {
        yaml.push_str("  author:\n");
        for author in &brief.authors {
            yaml.push_str(&format!("    - {}\n", q(&inverted(author))));
        }
    }
    yaml.push_str(&format!(
        "  date: {}\n  publisher: {}\n  url: {}\n",
        q(&brief.date),
        q(&brief.publisher),
        q(&brief.url)
    ));
    if let Some(number) = brief.number {
        yaml.push_str(&format!("  serial-number: {}\n", q(&number.to_string())));
    }
    if let Some(series) = &brief.series {
        yaml.push_str(&format!(
            "  parent:\n    type: Report\n    title: {}\n",
            q(series)
        ));
    }
    let library = hayagriva::io::from_yaml_str(&yaml).ok()?;
    library.get("brief").cloned()
}

/// The brief's reference in `style`, as HTML (its bibliography entry's form).
pub fn citation_html(brief: &BriefReference, style: &CitationStyle) -> Option<String> {
    let entry = entry(brief)?;
    let mut driver = BibliographyDriver::new();
    driver.citation(CitationRequest::new(
        vec![CitationItem::with_entry(&entry)],
        &style.csl,
        style.locale.clone(),
        &style.locales,
        None,
    ));
    let rendered = driver.finish(BibliographyRequest::new(
        &style.csl,
        style.locale.clone(),
        &style.locales,
    ));
    let item = rendered.bibliography?.items.into_iter().next()?;
    let mut out = String::new();
    write_html(&mut out, &item.content);
    Some(out)
}

/// BibTeX's special characters escaped: `{ } \ # $ % & _ ^ ~`.
pub fn escape_bibtex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '#' | '$' | '%' | '&' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\textasciicircum{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            _ => out.push(c),
        }
    }
    out
}

/// The brief as a BibTeX `@techreport` entry.
pub fn bibtex(brief: &BriefReference) -> String {
    let key: String = brief
        .key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    let key = if key.is_empty() {
        "brief".to_string()
    } else {
        key
    };
    let mut fields = vec![("title", format!("{{{}}}", escape_bibtex(&brief.title)))];
    if !brief.authors.is_empty() {
        let authors: Vec<String> = brief
            .authors
            .iter()
            .map(|a| escape_bibtex(&inverted(a)))
            .collect();
        fields.push(("author", authors.join(" and ")));
    }
    fields.push(("institution", escape_bibtex(&brief.publisher)));
    fields.push(("year", escape_bibtex(year(&brief.date))));
    fields.push(("date", escape_bibtex(&brief.date)));
    if let Some(series) = &brief.series {
        fields.push(("type", escape_bibtex(series)));
    }
    if let Some(number) = brief.number {
        fields.push(("number", number.to_string()));
    }
    if let Some(language) = &brief.language {
        fields.push(("language", escape_bibtex(&biblatex_language(language))));
    }
    // A URL is verbatim in BibLaTeX: only braces would break the entry.
    fields.push(("url", brief.url.replace(['{', '}'], "")));
    let mut out = format!("@techreport{{{key},\n");
    for (name, value) in fields {
        for part in ["  ", name, " = {", &value, "},\n"] {
            out.push_str(part);
        }
    }
    out.push_str("}\n");
    out
}

/// One RIS line: `TAG  - value`, the value on one line (control characters become spaces,
/// and none are left at either end).
fn ris_line(out: &mut String, tag: &str, value: &str) {
    out.push_str(tag);
    out.push_str("  - ");
    let value = value.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    out.extend(value.chars().map(|c| if c.is_control() { ' ' } else { c }));
    out.push_str("\r\n");
}

/// The brief as a RIS record (type `RPRT`).
pub fn ris(brief: &BriefReference) -> String {
    let mut out = String::new();
    ris_line(&mut out, "TY", "RPRT");
    ris_line(&mut out, "TI", &brief.title);
    for author in &brief.authors {
        ris_line(&mut out, "AU", &inverted(author));
    }
    ris_line(&mut out, "PY", year(&brief.date));
    ris_line(&mut out, "DA", &brief.date.replace('-', "/"));
    ris_line(&mut out, "PB", &brief.publisher);
    if let Some(series) = &brief.series {
        ris_line(&mut out, "T3", series);
    }
    if let Some(number) = brief.number {
        ris_line(&mut out, "IS", &number.to_string());
    }
    ris_line(&mut out, "UR", &brief.url);
    if let Some(language) = &brief.language {
        ris_line(&mut out, "LA", language);
    }
    ris_line(&mut out, "ER", "");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brief() -> BriefReference {
        BriefReference {
            key: "first-round".to_string(),
            title: "Talks & the 50% question_{x}".to_string(),
            authors: vec!["Layla Hassan".to_string(), "Tom Reed".to_string()],
            date: "2024-01-27".to_string(),
            publisher: "Tigris Policy Institute".to_string(),
            series: Some("Policy Briefs".to_string()),
            number: Some(3),
            url: "https://briefs.example.org/briefs/first-round/".to_string(),
            language: None,
        }
    }

    #[test]
    fn bibtex_escapes_special_characters() {
        let text = bibtex(&brief());
        assert!(text.starts_with("@techreport{first-round,\n"), "{text}");
        assert!(
            text.contains("title = {{Talks \\& the 50\\% question\\_\\{x\\}}}"),
            "{text}"
        );
        assert!(text.contains("author = {Hassan, Layla and Reed, Tom}"));
        assert!(text.contains("year = {2024}"));
        assert!(text.contains("url = {https://briefs.example.org/briefs/first-round/}"));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn ris_has_the_required_tags() {
        let text = ris(&brief());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.first(), Some(&"TY  - RPRT"));
        assert!(lines.contains(&"TI  - Talks & the 50% question_{x}"));
        assert!(lines.contains(&"AU  - Hassan, Layla"));
        assert!(lines.contains(&"AU  - Reed, Tom"));
        assert!(lines.contains(&"PY  - 2024"));
        assert!(lines.contains(&"UR  - https://briefs.example.org/briefs/first-round/"));
        assert_eq!(lines.last(), Some(&"ER  - "));
    }

    #[test]
    fn the_language_is_named_in_both_formats() {
        let mut b = brief();
        b.language = Some("ar".to_string());
        assert!(bibtex(&b).contains("  language = {arabic},\n"));
        assert!(ris(&b).contains("LA  - ar\r\nER  - "));
        assert_eq!(biblatex_language("pt-BR"), "portuguese");
        assert_eq!(biblatex_language("sw"), "sw");
    }

    #[test]
    fn ris_values_stay_on_one_line() {
        let mut b = brief();
        b.title = "Line\nbreak".to_string();
        assert!(ris(&b).contains("TI  - Line break\r\n"));
    }

    #[test]
    fn citation_in_each_style() {
        for name in ["chicago-author-date", "apa", "ieee"] {
            let style = CitationStyle::by_name(name).unwrap();
            let html = citation_html(&brief(), &style).unwrap();
            assert!(html.contains("Hassan"), "{name}: {html}");
            assert!(html.contains("Talks &amp; the 50%"), "{name}: {html}");
            assert!(html.contains("2024"), "{name}: {html}");
        }
    }

    #[test]
    fn title_markup_is_escaped() {
        let mut b = brief();
        b.title = "<script>alert(1)</script>".to_string();
        let style = CitationStyle::by_name("apa").unwrap();
        let html = citation_html(&b, &style).unwrap();
        assert!(!html.contains("<script>"), "{html}");
    }
}
