//! `communique check`: everything `build` does except writing, then an audit of what the build
//! produced, reporting every problem at once:
//!
//! - the build's own errors (unknown `@/` targets and anchors, missing `@static/` files, two
//!   outputs at one path, template errors, …);
//! - in every output page, as the templates wrote it (Markdown, raw HTML and theme alike): links
//!   and `#anchors` to no output or no element, and missing images, stylesheets, scripts and
//!   other assets ([`html`]), and the `url()`s of stylesheets;
//! - empty titles and descriptions;
//! - briefs that no other page links to (a warning);
//! - with `--external`, links to other sites that fail ([`external`]).
//!
//! A problem in a link that a brief's Markdown wrote is placed in the brief's file, at the line
//! and column of the URL; one the templates wrote, in the output file (`public/…`), at its line.
//! Every finding has a stable `kind` for [`report`]'s JSON.

pub mod external;
pub mod html;
pub mod report;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics, Location, Severity, line_col};
use crate::render::{Contents, Job};
use crate::site::{SiteModel, Urls, embargo};
use crate::{BuildOptions, BuiltSite, SiteDirs};
use html::{RefKind, Reference, Scan};

/// What `check` looks at besides the build.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Check links to other sites (see [`external`]), as `[check]` says.
    pub external: bool,
    /// Replaces the `[check]` settings (tests use short timeouts).
    pub external_settings: Option<external::Settings>,
}

/// One problem found, with its kind (`kind` in the JSON report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable name of the kind of problem (see docs/content.md, "Checking a site").
    pub kind: &'static str,
    /// The problem, its place and what to do.
    pub diagnostic: Diagnostic,
}

/// The outcome of `check`.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Every problem, errors and warnings, sorted by file and line.
    pub findings: Vec<Finding>,
    /// Briefs in the site (0 when the build failed).
    pub pages: usize,
    /// Output files.
    pub files: usize,
    /// Briefs under embargo.
    pub upcoming: Vec<embargo::Upcoming>,
    /// External URLs checked (with `--external`).
    pub external_checked: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Of which the audit of the output (and external links).
    pub audit: Duration,
}

impl CheckReport {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.diagnostic.is_error())
    }

    /// Every finding's diagnostic.
    pub fn diagnostics(&self) -> Diagnostics {
        Diagnostics(self.findings.iter().map(|f| f.diagnostic.clone()).collect())
    }
}

/// Runs the build in memory and audits what it produced.
pub fn run(dirs: &SiteDirs, options: &BuildOptions, check: &CheckOptions) -> CheckReport {
    let started = Instant::now();
    let built = match crate::build_site(dirs, options) {
        Ok(built) => built,
        Err(diagnostics) => {
            let mut findings: Vec<Finding> = diagnostics.0.into_iter().map(classified).collect();
            // Broken links in content and clashing addresses stop a build, but the pages can
            // still be rendered and audited, so every other problem is reported in the same
            // run. Any other error (a template, the front matter) is reported alone.
            let renderable = findings
                .iter()
                .filter(|f| f.diagnostic.is_error())
                .all(|f| ["link", "anchor", "asset", "duplicate-output"].contains(&f.kind));
            if renderable && let Some(built) = render_anyway(dirs, options) {
                let audit = Audit::new(dirs, &built);
                let placed: HashSet<(PathBuf, Option<usize>)> = findings
                    .iter()
                    .filter_map(|f| f.diagnostic.location.as_ref())
                    .map(|l| (l.file.clone(), l.line))
                    .collect();
                // A broken link the build reported is not reported again at its place.
                let more = audit.links().into_iter().chain(audit.titles()).filter(|f| {
                    f.diagnostic
                        .location
                        .as_ref()
                        .is_none_or(|l| !placed.contains(&(l.file.clone(), l.line)))
                });
                findings.extend(more.filter(|f| f.kind != "unreached"));
            }
            sort(&mut findings);
            findings.dedup();
            return CheckReport {
                findings,
                elapsed: started.elapsed(),
                ..CheckReport::default()
            };
        }
    };
    let mut findings: Vec<Finding> = built.warnings.iter().cloned().map(classified).collect();
    // A navigation link to no page is a warning in `build` and an error in `check`.
    let rendered: Vec<String> = built.rendered.iter().map(|r| r.file.path.clone()).collect();
    let dead_nav = crate::pipeline::nav_links(dirs, &built.renderer, &rendered, &built.copies);
    for finding in &mut findings {
        if dead_nav.contains(&finding.diagnostic) {
            finding.diagnostic.severity = Severity::Error;
            finding.kind = "link";
        }
    }
    let auditing = Instant::now();
    let audit = Audit::new(dirs, &built);
    findings.extend(audit.links());
    findings.extend(audit.titles());
    let mut external_checked = 0;
    if check.external {
        let settings = check.external_settings.clone().unwrap_or_else(|| {
            external::Settings::from_config(&built.renderer.model().config.check)
        });
        let settings = &settings;
        let external = audit.external_links();
        external_checked = external.len();
        let cache = dirs.root.join(external::CACHE_FILE);
        findings.extend(external::check(external, settings, &cache));
    }
    sort(&mut findings);
    findings.dedup();
    CheckReport {
        findings,
        pages: built.page_count(),
        files: built.rendered.len() + built.copies.len(),
        upcoming: built.renderer.model().upcoming.clone(),
        external_checked,
        elapsed: started.elapsed(),
        audit: auditing.elapsed(),
    }
}

/// The site rendered in memory despite errors in its content's links: the model built with
/// [`BuildOptions::keep_going`], every output rendered, static files listed without the
/// ownership checks. `None` when even that fails (errors in the configuration, front matter or
/// templates).
fn render_anyway(dirs: &SiteDirs, options: &BuildOptions) -> Option<BuiltSite> {
    use std::sync::Arc;
    let options = BuildOptions {
        keep_going: true,
        ..options.clone()
    };
    let config = Arc::new(crate::load_config(dirs, &options).ok()?);
    let inputs = crate::pipeline::Inputs::read(dirs, config);
    let mut cache = crate::site::CacheSlot::default();
    let assembled = crate::pipeline::assemble(inputs, &options, &mut cache).ok()?;
    let model = Arc::new(assembled.model);
    let renderer = crate::render::Renderer::new(model, assembled.templates).ok()?;
    let rendered_paths: Vec<String> = renderer
        .jobs()
        .iter()
        .map(|job| Urls::output_file(&renderer.site_path(job)))
        .collect();
    let taken = rendered_paths.iter().map(String::as_str).collect();
    let (copies, _) = crate::copied_files(dirs, &renderer, &taken);
    let watch = renderer.watch().clone();
    let (renderer, rendered) = crate::render::limit::supervise(&watch, move || {
        let rendered = renderer.render_all();
        (renderer, rendered)
    })
    .ok()?;
    Some(BuiltSite {
        renderer,
        rendered: rendered.ok()?,
        copies,
        warnings: Diagnostics::new(),
        timings: crate::Timings::default(),
    })
}

/// Grouped by file, in line order; problems without a place first.
fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let place = |f: &Finding| {
            f.diagnostic
                .location
                .as_ref()
                .map(|l| (l.file.clone(), l.line, l.column))
        };
        place(a).cmp(&place(b))
    });
}

/// A build diagnostic with its kind, told from what it says.
pub fn classified(diagnostic: Diagnostic) -> Finding {
    let m = &diagnostic.message;
    let kind = if m.contains("has no heading with the id") {
        "anchor"
    } else if m.contains("link to unknown content") || m.contains("leads to no page") {
        "link"
    } else if m.contains("\"@static/") {
        "asset"
    } else if m.contains("is also the address of") || m.contains("is also the URL of") {
        "duplicate-output"
    } else if m.contains("robots.txt") {
        "robots"
    } else {
        "build"
    };
    Finding { kind, diagnostic }
}

/// One output file's references, and (for HTML) what it defines.
struct Scanned<'a> {
    /// Output path (`briefs/x/index.html`).
    path: &'a str,
    /// The job that rendered it (`None` for a copied stylesheet).
    job: Option<&'a Job>,
    /// What the page holds (a stylesheet: only its references).
    scan: Scan,
}

/// Where a URL leads.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// Nothing to check: a fragment-less `mailto:`, `data:`, `tel:`, …
    Skip,
    /// Another site.
    External(String),
    /// A site path of this site (decoded) and a fragment.
    Internal {
        path: String,
        fragment: Option<String>,
    },
    /// A root-relative URL that leaves the base URL's path (`/x` under `/policy/`).
    OutsideBase,
}

struct Audit<'a> {
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
    fn new(dirs: &'a SiteDirs, built: &'a BuiltSite) -> Audit<'a> {
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
    fn links(&self) -> Vec<Finding> {
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
    fn titles(&self) -> Vec<Finding> {
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
    fn external_links(&self) -> Vec<(String, Diagnostic)> {
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

/// Where `url`, found in the output at site path `from`, leads.
fn resolve(urls: &Urls, from: &str, url: &str) -> Target {
    let url = url.trim();
    let (url, fragment) = match url.split_once('#') {
        Some((u, f)) => (u, Some(f.to_string())),
        None => (url, None),
    };
    let url = url.split('?').next().unwrap_or("");
    // An `@/` or `@static/` link the build could not resolve: the build reported it.
    if url.starts_with('@') {
        return Target::Skip;
    }
    let base = urls.base_url();
    let path = if url.is_empty() {
        from.to_string()
    } else if let Some(rest) = url
        .strip_prefix(base)
        .filter(|r| r.is_empty() || r.starts_with('/'))
    {
        if rest.is_empty() {
            "/".to_string()
        } else {
            rest.to_string()
        }
    } else if url.starts_with("//") {
        return Target::External(format!("https:{url}"));
    } else if let Some(scheme) = scheme_of(url) {
        return match scheme.as_str() {
            "http" | "https" => Target::External(url.to_string()),
            _ => Target::Skip,
        };
    } else if let Some(rooted) = url.strip_prefix('/') {
        let prefix = urls.prefix();
        let rooted = format!("/{rooted}");
        match rooted.strip_prefix(prefix) {
            Some(rest) if prefix.is_empty() || rest.starts_with('/') => rest.to_string(),
            Some("") => "/".to_string(),
            _ => return Target::OutsideBase,
        }
    } else {
        let dir = &from[..=from.rfind('/').unwrap_or(0)];
        format!("{dir}{url}")
    };
    let decoded = percent_encoding::percent_decode_str(&path).decode_utf8_lossy();
    Target::Internal {
        path: normalise(&decoded),
        fragment,
    }
}

/// The scheme of an absolute URL (`mailto`, `https`), lower-cased.
fn scheme_of(url: &str) -> Option<String> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let valid = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Removes `.` and `..` segments (never above the root) and doubled slashes.
fn normalise(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = format!("/{}", segments.join("/"));
    let folder = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if folder && out != "/" {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_resolve_to_site_paths_or_other_sites() {
        let urls = Urls::new("https://example.org/policy");
        let from = "/briefs/x/index.html";
        let internal = |path: &str, fragment: Option<&str>| Target::Internal {
            path: path.to_string(),
            fragment: fragment.map(str::to_string),
        };
        assert_eq!(
            resolve(&urls, from, "/policy/briefs/y/#a"),
            internal("/briefs/y/", Some("a"))
        );
        assert_eq!(resolve(&urls, from, "/policy"), internal("/", None));
        assert_eq!(
            resolve(&urls, from, "chart%20a.svg?v=1"),
            internal("/briefs/x/chart a.svg", None)
        );
        assert_eq!(resolve(&urls, from, "../y/"), internal("/briefs/y/", None));
        assert_eq!(
            resolve(&urls, from, "#notes"),
            internal("/briefs/x/index.html", Some("notes"))
        );
        assert_eq!(
            resolve(&urls, from, "https://example.org/policy/atom.xml"),
            internal("/atom.xml", None)
        );
        assert_eq!(resolve(&urls, from, "/images/x.png"), Target::OutsideBase);
        assert_eq!(resolve(&urls, from, "/policyx/"), Target::OutsideBase);
        assert_eq!(
            resolve(&urls, from, "https://example.org/other"),
            Target::External("https://example.org/other".to_string())
        );
        assert_eq!(
            resolve(&urls, from, "//cdn.example.net/a.js"),
            Target::External("https://cdn.example.net/a.js".to_string())
        );
        for skipped in [
            "mailto:a@example.org",
            "tel:+1",
            "data:image/png;base64,x",
            "about:invalid",
        ] {
            assert_eq!(resolve(&urls, from, skipped), Target::Skip, "{skipped}");
        }
        let root = Urls::new("https://example.org");
        assert_eq!(
            resolve(&root, "/index.html", "/a/../../b"),
            internal("/b", None)
        );
    }

    #[test]
    fn build_diagnostics_get_kinds() {
        let kind = |m: &str| classified(Diagnostic::error(m)).kind;
        assert_eq!(
            kind("@/briefs/x.md has no heading with the id \"y\""),
            "anchor"
        );
        assert_eq!(kind("link to unknown content \"@/x.md\""), "link");
        assert_eq!(
            kind("/briefs/x/ is also the address of content/briefs/x.md"),
            "duplicate-output"
        );
        assert_eq!(kind("anything else"), "build");
    }
}
