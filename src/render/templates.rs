//! Template sources: the site's `templates/` folder over the default theme built into the binary,
//! and the mapping of Tera errors to diagnostics that name the real file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::content::sources::SourceFolders;
use crate::diagnostics::{Diagnostic, Location};
use crate::theme;

/// One template's source and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    /// Template text.
    pub text: String,
    /// File shown in errors (`templates/brief.html`, or `(built-in theme)/brief.html`).
    pub display_path: PathBuf,
}

/// All templates of a site, by name (`brief.html`, `partials/card.html`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateSet {
    /// Name → source.
    pub templates: BTreeMap<String, TemplateSource>,
    /// Entries of `templates/` that were skipped (links out of the site, unprintable names).
    pub warnings: Vec<Diagnostic>,
    /// The site root they were loaded for (where `load_data` reads).
    pub root: Option<PathBuf>,
}

impl TemplateSet {
    /// Reads `templates_dir` (if any) and fills in what it lacks from the default theme. Links
    /// are followed only within the site's source folders (see [`crate::content::sources`]);
    /// every entry skipped is in [`TemplateSet::warnings`].
    pub fn load(templates_dir: &Path, root: &Path) -> Result<TemplateSet, Vec<Diagnostic>> {
        let mut set = TemplateSet {
            root: Some(root.to_path_buf()),
            ..TemplateSet::default()
        };
        let folders = SourceFolders::of_site(root);
        let walked = folders.walk_files(templates_dir);
        let (mut errors, warnings): (Vec<_>, Vec<_>) =
            walked.skipped.into_iter().partition(Diagnostic::is_error);
        set.warnings = warnings;
        for file in walked.files {
            let display = folders.display(&file.abs);
            match crate::content::read_text(&file.abs, &display) {
                Ok(text) => {
                    set.templates.insert(
                        file.rel,
                        TemplateSource {
                            text,
                            display_path: display,
                        },
                    );
                }
                Err(es) => errors.extend(es),
            }
        }
        for (name, text) in theme::TEMPLATES {
            set.templates
                .entry((*name).to_string())
                .or_insert_with(|| builtin_source(name, text));
        }
        set.add_extended_builtins();
        if errors.is_empty() {
            Ok(set)
        } else {
            errors.append(&mut set.warnings);
            Err(errors)
        }
    }

    /// Adds the built-in templates that templates name as `builtin/<name>` (a site's
    /// `templates/base.html` extending `builtin/base.html`), transitively. Only those: a
    /// built-in template no one extends stays out, so a site whose own `base.html` lacks the
    /// built-in blocks still compiles.
    fn add_extended_builtins(&mut self) {
        let mut pending: Vec<String> = self
            .templates
            .values()
            .flat_map(|s| referenced_templates(&s.text))
            .collect();
        while let Some(name) = pending.pop() {
            let Some(builtin) = name.strip_prefix(theme::BUILTIN_PREFIX) else {
                continue;
            };
            if self.templates.contains_key(&name) {
                continue;
            }
            if let Some((_, text)) = theme::TEMPLATES.iter().find(|(n, _)| *n == builtin) {
                pending.extend(referenced_templates(text));
                self.templates
                    .insert(name.clone(), builtin_source(builtin, text));
            }
        }
    }

    /// Whether pages render through the built-in template `name`: the site has none of its own,
    /// or its own extends `builtin/<name>`.
    pub fn uses_builtin(&self, name: &str) -> bool {
        !self.is_own(name)
            || self
                .templates
                .contains_key(&format!("{}{name}", theme::BUILTIN_PREFIX))
    }

    /// Whether the template `name` is the site's own (from `templates/`), not the built-in.
    pub fn is_own(&self, name: &str) -> bool {
        self.templates
            .get(name)
            .is_some_and(|s| !s.display_path.starts_with(BUILTIN_DISPLAY))
    }

    /// Builds a Tera instance from these sources. `register` adds the functions templates may
    /// call; Tera checks calls against them while compiling.
    pub fn compile(
        &self,
        register: impl FnOnce(&mut tera::Tera),
    ) -> Result<tera::Tera, Vec<Diagnostic>> {
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html", ".xml", ".htm"]);
        crate::render::functions::register_filters(&mut tera);
        crate::render::pdf::register_filters(&mut tera);
        register(&mut tera);
        tera.add_raw_templates(
            self.templates
                .iter()
                .map(|(n, s)| (n.as_str(), s.text.as_str())),
        )
        .map_err(|e| vec![self.diagnostic(&e, None)])?;
        Ok(tera)
    }

    /// Compiles the templates without a site, to report their syntax errors alongside content
    /// errors (which stop a build before the templates are otherwise compiled). Built-in
    /// templates count only where the site's own templates use them: a site's `base.html` may
    /// lack blocks that built-in pages it never renders would fill.
    pub fn check_syntax(&self) -> Vec<Diagnostic> {
        let own: Vec<String> = self
            .templates
            .keys()
            .filter(|name| self.is_own(name))
            .cloned()
            .collect();
        let checked = if own.is_empty() {
            self.clone()
        } else {
            self.keeping(&own)
        };
        checked
            .compile(crate::render::functions::register_stubs)
            .err()
            .unwrap_or_default()
    }

    /// These templates without the built-in ones that neither `needed` nor the site's own
    /// templates use. Tera checks every template it compiles against its parents, so a built-in
    /// `author.html` would otherwise fail a site whose own `base.html` lacks its blocks even
    /// when the site has no authors.
    pub fn keeping(&self, needed: &[String]) -> TemplateSet {
        let mut roots: Vec<String> = needed.to_vec();
        roots.extend(self.templates.keys().filter(|n| self.is_own(n)).cloned());
        let mut used = std::collections::BTreeSet::new();
        for root in &roots {
            used.extend(self.dependencies(root));
        }
        TemplateSet {
            templates: self
                .templates
                .iter()
                .filter(|(name, _)| used.contains(*name))
                .map(|(name, source)| (name.clone(), source.clone()))
                .collect(),
            warnings: self.warnings.clone(),
            root: self.root.clone(),
        }
    }

    /// Templates a template uses through `extends` and `include`, transitively, itself included.
    pub fn dependencies(&self, name: &str) -> Vec<String> {
        let mut seen = vec![name.to_string()];
        let mut i = 0;
        while i < seen.len() {
            if let Some(source) = self.templates.get(&seen[i]) {
                for used in referenced_templates(&source.text) {
                    if !seen.contains(&used) {
                        seen.push(used);
                    }
                }
            }
            i += 1;
        }
        seen
    }

    /// Turns a Tera error into a diagnostic naming the template file, line and column.
    pub fn diagnostic(&self, error: &tera::Error, rendering: Option<&str>) -> Diagnostic {
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            causes.push(s.to_string());
            source = s.source();
        }
        let report = match error.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
            _ => None,
        };
        let mut message = match report {
            Some(r) => r.message().to_string(),
            None => error.to_string(),
        };
        for cause in causes {
            if !message.contains(&cause) {
                message.push_str(": ");
                message.push_str(&cause);
            }
        }
        let what = if matches!(error.kind(), tera::ErrorKind::SyntaxError(_)) {
            "template syntax error"
        } else {
            "template error"
        };
        // Some errors carry their place only inside a pre-formatted report: "--> base.html:2:17".
        let reported_place = if report.is_none() {
            place_in_report(&message)
        } else {
            None
        };
        if let Some((_, _, _, first_line)) = &reported_place {
            message = first_line.clone();
        }
        let mut diagnostic = Diagnostic::error(format!("{what}: {message}"));
        let name = report
            .map(|r| r.filename().to_string())
            .filter(|n| !n.is_empty())
            .or_else(|| reported_place.as_ref().map(|(n, ..)| n.clone()))
            .or_else(|| rendering.map(str::to_string));
        if let Some(name) = name {
            let source = self.templates.get(&name);
            let file = source.map_or_else(
                || PathBuf::from(format!("templates/{name}")),
                |s| s.display_path.clone(),
            );
            let location = match (report, &reported_place) {
                (Some(r), _) => Location::at(file, r.span().start_line, r.span().start_col + 1),
                (None, Some((_, line, column, _))) => Location::at(file, *line, *column),
                (None, None) => Location::file(file),
            };
            diagnostic = diagnostic.at(location);
            if let Some(source) = source {
                diagnostic = diagnostic.with_snippet_from(&source.text);
            }
        }
        let hint = match error.kind() {
            tera::ErrorKind::TemplateNotFound(n) => format!("create templates/{n}, or fix the name of the template that asks for it"),
            tera::ErrorKind::MissingParent { parent, .. } => format!("create templates/{parent}, or fix the `extends` tag"),
            // Tera resolves a name to the site's own template first, so `templates/base.html`
            // extending "base.html" extends itself.
            tera::ErrorKind::CircularExtend { inheritance_chain, .. } if extends_itself(inheritance_chain).is_some() => format!(
                "to extend the built-in theme's {0}, write {{% extends \"{1}{0}\" %}} (see \"Extending the theme\" in docs/templates.md)",
                extends_itself(inheritance_chain).unwrap_or_default(),
                theme::BUILTIN_PREFIX
            ),
            _ if message.contains("not found") || message.contains("not defined") => {
                "check the variable's spelling in docs/templates.md; guard optional values with `{% if x %}`".to_string()
            }
            _ => "see docs/templates.md for the variables, functions and filters templates can use".to_string(),
        };
        diagnostic.hint(hint)
    }
}

/// The template at the end of an inheritance chain that extends itself (`[.., "base.html",
/// "base.html"]`): Tera resolves a name to the site's own template first.
fn extends_itself(chain: &[String]) -> Option<&str> {
    match chain {
        [.., a, b] if a == b => Some(a),
        _ => None,
    }
}

/// The folder built-in templates are shown in, in errors.
const BUILTIN_DISPLAY: &str = "(built-in theme)";

/// A built-in template's source, named in errors as `(built-in theme)/<name>`.
fn builtin_source(name: &str, text: &str) -> TemplateSource {
    TemplateSource {
        text: text.to_string(),
        display_path: PathBuf::from(BUILTIN_DISPLAY).join(name),
    }
}

/// Reads `name:line:col` after `--> ` in a pre-formatted Tera report, with the report's first
/// line (its message, without the `error: ` prefix).
fn place_in_report(text: &str) -> Option<(String, usize, usize, String)> {
    let after = text.split_once("--> ")?.1;
    let place = after.split_whitespace().next()?;
    let mut parts = place.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let name = parts.next()?.to_string();
    let first = text.lines().next().unwrap_or(text).trim();
    let first = first.trim_start_matches("error: ").to_string();
    Some((name, line, column, first))
}

/// The names in `{% extends "x" %}` and `{% include "x" %}` tags of a template.
pub fn referenced_templates(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for tag in text.split("{%").skip(1) {
        let tag = tag.trim_start_matches('-').trim_start();
        let Some(rest) = tag
            .strip_prefix("extends")
            .or_else(|| tag.strip_prefix("include"))
        else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        if let Some(name) = rest[1..].split(quote).next() {
            names.push(name.to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_extends_and_includes() {
        let t = "{% extends \"base.html\" %}{% block x %}{%- include 'partials/a.html' %}{% endblock %}";
        assert_eq!(referenced_templates(t), ["base.html", "partials/a.html"]);
    }
}
