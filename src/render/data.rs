//! `load_data(path=…, format=…)`: a data file of the site, for templates.
//!
//! Only files inside the site root are read, under the site's link policy
//! ([`crate::content::sources`]): the path is relative to the root, with no `..` and no hidden
//! (`.`) part; no folder on the way may be a link; the file itself may be a link only to a
//! visible regular file inside `content/`, `templates/` or `static/`. Messages name the path
//! as the template wrote it, never the file's content.

use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

use tera::{Error, Value};

use crate::content::sources::{Entry, SourceFolders};

/// The largest data file read: far above any real table, small enough to keep a build's memory
/// in check when many pages load it.
pub const MAX_DATA_BYTES: u64 = 32 << 20;

/// The formats `load_data` reads.
const FORMATS: &str = "\"toml\", \"json\", \"yaml\" or \"plain\"";

/// Where `load_data` reads from: one site root.
#[derive(Debug, Clone)]
pub struct DataRoot {
    root: PathBuf,
    canonical_root: Option<PathBuf>,
    folders: SourceFolders,
}

impl DataRoot {
    /// The data files of the site at `root`.
    pub fn new(root: &Path) -> DataRoot {
        DataRoot {
            root: root.to_path_buf(),
            canonical_root: root.canonicalize().ok(),
            folders: SourceFolders::of_site(root),
        }
    }

    /// Reads and parses `path` (relative to the site root). `format` defaults to the file's
    /// extension. Returns the file's canonical path with the value, for dependency tracking.
    pub fn load(&self, path: &str, format: Option<&str>) -> Result<(PathBuf, Value), Error> {
        let file = self.resolve(path)?;
        let format = match format {
            Some(f) => f.to_ascii_lowercase(),
            None => format_of(path)?,
        };
        let text = read_limited(&file, path)?;
        let value = parse(&text, &format, path)?;
        Ok((file, value))
    }

    /// The file `path` names, checked against the link policy; its canonical path.
    fn resolve(&self, path: &str) -> Result<PathBuf, Error> {
        let inside = || {
            Error::message(format!(
                "load_data: \"{path}\" is not a path inside the site (write it relative to the \
                 site root, with no `..` or hidden part, e.g. \"static/data/budget.toml\")"
            ))
        };
        if path.contains("://") {
            return Err(Error::message(format!(
                "load_data: \"{path}\" is a URL; load_data reads only files of the site (save \
                 the data into the site, e.g. under static/data/)"
            )));
        }
        let rel = Path::new(path);
        let plain = rel.components().all(
            |c| matches!(c, Component::Normal(name) if !name.to_string_lossy().starts_with('.')),
        );
        if path.is_empty() || path.contains('\\') || !plain {
            return Err(inside());
        }
        let mut on_the_way = self.root.clone();
        let mut components = rel.components().peekable();
        while let Some(component) = components.next() {
            on_the_way.push(component);
            let meta = on_the_way.symlink_metadata().map_err(|_| {
                Error::message(format!(
                    "load_data: no file at \"{path}\" (paths are relative to the site root, e.g. \
                     \"static/data/budget.toml\")"
                ))
            })?;
            let last = components.peek().is_none();
            if !last && meta.file_type().is_symlink() {
                return Err(Error::message(format!(
                    "load_data: \"{path}\" goes through a link to a folder; communique follows \
                     links only to files inside content/, templates/ and static/"
                )));
            }
            if last {
                self.check_file(&on_the_way, meta.file_type(), path)?;
            }
        }
        let canonical = on_the_way.canonicalize().map_err(|_| inside())?;
        match &self.canonical_root {
            Some(root) if canonical.starts_with(root) => Ok(canonical),
            _ => Err(inside()),
        }
    }

    /// The last part must be a regular file, or a link the site's policy follows.
    fn check_file(&self, file: &Path, kind: std::fs::FileType, path: &str) -> Result<(), Error> {
        match self.folders.classify(file, kind) {
            Entry::File => Ok(()),
            Entry::Folder => Err(Error::message(format!(
                "load_data: \"{path}\" is a folder; name a file in it"
            ))),
            Entry::Skipped(why) => Err(Error::message(format!(
                "load_data: \"{path}\" is not read: {} ({})",
                why.message,
                why.hint.as_deref().unwrap_or("copy the file into the site")
            ))),
        }
    }
}

fn format_of(path: &str) -> Result<String, Error> {
    let extension = Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("toml") => Ok("toml".into()),
        Some("json") => Ok("json".into()),
        Some("yaml" | "yml") => Ok("yaml".into()),
        Some("txt" | "md" | "html" | "csv") => Ok("plain".into()),
        _ => Err(Error::message(format!(
            "load_data: cannot tell the format of \"{path}\" from its name; pass \
             format={FORMATS}"
        ))),
    }
}

fn read_limited(file: &Path, path: &str) -> Result<String, Error> {
    let cannot =
        |e: std::io::Error| Error::message(format!("load_data: cannot read \"{path}\": {e}"));
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .map_err(cannot)?
        .take(MAX_DATA_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_DATA_BYTES {
        return Err(Error::message(format!(
            "load_data: \"{path}\" is larger than {} MiB, the most load_data reads",
            MAX_DATA_BYTES >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::message(format!(
            "load_data: \"{path}\" is not UTF-8 text (save it as UTF-8)"
        ))
    })
}

/// Parses `text`; an error says where, never what the file holds.
fn parse(text: &str, format: &str, path: &str) -> Result<Value, Error> {
    let invalid = |kind: &str, at: String| {
        Error::message(format!(
            "load_data: \"{path}\" is not valid {kind}{at}; check it, or pass format={FORMATS}"
        ))
    };
    match format {
        "plain" => Ok(Value::from(text)),
        "json" => serde_json::from_str::<serde_json::Value>(text)
            .map(|v| Value::from_serializable(&v))
            .map_err(|e| {
                invalid(
                    "JSON",
                    format!(" (line {}, column {})", e.line(), e.column()),
                )
            }),
        "toml" => toml::from_str::<toml::Table>(text)
            .map(|t| Value::from_serializable(&toml_to_json(toml::Value::Table(t))))
            .map_err(|e| {
                let at = e.span().map_or(String::new(), |span| {
                    let before = &text[..span.start.min(text.len())];
                    format!(" (line {})", before.matches('\n').count() + 1)
                });
                invalid("TOML", at)
            }),
        "yaml" => serde_saphyr::from_str::<serde_json::Value>(text)
            .map(|v| Value::from_serializable(&v))
            .map_err(|_| invalid("YAML", String::new())),
        other => Err(Error::message(format!(
            "load_data: unknown format \"{other}\"; use {FORMATS}"
        ))),
    }
}

/// TOML as JSON-like data; dates become their RFC 3339 text, which the `date` filter reads.
fn toml_to_json(value: toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => s.into(),
        toml::Value::Integer(i) => i.into(),
        toml::Value::Float(f) => f.into(),
        toml::Value::Boolean(b) => b.into(),
        toml::Value::Datetime(d) => d.to_string().into(),
        toml::Value::Array(items) => items.into_iter().map(toml_to_json).collect(),
        toml::Value::Table(table) => table
            .into_iter()
            .map(|(k, v)| (k, toml_to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}
