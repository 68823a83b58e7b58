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

mod audit;
pub mod external;
pub mod html;
pub mod report;
mod resolve;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::site::{Urls, embargo};
use crate::{BuildOptions, BuiltSite, SiteDirs};
use audit::Audit;

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

#[cfg(test)]
mod tests {
    use super::*;

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
