//! Languages of a site: the default one (`language`) and further ones (`[languages.<code>]`),
//! each with its title, description, menu and writing direction. The site model publishes the
//! default language at the root and every other under its code (`/ar/briefs/x/`).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Strings;
use crate::diagnostics::{Diagnostic, Location, line_col};

/// Which way a language is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right.
    Ltr,
    /// Right to left.
    Rtl,
}

impl Direction {
    /// The value of an HTML `dir` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }

    /// The direction a language tag is written in: right to left for the scripts of Arabic,
    /// Persian, Hebrew, Urdu, Pashto, Sindhi, Sorani Kurdish, Uyghur, Yiddish, Dhivehi and
    /// Syriac, left to right otherwise. A script subtag (`-Arab`, `-Latn`) decides when given.
    pub fn of(tag: &str) -> Direction {
        // CLDR's data (through ICU) knows which languages and scripts run right to left.
        if crate::direction::html_dir(tag) == "rtl" {
            Direction::Rtl
        } else {
            Direction::Ltr
        }
    }
}

/// One `[languages.<code>]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageTable {
    /// The language's name in itself, shown by the language switcher ("العربية").
    #[serde(default)]
    pub name: Option<String>,
    /// The site's title in this language.
    #[serde(default)]
    pub title: Option<String>,
    /// The site's description in this language.
    #[serde(default)]
    pub description: Option<String>,
    /// Writing direction; inferred from the code when absent.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Whether an `@/` link from a page in this language to a page with no translation in it
    /// leads to the default language's page instead of being an error.
    #[serde(default)]
    pub fallback: bool,
    /// The menu: `{ name, path }` items, paths within the language (`/briefs/` is
    /// `/ar/briefs/` in Arabic). Templates read it as `config.extra.nav`.
    #[serde(default)]
    pub nav: Option<Vec<NavItem>>,
}

/// A menu entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NavItem {
    /// The link's text.
    pub name: String,
    /// A site path within the language (`/briefs/`).
    pub path: String,
}

/// A language of the site, resolved: defaults applied.
#[derive(Debug, Clone)]
pub struct Language {
    /// BCP 47 tag as configured (`ar`, `pt-br`).
    pub code: String,
    /// Its name in itself, for the switcher.
    pub name: String,
    /// The site path prefix of its pages: `""` for the default language, `/ar` otherwise.
    pub prefix: String,
    /// The site's title in it.
    pub title: String,
    /// The site's description in it.
    pub description: Option<String>,
    /// Writing direction.
    pub direction: Direction,
    /// Whether links to untranslated pages fall back to the default language.
    pub fallback: bool,
    /// Its menu, paths with the prefix; `None` keeps the site's `[extra] nav`.
    pub nav: Option<Vec<NavItem>>,
    /// The interface words Markdown writes in it (callout labels, note back-links).
    pub strings: Arc<Strings>,
}

impl Language {
    /// Whether this is the default language (published at the site root).
    pub fn is_default(&self) -> bool {
        self.prefix.is_empty()
    }
}

/// Whether `code` has the shape of a language tag communique accepts: a primary subtag of two
/// or three lowercase letters, then optional subtags of letters and digits (`pt-br`, `zh-hant`).
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| {
            (2..=8).contains(&p.len())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The name of a language in itself, for the common ones; the code otherwise.
fn native_name(code: &str) -> String {
    let primary = code.split('-').next().unwrap_or(code);
    let name = match primary {
        "ar" => "العربية",
        "de" => "Deutsch",
        "en" => "English",
        "es" => "Español",
        "fa" => "فارسی",
        "fr" => "Français",
        "he" => "עברית",
        "it" => "Italiano",
        "ku" => "Kurdî",
        "ckb" => "کوردی",
        "nl" => "Nederlands",
        "pt" => "Português",
        "ru" => "Русский",
        "tr" => "Türkçe",
        "uk" => "Українська",
        "ur" => "اردو",
        "zh" => "中文",
        _ => return code.to_string(),
    };
    name.to_string()
}

/// What [`resolve`] reads from the configuration.
pub struct LanguageInputs<'a> {
    /// `language`: the default language's code.
    pub default: &'a str,
    /// The site's title.
    pub title: &'a str,
    /// The site's description.
    pub description: Option<&'a str>,
    /// `[languages.*]` as written.
    pub tables: &'a BTreeMap<String, LanguageTable>,
    /// `[strings]`.
    pub strings: &'a Arc<Strings>,
}

/// The site's languages, default first, then the others in code order; or the first problem.
pub fn resolve(
    inputs: LanguageInputs<'_>,
    text: &str,
    file: &Path,
) -> Result<Vec<Language>, Diagnostic> {
    let at = |needle: &str| {
        let offset = text.find(needle).unwrap_or(0);
        let (line, column) = line_col(text, offset);
        Location::at(file, line, column)
    };
    let shape_hint = "language codes are BCP 47 tags in lowercase: two or three letters, then optional subtags, e.g. \"ar\", \"fr\" or \"pt-br\"";
    // The default language names no files or URLs, so any case will do (`en-GB`).
    if !is_language_code(&inputs.default.to_ascii_lowercase()) {
        return Err(Diagnostic::error(format!(
            "language \"{}\" is not a language code",
            inputs.default
        ))
        .at(at("language"))
        .hint(shape_hint)
        .with_snippet_from(text));
    }
    let mut languages = Vec::with_capacity(inputs.tables.len() + 1);
    let default_table = inputs.tables.get(inputs.default);
    languages.push(language(inputs.default, "", default_table, &inputs));
    for (code, table) in inputs.tables {
        if code == inputs.default {
            continue;
        }
        if !is_language_code(code) {
            return Err(Diagnostic::error(format!(
                "[languages.{code}]: \"{code}\" is not a language code"
            ))
            .at(at(&format!("languages.{code}")))
            .hint(shape_hint)
            .with_snippet_from(text));
        }
        let prefix = format!("/{code}");
        languages.push(language(code, &prefix, Some(table), &inputs));
    }
    for language in &languages {
        for item in language.nav.iter().flatten() {
            if !item.path.starts_with('/') && !item.path.contains("://") {
                return Err(Diagnostic::error(format!(
                    "menu item \"{}\" of [languages.{}] has the path \"{}\", which is not a site path",
                    item.name, language.code, item.path
                ))
                .at(at(&item.path))
                .hint("write a path from the site root within the language, e.g. path = \"/briefs/\"")
                .with_snippet_from(text));
            }
        }
    }
    Ok(languages)
}

fn language(
    code: &str,
    prefix: &str,
    table: Option<&LanguageTable>,
    inputs: &LanguageInputs<'_>,
) -> Language {
    let table = table.cloned().unwrap_or_default();
    let nav = table.nav.map(|items| {
        items
            .into_iter()
            .map(|item| NavItem {
                path: if item.path.starts_with('/') {
                    format!("{prefix}{}", item.path)
                } else {
                    item.path
                },
                name: item.name,
            })
            .collect()
    });
    Language {
        code: code.to_string(),
        name: table.name.unwrap_or_else(|| native_name(code)),
        prefix: prefix.to_string(),
        title: table.title.unwrap_or_else(|| inputs.title.to_string()),
        description: table.description.or(inputs.description.map(str::to_string)),
        direction: table.direction.unwrap_or_else(|| Direction::of(code)),
        fallback: table.fallback,
        nav,
        strings: Arc::clone(inputs.strings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_follow_the_code() {
        for rtl in ["ar", "fa", "he", "ur", "ps", "ar-iq", "ckb", "ku-arab"] {
            assert_eq!(Direction::of(rtl), Direction::Rtl, "{rtl}");
        }
        for ltr in ["en", "fr", "en-gb", "tr", "ku", "az-latn"] {
            assert_eq!(Direction::of(ltr), Direction::Ltr, "{ltr}");
        }
    }

    #[test]
    fn language_codes() {
        for good in ["ar", "en", "pt-br", "zh-hant", "ckb"] {
            assert!(is_language_code(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "AR",
            "en-GB",
            "arab1",
            "en_",
            "en-",
            "old-school-x9!",
        ] {
            assert!(!is_language_code(bad), "{bad}");
        }
    }
}
