//! The site the differential test edits: briefs, author files and bibliographies held as
//! values, written out as text after every edit.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// A small deterministic random number generator (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub const TOPICS: &[&str] = &["security", "economy", "diplomacy", "culture"];
pub const TYPES: &[&str] = &["briefing", "report", "qa", "commentary"];
/// Names written in full in briefs; `tom-reed` may also become an author file's id, which then
/// takes the name over.
/// Another spelling of one of them, and a table with the brief's own affiliation.
pub const INLINE_NAMES: &[&str] = &[
    "Tom Reed",
    "tom reed",
    "Amal Saad",
    "{ name = \"Amal Saad\", affiliation = \"Gulf Desk\" }",
];
/// The brief every other one relates to and `get_page` reads: never hidden.
pub const FIRST: &str = "one/b0.md";

/// The language code of the site's other language: `x.ar.md` translates `x.md`.
pub const TRANSLATION: &str = "ar";

/// The brief `rel` translates, or `rel` itself when it is not a translation.
pub fn original_of(rel: &str) -> String {
    match rel.strip_suffix(&format!(".{TRANSLATION}.md")) {
        Some(stem) => format!("{stem}.md"),
        None => rel.to_string(),
    }
}

/// Where the translation of brief `rel` lives.
pub fn translation_of(rel: &str) -> String {
    format!("{}.{TRANSLATION}.md", rel.trim_end_matches(".md"))
}

/// A brief's `publish_date`, relative to the build's fixed `now` (2025).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Publish {
    Past,
    Future,
}

#[derive(Clone)]
pub struct Brief {
    pub title: String,
    pub day: u32,
    pub topics: Vec<&'static str>,
    pub draft: bool,
    pub body: String,
    pub slug: Option<String>,
    /// Keys cited, in the brief's first paragraph (so in its summary too).
    pub cites: Vec<String>,
    /// Author ids and names written in full.
    pub authors: Vec<String>,
    /// Whether it names its own bibliography, `own.bib` beside it.
    pub own_bib: bool,
    /// `[[events]]`: day in February 2024 and title.
    pub events: Vec<(u32, String)>,
    pub kind: Option<&'static str>,
    pub region: Option<String>,
    /// `[summary] whats_new`.
    pub whats_new: Option<String>,
    pub publish: Option<Publish>,
}

impl Brief {
    pub fn new(title: String, day: u32, topic: &'static str, body: String) -> Brief {
        Brief {
            title,
            day,
            topics: vec![topic],
            draft: false,
            body,
            slug: None,
            cites: Vec::new(),
            authors: Vec::new(),
            own_bib: false,
            events: Vec::new(),
            kind: None,
            region: None,
            whats_new: None,
            publish: None,
        }
    }

    /// Whether a full build leaves it out (with `now` in 2025).
    pub fn hidden(&self) -> bool {
        self.draft || self.publish == Some(Publish::Future)
    }

    pub fn text(&self, related: &str) -> String {
        let list = |items: &[String]| {
            let quoted: Vec<String> = items.iter().map(|t| format!("\"{t}\"")).collect();
            quoted.join(", ")
        };
        let topics: Vec<String> = self.topics.iter().map(|t| t.to_string()).collect();
        let mut front = format!(
            "title = \"{}\"\ndate = 2024-01-{:02}\ntopics = [{}]\ndraft = {}\nrelated = [{related}]\n",
            self.title,
            self.day,
            list(&topics),
            self.draft,
        );
        let mut line = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                front.push_str(&format!("{key} = {v}\n"));
            }
        };
        line("slug", self.slug.as_ref().map(|s| format!("\"{s}\"")));
        line(
            "authors",
            (!self.authors.is_empty()).then(|| {
                // A table is written as is, a name or id quoted.
                let entries: Vec<String> = (self.authors.iter())
                    .map(|a| match a.starts_with('{') {
                        true => a.clone(),
                        false => format!("\"{a}\""),
                    })
                    .collect();
                format!("[{}]", entries.join(", "))
            }),
        );
        line("type", self.kind.map(|k| format!("\"{k}\"")));
        line("region", self.region.as_ref().map(|r| format!("\"{r}\"")));
        line(
            "publish_date",
            self.publish.map(|p| match p {
                Publish::Past => "2020-03-01".to_string(),
                Publish::Future => "2099-03-01".to_string(),
            }),
        );
        line(
            "bibliography",
            self.own_bib.then(|| "\"own.bib\"".to_string()),
        );
        if let Some(w) = &self.whats_new {
            front.push_str(&format!("\n[summary]\nwhats_new = \"{w}\"\n"));
        }
        for (day, title) in &self.events {
            front.push_str(&format!(
                "\n[[events]]\ndate = 2024-02-{day:02}\ntitle = \"{title}\"\n"
            ));
            // Some events link to the first brief, whose URL a `slug` edit changes.
            if day % 2 == 0 {
                front.push_str(&format!("link = \"@/{FIRST}\"\n"));
            }
        }
        let cited = if self.cites.is_empty() {
            String::new()
        } else {
            let keys: Vec<String> = self.cites.iter().map(|k| format!("@{k}")).collect();
            format!("As shown [{}].\n\n", keys.join("; "))
        };
        format!("+++\n{front}+++\n\n{cited}{}\n", self.body)
    }
}

pub struct Author {
    pub name: String,
    pub affiliation: Option<String>,
    pub bio: String,
}

impl Author {
    pub fn text(&self) -> String {
        let affiliation = self
            .affiliation
            .as_ref()
            .map(|a| format!("affiliation = \"{a}\"\n"))
            .unwrap_or_default();
        format!(
            "+++\nname = \"{}\"\n{affiliation}+++\n\n{}\n",
            self.name, self.bio
        )
    }
}

#[derive(Clone)]
pub struct BibEntry {
    pub key: String,
    pub author: String,
    pub title: String,
    pub year: u32,
}

impl BibEntry {
    pub fn new(key: &str, author: &str, title: &str, year: u32) -> BibEntry {
        BibEntry {
            key: key.to_string(),
            author: author.to_string(),
            title: title.to_string(),
            year,
        }
    }
}

pub fn bib_text(entries: &[BibEntry]) -> String {
    entries
        .iter()
        .map(|e| {
            format!(
                "@report{{{},\n  author = {{{}}},\n  title = {{{}}},\n  publisher = {{Institute}},\n  date = {{{}}},\n}}\n",
                e.key, e.author, e.title, e.year
            )
        })
        .collect()
}

pub fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// The content the test edits, and where it lives.
pub struct Site {
    pub root: PathBuf,
    pub briefs: BTreeMap<String, Brief>,
    /// Author files by id.
    pub authors: BTreeMap<String, Author>,
    /// `content/references.bib`.
    pub bib: Vec<BibEntry>,
    /// `own.bib`, the same in both sections: `ownkey`, and a `k0` that shadows the site's.
    pub own: Vec<BibEntry>,
}

impl Site {
    pub fn content(&self, rel: &str) -> PathBuf {
        self.root.join("content").join(rel)
    }

    /// `related` of a brief: every brief but the first (and its translation) relates to it.
    fn related_of(rel: &str) -> String {
        if original_of(rel) == FIRST {
            String::new()
        } else {
            format!("\"@/{FIRST}\"")
        }
    }

    /// Writes a brief's file; returns its path.
    pub fn write_brief(&self, rel: &str) -> PathBuf {
        let path = self.content(rel);
        write(&path, &self.briefs[rel].text(&Self::related_of(rel)));
        path
    }

    pub fn write_author(&self, id: &str) -> PathBuf {
        let path = self.content(&format!("authors/{id}.md"));
        write(&path, &self.authors[id].text());
        path
    }

    pub fn write_bib(&self) -> PathBuf {
        let path = self.content("references.bib");
        write(&path, &bib_text(&self.bib));
        path
    }

    /// Writes `own.bib` in both sections, titles differing: a brief moved between them cites
    /// other works without its text changing.
    pub fn write_own_bibs(&self) -> Vec<PathBuf> {
        ["one", "two"]
            .iter()
            .map(|section| {
                let path = self.content(&format!("{section}/own.bib"));
                let mut entries = self.own.clone();
                for entry in &mut entries {
                    entry.title = format!("{} in {section}", entry.title);
                }
                write(&path, &bib_text(&entries));
                path
            })
            .collect()
    }

    /// Whether a brief shown in the site cites `key` from the site's bibliography (a brief
    /// with its own bibliography finds `k0` and `ownkey` there).
    pub fn cited_visibly(&self, key: &str) -> bool {
        self.briefs.values().any(|b| {
            !b.hidden()
                && b.cites.iter().any(|k| k == key)
                && !(b.own_bib && self.own.iter().any(|e| e.key == key))
        })
    }

    /// Whether any brief names `id` as an author id.
    pub fn names_author(&self, id: &str) -> bool {
        self.briefs
            .values()
            .any(|b| b.authors.iter().any(|a| a == id))
    }
}
