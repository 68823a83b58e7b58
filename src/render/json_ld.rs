//! A brief's schema.org `Report` as JSON-LD, ready to put in a `<script>` element.
//!
//! Built here rather than in the template: assembling the object from Tera maps on each of
//! ten thousand brief pages cost about a tenth of a build (docs/performance.md). The result is
//! the same JSON the built-in template wrote, and is escaped for a script element like the
//! `json_script` filter's output, so no title can end the element.

use serde_json::{Map, Value, json};

use crate::site::SiteModel;

/// The JSON-LD of page `index`, escaped for a `<script type="application/ld+json">`.
pub fn report(model: &SiteModel, index: usize) -> String {
    let page = &model.pages[index];
    let m = page.meta();
    let config = &model.config;
    let urls = &model.urls;
    let permalink = urls.permalink(&page.path);
    let publisher_name = config.organization.as_deref().unwrap_or(&config.title);
    let authors: Vec<Value> = m
        .authors
        .iter()
        .zip(&page.authors)
        .map(|(entry, &a)| {
            let author = &model.authors[a];
            let mut person = Map::new();
            person.insert("@type".into(), "Person".into());
            person.insert("name".into(), author.name.as_str().into());
            if let Some(affiliation) = entry.affiliation.as_ref().or(author.affiliation.as_ref()) {
                person.insert(
                    "affiliation".into(),
                    json!({ "@type": "Organization", "name": affiliation }),
                );
            }
            person.insert("url".into(), urls.permalink(&author.path).into());
            Value::Object(person)
        })
        .collect();
    let keywords: Vec<&str> = config
        .taxonomies
        .iter()
        .flat_map(|name| m.taxonomies.get(name).into_iter().flatten())
        .map(String::as_str)
        .collect();
    let description = m
        .description
        .as_deref()
        .or(config.description.as_deref())
        .unwrap_or(&config.title);
    let mut report = json!({
        "@context": "https://schema.org",
        "@type": "Report",
        "headline": m.title,
        "name": m.title,
        "description": description,
        "datePublished": m.date.text,
        "dateModified": m.updated.as_ref().unwrap_or(&m.date).text,
        "url": permalink,
        "mainEntityOfPage": permalink,
        "inLanguage": config.language,
        "author": authors,
        "publisher": { "@type": "Organization", "name": publisher_name, "url": urls.permalink("/") },
    });
    if let Value::Object(fields) = &mut report {
        if let Some(subtitle) = &m.subtitle {
            fields.insert("alternativeHeadline".into(), subtitle.as_str().into());
        }
        if !keywords.is_empty() {
            fields.insert("keywords".into(), keywords.into());
        }
        if let Some(series) = &m.series {
            fields.insert(
                "isPartOf".into(),
                json!({ "@type": "CreativeWorkSeries", "name": series }),
            );
        }
        if let Some(number) = m.number.filter(|n| *n != 0) {
            fields.insert("position".into(), number.into());
        }
        if crate::pdf::wanted(config, m) {
            let pdf = urls.permalink(&crate::pdf::site_path(&page.path, &page.slug));
            fields.insert(
                "encoding".into(),
                json!({ "@type": "MediaObject", "contentUrl": pdf, "encodingFormat": "application/pdf" }),
            );
        }
    }
    script_safe(&report.to_string())
}

/// JSON text made safe inside a script element: `<`, `>` and `&` as `\u` escapes (so neither
/// `</script>` nor `<!--` can appear), and the line separators JavaScript once rejected.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
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
}
