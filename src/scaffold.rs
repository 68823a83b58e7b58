//! `init` and `new`: writing a new site and a new brief.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::site::slugify;
use crate::theme;

const CONFIG: &str = r#"# Site configuration: see docs/content.md in the communique repository.
title = "Policy Briefs"
base_url = "https://briefs.example.org"
description = "Analysis and recommendations."
language = "en"
organization = "Our Institute"
author = "Our Institute"
paginate_by = 10
taxonomies = ["topics", "actors"]

[feed]
enabled = true
filename = "atom.xml"
limit = 20

[markdown]
smart_punctuation = true
raw_html = "allow"

[extra]
nav = [
  { name = "Briefs", path = "/briefs/" },
  { name = "Topics", path = "/topics/" },
  { name = "Actors", path = "/actors/" },
]
"#;

const HOME: &str = "+++\ntitle = \"Policy Briefs\"\ndescription = \"Our latest analysis.\"\nsort_by = \"date\"\n+++\n\nWelcome. The newest briefs are listed below.\n";

const BRIEFS: &str = "+++\ntitle = \"Briefs\"\ndescription = \"Every brief, newest first.\"\nsort_by = \"date\"\n+++\n";

fn sample_brief(date: &str) -> String {
    format!(
        r#"+++
title = "Welcome to your first brief"
date = {date}
description = "A sample brief that shows the format: summary, key points, notes."
authors = [{{ name = "A. Analyst", affiliation = "Our Institute" }}]
topics = ["getting started"]
actors = ["our institute"]
key_points = ["Briefs are Markdown files with front matter.", "Key points and recommendations get their own boxes."]
recommendations = ["Edit this file, or run `communique new briefs/my-brief`."]
+++

This first paragraph is the summary shown in listings.

<!-- more -->

## What a brief contains

Headings get ids and appear in the table of contents. Notes are numbered.[^1]

| Part | Where |
|---|---|
| Summary | before the `more` marker |
| Body | after it |

[^1]: Footnotes are gathered at the end of the brief.
"#
    )
}

/// What `init` writes besides the site's own files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InitOptions {
    /// Copy the default theme into `templates/` and `static/` (it then no longer follows fixes
    /// to the built-in theme). Without it, both folders start empty and the built-in theme is
    /// the fallback.
    pub eject_theme: bool,
}

/// Creates a new site at `dir`: config, a home page, the briefs section with one sample brief,
/// and empty `templates/` and `static/` folders (plus the default theme with
/// [`InitOptions::eject_theme`]). Refuses a folder that is not empty.
pub fn init(dir: &Path, today: &str, options: InitOptions) -> Result<Vec<PathBuf>, Diagnostic> {
    if dir.exists()
        && fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        let shown = if dir == Path::new(".") {
            std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
        } else {
            dir.to_path_buf()
        };
        return Err(Diagnostic::error(format!(
            "{} already exists and is not empty",
            shown.display()
        ))
        .hint(format!(
            "communique starts a site only in a new or empty folder: choose another, e.g. `communique init {}`",
            free_sibling(dir).display()
        )));
    }
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        (dir.join("communique.toml"), CONFIG.as_bytes().to_vec()),
        (dir.join("content/_index.md"), HOME.as_bytes().to_vec()),
        (
            dir.join("content/briefs/_index.md"),
            BRIEFS.as_bytes().to_vec(),
        ),
        (
            dir.join("content/briefs/welcome.md"),
            sample_brief(today).into_bytes(),
        ),
    ];
    if options.eject_theme {
        for (name, text) in theme::TEMPLATES {
            files.push((dir.join("templates").join(name), text.as_bytes().to_vec()));
        }
        for (name, bytes) in theme::STATIC {
            files.push((dir.join("static").join(name), bytes.to_vec()));
        }
    }
    let write = |path: &Path, bytes: &[u8]| -> io::Result<()> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, bytes)
    };
    for (path, bytes) in &files {
        write(path, bytes)
            .map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", path.display())))?;
    }
    for folder in ["templates", "static"] {
        let folder = dir.join(folder);
        fs::create_dir_all(&folder)
            .map_err(|e| Diagnostic::error(format!("cannot create {}: {e}", folder.display())))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// A folder beside `dir` that does not exist yet (`my-briefs-2`), to suggest instead of `dir`.
fn free_sibling(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "my-briefs".into(), |n| n.to_string_lossy().into_owned());
    let parent = dir.parent().unwrap_or(Path::new(""));
    let (name, first) = if name.is_empty() || name == "." || name == ".." {
        ("my-briefs".to_string(), Some(PathBuf::from("my-briefs")))
    } else {
        (name, None)
    };
    first
        .into_iter()
        .chain((2..1000).map(|n| parent.join(format!("{name}-{n}"))))
        .find(|candidate| !candidate.exists())
        .unwrap_or_else(|| parent.join(format!("new-{name}")))
}

/// Writes a new draft brief at `content/<section>/<slug>.md`; never overwrites.
/// `taxonomies` are the site's, so the new brief has exactly the fields its config allows.
pub fn new_brief(
    content_dir: &Path,
    path: &str,
    today: &str,
    taxonomies: &[String],
) -> Result<PathBuf, Diagnostic> {
    let path = path.trim_matches('/').trim_end_matches(".md");
    let (section, slug) = path.rsplit_once('/').unwrap_or(("", path));
    if slug.is_empty() || slugify(slug) != slug {
        return Err(
            Diagnostic::error(format!("\"{slug}\" is not a valid slug")).hint(format!(
                "use lowercase words joined by dashes, e.g. `communique new briefs/{}`",
                nonempty(slugify(slug))
            )),
        );
    }
    if section.split('/').any(|s| s == ".." || s == ".") {
        return Err(Diagnostic::error("the section may not contain `.` or `..`")
            .hint("e.g. `communique new briefs/my-brief`"));
    }
    let file = content_dir.join(section).join(format!("{slug}.md"));
    if file.exists()
        || content_dir
            .join(section)
            .join(slug)
            .join("index.md")
            .exists()
    {
        return Err(
            Diagnostic::error(format!("{} already exists", file.display()))
                .hint("choose another slug; communique never overwrites a brief"),
        );
    }
    let mut title = slug.replace('-', " ");
    if let Some(first) = title.get(..1) {
        title = first.to_uppercase() + &title[1..];
    }
    let terms: String = taxonomies.iter().map(|t| format!("{t} = []\n")).collect();
    let text = format!(
        "+++\ntitle = \"{title}\"\ndate = {today}\ndescription = \"\"\ndraft = true\nauthors = []\n{terms}key_points = []\nrecommendations = []\n+++\n\nSummary paragraph.\n\n<!-- more -->\n\n## Background\n"
    );
    if let Some(parent) = file.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| Diagnostic::error(format!("cannot create {}: {e}", parent.display())))?;
    }
    // create_new: refuse to overwrite even if the file appeared since the check.
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .and_then(|mut f| io::Write::write_all(&mut f, text.as_bytes()))
        .map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", file.display())))?;
    Ok(file)
}

fn nonempty(s: String) -> String {
    if s.is_empty() {
        "my-brief".to_string()
    } else {
        s
    }
}
