//! Every output file must have exactly one source. Pages and sections are checked when their
//! URLs are made (see `site`); here the whole output is checked, pager pages, aliases and
//! static files included, before anything is written.

use std::collections::{HashMap, HashSet};

use super::{Job, OutputFile, Renderer};
use crate::diagnostics::{Diagnostic, Location};
use crate::site::Urls;

/// What produces an output file, for messages.
fn describe(renderer: &Renderer, job: &Job) -> String {
    let model = renderer.model();
    match job {
        Job::Page(i) | Job::Alias(i, _) => {
            model.pages[*i].source.display_path.display().to_string()
        }
        Job::SectionPager(s, n) => format!(
            "page {n} of the listing {}",
            model.sections[*s].source.display_path.display()
        ),
        Job::TaxonomyList(t) | Job::TermPager(t, ..) => {
            format!("the \"{}\" taxonomy", model.taxonomies[*t].name)
        }
        Job::NotFound | Job::Feed | Job::Sitemap | Job::Robots => "a generated file".to_string(),
    }
}

fn blame(renderer: &Renderer, job: &Job, message: String) -> Diagnostic {
    let model = renderer.model();
    let (diagnostic, hint) = match job {
        Job::Alias(p, _) => (
            model.pages[*p].source.error_at_field("aliases", message),
            "remove the alias, or point it at an address nothing else uses",
        ),
        Job::Page(p) => (
            model.pages[*p].source.error_at_field("slug", message),
            "give the brief a different `slug`, or move it",
        ),
        Job::SectionPager(s, _) => (
            Diagnostic::error(message).at(Location::file(&model.sections[*s].source.display_path)),
            "rename the folder or file that takes the listing's page URL",
        ),
        _ => (
            Diagnostic::error(message),
            "rename the content that takes this URL",
        ),
    };
    diagnostic.hint(hint)
}

/// Reports output paths claimed twice, and a file where another output needs a folder.
pub fn check(renderer: &Renderer, jobs: &[Job], copies: &[OutputFile]) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    // Aliases last, so a clash is blamed on the alias rather than on what it shadows.
    let mut ordered: Vec<&Job> = jobs
        .iter()
        .filter(|j| !matches!(j, Job::Alias(..)))
        .collect();
    ordered.extend(jobs.iter().filter(|j| matches!(j, Job::Alias(..))));
    let mut owners: HashMap<String, &Job> = HashMap::with_capacity(jobs.len());
    for job in ordered {
        let path = Urls::output_file(&renderer.site_path(job));
        if let Some(other) = owners.get(&path) {
            let url = format!("/{}", path.trim_end_matches("index.html"));
            errors.push(blame(
                renderer,
                job,
                format!("{url} is also the address of {}", describe(renderer, other)),
            ));
        } else {
            owners.insert(path, job);
        }
    }
    // A file cannot also be a folder: an alias `/style.css` wants `style.css/index.html`.
    let files: HashSet<&str> = owners
        .keys()
        .map(String::as_str)
        .chain(copies.iter().map(|c| c.path.as_str()))
        .collect();
    for (path, job) in &owners {
        let mut prefix = path.as_str();
        while let Some((parent, _)) = prefix.rsplit_once('/') {
            if files.contains(parent) {
                errors.push(blame(
                    renderer,
                    job,
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
