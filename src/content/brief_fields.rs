//! A brief's kind and its structured summary: `type`, `region` and `[summary]`.

use serde_json::Value;

use super::front_matter::{Format, RawFrontMatter, assignment, describe};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, did_you_mean};

/// The brief types every site knows; `types = [...]` in the config adds more.
pub const DEFAULT_TYPES: &[&str] = &["briefing", "report", "qa", "commentary"];

/// The keys of a structured summary.
pub const SUMMARY_FIELDS: &[&str] = &["whats_new", "why_it_matters", "what_should_be_done"];

/// A Crisis Group-style summary in three parts, each inline Markdown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct StructuredSummary {
    /// What is new.
    pub whats_new: Option<String>,
    /// Why it matters.
    pub why_it_matters: Option<String>,
    /// What should be done.
    pub what_should_be_done: Option<String>,
}

/// The `summary` field, which has two meanings.
pub enum Summary {
    /// Hugo's and Zola's one-line `summary`, read as the description.
    Text(String),
    /// communique's three-part summary.
    Structured(StructuredSummary),
}

/// Every type a brief of this site may have: the defaults, then the config's.
pub fn known_types(config: &Config) -> impl Iterator<Item = &str> {
    DEFAULT_TYPES
        .iter()
        .copied()
        .chain(config.types.iter().map(String::as_str))
}

/// The label of a type for readers: "Briefing", "Q&A"; a site's own type is its name with a
/// capital and spaces (`policy-memo` → "Policy memo").
pub fn type_label(name: &str) -> String {
    if name == "qa" {
        return "Q&A".to_string();
    }
    let spaced = name.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Reads `type`: one of [`known_types`], or an error with a suggestion.
pub fn read_type(
    raw: &RawFrontMatter<'_>,
    config: &Config,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    let name: String = raw.take("type", "a string such as \"briefing\"", errors)?;
    if known_types(config).any(|t| t == name) {
        return Some(name);
    }
    let known: Vec<&str> = known_types(config).collect();
    let hint = match did_you_mean(&name, known.iter().copied()) {
        Some(s) => format!("did you mean \"{s}\"?"),
        None => {
            let mut declared: Vec<String> =
                config.types.iter().map(|t| format!("\"{t}\"")).collect();
            declared.push(format!("\"{name}\""));
            // Hugo's `type` chooses a layout ("post", "page"): say where that goes here.
            format!(
                "types are: {}; to add one, declare it in communique.toml: types = [{}]; if this is Hugo's `type` (which picks a layout), use `template = \"…\"` instead",
                known.join(", "),
                declared.join(", ")
            )
        }
    };
    errors.push(
        raw.error_at(
            "type",
            format!("unknown type \"{}\"", super::sources::printable(&name)),
        )
        .hint(hint),
    );
    None
}

/// Reads `description` and `summary`: a `summary` string is Hugo's and Zola's description (an
/// error beside a `description`), a table the structured summary.
pub fn description_and_summary(
    raw: &RawFrontMatter<'_>,
    errors: &mut Vec<Diagnostic>,
) -> (Option<String>, Option<StructuredSummary>) {
    let summary = read_summary(raw, errors);
    let description = raw.take("description", "a string", errors);
    match summary {
        Some(Summary::Text(text)) => (
            super::migration::summary_as_description(raw, description, text, errors),
            None,
        ),
        Some(Summary::Structured(s)) => (description, Some(s)),
        None => (description, None),
    }
}

/// Reads `summary`: text (Hugo's description), or a table of the three parts.
pub fn read_summary(raw: &RawFrontMatter<'_>, errors: &mut Vec<Diagnostic>) -> Option<Summary> {
    match raw.get("summary")? {
        Value::String(text) => Some(Summary::Text(text.clone())),
        Value::Object(table) => {
            let mut summary = StructuredSummary::default();
            for (key, value) in table {
                let slot = match key.as_str() {
                    "whats_new" => &mut summary.whats_new,
                    "why_it_matters" => &mut summary.why_it_matters,
                    "what_should_be_done" => &mut summary.what_should_be_done,
                    _ => {
                        errors.push(unknown_summary_key(raw, key));
                        continue;
                    }
                };
                match value {
                    Value::String(text) => *slot = Some(text.clone()),
                    other => errors.push(
                        raw.error_in_table(
                            "summary",
                            key,
                            format!(
                                "\"{key}\" in \"summary\" should be a string, found {}",
                                describe(other)
                            ),
                        )
                        .hint("write it as text in double quotes; inline Markdown is allowed"),
                    ),
                }
            }
            Some(Summary::Structured(summary))
        }
        other => {
            errors.push(
                raw.error_at(
                    "summary",
                    format!(
                        "field \"summary\" should be a table or a string, found {}",
                        describe(other)
                    ),
                )
                .hint(summary_example(raw.format())),
            );
            None
        }
    }
}

fn unknown_summary_key(raw: &RawFrontMatter<'_>, key: &str) -> Diagnostic {
    let hint = match did_you_mean(key, SUMMARY_FIELDS.iter().copied()) {
        Some(s) => format!("did you mean \"{s}\"?"),
        None => format!("a summary has {}", SUMMARY_FIELDS.join(", ")),
    };
    raw.error_in_table(
        "summary",
        key,
        format!("unknown field \"{key}\" in \"summary\""),
    )
    .hint(hint)
}

fn summary_example(format: Format) -> String {
    match format {
        Format::Toml => format!(
            "write a `[summary]` line at the end of the front matter, then e.g. {}",
            assignment(format, "whats_new", "\"…\"")
        ),
        Format::Yaml => format!(
            "write `summary:` with the parts indented below it, e.g. `  {}`",
            assignment(format, "whats_new", "…")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::front_matter::split;
    use std::path::Path;

    fn config(types: &str) -> Config {
        Config::parse(
            &format!("title = \"T\"\nbase_url = \"https://x.org\"\n{types}"),
            Path::new("communique.toml"),
        )
        .unwrap()
    }

    fn with_raw<T>(text: &str, read: impl FnOnce(&RawFrontMatter<'_>) -> T) -> T {
        let s = split(text, Path::new("a.md")).unwrap();
        let raw = RawFrontMatter::parse(&s, Path::new("a.md"), text).unwrap();
        read(&raw)
    }

    #[test]
    fn labels() {
        assert_eq!(type_label("briefing"), "Briefing");
        assert_eq!(type_label("qa"), "Q&A");
        assert_eq!(type_label("policy-memo"), "Policy memo");
    }

    #[test]
    fn unknown_type_suggests_a_known_one() {
        let mut errors = Vec::new();
        let t = with_raw("+++\ntitle = \"x\"\ntype = \"breifing\"\n+++\n", |raw| {
            read_type(raw, &config(""), &mut errors)
        });
        assert_eq!(t, None);
        assert_eq!(errors[0].message, "unknown type \"breifing\"");
        assert_eq!(errors[0].location.as_ref().unwrap().line, Some(3));
        assert_eq!(
            errors[0].hint.as_deref(),
            Some("did you mean \"briefing\"?")
        );
    }

    #[test]
    fn a_hugo_layout_type_is_pointed_at_template() {
        let mut errors = Vec::new();
        let t = with_raw("---\ntype: post\n---\n", |raw| {
            read_type(raw, &config(""), &mut errors)
        });
        assert_eq!(t, None);
        let hint = errors[0].hint.as_deref().unwrap_or_default();
        assert!(hint.contains("use `template = \"…\"` instead"), "{hint}");
    }

    #[test]
    fn config_types_extend_the_defaults() {
        let text = "---\ntype: policy-memo\n---\n";
        let mut errors = Vec::new();
        let with = config("types = [\"policy-memo\"]");
        assert_eq!(
            with_raw(text, |raw| read_type(raw, &with, &mut errors)).as_deref(),
            Some("policy-memo")
        );
        let without = config("");
        assert_eq!(
            with_raw(text, |raw| read_type(raw, &without, &mut errors)),
            None
        );
        let hint = errors[0].hint.as_deref().unwrap_or_default();
        assert!(hint.contains("types = [\"policy-memo\"]"), "{hint}");
    }

    #[test]
    fn summary_is_text_or_a_table_of_three_parts() {
        let mut errors = Vec::new();
        let text = "+++\ntitle = \"x\"\n[summary]\nwhats_new = \"*New*\"\nwhy_it_matters = \"Because\"\n+++\n";
        let Some(Summary::Structured(s)) = with_raw(text, |raw| read_summary(raw, &mut errors))
        else {
            panic!("not a structured summary");
        };
        assert_eq!(s.whats_new.as_deref(), Some("*New*"));
        assert_eq!(s.what_should_be_done, None);
        let text = "---\nsummary: One line.\n---\n";
        assert!(matches!(
            with_raw(text, |raw| read_summary(raw, &mut errors)),
            Some(Summary::Text(t)) if t == "One line."
        ));
        assert!(errors.is_empty());
    }

    #[test]
    fn unknown_summary_key_is_placed_and_suggested() {
        let mut errors = Vec::new();
        let text = "---\ntitle: x\nsummary:\n  whats_new: a\n  why_it_maters: b\n  what: 3\n---\n";
        with_raw(text, |raw| read_summary(raw, &mut errors));
        assert_eq!(errors.len(), 2);
        let typo = errors
            .iter()
            .find(|e| e.message.contains("why_it_maters"))
            .unwrap();
        assert_eq!(typo.location.as_ref().unwrap().line, Some(5));
        assert_eq!(
            typo.hint.as_deref(),
            Some("did you mean \"why_it_matters\"?")
        );
    }
}
