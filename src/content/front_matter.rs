//! Splitting a content file into front matter and body, and reading the front matter into
//! typed metadata with precise errors.
//!
//! Both TOML (`+++`) and YAML (`---`) are first read into a generic map; each key is then checked
//! against the known fields (plus the configured taxonomies) and converted to its type on its own,
//! so one file reports every bad field at once, each at its own line.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::diagnostics::{Diagnostic, Location, did_you_mean, line_col};

pub use super::values::{Author, Extra, OneOrMany, PublishDate};

/// The syntax of a front matter block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `+++` fenced TOML.
    Toml,
    /// `---` fenced YAML.
    Yaml,
}

/// A content file split in two. Line endings are normalised to `\n` and a BOM is dropped.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    /// Front matter syntax.
    pub format: Format,
    /// The front matter text, without its fences.
    pub front_matter: &'a str,
    /// 1-based line of the file on which the front matter text starts.
    pub front_matter_line: usize,
    /// The Markdown body.
    pub body: &'a str,
    /// 1-based line of the file on which the body starts.
    pub body_line: usize,
}

/// Normalises line endings and drops a byte-order mark.
pub fn normalise(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The memchr crate's scan is vectorised; `contains('\r')` read the whole file a word at a
    // time.
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        text.replace("\r\n", "\n")
    } else {
        text.to_string()
    }
}

/// Splits normalised text into front matter and body.
pub fn split<'a>(text: &'a str, file: &Path) -> Result<Split<'a>, Diagnostic> {
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let (format, fence) = match first_line {
        "+++" => (Format::Toml, "+++"),
        "---" => (Format::Yaml, "---"),
        _ => {
            return Err(Diagnostic::error("missing front matter")
                .at(Location::at(file, 1, 1))
                .hint("start the file with a `+++` line, then `title = \"…\"` and `date = 2024-01-31`, then another `+++` line")
                .with_snippet_from(text));
        }
    };
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = start;
    for line in text[start..].split_inclusive('\n') {
        if line.trim_end() == fence {
            let front_matter = &text[start..offset];
            let body_start = offset + line.len();
            let body = &text[body_start..];
            return Ok(Split {
                format,
                front_matter,
                front_matter_line: 2,
                body,
                body_line: line_col(text, body_start).0,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(format!(
        "front matter is not closed: no `{fence}` line after the opening one"
    ))
    .at(Location::at(file, 1, 1))
    .hint(format!(
        "add a line containing only `{fence}` after the last front matter field"
    ))
    .with_snippet_from(text))
}

/// Where a top-level front matter key is written in `file`, if it is.
pub fn key_location(split: &Split<'_>, file: &Path, key: &str) -> Option<Location> {
    let fm = split.front_matter;
    let mut offset = 0;
    let mut in_table = false;
    for line in fm.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let hit = match split.format {
            Format::Toml => {
                if trimmed.starts_with('[') {
                    let header = trimmed.trim_start_matches('[').trim_start();
                    let is_key = header
                        .strip_prefix(key)
                        .is_some_and(|r| r.trim_start().starts_with(']') || r.starts_with('.'));
                    in_table = true;
                    is_key
                } else {
                    !in_table && key_starts_line(trimmed, key, '=')
                }
            }
            Format::Yaml => indent == 0 && key_starts_line(trimmed, key, ':'),
        };
        if hit {
            let (line_in_fm, _) = line_col(fm, offset);
            return Some(Location::at(
                file,
                split.front_matter_line + line_in_fm - 1,
                indent + 1,
            ));
        }
        offset += line.len();
    }
    None
}

/// The front matter read into a map, with the line of each top-level key.
pub struct RawFrontMatter<'a> {
    /// Key → value.
    pub fields: Map<String, Value>,
    /// Keys written under another name (Hugo's `lastmod`, `Title`): (field, key in the file).
    /// Empty, and so free, for front matter written with communique's own names.
    renamed: Vec<(String, String)>,
    split: &'a Split<'a>,
    file: &'a Path,
    full_text: &'a str,
}

impl<'a> RawFrontMatter<'a> {
    /// Parses the front matter text of `split` into a generic map.
    pub fn parse(
        split: &'a Split<'a>,
        file: &'a Path,
        full_text: &'a str,
    ) -> Result<Self, Diagnostic> {
        let fields = match split.format {
            Format::Toml => parse_toml(split, file, full_text)?,
            Format::Yaml => parse_yaml(split, file, full_text)?,
        };
        Ok(RawFrontMatter {
            fields,
            renamed: Vec::new(),
            split,
            file,
            full_text,
        })
    }

    /// The syntax the front matter is written in, for hints that show what to write.
    pub fn format(&self) -> Format {
        self.split.format
    }

    /// Reads the key `written` in the file as the field `field` from now on.
    pub fn rename(&mut self, field: &str, written: &str) {
        self.renamed.push((field.to_string(), written.to_string()));
    }

    /// Whether the file sets `field`, under its own name or another.
    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field) || self.renamed.iter().any(|(f, _)| f == field)
    }

    /// The key the file uses for `field`: its own name, or the one it was renamed from.
    pub fn written_key<'k>(&'k self, field: &'k str) -> &'k str {
        if self.fields.contains_key(field) {
            return field;
        }
        self.renamed
            .iter()
            .find(|(f, _)| f == field)
            .map_or(field, |(_, written)| written.as_str())
    }

    /// The value of `field`, under its own name or another.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(self.written_key(field))
    }

    /// The location of a top-level key (its line in the file), falling back to the fence.
    pub fn location_of(&self, key: &str) -> Location {
        key_location(self.split, self.file, self.written_key(key))
            .unwrap_or_else(|| Location::at(self.file, 1, 1))
    }

    /// An error at a key, with its source line.
    pub fn error_at(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message)
            .at(self.location_of(key))
            .with_snippet_from(self.full_text)
    }

    /// An error at `key` of the `index`-th item of the list `array` (falling back to the item,
    /// then to the list's own line).
    pub fn error_at_item(
        &self,
        array: &str,
        index: usize,
        key: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let written = self.written_key(array);
        let location = super::locate::item_key_location(self.split, self.file, written, index, key)
            .unwrap_or_else(|| self.location_of(array));
        Diagnostic::error(message)
            .at(location)
            .with_snippet_from(self.full_text)
    }

    /// An error at `key` inside the table `table` (falling back to the table's own line).
    pub fn error_in_table(&self, table: &str, key: &str, message: impl Into<String>) -> Diagnostic {
        let written = self.written_key(table);
        let location = super::locate::table_key_location(self.split, self.file, written, key)
            .unwrap_or_else(|| self.location_of(table));
        Diagnostic::error(message)
            .at(location)
            .with_snippet_from(self.full_text)
    }

    /// Reports keys not in `known` (nor in `extra_known`) with suggestions.
    pub fn unknown_keys(
        &self,
        known: &[&str],
        extra_known: &[String],
        what: &str,
    ) -> Vec<Diagnostic> {
        let candidates = || {
            known
                .iter()
                .copied()
                .chain(extra_known.iter().map(String::as_str))
        };
        self.fields
            .keys()
            .filter(|k| !candidates().any(|c| c == k.as_str()))
            .map(|k| {
                let hint = match did_you_mean(k, candidates()) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => format!(
                        "{what} fields are: {}; {}",
                        candidates().collect::<Vec<_>>().join(", "),
                        keep_under_extra(self.format(), k)
                    ),
                };
                self.error_at(k, format!("unknown field \"{k}\""))
                    .hint(hint)
            })
            .collect()
    }

    /// Converts one field to its type, if present; records a diagnostic on a type mismatch.
    pub fn take<T: DeserializeOwned>(
        &self,
        key: &str,
        expected: &str,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        self.take_inner(key, expected, None, errors)
    }

    /// Like [`RawFrontMatter::take`], with an example value (TOML, YAML) for the hint instead
    /// of the parser's words.
    pub fn take_with_example<T: DeserializeOwned>(
        &self,
        key: &str,
        expected: &str,
        example: [&str; 2],
        errors: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        self.take_inner(key, expected, Some(example), errors)
    }

    fn take_inner<T: DeserializeOwned>(
        &self,
        key: &str,
        expected: &str,
        example: Option<[&str; 2]>,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        let value = self.get(key)?;
        match T::deserialize(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let written = self.written_key(key);
                let format = self.format();
                let hint = match (value, example) {
                    (_, Some([toml, yaml])) => {
                        let example = if format == Format::Toml { toml } else { yaml };
                        format!("write e.g. {}", assignment(format, written, example))
                    }
                    (Value::String(s), None) if expected.starts_with("a list") => format!(
                        "write a list, e.g. {}",
                        assignment(format, written, &format!("[\"{s}\"]"))
                    ),
                    _ => e.to_string(),
                };
                errors.push(
                    self.error_at(
                        key,
                        format!(
                            "field \"{written}\" should be {expected}, found {}",
                            describe(value)
                        ),
                    )
                    .hint(hint),
                );
                None
            }
        }
    }

    /// Converts a required field; records a diagnostic when it is missing, whose hint shows
    /// `example_value` assigned in the file's own syntax.
    pub fn require<T: DeserializeOwned>(
        &self,
        key: &str,
        expected: &str,
        example_value: &str,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        if !self.has(key) {
            errors.push(
                Diagnostic::error(format!("missing required field \"{key}\""))
                    .at(Location::at(self.file, 1, 1))
                    .hint(format!(
                        "add it to the front matter, e.g. {}",
                        assignment(self.format(), key, example_value)
                    ))
                    .with_snippet_from(self.full_text),
            );
            return None;
        }
        self.take(key, expected, errors)
    }
}

/// `key = value` in TOML, `key: value` in YAML.
pub fn assignment(format: Format, key: &str, value: &str) -> String {
    match format {
        Format::Toml => format!("{key} = {value}"),
        Format::Yaml => format!("{key}: {value}"),
    }
}

/// How to keep an unknown field for templates, in the file's own syntax.
pub fn keep_under_extra(format: Format, key: &str) -> String {
    match format {
        Format::Toml => format!(
            "to keep it for templates as page.extra.{key}, move the line below an `[extra]` line at the end of the front matter"
        ),
        Format::Yaml => format!(
            "to keep it for templates as page.extra.{key}, indent the line by two spaces under an `extra:` line"
        ),
    }
}

pub(super) fn key_starts_line(line: &str, key: &str, separator: char) -> bool {
    let unquoted = line.strip_prefix(key);
    let quoted = line
        .strip_prefix('"')
        .and_then(|l| l.strip_prefix(key))
        .and_then(|l| l.strip_prefix('"'));
    unquoted
        .or(quoted)
        .is_some_and(|rest| rest.trim_start().starts_with(separator))
}

/// What kind of value this is, in words.
pub fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

fn parse_toml(
    split: &Split<'_>,
    file: &Path,
    full_text: &str,
) -> Result<Map<String, Value>, Diagnostic> {
    // The parser's own tree converts straight to JSON values: going through `toml::Table`
    // cost a serde pass and a second tree per file. A value that tree cannot hold (an integer
    // past i64) takes the old road, so its error is the one `toml::Table` gives.
    let parsed = toml::de::DeTable::parse(split.front_matter)
        .map(|table| de_table_to_json(table.into_inner()));
    match parsed {
        Ok(Some(fields)) => return Ok(fields),
        Err(e) => return Err(toml_error(&e, split, file, full_text)),
        Ok(None) => {}
    }
    let table: toml::Table =
        toml::from_str(split.front_matter).map_err(|e| toml_error(&e, split, file, full_text))?;
    Ok(table
        .into_iter()
        .map(|(k, v)| (k, toml_to_json(v)))
        .collect())
}

/// A TOML parse error at its place in the file.
fn toml_error(e: &toml::de::Error, split: &Split<'_>, file: &Path, full_text: &str) -> Diagnostic {
    let (line, column) = e
        .span()
        .map_or((1, 1), |s| line_col(split.front_matter, s.start));
    Diagnostic::error(format!("invalid TOML front matter: {}", e.message().trim()))
        .at(Location::at(
            file,
            split.front_matter_line + line - 1,
            column,
        ))
        .hint("check quotes, commas and brackets on this line; strings need double quotes")
        .with_snippet_from(full_text)
}

/// A parsed TOML table as JSON values, as [`toml_to_json`] converts them; `None` when a number
/// does not fit (an integer past i64, a float past f64), which `toml::Table` refuses, or for
/// the key `toml::Table` reserves for dates.
fn de_table_to_json(table: toml::de::DeTable<'_>) -> Option<Map<String, Value>> {
    table
        .into_iter()
        .map(|(key, value)| {
            let key = key.into_inner();
            if key == "$__toml_private_datetime" {
                return None;
            }
            Some((key.into_owned(), de_to_json(value.into_inner())?))
        })
        .collect()
}

fn de_to_json(value: toml::de::DeValue<'_>) -> Option<Value> {
    use toml::de::DeValue;
    Some(match value {
        DeValue::String(s) => Value::String(s.into_owned()),
        DeValue::Integer(i) => Value::from(i64::from_str_radix(i.as_str(), i.radix()).ok()?),
        DeValue::Float(f) => {
            let parsed: f64 = f.as_str().parse().ok()?;
            if parsed.is_infinite() && !f.as_str().contains("inf") {
                return None;
            }
            serde_json::Number::from_f64(parsed).map_or(Value::Null, Value::Number)
        }
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(a) => Value::Array(
            a.into_iter()
                .map(|v| de_to_json(v.into_inner()))
                .collect::<Option<_>>()?,
        ),
        DeValue::Table(t) => Value::Object(de_table_to_json(t)?),
    })
}

/// TOML values as JSON values; dates become their RFC 3339 text.
pub(crate) fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

fn parse_yaml(
    split: &Split<'_>,
    file: &Path,
    full_text: &str,
) -> Result<Map<String, Value>, Diagnostic> {
    if split.front_matter.trim().is_empty() {
        return Ok(Map::new());
    }
    let value: Value = serde_saphyr::from_str(split.front_matter).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
        let message = e.to_string();
        let first = message.lines().next().unwrap_or("syntax error");
        // The parser's own "line 3 column 9" counts from the front matter; ours from the file.
        let first = strip_yaml_position(first);
        Diagnostic::error(format!("invalid YAML front matter: {first}"))
            .at(Location::at(file, split.front_matter_line + line.max(1) - 1, column.max(1)))
            .hint("check indentation and quoting on this line; lists are written `- item` or `[a, b]`")
            .with_snippet_from(full_text)
    })?;
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(Diagnostic::error(format!(
            "YAML front matter should be a mapping of fields, found {}",
            describe(&other)
        ))
        .at(Location::at(file, split.front_matter_line, 1))
        .hint("write one `field: value` per line")
        .with_snippet_from(full_text)),
    }
}

/// Drops a leading `error: line N column M: ` from a YAML parser message.
fn strip_yaml_position(message: &str) -> String {
    let rest = message.trim_start_matches("error: ");
    match rest.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((position, text)) if position.contains("column") => text.to_string(),
        _ => rest.to_string(),
    }
}

impl RawFrontMatter<'_> {
    /// Reads a date field: a TOML date, or a string in one of [`PublishDate::parse`]'s forms.
    pub fn date(&self, key: &str, errors: &mut Vec<Diagnostic>) -> Option<PublishDate> {
        let text: String = self.take(key, "a date such as 2024-01-27", errors)?;
        let parsed = PublishDate::parse(&text);
        if parsed.is_none() {
            let written = self.written_key(key);
            errors.push(
                self.error_at(
                    key,
                    format!("field \"{written}\" is not a valid date: \"{text}\""),
                )
                .hint("write a date as 2024-01-27, or a date and time as 2024-01-27T09:30:00Z"),
            );
        }
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_toml_with_crlf_and_bom() {
        let text = normalise("\u{feff}+++\r\ntitle = \"x\"\r\n+++\r\nBody\r\n");
        let s = split(&text, Path::new("a.md")).unwrap();
        assert_eq!(s.format, Format::Toml);
        assert_eq!(s.front_matter, "title = \"x\"\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let e = split("---\ntitle: x\n", Path::new("a.md")).unwrap_err();
        assert!(e.message.contains("not closed"));
    }

    #[test]
    fn missing_front_matter_is_an_error() {
        let e = split("# Hello\n", Path::new("a.md")).unwrap_err();
        assert!(e.message.contains("missing front matter"));
    }

    #[test]
    fn toml_front_matter_reads_as_through_a_toml_table() {
        let text = "+++\ntitle = \"x \\u00e9\"\ndate = 2024-01-01\nn = 0x1F\nm = 0o17\nneg = -17\nf = 1.5e3\n\
                    nan = nan\ninf = -inf\nb = true\nlist = [1, \"a\", [2.0], { c = 'd' }]\n\
                    t = { a = 1979-05-27T07:32:00Z, b = 07:32:00, c.d = 1 }\n\
                    [[items]]\nname = \"a\"\n[[items]]\n[extra]\nk = 'lit'\n[extra.deep]\nz = []\n+++\n";
        let s = split(text, Path::new("a.md")).unwrap();
        let fm = RawFrontMatter::parse(&s, Path::new("a.md"), text).unwrap();
        let table: toml::Table = toml::from_str(s.front_matter).unwrap();
        let through_table: Map<String, Value> = table
            .into_iter()
            .map(|(k, v)| (k, toml_to_json(v)))
            .collect();
        assert_eq!(fm.fields, through_table);
        assert_eq!(
            fm.fields["t"]["a"],
            Value::String("1979-05-27T07:32:00Z".into())
        );
    }

    #[test]
    fn toml_numbers_a_table_cannot_hold_get_its_error() {
        for value in ["9223372036854775808", "-9223372036854775809", "1e400"] {
            let front_matter = format!("n = {value}\n");
            let text = format!("+++\n{front_matter}+++\n");
            let s = split(&text, Path::new("a.md")).unwrap();
            let Err(e) = RawFrontMatter::parse(&s, Path::new("a.md"), &text) else {
                panic!("{value} was accepted");
            };
            let expected = toml::from_str::<toml::Table>(&front_matter).unwrap_err();
            assert_eq!(
                e.message,
                format!("invalid TOML front matter: {}", expected.message().trim())
            );
        }
    }

    #[test]
    fn key_lines_are_found_in_toml_and_yaml() {
        let text = "+++\ntitle = \"x\"\n\"date\" = 2024-01-01\n[extra]\ntitle = 3\n+++\n";
        let s = split(text, Path::new("a.md")).unwrap();
        let fm = RawFrontMatter::parse(&s, Path::new("a.md"), text).unwrap();
        assert_eq!(fm.location_of("date").line, Some(3));
        assert_eq!(fm.location_of("extra").line, Some(4));
        let text = "---\ntitle: x\ntopics:\n  - a\ndate: 2024-01-01\n---\n";
        let s = split(text, Path::new("a.md")).unwrap();
        let fm = RawFrontMatter::parse(&s, Path::new("a.md"), text).unwrap();
        assert_eq!(fm.location_of("date").line, Some(5));
        assert_eq!(fm.fields["date"], Value::String("2024-01-01".into()));
    }
}
