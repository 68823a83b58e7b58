//! The default theme, embedded at compile time from this repository's `templates/` and
//! `static/` (see `build.rs`): the fallback for templates and static files a site lacks, and
//! what `init --eject-theme` writes.

use crate::render::{Contents, OutputFile, TemplateSet};

include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));

/// The name prefix under which a site's templates reach a built-in template they replace:
/// `templates/base.html` can `{% extends "builtin/base.html" %}` and fill a block or two.
pub const BUILTIN_PREFIX: &str = "builtin/";

/// The built-in static files (stylesheet, icon) for a site whose pages render through the
/// built-in `base.html`, which links them, leaving out every path `taken` says the site
/// already fills. A site with its own frame gets none: nothing it did not ask for.
pub fn fallback_static(templates: &TemplateSet, taken: impl Fn(&str) -> bool) -> Vec<OutputFile> {
    if !templates.uses_builtin("base.html") {
        return Vec::new();
    }
    STATIC
        .iter()
        .filter(|(path, _)| !taken(path))
        .map(|(path, bytes)| OutputFile {
            path: (*path).to_string(),
            contents: Contents::Bytes(bytes.to_vec()),
        })
        .collect()
}

/// Where one of a site's templates or static files comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The site's own file.
    Site,
    /// The site's own file, extending the built-in one of the same name.
    SiteExtendingBuiltin,
    /// The built-in theme (the site has no file of that name).
    Builtin,
}

/// One line of `communique theme`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeEntry {
    /// `templates/base.html` or `static/style.css`.
    pub path: String,
    /// Where it comes from.
    pub origin: Origin,
}

/// Every template and theme static file of a site and where each comes from: the site's
/// `templates/` and `static/` over the built-in theme.
pub fn entries(templates: &TemplateSet, has_static: impl Fn(&str) -> bool) -> Vec<ThemeEntry> {
    let mut entries: Vec<ThemeEntry> = templates
        .templates
        .iter()
        .filter(|(name, _)| !name.starts_with(BUILTIN_PREFIX))
        .map(|(name, _)| {
            let origin = if !templates.is_own(name) {
                Origin::Builtin
            } else if templates.uses_builtin(name) {
                Origin::SiteExtendingBuiltin
            } else {
                Origin::Site
            };
            ThemeEntry {
                path: format!("templates/{name}"),
                origin,
            }
        })
        .collect();
    for (name, _) in STATIC {
        let origin = if has_static(name) {
            Origin::Site
        } else {
            Origin::Builtin
        };
        entries.push(ThemeEntry {
            path: format!("static/{name}"),
            origin,
        });
    }
    entries
}

/// The navigation links of `[extra]` (`nav` and `menu`, lists of `{ name, path }` or
/// `{ name, url }`) that lead to no page the site builds: a renamed section or a removed
/// taxonomy would otherwise leave a dead link in every page's header. `produced` holds every
/// output file's path (`briefs/index.html`).
/// Links to other sites, and `@/` links (which `get_url` checks), are left alone.
pub fn nav_links(
    dirs: &crate::SiteDirs,
    config: &crate::Config,
    produced: &std::collections::HashSet<&str>,
) -> Vec<crate::Diagnostic> {
    // The configuration was read and checked moments ago; its text only places the entries.
    let config_text = std::fs::read_to_string(&dirs.config_file).unwrap_or_default();
    let config_text = config_text.as_str();
    let config_file = dirs.display(&dirs.config_file);
    let config_file = config_file.as_path();
    let mut found = Vec::new();
    for key in ["nav", "menu"] {
        let Some(toml::Value::Array(items)) = config.extra.get(key) else {
            continue;
        };
        for item in items {
            let target = item
                .get("path")
                .or_else(|| item.get("url"))
                .and_then(toml::Value::as_str);
            if let Some(target) = target
                && !leads_to_a_page(target, produced)
            {
                found.push(dead_nav_link(
                    key,
                    target,
                    produced,
                    config_file,
                    config_text,
                ));
            }
        }
    }
    found
}

/// Whether a nav target is another site's, or a page the site builds (with or without the
/// trailing slash of a folder).
fn leads_to_a_page(target: &str, produced: &std::collections::HashSet<&str>) -> bool {
    if target.starts_with("@/") || target.contains(':') || target.starts_with("//") {
        return true;
    }
    let path = &target[..target.find(['?', '#']).unwrap_or(target.len())];
    let file = crate::site::Urls::output_file(&format!("/{}", path.trim_start_matches('/')));
    produced.contains(file.as_str()) || produced.contains(format!("{file}/index.html").as_str())
}

fn dead_nav_link(
    key: &str,
    target: &str,
    produced: &std::collections::HashSet<&str>,
    config_file: &std::path::Path,
    config_text: &str,
) -> crate::Diagnostic {
    let listings = produced
        .iter()
        .filter_map(|p| p.strip_suffix("index.html"))
        .filter(|p| !p.contains("/page/") && p.matches('/').count() == 1)
        .map(|p| format!("/{p}"));
    let mut candidates: Vec<String> = listings.collect();
    candidates.sort();
    let hint = match crate::diagnostics::did_you_mean(target, candidates.iter().map(String::as_str)) {
        Some(s) => format!("did you mean \"{s}\"? Or remove the entry"),
        None => "point it at a page the site builds (a section such as /briefs/, or a taxonomy listed in `taxonomies`), or remove the entry".to_string(),
    };
    let quoted = format!("\"{target}\"");
    let location = match config_text.find(&quoted) {
        Some(offset) => {
            let (line, column) = crate::diagnostics::line_col(config_text, offset);
            crate::Location::at(config_file, line, column)
        }
        None => crate::Location::file(config_file),
    };
    crate::Diagnostic::warning(format!(
        "the {key} link to {target} leads to no page of the site"
    ))
    .at(location)
    .hint(hint)
    .with_snippet_from(config_text)
}
