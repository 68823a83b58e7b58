//! Hugo: the site configuration (`hugo.toml`, `config.yaml`, `config/_default/…`).

use serde_json::{Map, Value};

use super::front_matter::to_toml;
use super::report::Report;
use super::tree::{SourceTree, read_text};
use super::{Settings, parse_config_text};

/// Folders of a Hugo site that hold what communique does not convert.
pub const UNCONVERTED_FOLDERS: &[(&str, &str)] = &[
    (
        "layouts",
        "a custom layout is not converted; the built-in theme is used (see docs/migrating.md for the template functions)",
    ),
    (
        "themes",
        "a theme is not converted; the built-in theme is used",
    ),
    (
        "assets",
        "Hugo Pipes assets are not converted; put finished files in static/",
    ),
    ("data", "data files are not converted"),
    ("i18n", "translations are not converted"),
    (
        "archetypes",
        "archetypes are not converted; `communique new` writes a new brief",
    ),
];

const CONFIG_NAMES: &[&str] = &["hugo", "config"];
const CONFIG_EXTENSIONS: &[&str] = &["toml", "yaml", "yml", "json"];

/// Reads the site configuration; a site without one gets defaults, with a note.
pub fn read_config(tree: &SourceTree, report: &mut Report) -> Settings {
    let mut config = Map::new();
    let mut read_any = false;
    for dir in ["", "config/_default/"] {
        for name in CONFIG_NAMES {
            for ext in CONFIG_EXTENSIONS {
                let rel = format!("{dir}{name}.{ext}");
                if let Some(map) = read_map(tree, &rel, report) {
                    read_any = true;
                    merge_lowercase(&mut config, map);
                }
            }
        }
        for ext in CONFIG_EXTENSIONS {
            let rel = format!("config/_default/params.{ext}");
            if let Some(map) = read_map(tree, &rel, report) {
                let params = config
                    .entry("params")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(p) = params {
                    p.extend(map);
                }
            }
        }
    }
    for file in tree.under("config") {
        if !file.0.starts_with("_default/") || !is_read_config(file.0) {
            report.not_converted(&file.1.rel, None, "configuration file not read: only config/_default/ (hugo, config and params) is converted");
        }
    }
    if !read_any {
        report.not_converted(
            "hugo.toml",
            None,
            "no Hugo configuration found (hugo.toml, config.toml, …); defaults were used",
        );
    }
    settings_from(config, report)
}

fn is_read_config(rel: &str) -> bool {
    let name = rel.trim_start_matches("_default/");
    ["hugo.", "config.", "params."]
        .iter()
        .any(|p| name.starts_with(p))
}

fn read_map(tree: &SourceTree, rel: &str, report: &mut Report) -> Option<Map<String, Value>> {
    let file = tree.get(rel)?;
    let text = read_text(file, report)?;
    parse_config_text(&text, rel, report)
}

/// Hugo reads configuration keys without regard to case (`baseURL`, `languageCode`).
fn merge_lowercase(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        into.insert(key.to_lowercase(), value);
    }
}

fn settings_from(mut config: Map<String, Value>, report: &mut Report) -> Settings {
    let file = "hugo.toml";
    let mut settings = Settings::default();
    let mut take = |key: &str| config.remove(key);
    settings.title = take("title").and_then(|v| v.as_str().map(str::to_string));
    settings.base_url = take("baseurl").and_then(|v| v.as_str().map(str::to_string));
    settings.language = take("languagecode")
        .or_else(|| take("defaultcontentlanguage"))
        .and_then(|v| v.as_str().map(str::to_string));
    settings.paginate_by = take("paginate").and_then(|v| v.as_i64()).or_else(|| {
        take("pagination").and_then(|p| p.get("pagerSize").or(p.get("pagersize"))?.as_i64())
    });
    settings.author = take("author").and_then(|v| match v {
        Value::String(s) => Some(s),
        Value::Object(m) => m.get("name").and_then(|n| n.as_str().map(str::to_string)),
        _ => None,
    });
    if let Some(Value::Object(mut params)) = take("params") {
        settings.description = params
            .remove("description")
            .and_then(|v| v.as_str().map(str::to_string));
        for (key, value) in params {
            if let Some(v) = to_toml(&value) {
                settings.extra.insert(key, v);
            }
        }
    }
    // Without a `taxonomies` setting Hugo has tags and categories.
    match take("taxonomies") {
        Some(Value::Object(map)) => {
            for plural in map.values().filter_map(Value::as_str) {
                settings.taxonomies.declare(&plural.to_lowercase());
            }
        }
        _ => {
            settings.taxonomies.declare("tags");
            settings.taxonomies.declare("categories");
        }
    }
    for key in ["menu", "menus"] {
        if take(key).is_some() {
            report.not_converted(file, None, "menus are not converted: the new site's [extra] nav lists its top sections and taxonomies");
        }
    }
    for key in config.keys() {
        if !matches!(
            key.as_str(),
            "contentdir" | "publishdir" | "theme" | "languagename"
        ) {
            report.not_converted(file, None, format!("setting `{key}` not converted"));
        }
    }
    if config.contains_key("theme") {
        report.not_converted(
            file,
            None,
            "the theme is not converted: the new site uses communique's built-in theme",
        );
    }
    settings
}
