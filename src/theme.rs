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
