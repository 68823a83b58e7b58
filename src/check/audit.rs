//! The audit of a built site's output: every reference of every page and stylesheet against
//! the outputs and the ids of the target page; titles and descriptions; briefs nothing reaches.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;

use super::Finding;
use super::html::{self, RefKind, Reference, Scan};
use super::resolve::{Target, resolve};
use crate::diagnostics::{Diagnostic, Location, line_col};
use crate::render::{Contents, Job};
use crate::site::{SiteModel, Urls};
use crate::{BuiltSite, SiteDirs};

/// One output file's references, and (for HTML) what it defines.
struct Scanned<'a> {
    /// Output path (`briefs/x/index.html`).
    path: &'a str,
    /// The job that rendered it (`None` for a copied stylesheet).
    job: Option<&'a Job>,
    /// What the page holds (a stylesheet: only its references).
    scan: Scan,
}

pub(super) struct Audit<'a> {
    dirs: &'a SiteDirs,
    built: &'a BuiltSite,
    model: &'a SiteModel,
    /// Every output path.
    outputs: HashSet<&'a str>,
    /// Output paths two outputs claim (reported by the build): what is there is not known.
    ambiguous: HashSet<&'a str>,
    /// Every scanned output file.
    scanned: Vec<Scanned<'a>>,
}

impl<'a> Audit<'a> {
    pub(super) fn new(dirs: &'a SiteDirs, built: &'a BuiltSite) -> Audit<'a> {
        let mut outputs: HashSet<&str> = HashSet::new();
        let mut ambiguous: HashSet<&str> = HashSet::new();
        let paths = built.rendered.iter().map(|r| r.file.path.as_str());
        for path in paths.chain(built.copies.iter().map(|c| c.path.as_str())) {
            if !outputs.insert(path) {
                ambiguous.insert(path);
            }
        }
        let mut scanned: Vec<Scanned<'a>> = built
            .rendered
            .par_iter()
            .filter_map(|r| {
                let Contents::Bytes(bytes) = &r.file.contents else {
                    return None;
                };
                let text = std::str::from_utf8(bytes).ok()?;
                let path = r.file.path.as_str();
                let scan = if path.ends_with(".html") {
                    html::scan(text)
                } else if path.ends_with(".css") {
                    stylesheet(text)
                } else {
                    return None;
                };
                Some(Scanned {
                    path,
                    job: Some(&r.job),
                    scan,
                })
            })
            .collect();
        // Copied stylesheets are read from the site (they are not in memory).
        scanned.extend(built.copies.iter().filter_map(|c| {
            let Contents::Copy(source) = &c.contents else {
                return None;
            };
            if !c.path.ends_with(".css") {
                return None;
            }
            let text = std::fs::read_to_string(source).ok()?;
            Some(Scanned {
                path: c.path.as_str(),
                job: None,
                scan: stylesheet(&text),
            })
        }));
        Audit {
            dirs,
            built,
            model: built.renderer.model(),
            outputs,
            ambiguous,
            scanned,
        }
    }

    /// Broken links, anchors and assets; briefs nothing links to.
    pub(super) fn links(&self) -> Vec<Finding> {
        let ids: HashMap<&str, &HashSet<String>> =
            self.scanned.iter().map(|s| (s.path, &s.scan.ids)).collect();
        let mut findings = Vec::new();
        let mut reached: HashSet<String> = HashSet::new();
        let mut repeated: HashMap<String, usize> = HashMap::new();
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for page in &self.scanned {
            if self.ambiguous.contains(page.path) {
                continue;
            }
            let from = format!("/{}", page.path);
            let checked = self.checked_by_build(page.job);
            for reference in &page.scan.refs {
                if checked.contains(&reference.url) {
                    continue;
                }
                let target = resolve(&self.model.urls, &from, &reference.url);
                let problem = match target {
                    Target::Skip | Target::External(_) => None,
                    Target::OutsideBase => Some((
                        reference.kind.name(),
                        format!(
                            "{} {} is outside the site's base path {}/",
                            what(reference.kind),
                            reference.url,
                            self.model.urls.prefix()
                        ),
                    )),
                    Target::Internal { path, fragment } => {
                        let file = self.output_for(&path);
                        match file {
                            None => Some((
                                reference.kind.name(),
                                format!(
                                    "{} {} leads to no file of the site",
                                    what(reference.kind),
                                    reference.url
                                ),
                            )),
                            Some(file) => {
                                if file != page.path {
                                    reached.insert(file.clone());
                                }
                                self.missing_anchor(&ids, &file, fragment.as_deref(), reference)
                            }
                        }
                    }
                };
                let Some((kind, message)) = problem else {
                    continue;
                };
                let diagnostic = self.place(page, reference, Diagnostic::error(message));
                // A template's broken link is in every page it writes: reported once, with a
                // count of the other pages.
                let from_template = diagnostic.snippet.is_none();
                let key = diagnostic.message.clone();
                if from_template && let Some(&at) = repeated.get(&key) {
                    let (_, count): &mut (usize, usize) = &mut counts[at];
                    *count += 1;
                    continue;
                }
                if from_template {
                    repeated.insert(key, counts.len());
                    counts.push((findings.len(), 0));
                }
                findings.push(Finding { kind, diagnostic });
            }
        }
        for (at, others) in counts {
            if others > 0 {
                let plural = if others == 1 { "" } else { "s" };
                findings[at].diagnostic.message +=
                    &format!(" (and in {others} other page{plural})");
            }
        }
        findings.extend(self.unreached(&reached));
        findings
    }

    /// The output file a site path names: `/x/` is `x/index.html`, and `/x` too when only the
    /// folder exists (hosts redirect it).
    fn output_for(&self, site_path: &str) -> Option<String> {
        let file = Urls::output_file(site_path);
        if self.outputs.contains(file.as_str()) {
            return Some(file);
        }
        let folder = Urls::output_file(&format!("{site_path}/"));
        self.outputs.contains(folder.as_str()).then_some(folder)
    }

    /// The URLs of a brief's `@/` links, whose targets and anchors the build checked.
    fn checked_by_build(&self, job: Option<&Job>) -> HashSet<String> {
        use crate::markdown::LinkResolver;
        let Some(Job::Page(i)) = job else {
            return HashSet::new();
        };
        let resolver = crate::site::ModelResolver(self.model);
        let links = &self.model.pages[*i].rendered.internal_links;
        links
            .iter()
            .filter_map(|link| {
                let href = resolver.resolve(&link.target)?;
                Some(match &link.anchor {
                    Some(anchor) => format!("{href}#{anchor}"),
                    None => href,
                })
            })
            .collect()
    }

    fn missing_anchor(
        &self,
        ids: &HashMap<&str, &HashSet<String>>,
        file: &str,
        fragment: Option<&str>,
        reference: &Reference,
    ) -> Option<(&'static str, String)> {
        let fragment = fragment.filter(|f| !f.is_empty() && *f != "top")?;
        if self.ambiguous.contains(file) {
            return None;
        }
        // Fragments of other files (`report.pdf#page=2`) mean something else.
        let ids = ids.get(file).filter(|_| file.ends_with(".html"))?;
        let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        if ids.contains(decoded.as_ref()) {
            return None;
        }
        let hint = crate::diagnostics::did_you_mean(&decoded, ids.iter().map(String::as_str))
            .map_or(String::new(), |s| format!(" (did you mean #{s}?)"));
        Some((
            "anchor",
            format!(
                "link {} leads to /{} but no element there has the id \"{decoded}\"{hint}",
                reference.url,
                file.trim_end_matches("index.html")
            ),
        ))
    }

    /// Briefs that no other page links to: readers only find them by their address.
    fn unreached(&self, reached: &HashSet<String>) -> Vec<Finding> {
        self.built
            .rendered
            .iter()
            .filter_map(|r| match r.job {
                Job::Page(i) if !reached.contains(&r.file.path) => Some(i),
                _ => None,
            })
            .map(|i| {
                let page = &self.model.pages[i];
                let diagnostic = Diagnostic::warning(format!(
                    "no listing or link reaches {}",
                    self.model.urls.href(&page.path)
                ))
                .at(Location::file(&page.source.display_path))
                .hint("list it in a section, give it a taxonomy term, or link to it from another brief");
                Finding {
                    kind: "unreached",
                    diagnostic,
                }
            })
            .collect()
    }

    /// Empty titles and descriptions: in front matter, and in what the templates wrote.
    pub(super) fn titles(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        for page in &self.model.pages {
            let meta = page.meta();
            if meta.title.trim().is_empty() {
                let diagnostic = page
                    .source
                    .error_at_field("title", "the brief's title is empty")
                    .hint("give the brief a title: it is the page's <title>, its heading and its name in listings and feeds");
                findings.push(Finding {
                    kind: "empty-title",
                    diagnostic,
                });
            }
            if meta
                .description
                .as_deref()
                .is_some_and(|d| d.trim().is_empty())
            {
                let diagnostic = page
                    .source
                    .error_at_field("description", "the brief's description is empty")
                    .hint("write one or two sentences, or remove the field: search engines and link previews show it");
                findings.push(Finding {
                    kind: "empty-description",
                    diagnostic,
                });
            }
        }
        for page in self
            .scanned
            .iter()
            .filter(|s| s.path.ends_with(".html") && !s.scan.redirect)
        {
            let empty_title = page
                .scan
                .title
                .as_deref()
                .is_none_or(|t| t.trim().is_empty());
            if empty_title {
                let diagnostic = Diagnostic::error(format!(
                    "/{} has no title",
                    page.path.trim_end_matches("index.html")
                ))
                .at(Location::file(output_file(page.path)))
                .hint(self.written_by(page));
                findings.push(Finding {
                    kind: "empty-title",
                    diagnostic,
                });
            }
            if page
                .scan
                .description
                .as_deref()
                .is_some_and(|d| d.trim().is_empty())
            {
                let diagnostic = Diagnostic::error(format!(
                    "/{} has an empty meta description",
                    page.path.trim_end_matches("index.html")
                ))
                .at(Location::file(output_file(page.path)))
                .hint(self.written_by(page));
                findings.push(Finding {
                    kind: "empty-description",
                    diagnostic,
                });
            }
        }
        findings
    }

    /// Every URL to another site, with the first place it is used.
    pub(super) fn external_links(&self) -> Vec<(String, Diagnostic)> {
        let mut first: HashMap<String, Diagnostic> = HashMap::new();
        for page in &self.scanned {
            let from = format!("/{}", page.path);
            for reference in &page.scan.refs {
                if let Target::External(url) = resolve(&self.model.urls, &from, &reference.url) {
                    first.entry(url).or_insert_with(|| {
                        self.place(page, reference, Diagnostic::error(String::new()))
                    });
                }
            }
        }
        let mut links: Vec<(String, Diagnostic)> = first.into_iter().collect();
        links.sort_by(|a, b| a.0.cmp(&b.0));
        links
    }

    /// Places a problem with `reference`: in the brief's source file when its Markdown holds
    /// the URL, else in the output file at the line.
    fn place(
        &self,
        page: &Scanned<'_>,
        reference: &Reference,
        diagnostic: Diagnostic,
    ) -> Diagnostic {
        if let Some(Job::Page(i)) = page.job
            && let Some(located) = self.in_source(*i, &reference.url)
        {
            return located(diagnostic);
        }
        diagnostic
            .at(Location {
                file: output_file(page.path),
                line: Some(reference.line),
                column: None,
            })
            .hint(self.written_by(page))
    }

    /// The place of `url` in brief `index`'s source file, if it is written there (as is, or
    /// without the base path that Markdown links get).
    fn in_source(&self, index: usize, url: &str) -> Option<impl FnOnce(Diagnostic) -> Diagnostic> {
        let source = &self.model.pages[index].source;
        let path = self.dirs.root.join(&source.display_path);
        // The body was released once rendered; errors are rare, so the file is read again.
        let text = std::fs::read_to_string(path).ok()?;
        let prefix = self.model.urls.prefix();
        let unprefixed = url
            .strip_prefix(prefix)
            .filter(|r| !prefix.is_empty() && r.starts_with('/'));
        let at = [Some(url), unprefixed]
            .into_iter()
            .flatten()
            .find_map(|candidate| text.find(candidate))?;
        let (line, column) = line_col(&text, at);
        let file = source.display_path.clone();
        Some(move |d: Diagnostic| {
            d.at(Location::at(file, line, column))
                .with_snippet_from(&text)
        })
    }

    /// Which template wrote an output file, as a hint.
    fn written_by(&self, page: &Scanned<'_>) -> String {
        match page.job {
            Some(job) => {
                let template = self.built.renderer.template_of(job);
                let own = self.dirs.templates().join(&template).is_file();
                let whose = if own { "templates/" } else { "the built-in " };
                format!(
                    "this page is written by {whose}{template} (or a template it extends or includes)"
                )
            }
            None => format!("this stylesheet is copied from the site ({})", page.path),
        }
    }
}

/// An output file as reports name it (`public/briefs/x/index.html`).
fn output_file(path: &str) -> PathBuf {
    PathBuf::from("public").join(path)
}

fn stylesheet(text: &str) -> Scan {
    Scan {
        refs: html::css_references(text),
        ..Scan::default()
    }
}

/// How a reference is named in messages.
fn what(kind: RefKind) -> &'static str {
    match kind {
        RefKind::Link => "link",
        RefKind::Image => "image",
        RefKind::Stylesheet => "stylesheet",
        RefKind::Script => "script",
        RefKind::Asset => "file",
    }
}
