//! The content tree: Markdown files converted, page bundles' files copied beside them, other
//! files moved to `static/` at the same address, and the sections Hugo makes implicitly
//! given an `_index.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Map;

use super::body::{self, BodyContext, ContentIndex};
use super::front_matter::{self, Context};
use super::report::Report;
use super::tree::{SourceFile, SourceTree, read_text};
use super::{Generator, Plan, Settings};
use crate::content::front_matter::{RawFrontMatter, key_location, normalise, split};
use crate::site::urls::section_path;

/// What each content file becomes.
enum Role<'a> {
    /// A Markdown page or section.
    Markdown(&'a SourceFile),
    /// A file of a page bundle, copied beside its page.
    Asset(&'a SourceFile),
    /// Any other file: copied to `static/` at the same path, so its address stays.
    Static(&'a SourceFile),
    /// Left out, with the reason.
    Skipped(&'a SourceFile, &'static str),
}

/// Plans the content of the new site. Returns the top sections for the navigation, as
/// (title, site path).
pub fn plan(
    tree: &SourceTree,
    generator: Generator,
    settings: &mut Settings,
    today: &str,
    plan: &mut Plan,
    report: &mut Report,
) -> Vec<(String, String)> {
    let files: Vec<(&str, &SourceFile)> = tree.under("content").collect();
    let bundles: BTreeSet<&str> = files
        .iter()
        .filter_map(|(rel, _)| rel.strip_suffix("/index.md"))
        .collect();
    let roles: Vec<(&str, Role<'_>)> = files
        .iter()
        .map(|(rel, f)| (*rel, role(rel, f, &bundles)))
        .collect();
    let mut pages: BTreeSet<String> = roles
        .iter()
        .filter(|(_, r)| matches!(r, Role::Markdown(_)))
        .map(|(rel, _)| rel.to_string())
        .collect();
    let made = implicit_sections(&pages, generator);
    pages.extend(made.iter().cloned());
    let pages = ContentIndex::new(pages);
    let mut section_titles = BTreeMap::new();
    for (rel, role) in &roles {
        match role {
            Role::Markdown(file) => {
                if let Some((text, title, draft)) =
                    convert_file(rel, file, generator, settings, &pages, today, report)
                {
                    plan.text(format!("content/{rel}"), text);
                    if rel.ends_with("_index.md") {
                        report.sections += 1;
                        if !draft {
                            section_titles.insert(rel.to_string(), title);
                        }
                    } else {
                        report.pages += 1;
                    }
                }
            }
            Role::Asset(file) => {
                plan.copy(format!("content/{rel}"), &file.abs);
                report.files += 1;
            }
            Role::Static(file) => {
                plan.copy(format!("static/{rel}"), &file.abs);
                report.files += 1;
                report.changed(
                    &file.rel,
                    None,
                    format!(
                        "not part of a page bundle: copied to static/{rel}, at the same address"
                    ),
                );
            }
            Role::Skipped(file, why) => report.not_converted(&file.rel, None, *why),
        }
    }
    for rel in &made {
        let title = front_matter_title(rel);
        plan.text(
            format!("content/{rel}"),
            format!("+++\ntitle = {}\n+++\n", toml::Value::String(title.clone())),
        );
        report.sections += 1;
        report.changed(
            &format!("content/{rel}"),
            None,
            "written: communique needs an _index.md to list a section's pages",
        );
        section_titles.insert(rel.clone(), title);
    }
    section_titles
        .into_iter()
        .filter(|(rel, _)| rel.matches('/').count() == 1)
        .map(|(rel, title)| (title, section_path(&rel)))
        .collect()
}

fn role<'a>(rel: &str, file: &'a SourceFile, bundles: &BTreeSet<&str>) -> Role<'a> {
    // Inside a bundle: a folder above it has an index.md that is not this file.
    let in_bundle = rel
        .match_indices('/')
        .map(|(i, _)| &rel[..i])
        .any(|dir| bundles.contains(dir) && rel != format!("{dir}/index.md"));
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let other_format = [
        ".markdown",
        ".html",
        ".adoc",
        ".org",
        ".rst",
        ".pdc",
        ".mmark",
    ]
    .iter()
    .any(|e| rel.ends_with(e));
    match (in_bundle, rel.ends_with(".md")) {
        (true, true) => Role::Skipped(
            file,
            "a Markdown file inside a page bundle is not published by communique; left out",
        ),
        (true, false) => Role::Asset(file),
        (false, true) if name.starts_with('.') => Role::Skipped(file, "hidden file left out"),
        (false, true) => Role::Markdown(file),
        (false, false) if other_format => Role::Skipped(
            file,
            "content in a format other than Markdown (.md) is not converted",
        ),
        (false, false) => Role::Static(file),
    }
}

/// The `_index.md` files the new site needs that the source lacks: the home page, and for
/// Hugo every top-level folder (Hugo makes those sections without one).
fn implicit_sections(pages: &BTreeSet<String>, generator: Generator) -> Vec<String> {
    let mut made = Vec::new();
    if !pages.contains("_index.md") {
        made.push("_index.md".to_string());
    }
    if generator == Generator::Hugo {
        let top: BTreeSet<&str> = pages
            .iter()
            .filter_map(|p| p.split_once('/').map(|(d, _)| d))
            .collect();
        for dir in top {
            let index = format!("{dir}/_index.md");
            let is_bundle = pages.contains(&format!("{dir}/index.md"));
            if !pages.contains(&index) && !is_bundle {
                made.push(index);
            }
        }
    }
    made
}

fn front_matter_title(rel: &str) -> String {
    match rel.rsplit_once('/') {
        None => "Home".to_string(),
        Some((dir, _)) => {
            let name = dir
                .rsplit('/')
                .next()
                .unwrap_or(dir)
                .replace(['-', '_'], " ");
            let mut chars = name.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
        }
    }
}

/// One Markdown file converted: its new text, its title and whether it is a draft.
fn convert_file(
    rel: &str,
    file: &SourceFile,
    generator: Generator,
    settings: &mut Settings,
    pages: &ContentIndex,
    today: &str,
    report: &mut Report,
) -> Option<(String, String, bool)> {
    let text = normalise(&read_text(file, report)?);
    let hugo = generator == Generator::Hugo;
    let read = match read_front_matter(&text, &file.rel, hugo) {
        Ok(read) => read,
        Err((line, message)) => {
            report.not_converted(&file.rel, line, format!("left out: {message}"));
            return None;
        }
    };
    let (fields, body, body_line) = (read.fields, read.body, read.body_line);
    let line_of = |key: &str| {
        read.key_lines
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, l)| *l)
    };
    let section = rel.ends_with("_index.md");
    let cx = Context {
        file: &file.rel,
        content_rel: rel,
        hugo,
        section,
        today,
    };
    let meta = front_matter::convert(&fields, &cx, &mut settings.taxonomies, &line_of, report);
    let bcx = BodyContext {
        file: &file.rel,
        first_line: body_line,
        content_rel: rel,
        pages,
        hugo,
    };
    let body = body::convert(body, &bcx, report);
    let title = meta.title().unwrap_or_else(|| front_matter_title(rel));
    let draft = meta.is_draft();
    Some((
        format!("+++\n{}+++\n{body}", meta.to_toml(section)),
        title,
        draft,
    ))
}

/// A file's front matter read into fields, with the line of each key, and its body.
struct FrontMatterRead<'a> {
    fields: Map<String, serde_json::Value>,
    key_lines: Vec<(String, Option<usize>)>,
    body: &'a str,
    body_line: usize,
}

/// Reads the front matter of `text` (normalised); the error is a line and a message.
fn read_front_matter<'a>(
    text: &'a str,
    file: &str,
    hugo: bool,
) -> Result<FrontMatterRead<'a>, (Option<usize>, String)> {
    let path = Path::new(file);
    match split(text, path) {
        Ok(parts) => {
            let raw = RawFrontMatter::parse(&parts, path, text)
                .map_err(|e| (e.location.as_ref().and_then(|l| l.line), e.message))?;
            let key_lines = raw
                .fields
                .keys()
                .map(|k| {
                    (
                        k.clone(),
                        key_location(&parts, path, k).and_then(|l| l.line),
                    )
                })
                .collect();
            Ok(FrontMatterRead {
                fields: raw.fields,
                key_lines,
                body: parts.body,
                body_line: parts.body_line,
            })
        }
        // Hugo publishes a file without front matter; JSON front matter is not read.
        Err(_) if hugo && !text.starts_with(['{', '-', '+']) => Ok(FrontMatterRead {
            fields: Map::new(),
            key_lines: Vec::new(),
            body: text,
            body_line: 1,
        }),
        Err(e) if text.starts_with('{') => Err((
            Some(1),
            format!("JSON front matter is not converted ({})", e.message),
        )),
        Err(e) => Err((Some(1), e.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_in_yaml_toml_none_and_broken() {
        let yaml = "---\ntitle: A\ntags: [x]\n---\nBody\n";
        let read = read_front_matter(yaml, "content/a.md", true).unwrap();
        assert_eq!(read.fields["title"], "A");
        assert!(read.key_lines.contains(&("tags".to_string(), Some(3))));
        assert_eq!((read.body, read.body_line), ("Body\n", 5));

        let bare = read_front_matter("Just text.\n", "content/a.md", true).unwrap();
        assert!(
            bare.fields.is_empty(),
            "Hugo publishes a file without front matter"
        );
        assert!(read_front_matter("Just text.\n", "content/a.md", false).is_err());

        let (line, message) = read_front_matter("{\n\"title\": \"A\"\n}\n", "content/a.md", true)
            .err()
            .unwrap();
        assert_eq!(line, Some(1));
        assert!(message.contains("JSON front matter"), "{message}");

        let (line, _) = read_front_matter("---\ntitle: A\ntags: [x\n---\n", "content/a.md", true)
            .err()
            .unwrap();
        assert!(line.is_some_and(|l| l >= 2), "{line:?}");
    }

    #[test]
    fn bundles_own_their_files_and_other_files_go_to_static() {
        let file = SourceFile {
            rel: String::new(),
            abs: "x".into(),
        };
        let bundles: BTreeSet<&str> = ["posts/b"].into();
        let kind = |rel| match role(rel, &file, &bundles) {
            Role::Markdown(_) => "markdown",
            Role::Asset(_) => "asset",
            Role::Static(_) => "static",
            Role::Skipped(..) => "skipped",
        };
        assert_eq!(kind("posts/b/index.md"), "markdown");
        assert_eq!(kind("posts/b/img/chart.png"), "asset");
        assert_eq!(kind("posts/b/notes.md"), "skipped");
        assert_eq!(kind("posts/logo.png"), "static");
        assert_eq!(kind("posts/old.html"), "skipped");
    }
}
