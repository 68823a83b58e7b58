//! Hugo and Zola front matter → communique's fields, written as TOML.
//!
//! Each source key is mapped on its own: a field communique has takes the value (converted
//! to its type), a taxonomy becomes a top-level list, and anything else is kept under
//! `[extra]` with a note in the report, so no data is lost and the page still builds.

use serde_json::{Map, Value};

use super::report::Report;
pub use super::taxonomies::{Taxonomies, TaxonomyTarget};
pub use super::values::to_toml;
use super::values::{author_names, boolean, integer, strings, text};
use crate::content::PublishDate;
use crate::site::urls::{alias_path, page_location, page_path, slugify};

/// What is being converted, for notes and fallbacks.
pub struct Context<'a> {
    /// The source file, relative to the source site (for the report).
    pub file: &'a str,
    /// The file relative to `content/`.
    pub content_rel: &'a str,
    /// Hugo reads keys case-insensitively (`lastMod`, `expiryDate`).
    pub hugo: bool,
    /// `_index.md`: only section fields apply.
    pub section: bool,
    /// The date written when a page has none.
    pub today: &'a str,
}

/// communique front matter, ready to write.
#[derive(Debug, Clone, Default)]
pub struct NewFrontMatter {
    title: Option<String>,
    date: Option<String>,
    updated: Option<String>,
    description: Option<String>,
    subtitle: Option<String>,
    authors: Vec<String>,
    draft: Option<bool>,
    slug: Option<String>,
    weight: Option<i64>,
    aliases: Vec<String>,
    sort_by: Option<String>,
    paginate_by: Option<i64>,
    taxonomies: Vec<(String, Vec<String>)>,
    extra: toml::Table,
}

/// The source fields read into [`NewFrontMatter`]. `line_of` finds a key's line in the source.
pub fn convert(
    fields: &Map<String, Value>,
    cx: &Context<'_>,
    taxonomies: &mut Taxonomies,
    line_of: &dyn Fn(&str) -> Option<usize>,
    report: &mut Report,
) -> NewFrontMatter {
    let mut out = NewFrontMatter::default();
    let mut publish_date = None;
    let mut summary = None;
    for (key, value) in fields {
        let line = line_of(key);
        let normal = if cx.hugo {
            key.to_lowercase()
        } else {
            key.clone()
        };
        let page_only = matches!(
            normal.as_str(),
            "date"
                | "updated"
                | "lastmod"
                | "publishdate"
                | "author"
                | "authors"
                | "slug"
                | "subtitle"
                | "aliases"
                | "url"
                | "path"
                | "summary"
        ) || taxonomies.get(&normal).is_some()
            || normal == "taxonomies";
        if cx.section && page_only {
            out.keep(
                key,
                value,
                cx,
                line,
                "communique sections have no such field",
                report,
            );
            continue;
        }
        match normal.as_str() {
            "title" => out.title = text(value),
            "description" => out.description = text(value),
            "subtitle" => out.subtitle = text(value),
            "summary" => summary = text(value),
            "date" => out.date = out.date_field(key, value, cx, line, report),
            "publishdate" => publish_date = Some((key.clone(), value.clone(), line)),
            "lastmod" | "updated" => out.updated = out.date_field(key, value, cx, line, report),
            "author" | "authors" => out.authors.extend(author_names(value)),
            "draft" => out.draft = boolean(value),
            "slug" => out.slug = text(value).filter(|s| !slugify(s).is_empty()),
            "weight" => out.weight = integer(value),
            "aliases" => {
                for alias in strings(value) {
                    out.add_alias(&alias, cx, line, report);
                }
            }
            "url" | "path" => {
                if let Some(url) = text(value) {
                    report.changed(
                        cx.file,
                        line,
                        format!("`{key} = \"{url}\"` set this page's address; communique keeps the page at its file's address and makes \"{url}\" a redirect to it (aliases)"),
                    );
                    // Both are site paths, whether or not they start with `/`.
                    let site_path = format!("/{}", url.trim_start_matches('/'));
                    out.add_alias(&site_path, cx, line, report);
                }
            }
            "taxonomies" => out.taxonomy_table(value, cx, taxonomies, line, report),
            "extra" | "params" => {
                if let Some(toml::Value::Table(table)) = to_toml(value) {
                    out.extra.extend(table);
                }
            }
            "sort_by" if cx.section => out.sort_by(value, cx, line, report),
            "paginate_by" if cx.section => out.paginate_by = integer(value),
            "template" | "layout" | "type" => {
                report.not_converted(
                    cx.file,
                    line,
                    format!("`{key}` names a custom template, which is not converted; the built-in one is used (value kept under [extra])"),
                );
                out.keep_silently(key, value);
            }
            _ => match taxonomies.get(&normal).cloned() {
                Some(target) => out.taxonomy(key, &target, value, cx, line, report),
                None => out.keep(key, value, cx, line, "communique has no such field", report),
            },
        }
    }
    if !cx.section {
        out.fill_required(cx, publish_date, summary, report);
    }
    out
}

impl NewFrontMatter {
    fn keep(
        &mut self,
        key: &str,
        value: &Value,
        cx: &Context<'_>,
        line: Option<usize>,
        why: &str,
        report: &mut Report,
    ) {
        let owner = if cx.section { "section" } else { "page" };
        report.not_converted(
            cx.file,
            line,
            format!("field `{key}` kept under [extra] ({why}); templates can read it as `{owner}.extra.{key}`"),
        );
        self.keep_silently(key, value);
    }

    fn keep_silently(&mut self, key: &str, value: &Value) {
        if let Some(v) = to_toml(value) {
            self.extra.insert(key.to_string(), v);
        }
    }

    fn date_field(
        &mut self,
        key: &str,
        value: &Value,
        cx: &Context<'_>,
        line: Option<usize>,
        report: &mut Report,
    ) -> Option<String> {
        let written = text(value).unwrap_or_default();
        match PublishDate::parse(&written) {
            Some(date) => Some(date.text),
            None => {
                report.not_converted(
                    cx.file,
                    line,
                    format!("`{key}` \"{written}\" is not a date communique reads (2024-01-27 or 2024-01-27T09:30:00Z); kept under [extra]"),
                );
                self.keep_silently(key, value);
                None
            }
        }
    }

    fn add_alias(
        &mut self,
        alias: &str,
        cx: &Context<'_>,
        line: Option<usize>,
        report: &mut Report,
    ) {
        // A relative alias is relative to the page's folder, as Hugo reads it.
        let absolute = if alias.starts_with('/') {
            alias.to_string()
        } else {
            let dir = cx.content_rel.rsplit_once('/').map_or("", |(d, _)| d);
            format!("/{dir}/{alias}").replace("//", "/")
        };
        match alias_path(&absolute) {
            Ok(_) => self.aliases.push(absolute),
            Err(why) => report.not_converted(
                cx.file,
                line,
                format!("alias \"{alias}\" left out: it {why}"),
            ),
        }
    }

    fn taxonomy_table(
        &mut self,
        value: &Value,
        cx: &Context<'_>,
        taxonomies: &mut Taxonomies,
        line: Option<usize>,
        report: &mut Report,
    ) {
        let Value::Object(table) = value else {
            self.keep("taxonomies", value, cx, line, "it is not a table", report);
            return;
        };
        for (name, terms) in table {
            let target = taxonomies.declare(name);
            self.taxonomy(name, &target, terms, cx, line, report);
        }
    }

    fn taxonomy(
        &mut self,
        key: &str,
        target: &TaxonomyTarget,
        value: &Value,
        cx: &Context<'_>,
        line: Option<usize>,
        report: &mut Report,
    ) {
        let terms = strings(value);
        let (good, bad): (Vec<String>, Vec<String>) =
            terms.into_iter().partition(|t| !slugify(t).is_empty());
        for term in bad {
            report.not_converted(
                cx.file,
                line,
                format!("term \"{term}\" of `{key}` left out: a term needs a letter or digit to make its address"),
            );
        }
        match target {
            TaxonomyTarget::Taxonomy(name) => {
                match self.taxonomies.iter_mut().find(|(n, _)| n == name) {
                    Some((_, list)) => list.extend(good),
                    None => self.taxonomies.push((name.clone(), good)),
                }
            }
            TaxonomyTarget::Authors => self.authors.extend(good),
            TaxonomyTarget::Extra => self.keep(
                key,
                value,
                cx,
                line,
                "its name is a communique page field",
                report,
            ),
        }
    }

    fn sort_by(
        &mut self,
        value: &Value,
        cx: &Context<'_>,
        line: Option<usize>,
        report: &mut Report,
    ) {
        let written = text(value).unwrap_or_default();
        let sort = match written.as_str() {
            "date" | "title" | "weight" => written.clone(),
            "update_date" => "date".to_string(),
            "title_bytes" | "slug" => "title".to_string(),
            _ => {
                report.not_converted(cx.file, line, format!("`sort_by = \"{written}\"` has no communique equivalent; pages are sorted by date"));
                return;
            }
        };
        if sort != written {
            report.changed(
                cx.file,
                line,
                format!("`sort_by = \"{written}\"` became \"{sort}\""),
            );
        }
        self.sort_by = Some(sort);
    }

    fn fill_required(
        &mut self,
        cx: &Context<'_>,
        publish_date: Option<(String, Value, Option<usize>)>,
        summary: Option<String>,
        report: &mut Report,
    ) {
        if let Some((key, value, line)) = publish_date {
            if self.date.is_none() {
                self.date = self.date_field(&key, &value, cx, line, report);
            } else {
                self.keep(
                    &key,
                    &value,
                    cx,
                    line,
                    "the page has a `date`, which communique publishes it by",
                    report,
                );
            }
        }
        match summary {
            Some(s) if self.description.is_none() => self.description = Some(s),
            Some(s) => self.keep(
                "summary",
                &Value::String(s),
                cx,
                None,
                "the page also has a `description`",
                report,
            ),
            None => {}
        }
        // An alias at the page's own address would collide with the page (Hugo's `url` often
        // repeats the address the page has anyway).
        let (dir, stem) = page_location(cx.content_rel);
        let own = page_path(dir, &slugify(self.slug.as_deref().unwrap_or(stem)));
        let mut seen = std::collections::BTreeSet::new();
        self.aliases
            .retain(|a| a.trim_matches('/') != own.trim_matches('/') && seen.insert(a.clone()));
        if self.title.is_none() {
            let title = title_from_path(cx.content_rel);
            report.changed(
                cx.file,
                Some(1),
                format!("no title: \"{title}\" was made from the file name"),
            );
            self.title = Some(title);
        }
        if self.date.is_none() {
            let date = self.updated.clone().unwrap_or_else(|| cx.today.to_string());
            report.changed(
                cx.file,
                Some(1),
                format!(
                    "no date: set to {date}; communique needs one to sort and publish the page"
                ),
            );
            self.date = Some(date);
        }
    }

    /// The title, when there is one.
    pub fn title(&self) -> Option<String> {
        self.title.clone()
    }

    /// Whether the page or section is a draft.
    pub fn is_draft(&self) -> bool {
        self.draft == Some(true)
    }

    /// The front matter as TOML lines (without the `+++` fences).
    pub fn to_toml(&self, section: bool) -> String {
        let mut out = String::new();
        let mut line = |key: &str, value: toml::Value| {
            out.push_str(&format!("{} = {value}\n", bare_or_quoted(key)));
        };
        if let Some(t) = &self.title {
            line("title", t.clone().into());
        }
        if !section {
            if let Some(d) = &self.date {
                line("date", date_value(d));
            }
            if let Some(d) = &self.updated {
                line("updated", date_value(d));
            }
        }
        if let Some(d) = &self.description {
            line("description", d.clone().into());
        }
        if let Some(s) = &self.subtitle {
            line("subtitle", s.clone().into());
        }
        if !self.authors.is_empty() {
            let tables = self.authors.iter().map(|name| {
                let mut t = toml::Table::new();
                t.insert("name".into(), name.clone().into());
                toml::Value::Table(t)
            });
            line("authors", toml::Value::Array(tables.collect()));
        }
        if let Some(s) = &self.sort_by {
            line("sort_by", s.clone().into());
        }
        if let Some(p) = self.paginate_by.filter(|p| *p >= 0) {
            line("paginate_by", p.into());
        }
        if let Some(d) = self.draft {
            line("draft", d.into());
        }
        if let Some(s) = &self.slug {
            line("slug", s.clone().into());
        }
        if let Some(w) = self.weight {
            line("weight", w.into());
        }
        if !self.aliases.is_empty() {
            line("aliases", string_array(&self.aliases));
        }
        for (name, terms) in &self.taxonomies {
            line(name, string_array(terms));
        }
        if !self.extra.is_empty() {
            let mut wrapper = toml::Table::new();
            wrapper.insert("extra".into(), toml::Value::Table(self.extra.clone()));
            out.push_str(&toml::to_string(&wrapper).unwrap_or_default());
        }
        out
    }
}

fn bare_or_quoted(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
    }
}

fn date_value(text: &str) -> toml::Value {
    match text.parse::<toml::value::Datetime>() {
        Ok(d) => toml::Value::Datetime(d),
        Err(_) => toml::Value::String(text.to_string()),
    }
}

fn string_array(items: &[String]) -> toml::Value {
    toml::Value::Array(items.iter().cloned().map(toml::Value::String).collect())
}

/// "fiscal-outlook_2024.md" → "Fiscal outlook 2024"; a folder page or section by its folder.
fn title_from_path(content_rel: &str) -> String {
    let mut parts: Vec<&str> = content_rel.split('/').collect();
    if matches!(parts.last(), Some(&"index.md" | &"_index.md")) {
        parts.pop();
    }
    let name = parts.last().copied().unwrap_or("home");
    let name = name.strip_suffix(".md").unwrap_or(name);
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Home".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hugo_page(fields: Value, taxonomies: &mut Taxonomies) -> (String, Report) {
        let Value::Object(map) = fields else { panic!() };
        let mut report = Report::default();
        let cx = Context {
            file: "content/posts/a.md",
            content_rel: "posts/a.md",
            hugo: true,
            section: false,
            today: "2026-01-01",
        };
        let fm = convert(&map, &cx, taxonomies, &|_| Some(2), &mut report);
        (fm.to_toml(false), report)
    }

    #[test]
    fn hugo_fields_map_onto_communique_fields() {
        let mut tx = Taxonomies::default();
        tx.declare("tags");
        tx.declare("categories");
        let (toml, report) = hugo_page(
            serde_json::json!({
                "title": "A", "date": "2024-01-27", "lastMod": "2024-02-01T10:00:00+02:00",
                "author": "Ada Lovelace", "tags": "one", "categories": ["x", "y"],
                "aliases": ["old-a", "/older/a/"], "weight": 3, "draft": false,
                "expiryDate": "2030-01-01", "params": { "mood": "calm" },
            }),
            &mut tx,
        );
        assert!(
            toml.contains(
                "title = \"A\"\ndate = 2024-01-27\nupdated = 2024-02-01T10:00:00+02:00\n"
            ),
            "{toml}"
        );
        assert!(
            toml.contains("authors = [{ name = \"Ada Lovelace\" }]"),
            "{toml}"
        );
        assert!(toml.contains("tags = [\"one\"]"), "{toml}");
        assert!(toml.contains("categories = [\"x\", \"y\"]"), "{toml}");
        assert!(
            toml.contains("aliases = [\"/posts/old-a\", \"/older/a/\"]"),
            "{toml}"
        );
        assert!(toml.contains("[extra]\n"), "{toml}");
        assert!(toml.contains("mood = \"calm\""), "{toml}");
        assert!(toml.contains("expiryDate = \"2030-01-01\""), "{toml}");
        assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
        assert!(report.notes[0].message.contains("expiryDate"));
        let parsed: toml::Table = toml::from_str(&toml).unwrap();
        assert_eq!(parsed["weight"].as_integer(), Some(3));
    }

    #[test]
    fn missing_title_and_date_are_made_and_reported() {
        let mut tx = Taxonomies::default();
        let (toml, report) = hugo_page(serde_json::json!({}), &mut tx);
        assert!(
            toml.starts_with("title = \"A\"\ndate = 2026-01-01\n"),
            "{toml}"
        );
        assert_eq!(report.notes.len(), 2);
    }

    #[test]
    fn taxonomy_names_that_are_fields_go_elsewhere() {
        let mut tx = Taxonomies::default();
        assert_eq!(tx.declare("authors"), TaxonomyTarget::Authors);
        assert_eq!(tx.declare("series"), TaxonomyTarget::Extra);
        assert_eq!(
            tx.declare("Policy-Areas"),
            TaxonomyTarget::Taxonomy("policy_areas".into())
        );
        assert_eq!(tx.declared, ["policy_areas"]);
        assert_eq!(tx.renamed(), [("Policy-Areas", "policy_areas")]);
    }

    #[test]
    fn an_address_the_page_has_anyway_is_not_an_alias() {
        let mut tx = Taxonomies::default();
        let (toml, _) = hugo_page(
            serde_json::json!({ "title": "A", "date": "2024-01-01", "url": "/posts/a/", "aliases": ["/x/", "/x/"] }),
            &mut tx,
        );
        assert!(toml.contains("aliases = [\"/x/\"]\n"), "{toml}");
    }

    #[test]
    fn titles_from_file_names() {
        assert_eq!(
            title_from_path("posts/fiscal-outlook_2024.md"),
            "Fiscal outlook 2024"
        );
        assert_eq!(title_from_path("posts/bundle/index.md"), "Bundle");
        assert_eq!(title_from_path("_index.md"), "Home");
    }
}
