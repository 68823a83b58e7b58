//! `communique import hugo|zola SRC NEW_SITE`: a new communique site from a Hugo or Zola site.
//!
//! The source is only read (see [`tree`]): files are opened for reading, links out of it are not
//! followed, and the new site may not lie inside it. The new site is planned in memory first,
//! then written into a folder that is new or empty, never over a file. Whatever could not be
//! converted (other shortcodes, custom layouts and templates, fields communique lacks) is listed
//! with its file and line in a [`report::Report`], printed and written as `IMPORT-REPORT.md`.

mod body;
mod content;
pub mod front_matter;
mod hugo;
pub mod report;
mod taxonomies;
mod tree;
mod values;
mod zola;

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::diagnostics::Diagnostic;
use front_matter::Taxonomies;
pub use report::{REPORT_FILE, Report};
use tree::SourceTree;

/// The kinds of site that can be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    /// Hugo: YAML or TOML front matter, `{{< ref >}}` links, `layouts/`.
    Hugo,
    /// Zola: TOML front matter, `@/` links, `templates/`.
    Zola,
}

impl Generator {
    /// `hugo` or `zola`.
    pub fn from_name(name: &str) -> Option<Generator> {
        match name.to_ascii_lowercase().as_str() {
            "hugo" => Some(Generator::Hugo),
            "zola" => Some(Generator::Zola),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Generator::Hugo => "Hugo",
            Generator::Zola => "Zola",
        }
    }
}

/// Site-wide settings read from the source configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    title: Option<String>,
    base_url: Option<String>,
    description: Option<String>,
    language: Option<String>,
    author: Option<String>,
    paginate_by: Option<i64>,
    taxonomies: Taxonomies,
    extra: toml::Table,
}

/// One file of the new site, by path relative to it.
enum Planned {
    /// Text written by the import.
    Text(String),
    /// A file copied from the source as it is.
    Copy(PathBuf),
    /// A file of the built-in theme.
    Bytes(&'static [u8]),
}

/// The new site, in memory until it is written.
#[derive(Default)]
struct Plan {
    files: Vec<(String, Planned)>,
}

impl Plan {
    fn text(&mut self, rel: impl Into<String>, text: String) {
        self.files.push((rel.into(), Planned::Text(text)));
    }

    fn copy(&mut self, rel: impl Into<String>, from: &Path) {
        self.files
            .push((rel.into(), Planned::Copy(from.to_path_buf())));
    }
}

/// `communique import FROM SRC NEW_SITE`: [`import`] with the generator named.
pub fn run(from: &str, src: &Path, dest: &Path, today: &str) -> Result<Report, Diagnostic> {
    let generator = Generator::from_name(from).ok_or_else(|| {
        Diagnostic::error(format!("cannot import a \"{from}\" site"))
            .hint("communique imports `hugo` and `zola` sites")
    })?;
    import(generator, src, dest, today)
}

/// Imports the `generator` site in `src` into a new communique site at `dest`. `today` is
/// the date given to pages that have none.
pub fn import(
    generator: Generator,
    src: &Path,
    dest: &Path,
    today: &str,
) -> Result<Report, Diagnostic> {
    let mut report = Report {
        generator: generator.label().to_string(),
        ..Report::default()
    };
    let tree = SourceTree::scan(src, &mut report)?;
    check_destination(&tree.root, dest)?;
    let mut settings = match generator {
        Generator::Hugo => hugo::read_config(&tree, &mut report),
        Generator::Zola => zola::read_config(&tree, &mut report),
    };
    let mut plan = Plan::default();
    let sections = content::plan(
        &tree,
        generator,
        &mut settings,
        today,
        &mut plan,
        &mut report,
    );
    for (rel, file) in tree.under("static") {
        plan.copy(format!("static/{rel}"), &file.abs);
        report.files += 1;
    }
    // The built-in templates link the theme's stylesheet and icon from the site's static/.
    for (name, bytes) in crate::theme::STATIC {
        if tree.get(&format!("static/{name}")).is_none() {
            plan.files
                .push((format!("static/{name}"), Planned::Bytes(bytes)));
        }
    }
    report_unconverted_folders(&tree, generator, &mut report);
    plan.text(
        "communique.toml",
        config_text(&settings, &sections, today, &mut report),
    );
    report.taxonomies = settings.taxonomies.declared.clone();
    write(dest, &plan, &report)?;
    Ok(report)
}

/// Refuses a destination that exists and is not an empty folder, or that lies inside the
/// source (writing there would change the site being imported).
fn check_destination(src: &Path, dest: &Path) -> Result<(), Diagnostic> {
    if dest.exists() || dest.is_symlink() {
        let empty = dest.is_dir()
            && !dest.is_symlink()
            && fs::read_dir(dest).is_ok_and(|mut d| d.next().is_none());
        if !empty {
            return Err(Diagnostic::error(format!(
                "{} already exists and is not an empty folder; nothing was written",
                dest.display()
            ))
            .hint("name a new folder for the imported site, e.g. `communique import hugo ./old-site ./new-site`"));
        }
    }
    if absolute_from_existing(dest).starts_with(src) {
        return Err(Diagnostic::error(format!(
            "{} is inside the site being imported; nothing was written",
            dest.display()
        ))
        .hint("the site being imported is only read: put the new site in a folder outside it"));
    }
    Ok(())
}

/// `path` made absolute through its nearest existing (canonical) ancestor.
fn absolute_from_existing(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut rest = Vec::new();
    let mut current = absolute.as_path();
    loop {
        if let Ok(real) = current.canonicalize() {
            return rest.iter().rev().fold(real, |p: PathBuf, c| p.join(c));
        }
        match (current.parent(), current.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                current = parent;
            }
            _ => return absolute,
        }
    }
}

fn report_unconverted_folders(tree: &SourceTree, generator: Generator, report: &mut Report) {
    let folders = match generator {
        Generator::Hugo => hugo::UNCONVERTED_FOLDERS,
        Generator::Zola => zola::UNCONVERTED_FOLDERS,
    };
    for (folder, why) in folders {
        let files: Vec<_> = tree.under(folder).collect();
        // A theme is many files: one note for it; a site's own templates one note each.
        if *folder == "themes" {
            let themes: BTreeSet<&str> = files
                .iter()
                .filter_map(|(r, _)| r.split('/').next())
                .collect();
            for theme in themes {
                report.not_converted(&format!("themes/{theme}"), None, *why);
            }
            continue;
        }
        for (_, file) in files {
            report.not_converted(&file.rel, None, *why);
        }
    }
}

/// Parses a TOML, YAML or JSON configuration file (by its extension) into a map.
fn parse_config_text(text: &str, rel: &str, report: &mut Report) -> Option<Map<String, Value>> {
    let parsed: Result<Value, String> = if rel.ends_with(".toml") {
        toml::from_str::<toml::Table>(text)
            .map(|t| {
                Value::Object(
                    t.into_iter()
                        .map(|(k, v)| (k, crate::content::front_matter::toml_to_json(v)))
                        .collect(),
                )
            })
            .map_err(|e| e.message().to_string())
    } else if rel.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    };
    match parsed {
        Ok(Value::Object(map)) => Some(map),
        Ok(_) => Some(Map::new()),
        Err(e) => {
            let first = e.lines().next().unwrap_or("").to_string();
            report.not_converted(
                rel,
                None,
                format!("configuration not read ({first}); defaults were used"),
            );
            None
        }
    }
}

/// `communique.toml` for the new site.
fn config_text(
    settings: &Settings,
    sections: &[(String, String)],
    today: &str,
    report: &mut Report,
) -> String {
    let config_file = "communique.toml";
    // Written key by key: a `toml::Table` would sort the keys, and the title reads best first.
    let mut config: Vec<(&str, toml::Value)> = Vec::new();
    config.push((
        "title",
        settings
            .title
            .clone()
            .unwrap_or_else(|| "Imported site".into())
            .into(),
    ));
    let base_url = settings
        .base_url
        .clone()
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    if base_url.is_none() {
        report.changed(
            config_file,
            None,
            "the source has no absolute base URL: base_url is https://example.org; set your own",
        );
    }
    config.push((
        "base_url",
        base_url
            .unwrap_or_else(|| "https://example.org".into())
            .into(),
    ));
    if let Some(d) = &settings.description {
        config.push(("description", d.clone().into()));
    }
    if let Some(l) = &settings.language {
        config.push(("language", l.clone().into()));
    }
    if let Some(a) = &settings.author {
        config.push(("author", a.clone().into()));
    }
    if let Some(p) = settings.paginate_by.filter(|p| *p >= 0) {
        config.push(("paginate_by", p.into()));
    }
    let declared = &settings.taxonomies.declared;
    config.push((
        "taxonomies",
        toml::Value::Array(declared.iter().cloned().map(toml::Value::String).collect()),
    ));
    for (from, to) in settings.taxonomies.renamed() {
        report.changed(
            config_file,
            None,
            format!("taxonomy \"{from}\" is named \"{to}\" (taxonomy names are lowercase words)"),
        );
    }
    let mut extra = settings.extra.clone();
    if let Some(old) = extra.remove("nav") {
        extra.insert("nav_imported".into(), old);
        report.changed(config_file, None, "the source's extra `nav` is kept as `nav_imported`: the built-in theme reads `nav` as a list of { name, path }");
    }
    let nav = sections
        .iter()
        .map(|(name, path)| (name.clone(), path.clone()))
        .chain(declared.iter().map(|t| (capitalise(t), format!("/{t}/"))))
        .map(|(name, path)| {
            let mut item = toml::Table::new();
            item.insert("name".into(), name.into());
            item.insert("path".into(), path.into());
            toml::Value::Table(item)
        })
        .collect();
    let mut ordered = toml::Table::new();
    ordered.insert("nav".into(), toml::Value::Array(nav));
    ordered.extend(extra);
    let mut extra = toml::Table::new();
    extra.insert("extra".into(), toml::Value::Table(ordered));
    let mut text = format!(
        "# Imported by `communique import` on {today}: see IMPORT-REPORT.md for what was not converted\n# and docs/content.md for every key.\n"
    );
    for (key, value) in config {
        text.push_str(&format!("{key} = {value}\n"));
    }
    text.push('\n');
    text + &toml::to_string(&extra).unwrap_or_default()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Writes the plan into `dest` (created if needed), never over an existing file, then the
/// report.
fn write(dest: &Path, plan: &Plan, report: &Report) -> Result<(), Diagnostic> {
    let failed = |path: &Path, e: std::io::Error| {
        Diagnostic::error(format!("cannot write {}: {e}", path.display())).hint(format!(
            "{} holds a partly written site: remove it, fix the cause and import again",
            dest.display()
        ))
    };
    for dir in ["content", "static", "templates"] {
        let path = dest.join(dir);
        fs::create_dir_all(&path).map_err(|e| failed(&path, e))?;
    }
    let report_file = Planned::Text(report.to_markdown());
    let files = plan.files.iter().map(|(r, p)| (r.as_str(), p));
    for (rel, planned) in files.chain(std::iter::once((REPORT_FILE, &report_file))) {
        let path = dest.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| failed(parent, e))?;
        }
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| failed(&path, e))?;
        match planned {
            Planned::Text(text) => out.write_all(text.as_bytes()),
            Planned::Bytes(bytes) => out.write_all(bytes),
            Planned::Copy(from) => {
                fs::File::open(from).and_then(|mut f| std::io::copy(&mut f, &mut out).map(|_| ()))
            }
        }
        .map_err(|e| failed(&path, e))?;
    }
    Ok(())
}
