//! Every output file must have exactly one source. Pages and sections are checked when their
//! URLs are made (see `site`); here the whole output is checked, pager pages, aliases and
//! static files included, before anything is written.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::{Contents, Job, OutputFile, Renderer};
use crate::diagnostics::{Diagnostic, Location, relative_to};
use crate::site::{ListingKind, Urls};

/// What produces an output file, for messages.
fn describe(renderer: &Renderer, job: &Job) -> String {
    let model = renderer.model();
    match job {
        Job::Page(i) | Job::Alias(i, _) => {
            model.pages[*i].source.display_path.display().to_string()
        }
        Job::Pager(l, n) => match model.listings[*l].kind {
            ListingKind::Section(s) => format!(
                "page {n} of the listing {}",
                model.sections[s].source.display_path.display()
            ),
            ListingKind::Term(t, _) => {
                format!("the \"{}\" taxonomy", model.taxonomies[t].name)
            }
            ListingKind::Author(a) => format!("the page of author \"{}\"", model.authors[a].name),
            ListingKind::Timeline => "the timeline of events".to_string(),
        },
        Job::AuthorList(_) => "the list of authors".to_string(),
        Job::Feed(l) => format!("the feed of {}", model.listings[*l].path),
        Job::TaxonomyList(t) => format!("the \"{}\" taxonomy", model.taxonomies[*t].name),
        Job::NotFound | Job::Sitemap | Job::Robots | Job::Host(_) => "a generated file".to_string(),
        Job::Search(_) => "the search page".to_string(),
        Job::Cite(p, _) => format!(
            "the citation files of {}",
            model.pages[*p].source.display_path.display()
        ),
        Job::Pdf(p) => format!(
            "the PDF of {}",
            model.pages[*p].source.display_path.display()
        ),
    }
}

fn blame(renderer: &Renderer, job: &Job, message: String) -> Diagnostic {
    let model = renderer.model();
    let (diagnostic, hint) = match job {
        Job::Alias(p, _) => (
            model.pages[*p].source.error_at_field("aliases", message),
            "remove the alias, or point it at an address nothing else uses",
        ),
        Job::Page(p) | Job::Pdf(p) => (
            model.pages[*p].source.error_at_field("slug", message),
            "give the brief a different `slug`, or move it",
        ),
        Job::Pager(l, _) | Job::Feed(l) => match section_of(model, *l) {
            Some(section) => (
                Diagnostic::error(message).at(Location::file(&section.source.display_path)),
                "rename the folder or file that takes the listing's page URL",
            ),
            None => (
                Diagnostic::error(message),
                "rename the content that takes this URL",
            ),
        },
        _ => (
            Diagnostic::error(message),
            "rename the content that takes this URL",
        ),
    };
    diagnostic.hint(hint)
}

/// The section a listing lists, if it lists one.
fn section_of(model: &crate::site::SiteModel, listing: usize) -> Option<&crate::site::Section> {
    match model.listings[listing].kind {
        ListingKind::Section(s) => Some(&model.sections[s]),
        _ => None,
    }
}

/// What produces an output file: a rendering job, or a copy of a source file.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Job(&'a Job),
    Copy(&'a Path),
}

/// Names and blames the owners of output files.
struct Owners<'a> {
    renderer: &'a Renderer,
    root: &'a Path,
}

impl Owners<'_> {
    fn describe(&self, owner: Owner<'_>) -> String {
        match owner {
            Owner::Job(job) => describe(self.renderer, job),
            Owner::Copy(source) => relative_to(source, self.root).display().to_string(),
        }
    }

    fn blame(&self, owner: Owner<'_>, message: String) -> Diagnostic {
        match owner {
            Owner::Job(job) => blame(self.renderer, job, message),
            Owner::Copy(source) => Diagnostic::error(message)
                .at(Location::file(relative_to(source, self.root)))
                .hint("rename or move the file"),
        }
    }
}

/// Reports output paths claimed twice, a file where another output needs a folder, and paths
/// that differ only by case (one file or folder on a case-insensitive file system or host).
/// `root` is the site root, to name copied files.
pub fn check(
    renderer: &Renderer,
    jobs: &[Job],
    copies: &[OutputFile],
    root: &Path,
) -> Vec<Diagnostic> {
    let owners = Owners { renderer, root };
    let mut errors = Vec::new();
    // Aliases last, so a clash is blamed on the alias rather than on what it shadows; copies
    // after every job, so a clash is blamed on the copied file.
    let mut ordered: Vec<(String, Owner<'_>)> = jobs
        .iter()
        .filter(|j| !matches!(j, Job::Alias(..)))
        .chain(jobs.iter().filter(|j| matches!(j, Job::Alias(..))))
        .map(|job| (Urls::output_file(&renderer.site_path(job)), Owner::Job(job)))
        .collect();
    ordered.extend(copies.iter().filter_map(|c| match &c.contents {
        Contents::Copy(source) => Some((c.path.clone(), Owner::Copy(source.as_path()))),
        Contents::Bytes(_) => None,
    }));
    let mut by_path: HashMap<&str, Owner<'_>> = HashMap::with_capacity(ordered.len());
    for (path, owner) in &ordered {
        if let Some(other) = by_path.get(path.as_str()) {
            let url = format!("/{}", path.trim_end_matches("index.html"));
            errors.push(owners.blame(
                *owner,
                format!("{url} is also the address of {}", owners.describe(*other)),
            ));
        } else {
            by_path.insert(path, *owner);
        }
    }
    errors.extend(file_where_folder_is_needed(&owners, &by_path, copies));
    errors.extend(case_collisions(&owners, &ordered));
    errors
}

/// A file cannot also be a folder: an alias `/style.css` wants `style.css/index.html`.
fn file_where_folder_is_needed(
    owners: &Owners<'_>,
    by_path: &HashMap<&str, Owner<'_>>,
    copies: &[OutputFile],
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let files: HashSet<&str> = by_path
        .keys()
        .copied()
        .chain(copies.iter().map(|c| c.path.as_str()))
        .collect();
    for (path, owner) in by_path {
        if matches!(owner, Owner::Copy(_)) {
            continue;
        }
        let mut prefix = *path;
        while let Some((parent, _)) = prefix.rsplit_once('/') {
            if files.contains(parent) {
                errors.push(owners.blame(
                    *owner,
                    format!(
                        "/{} needs a folder where the file /{parent} is published",
                        path.trim_end_matches("index.html")
                    ),
                ));
                break;
            }
            prefix = parent;
        }
    }
    errors
}

/// Output files and folders whose paths differ only by case (`STYLE.css` and `style.css`,
/// `Briefs/` and `briefs/`): one and the same on macOS, Windows and many hosts, so one would
/// silently replace the other, or links would break once deployed.
fn case_collisions(owners: &Owners<'_>, ordered: &[(String, Owner<'_>)]) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let mut spellings: HashMap<String, (&str, Owner<'_>)> = HashMap::with_capacity(ordered.len());
    let mut reported: HashSet<(&str, &str)> = HashSet::new();
    for (path, owner) in ordered {
        // Every folder on the way, then the file itself.
        let ends = path
            .match_indices('/')
            .map(|(i, _)| i)
            .chain(std::iter::once(path.len()));
        for end in ends {
            let spelling = &path[..end];
            match spellings.entry(spelling.to_lowercase()) {
                Entry::Vacant(slot) => {
                    slot.insert((spelling, *owner));
                }
                Entry::Occupied(first) => {
                    let (first_spelling, first_owner) = *first.get();
                    if first_spelling == spelling || !reported.insert((first_spelling, spelling)) {
                        continue;
                    }
                    let what = if end == path.len() { "file" } else { "folder" };
                    errors.push(owners.blame(
                        *owner,
                        format!(
                            "/{spelling} (from here) and /{first_spelling} (from {}) differ only by case: on a case-insensitive file system or host they are the same {what}",
                            owners.describe(first_owner)
                        ),
                    ));
                }
            }
        }
    }
    errors
}
