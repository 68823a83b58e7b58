//! Where a key is written inside a front matter list or table, for errors about one event or
//! one part of the summary: a TOML `[[array]]` item or `[table]`, a YAML `- ` item or indented
//! table, or either written inline (`[{ … }, { … }]`, `{ … }`). Found again from the text only
//! when an error needs it.

use std::path::Path;

use super::Parsed;
use super::front_matter::{Format, Split, key_starts_line};
use crate::diagnostics::{Diagnostic, Location, line_col};

impl<M> Parsed<M> {
    /// An error at `key` of the `index`-th item of the front matter list `array` (an event's
    /// `link`, say), falling back to the item, then the list.
    pub fn error_at_item(
        &self,
        array: &str,
        index: usize,
        key: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.error_located(message, |split, file| {
            item_key_location(split, file, array, index, key)
                .or_else(|| super::front_matter::key_location(split, file, array))
        })
    }

    /// An error at `key` inside the front matter table `table`, falling back to the table.
    pub fn error_in_table(&self, table: &str, key: &str, message: impl Into<String>) -> Diagnostic {
        self.error_located(message, |split, file| {
            table_key_location(split, file, table, key)
                .or_else(|| super::front_matter::key_location(split, file, table))
        })
    }

    fn error_located(
        &self,
        message: impl Into<String>,
        locate: impl FnOnce(&Split<'_>, &Path) -> Option<Location>,
    ) -> Diagnostic {
        let location = super::front_matter::split(&self.source, &self.display_path)
            .ok()
            .and_then(|split| locate(&split, &self.display_path))
            .unwrap_or_else(|| Location::file(&self.display_path));
        Diagnostic::error(message)
            .at(location)
            .with_snippet_from(&self.source)
    }
}

/// Where `key` is written in the `index`-th item (from 0) of the top-level list `array` (a TOML
/// `[[array]]` table, a YAML `- ` item, or a `{ … }` in a list written inline), if it is; else
/// where that item starts.
pub fn item_key_location(
    split: &Split<'_>,
    file: &Path,
    array: &str,
    index: usize,
    key: &str,
) -> Option<Location> {
    let fm = split.front_matter;
    let offset = match split.format {
        Format::Toml => toml_item_key(fm, array, index, key),
        Format::Yaml => yaml_item_key(fm, array, index, key),
    }
    .or_else(|| {
        let value = value_start(split, array)?;
        flow_key(fm, value, Some(index), key, separator(split.format))
    })?;
    Some(location_in_front_matter(split, file, offset))
}

/// Where `key` is written in the top-level table `table` (`[table]` in TOML, indented under
/// `table:` in YAML, or `{ … }` inline), if it is.
pub fn table_key_location(
    split: &Split<'_>,
    file: &Path,
    table: &str,
    key: &str,
) -> Option<Location> {
    let fm = split.front_matter;
    let offset = match split.format {
        Format::Toml => toml_table_key(fm, table, key),
        Format::Yaml => yaml_table_key(fm, table, key),
    }
    .or_else(|| {
        let value = value_start(split, table)?;
        flow_key(fm, value, None, key, separator(split.format))
    })?;
    Some(location_in_front_matter(split, file, offset))
}

fn separator(format: Format) -> char {
    match format {
        Format::Toml => '=',
        Format::Yaml => ':',
    }
}

fn location_in_front_matter(split: &Split<'_>, file: &Path, offset: usize) -> Location {
    let (line, column) = line_col(split.front_matter, offset);
    Location::at(file, split.front_matter_line + line - 1, column)
}

/// Lines of `text` with the byte offset each starts at.
fn lines_at(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line))
    })
}

/// The name in a TOML table header line (`[name]` or `[[name]]`), and whether it is an array.
fn toml_header(trimmed: &str) -> Option<(&str, bool)> {
    let (inner, array) = match trimmed.strip_prefix("[[") {
        Some(rest) => (rest.split_once("]]")?.0, true),
        None => (trimmed.strip_prefix('[')?.split_once(']')?.0, false),
    };
    Some((inner.trim().trim_matches('"'), array))
}

fn toml_item_key(fm: &str, array: &str, index: usize, key: &str) -> Option<usize> {
    let mut seen = 0;
    let mut item_start = None;
    for (offset, line) in lines_at(fm) {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with('[') {
            if item_start.is_some() {
                break;
            }
            if toml_header(trimmed) == Some((array, true)) {
                if seen == index {
                    item_start = Some(offset + indent);
                }
                seen += 1;
            }
        } else if item_start.is_some() && key_starts_line(trimmed, key, '=') {
            return Some(offset + indent);
        }
    }
    item_start
}

fn toml_table_key(fm: &str, table: &str, key: &str) -> Option<usize> {
    let mut inside = false;
    for (offset, line) in lines_at(fm) {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            inside = toml_header(trimmed) == Some((table, false));
        } else if inside && key_starts_line(trimmed, key, '=') {
            return Some(offset + line.len() - trimmed.len());
        }
    }
    None
}

/// The lines below the top-level YAML key `name` that belong to it (indented, blank or comment).
fn yaml_block<'a>(fm: &'a str, name: &str) -> impl Iterator<Item = (usize, &'a str)> {
    let mut lines = lines_at(fm).skip_while(move |(_, line)| !key_starts_line(line, name, ':'));
    lines.next();
    lines.take_while(|(_, line)| {
        let t = line.trim();
        t.is_empty() || t.starts_with('#') || line.starts_with([' ', '\t']) || t.starts_with('-')
    })
}

fn yaml_item_key(fm: &str, array: &str, index: usize, key: &str) -> Option<usize> {
    let mut item_indent = None;
    let mut seen = 0;
    let mut item_start = None;
    for (offset, line) in yaml_block(fm, array) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let dash = trimmed.starts_with("- ") || trimmed.trim_end() == "-";
        if dash && *item_indent.get_or_insert(indent) == indent {
            if item_start.is_some() {
                break;
            }
            if seen == index {
                item_start = Some(offset + indent);
                let after = trimmed[1..].trim_start();
                if key_starts_line(after, key, ':') {
                    return Some(offset + line.len() - after.len());
                }
            }
            seen += 1;
        } else if item_start.is_some() && key_starts_line(trimmed, key, ':') {
            return Some(offset + indent);
        } else if item_indent.is_some_and(|i| indent <= i) && !dash {
            break;
        }
    }
    item_start
}

fn yaml_table_key(fm: &str, table: &str, key: &str) -> Option<usize> {
    let mut child_indent = None;
    for (offset, line) in yaml_block(fm, table) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if *child_indent.get_or_insert(indent) == indent && key_starts_line(trimmed, key, ':') {
            return Some(offset + indent);
        }
    }
    None
}

/// The offset just after `name =` (or `name:`) on its top-level line.
fn value_start(split: &Split<'_>, name: &str) -> Option<usize> {
    let sep = separator(split.format);
    lines_at(split.front_matter)
        .find(|(_, line)| key_starts_line(line, name, sep))
        .and_then(|(offset, line)| line.find(sep).map(|i| offset + i + 1))
}

/// Where `key` is written in a value written inline (`[{ a = 1 }, { a = 2 }]`, `{ a: 1 }`)
/// starting at `start`: in its `item`-th table when given (or where that table starts), else in
/// the table itself. Skips quoted text; stops at the end of the value.
fn flow_key(fm: &str, start: usize, item: Option<usize>, key: &str, sep: char) -> Option<usize> {
    let text = fm.get(start..)?;
    let key_depth = if item.is_some() { 2 } else { 1 };
    let mut depth = 0usize;
    let mut tables_seen = 0;
    let mut in_target = item.is_none();
    let mut target_start = None;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut after_separator = true;
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if in_target
            && depth == key_depth
            && after_separator
            && key_starts_line(&text[i..], key, sep)
        {
            return Some(start + i);
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '{' => {
                depth += 1;
                if c == '{' && depth == 2 && item.is_some() {
                    in_target = Some(tables_seen) == item;
                    if in_target {
                        target_start = Some(start + i);
                    }
                    tables_seen += 1;
                }
            }
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 || (in_target && depth < key_depth) {
                    return target_start;
                }
            }
            '\n' if depth == 0 => return target_start,
            _ => {}
        }
        after_separator = matches!(c, '{' | ',') || c.is_whitespace();
    }
    target_start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::front_matter::split;

    fn line_of_item_key(text: &str, index: usize, key: &str) -> Option<usize> {
        let s = split(text, Path::new("a.md")).unwrap();
        item_key_location(&s, Path::new("a.md"), "events", index, key).and_then(|l| l.line)
    }

    #[test]
    fn item_keys_are_found_in_every_list_form() {
        let toml = "+++\ntitle = \"x\"\n[[events]]\ndate = 2024\ntitle = \"a\"\n\n[[events]]\ntitle = \"b\"\ndate = \"2024-13\"\n[extra]\ndate = 1\n+++\n";
        assert_eq!(line_of_item_key(toml, 0, "date"), Some(4));
        assert_eq!(line_of_item_key(toml, 1, "date"), Some(9));
        assert_eq!(
            line_of_item_key(toml, 1, "link"),
            Some(7),
            "the item's own line"
        );
        assert_eq!(line_of_item_key(toml, 2, "date"), None);
        let yaml = "---\ntitle: x\nevents:\n  - date: 2024\n    title: a\n  # note\n  - title: b\n    date: 2024-13\ndate: 2024-01-01\n---\n";
        assert_eq!(line_of_item_key(yaml, 0, "date"), Some(4));
        assert_eq!(line_of_item_key(yaml, 1, "date"), Some(8));
        assert_eq!(line_of_item_key(yaml, 1, "link"), Some(7));
        let flush = "---\nevents:\n- title: a\n  date: 1\n- date: 2\ndate: 2024-01-01\n---\n";
        assert_eq!(line_of_item_key(flush, 0, "date"), Some(4));
        assert_eq!(line_of_item_key(flush, 1, "date"), Some(5));
        let inline = "+++\nevents = [\n  { title = \"a, {b}\", date = 2024 },\n  { title = \"c\",\n    date = \"x\" },\n]\ndate = 2024-01-01\n+++\n";
        assert_eq!(line_of_item_key(inline, 0, "date"), Some(3));
        assert_eq!(line_of_item_key(inline, 1, "date"), Some(5));
        assert_eq!(line_of_item_key(inline, 1, "link"), Some(4));
        let flow = "---\nevents: [{title: a}, {title: b, date: 2024-13}]\n---\n";
        assert_eq!(line_of_item_key(flow, 1, "date"), Some(2));
    }

    #[test]
    fn table_keys_are_found() {
        let at = |text: &str, key: &str| {
            let s = split(text, Path::new("a.md")).unwrap();
            table_key_location(&s, Path::new("a.md"), "summary", key).map(|l| (l.line, l.column))
        };
        let toml = "+++\nwhats_new = 1\n[summary]\nwhats_new = \"a\"\n  why = \"b\"\n[extra]\nwhy = 1\n+++\n";
        assert_eq!(at(toml, "whats_new"), Some((Some(4), Some(1))));
        assert_eq!(at(toml, "why"), Some((Some(5), Some(3))));
        let yaml = "---\nwhy: 1\nsummary:\n  whats_new: a\n  why: b\n---\n";
        assert_eq!(at(yaml, "why"), Some((Some(5), Some(3))));
        let inline = "+++\nsummary = { whats_new = \"a\", why = \"b\" }\n+++\n";
        assert_eq!(at(inline, "why"), Some((Some(2), Some(30))));
        assert_eq!(at(inline, "what"), None);
    }

    #[test]
    fn finding_an_item_key_is_near_linear() {
        let make = |n: usize| {
            let mut text = String::from("+++\nevents = [\n");
            for i in 0..n {
                text.push_str(&format!(
                    "  {{ title = \"Event {i}, {{x}}\", date = {i} }},\n"
                ));
            }
            text.push_str("]\n+++\n");
            text
        };
        crate::test_support::assert_near_linear("locating an event key", 20_000, make, |text| {
            let s = split(text, Path::new("a.md")).unwrap();
            let last = text.matches("title =").count() - 1;
            let found = item_key_location(&s, Path::new("a.md"), "events", last, "date");
            assert!(found.is_some());
        });
    }
}
