//! Zola: the site configuration (`config.toml` or `zola.toml`).

use serde_json::{Map, Value};

use super::front_matter::to_toml;
use super::report::Report;
use super::tree::{SourceTree, read_text};
use super::{Settings, parse_config_text};

/// Folders of a Zola site that hold what communique does not convert.
pub const UNCONVERTED_FOLDERS: &[(&str, &str)] = &[
    (
        "templates",
        "a custom template is not converted; the built-in theme is used (see docs/migrating.md for the template functions)",
    ),
    (
        "themes",
        "a theme is not converted; the built-in theme is used",
    ),
    (
        "sass",
        "Sass is not compiled by communique; put the compiled CSS in static/",
    ),
];

/// Reads the site configuration; a site without one gets defaults, with a note.
pub fn read_config(tree: &SourceTree, report: &mut Report) -> Settings {
    let found = ["zola.toml", "config.toml"].into_iter().find_map(|rel| {
        let text = read_text(tree.get(rel)?, report)?;
        Some((rel, parse_config_text(&text, rel, report)?))
    });
    let Some((file, config)) = found else {
        report.not_converted(
            "config.toml",
            None,
            "no Zola configuration found (config.toml or zola.toml); defaults were used",
        );
        return Settings::default();
    };
    settings_from(file, config, report)
}

fn settings_from(file: &str, mut config: Map<String, Value>, report: &mut Report) -> Settings {
    let mut settings = Settings::default();
    let mut take = |key: &str| config.remove(key);
    let string = |v: Value| v.as_str().map(str::to_string);
    settings.title = take("title").and_then(string);
    settings.base_url = take("base_url").and_then(string);
    settings.description = take("description").and_then(string);
    settings.language = take("default_language").and_then(string);
    settings.author = take("author").and_then(string);
    if let Some(Value::Array(list)) = take("taxonomies") {
        for taxonomy in list {
            if let Some(name) = taxonomy.get("name").and_then(Value::as_str) {
                settings.taxonomies.declare(name);
            }
        }
    }
    if let Some(Value::Object(extra)) = take("extra") {
        for (key, value) in extra {
            if let Some(v) = to_toml(&value) {
                settings.extra.insert(key, v);
            }
        }
    }
    for key in config.keys() {
        report.not_converted(file, None, format!("setting `{key}` not converted"));
    }
    settings
}
