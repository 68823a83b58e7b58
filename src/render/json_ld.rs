//! A brief's schema.org `Report` as JSON-LD, ready to put in a `<script>` element.
//!
//! Built here rather than in the template: assembling the object from Tera maps on each of
//! ten thousand brief pages cost about a tenth of a build (docs/performance.md). The result is
//! the same JSON the built-in template wrote, and is escaped for a script element like the
//! `json_script` filter's output, so no title can end the element.

use serde::Serialize;

use crate::site::SiteModel;

/// A schema.org `Report`. Serialised straight from borrowed fields: building a
/// `serde_json::Value` first cost more than the rest of the page's metadata.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    headline: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    alternative_headline: Option<&'a str>,
    description: &'a str,
    date_published: &'a str,
    date_modified: &'a str,
    url: &'a str,
    main_entity_of_page: &'a str,
    in_language: &'a str,
    author: Vec<Person<'a>>,
    publisher: Organization<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    keywords: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_part_of: Option<Series<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<i64>,
    /// The brief's PDF, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<MediaObject>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MediaObject {
    #[serde(rename = "@type")]
    kind: &'static str,
    content_url: String,
    encoding_format: &'static str,
}

#[derive(Serialize)]
struct Person<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    affiliation: Option<Organization<'a>>,
    url: String,
}

#[derive(Serialize)]
struct Organization<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Series<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

fn organization(name: &str, url: Option<String>) -> Organization<'_> {
    Organization {
        kind: "Organization",
        name,
        url,
    }
}

/// The JSON-LD of page `index`, escaped for a `<script type="application/ld+json">`.
pub fn report(model: &SiteModel, index: usize) -> String {
    let page = &model.pages[index];
    let m = page.meta();
    let config = &model.config;
    let urls = &model.urls;
    let permalink = urls.permalink(&page.path);
    let author = m
        .authors
        .iter()
        .zip(&page.authors)
        .map(|(entry, &a)| {
            let author = &model.authors[a];
            let translated = author.translation(page.lang);
            let affiliation = entry
                .affiliation
                .as_ref()
                .or(translated.and_then(|t| t.affiliation.as_ref()))
                .or(author.affiliation.as_ref());
            let prefix = super::views::language_prefix(model, page.lang);
            Person {
                kind: "Person",
                name: author.name_in(page.lang),
                affiliation: affiliation.map(|name| organization(name, None)),
                url: urls.permalink(&format!("{prefix}{}", author.path)),
            }
        })
        .collect();
    let keywords = config
        .taxonomies
        .iter()
        .flat_map(|name| m.taxonomies.get(name).into_iter().flatten())
        .map(String::as_str)
        .collect();
    let report = Report {
        context: "https://schema.org",
        kind: "Report",
        headline: &m.title,
        name: &m.title,
        alternative_headline: m.subtitle.as_deref(),
        description: m
            .description
            .as_deref()
            .or(config.description.as_deref())
            .unwrap_or(&config.title),
        date_published: &m.date.text,
        date_modified: &m.updated.as_ref().unwrap_or(&m.date).text,
        url: &permalink,
        main_entity_of_page: &permalink,
        in_language: config
            .languages
            .get(model.pages[index].lang)
            .map_or(&config.language, |l| &l.code),
        author,
        publisher: organization(
            config.organization.as_deref().unwrap_or(&config.title),
            Some(urls.permalink("/")),
        ),
        keywords,
        is_part_of: m.series.as_deref().map(|name| Series {
            kind: "CreativeWorkSeries",
            name,
        }),
        position: m.number.filter(|n| *n != 0),
        encoding: crate::pdf::wanted(config, m).then(|| MediaObject {
            kind: "MediaObject",
            content_url: urls.permalink(&crate::pdf::site_path(&page.path, &page.slug)),
            encoding_format: "application/pdf",
        }),
    };
    // Serialising borrowed strings and plain numbers cannot fail.
    serde_json::to_string(&report).map_or_else(|_| "{}".to_string(), |json| script_safe(&json))
}

/// JSON text made safe inside a script element: `<`, `>` and `&` as `\u` escapes (so neither
/// `</script>` nor `<!--` can appear), and the line separators JavaScript once rejected.
/// Copied a run of plain text at a time: every brief page has one, and a character at a time
/// was half the cost of the whole report.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    let mut plain_from = 0;
    let bytes = json.as_bytes();
    for (i, &byte) in bytes.iter().enumerate() {
        let (escape, len) = match byte {
            b'<' => ("\\u003c", 1),
            b'>' => ("\\u003e", 1),
            b'&' => ("\\u0026", 1),
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
            0xE2 if bytes.get(i + 1) == Some(&0x80) => match bytes.get(i + 2) {
                Some(0xA8) => ("\\u2028", 3),
                Some(0xA9) => ("\\u2029", 3),
                _ => continue,
            },
            _ => continue,
        };
        // Each match starts a character and spans it whole, so both ends are boundaries.
        out.push_str(&json[plain_from..i]);
        out.push_str(escape);
        plain_from = i + len;
    }
    out.push_str(&json[plain_from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::script_safe;

    #[test]
    fn nothing_can_end_the_script_element() {
        let text = serde_json::json!({ "t": "</script><!-- & \u{2028}" }).to_string();
        let safe = script_safe(&text);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["t"], "</script><!-- & \u{2028}");
    }

    /// The same text as escaping a character at a time.
    #[test]
    fn escapes_as_a_character_at_a_time_would() {
        let text = "a<b>c&d\u{2028}e\u{2029}f\u{2027}g — é\u{202A}<";
        let mut expected = String::new();
        for c in text.chars() {
            match c {
                '<' => expected.push_str("\\u003c"),
                '>' => expected.push_str("\\u003e"),
                '&' => expected.push_str("\\u0026"),
                '\u{2028}' => expected.push_str("\\u2028"),
                '\u{2029}' => expected.push_str("\\u2029"),
                _ => expected.push(c),
            }
        }
        assert_eq!(script_safe(text), expected);
    }
}
