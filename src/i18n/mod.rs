//! Interface strings and how dates and numbers are written, per language.
//!
//! A *catalog* is `i18n/<lang>.toml`: keys with the words of the interface (`key_points =
//! "Key points"`, or a table of CLDR plural forms), and a `[format]` table saying which ICU
//! locale, digits and date patterns the language uses (see [`format`]). English and Arabic
//! catalogs are built in (this repository's `i18n/`, embedded like the default theme); a site's
//! own `i18n/<lang>.toml` overrides keys of the built-in one or adds a language.
//!
//! Catalogs are read with the configuration (they are settings, not content): every key parsed
//! once, every text held as a ready [`tera::Value`], so `trans(key=…, lang=…)` is two lookups and
//! a reference-counted clone. The typed [`Strings`] Markdown needs are built from a catalog once
//! per language ([`Catalogs::strings_for`]).

pub mod format;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use tera::Value;

use crate::config::Strings;
use crate::diagnostics::{Diagnostic, Location, did_you_mean, line_col};
pub use format::Format;

/// The built-in catalogs: (language, TOML text).
const BUILTIN: &[(&str, &str)] = &[
    ("en", include_str!("../../i18n/en.toml")),
    ("ar", include_str!("../../i18n/ar.toml")),
];

/// Where built-in catalogs are shown in messages.
const BUILTIN_DISPLAY: &str = "(built-in i18n)";

/// The CLDR plural categories a plural entry may name, in CLDR's order.
pub const PLURAL_CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// One interface string: a text, or a text per plural form.
#[derive(Debug, Clone)]
pub enum Entry {
    /// The same words whatever the number.
    Text(Value),
    /// Forms by CLDR plural category, in [`PLURAL_CATEGORIES`] order; `other` is always there.
    Plural(Box<[Option<Value>; 6]>),
}

/// One language's interface strings and formats.
#[derive(Clone)]
pub struct Catalog {
    /// The language code (`en`, `ar`, `pt-BR`): the file's name.
    pub lang: String,
    entries: HashMap<String, Entry>,
    /// Dates and numbers.
    pub format: Format,
    /// The files this catalog was read from, built-in first, as messages show them.
    pub files: Vec<PathBuf>,
    /// The words Markdown writes, or the keys missing for them.
    strings: Result<Arc<Strings>, Vec<&'static str>>,
    /// Every plain text as one Tera map, the `words` of templates (see [`Catalog::words`]).
    words: Value,
}

// By hand, to list the entries sorted: the PDF cache key hashes the configuration's `Debug`
// text, which must not change from one run to the next with a map's order.
impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries: BTreeMap<&String, &Entry> = self.entries.iter().collect();
        f.debug_struct("Catalog")
            .field("lang", &self.lang)
            .field("entries", &entries)
            .field("format", &self.format)
            .field("files", &self.files)
            .field("strings", &self.strings)
            .finish()
    }
}

/// Every language's catalog.
#[derive(Debug, Clone)]
pub struct Catalogs {
    catalogs: Vec<Catalog>,
}

impl Default for Catalogs {
    fn default() -> Self {
        Catalogs::builtin().clone()
    }
}

/// A catalog file's text, parsed but not yet merged.
struct CatalogFile {
    lang: String,
    display: PathBuf,
    text: String,
    table: toml::Table,
}

impl Catalogs {
    /// The built-in catalogs (English and Arabic), parsed once per process.
    pub fn builtin() -> &'static Catalogs {
        static BUILT: OnceLock<Catalogs> = OnceLock::new();
        BUILT.get_or_init(|| {
            let mut catalogs = Catalogs {
                catalogs: Vec::new(),
            };
            for (lang, text) in BUILTIN {
                let file = parse_file(
                    lang,
                    Path::new(BUILTIN_DISPLAY).join(format!("{lang}.toml")),
                    text,
                )
                .unwrap_or_else(|e| panic!("built-in catalog {lang}: {}", e.message));
                if let Err(e) = catalogs.merge(file) {
                    panic!("built-in catalog {lang}: {}", e.message);
                }
            }
            catalogs.finish();
            catalogs
        })
    }

    /// The built-in catalogs with the deprecated `[strings]` of `communique.toml` applied to
    /// `lang` (see [`crate::config`]), then the site's `i18n/*.toml` files (in `dir`, if it
    /// exists) over them. `display` turns a path into the one messages show.
    pub fn load(
        dir: &Path,
        root: &Path,
        legacy: Option<(&str, &BTreeMap<String, String>)>,
        display: impl Fn(&Path) -> PathBuf,
    ) -> Result<Catalogs, Vec<Diagnostic>> {
        let mut catalogs = Catalogs::builtin().clone();
        if let Some((lang, strings)) = legacy {
            catalogs.apply_legacy(lang, strings);
        }
        let mut errors = Vec::new();
        for path in catalog_files(dir) {
            let shown = display(&path);
            if crate::content::sources::is_link_out_of_site(&path, root) {
                errors.push(
                    Diagnostic::error(
                        "this catalog is a link to a file outside the site root, and is not read",
                    )
                    .at(Location::file(&shown))
                    .hint("replace the link with the file itself"),
                );
                continue;
            }
            let Some(lang) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let lang = lang.to_string();
            if !is_language_code(&lang) {
                errors.push(
                    Diagnostic::error(format!(
                        "\"{lang}\" is not a language code, so i18n/{lang}.toml names no language"
                    ))
                    .at(Location::file(&shown))
                    .hint("name catalogs by BCP 47 language code: i18n/ar.toml, i18n/pt-BR.toml"),
                );
                continue;
            }
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) => {
                    errors.push(
                        Diagnostic::error(format!("cannot read the catalog: {e}"))
                            .at(Location::file(&shown)),
                    );
                    continue;
                }
            };
            match parse_file(&lang, shown, &text).and_then(|file| catalogs.merge(file)) {
                Ok(()) => {}
                Err(e) => errors.push(e),
            }
        }
        catalogs.finish();
        if errors.is_empty() {
            Ok(catalogs)
        } else {
            Err(errors)
        }
    }

    /// The built-in catalogs with the deprecated `[strings]` applied: what [`crate::Config::parse`]
    /// uses before the site's files are read.
    pub fn builtin_with_legacy(lang: &str, strings: &BTreeMap<String, String>) -> Catalogs {
        let mut catalogs = Catalogs::builtin().clone();
        if !strings.is_empty() {
            catalogs.apply_legacy(lang, strings);
            catalogs.finish();
        }
        catalogs
    }

    /// The catalog of `lang`: the exact code, else the code without its last subtag (`en-GB`
    /// reads `en`), and so on. Letter case does not matter.
    pub fn get(&self, lang: &str) -> Option<&Catalog> {
        let mut tag = lang;
        loop {
            if let Some(c) = self
                .catalogs
                .iter()
                .find(|c| c.lang.eq_ignore_ascii_case(tag))
            {
                return Some(c);
            }
            tag = &tag[..tag.rfind('-')?];
        }
    }

    /// The languages with a catalog.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.catalogs.iter().map(|c| c.lang.as_str())
    }

    /// The words Markdown writes for `lang` (callout labels, note back-links), or an error
    /// naming the language and the keys its catalog lacks.
    pub fn strings_for(&self, lang: &str) -> Result<Arc<Strings>, Diagnostic> {
        let catalog = self.get(lang).ok_or_else(|| self.no_catalog(lang))?;
        catalog.strings.clone().map_err(|missing| {
            let file = catalog
                .files
                .last()
                .cloned()
                .unwrap_or_else(|| PathBuf::from(format!("i18n/{lang}.toml")));
            Diagnostic::error(format!(
                "the interface strings of language \"{}\" lack {}",
                catalog.lang,
                quoted_list(&missing)
            ))
            .at(Location::file(file))
            .hint(format!(
                "add them to i18n/{}.toml; the built-in i18n/en.toml has every key (see docs/content.md, \"Interface strings\")",
                catalog.lang
            ))
        })
    }

    /// The error for a language with no catalog at all.
    pub fn no_catalog(&self, lang: &str) -> Diagnostic {
        let known: Vec<&str> = self.languages().collect();
        Diagnostic::error(format!("no interface strings for language \"{lang}\""))
            .hint(format!(
                "create i18n/{lang}.toml with the interface words in that language (copy the keys of the built-in i18n/en.toml); catalogs exist for {}",
                quoted_list(&known)
            ))
    }

    /// Replaces or adds keys of `lang`'s catalog (creating it from nothing if need be).
    fn merge(&mut self, file: CatalogFile) -> Result<(), Diagnostic> {
        let position = self
            .catalogs
            .iter()
            .position(|c| c.lang.eq_ignore_ascii_case(&file.lang));
        let index = match position {
            Some(i) => i,
            None => {
                self.catalogs.push(Catalog {
                    lang: file.lang.clone(),
                    entries: HashMap::new(),
                    format: Format::new(&file.lang),
                    files: Vec::new(),
                    strings: Err(Vec::new()),
                    words: Value::none(),
                });
                self.catalogs.len() - 1
            }
        };
        let catalog = &mut self.catalogs[index];
        for (key, value) in &file.table {
            if key == "format" {
                let toml::Value::Table(table) = value else {
                    return Err(file.error_at(key, "[format] must be a table"));
                };
                catalog
                    .format
                    .apply(table)
                    .map_err(|(k, why)| file.error_at(&k, &why))?;
                continue;
            }
            let entry = entry_of(value).map_err(|why| {
                file.error_at(key, &format!("the value of \"{key}\" {why}"))
                    .hint("write key = \"words\", or a table of plural forms: key = { one = \"{n} brief\", other = \"{n} briefs\" }")
            })?;
            catalog.entries.insert(key.clone(), entry);
        }
        catalog.files.push(file.display);
        Ok(())
    }

    /// `[strings]` of `communique.toml`, the keys of [`Strings`] for the site's language.
    fn apply_legacy(&mut self, lang: &str, strings: &BTreeMap<String, String>) {
        let lang = self.get(lang).map_or("en", |c| c.lang.as_str()).to_string();
        let table = strings
            .iter()
            .map(|(k, v)| (k.clone(), toml::Value::String(v.clone())))
            .collect();
        let file = CatalogFile {
            lang,
            display: PathBuf::from("communique.toml"),
            text: String::new(),
            table,
        };
        // Text values always make entries.
        let _ = self.merge(file);
    }

    /// Builds each catalog's [`Strings`] and `words` after its last change.
    fn finish(&mut self) {
        for catalog in &mut self.catalogs {
            catalog.strings = catalog.build_strings();
            catalog.words = catalog.build_words();
        }
    }
}

impl Catalog {
    /// The entry for `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// Whether the catalog has `key`.
    pub fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The `words` every template sees: each key with a plain text, to that text, as one Tera
    /// map shared by every page of the language (a clone is a reference count). Keys with
    /// plural forms are left out, as `trans` needs `n=` for them. Keys the language lacks are
    /// missing here too: like `trans`, `words` does not fall back to another language.
    pub fn words(&self) -> &Value {
        &self.words
    }

    /// The keys of the catalog closest to `key`, for a did-you-mean.
    pub fn similar_key(&self, key: &str) -> Option<&str> {
        did_you_mean(key, self.entries.keys().map(String::as_str))
    }

    /// The plain text of `key` (a plural entry's `other` form).
    pub fn text(&self, key: &str) -> Option<&str> {
        match self.entries.get(key)? {
            Entry::Text(v) => v.as_str(),
            Entry::Plural(forms) => forms[5].as_ref().and_then(Value::as_str),
        }
    }

    /// The form of `key` for the number `n` (the text itself for a plain entry): the explicit
    /// `zero` form for 0 when there is one, else the CLDR category of `n` in this language, else
    /// `other`.
    pub fn form(&self, key: &str, n: i64) -> Option<&Value> {
        match self.entries.get(key)? {
            Entry::Text(v) => Some(v),
            Entry::Plural(forms) => {
                if n == 0
                    && let Some(zero) = &forms[0]
                {
                    return Some(zero);
                }
                let category = self.format.plural_category(n);
                forms[category].as_ref().or(forms[5].as_ref())
            }
        }
    }

    fn build_words(&self) -> Value {
        let texts: BTreeMap<String, Value> = self
            .entries
            .iter()
            .filter_map(|(key, entry)| match entry {
                Entry::Text(text) => Some((key.clone(), text.clone())),
                Entry::Plural(_) => None,
            })
            .collect();
        Value::from(texts)
    }

    fn build_strings(&self) -> Result<Arc<Strings>, Vec<&'static str>> {
        let missing: Vec<&'static str> = Strings::KEYS
            .iter()
            .copied()
            .filter(|k| self.text(k).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let table: toml::Table = Strings::KEYS
            .iter()
            .map(|k| {
                let text = self.text(k).unwrap_or_default();
                ((*k).to_string(), toml::Value::String(text.to_string()))
            })
            .collect();
        table
            .try_into::<Strings>()
            .map(|mut strings| {
                strings.numbers = Some(Arc::new(self.format.clone()));
                Arc::new(strings)
            })
            .map_err(|_| Strings::KEYS.to_vec())
    }
}

impl CatalogFile {
    /// An error at the line of `key` in this file.
    fn error_at(&self, key: &str, message: &str) -> Diagnostic {
        let location = match find_key(&self.text, key) {
            Some(offset) => {
                let (line, column) = line_col(&self.text, offset);
                Location::at(&self.display, line, column)
            }
            None => Location::file(&self.display),
        };
        Diagnostic::error(message.to_string())
            .at(location)
            .with_snippet_from(&self.text)
    }
}

/// The first place `key` starts a line (a key = value line or a `[key]` header) in `text`.
fn find_key(text: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let rest = trimmed.strip_prefix('[').unwrap_or(trimmed);
        if rest.starts_with(key) && rest[key.len()..].trim_start().starts_with(['=', ']']) {
            return Some(offset + indent);
        }
        offset += line.len();
    }
    None
}

/// Parses a catalog's text.
fn parse_file(lang: &str, display: PathBuf, text: &str) -> Result<CatalogFile, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let mut d = Diagnostic::error(format!(
            "the catalog is not valid TOML: {}",
            e.message().trim()
        ));
        d = match e.span() {
            Some(span) => {
                let (line, column) = line_col(text, span.start);
                d.at(Location::at(&display, line, column))
                    .with_snippet_from(text)
            }
            None => d.at(Location::file(&display)),
        };
        d.hint("write one key = \"words\" per line; strings need double quotes")
    })?;
    Ok(CatalogFile {
        lang: lang.to_string(),
        display,
        text: text.to_string(),
        table,
    })
}

/// A TOML value as an entry: a string, or a table of plural forms with `other`.
fn entry_of(value: &toml::Value) -> Result<Entry, String> {
    match value {
        toml::Value::String(s) => Ok(Entry::Text(Value::from(s.as_str()))),
        toml::Value::Table(forms) => {
            let mut out: [Option<Value>; 6] = Default::default();
            for (category, text) in forms {
                let Some(i) = PLURAL_CATEGORIES.iter().position(|c| c == category) else {
                    let hint = did_you_mean(category, PLURAL_CATEGORIES.iter().copied())
                        .map(|s| format!(" (did you mean \"{s}\"?)"))
                        .unwrap_or_default();
                    return Err(format!(
                        "names the plural form \"{category}\", which is none of {}{hint}",
                        PLURAL_CATEGORIES.join(", ")
                    ));
                };
                let Some(text) = text.as_str() else {
                    return Err(format!("has a form \"{category}\" that is not a string"));
                };
                out[i] = Some(Value::from(text));
            }
            if out[5].is_none() {
                return Err("lacks the plural form \"other\", which every language uses".into());
            }
            Ok(Entry::Plural(Box::new(out)))
        }
        other => Err(format!(
            "is a {}, not a string or a table of plural forms",
            other.type_str()
        )),
    }
}

/// The `*.toml` files of a site's `i18n/` folder, sorted (none when there is no folder).
fn catalog_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "toml")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !crate::content::discover::is_ignored_name(n))
        })
        .collect();
    files.sort();
    files
}

/// Whether `code` looks like a BCP 47 language tag: a 2-3 letter language, then subtags of
/// letters and digits.
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let first = parts.next().unwrap_or_default();
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
