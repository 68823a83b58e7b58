//! How `check` prints what it found: for people (grouped by file), as JSON for CI
//! (`--format json`, schema in docs/content.md, "Checking a site"), or as GitHub Actions
//! workflow commands (`--format github`), which GitHub shows on the pull request's lines.

use serde::Serialize;

use super::{CheckReport, Finding};

/// The version of the JSON report's shape; raised only when a field changes meaning or goes.
pub const JSON_VERSION: u32 = 1;

/// The JSON report.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    /// [`JSON_VERSION`].
    pub version: u32,
    /// Whether no error was found.
    pub ok: bool,
    /// Briefs in the site (0 when the build failed).
    pub pages: usize,
    /// Output files.
    pub files: usize,
    /// Errors: the site should not be published.
    pub errors: Vec<JsonFinding<'a>>,
    /// Warnings.
    pub warnings: Vec<JsonFinding<'a>>,
}

/// One finding in the JSON report.
#[derive(Debug, Serialize)]
pub struct JsonFinding<'a> {
    /// The kind of problem (`link`, `anchor`, `image`, …).
    pub kind: &'a str,
    /// The file, relative to the site root (`null` when the problem has no place).
    pub file: Option<String>,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: &'a str,
    /// What to do (`null` when there is no hint).
    pub hint: Option<&'a str>,
}

impl<'a> JsonFinding<'a> {
    fn of(finding: &'a Finding) -> Self {
        let d = &finding.diagnostic;
        let location = d.location.as_ref();
        JsonFinding {
            kind: finding.kind,
            file: location.map(|l| l.file.display().to_string().replace('\\', "/")),
            line: location.and_then(|l| l.line),
            column: location.and_then(|l| l.column),
            message: &d.message,
            hint: d.hint.as_deref(),
        }
    }
}

/// The report as JSON (one document, pretty-printed).
pub fn json(report: &CheckReport) -> String {
    let (errors, warnings): (Vec<&Finding>, Vec<&Finding>) = report
        .findings
        .iter()
        .partition(|f| f.diagnostic.is_error());
    let document = JsonReport {
        version: JSON_VERSION,
        ok: errors.is_empty(),
        pages: report.pages,
        files: report.files,
        errors: errors.into_iter().map(JsonFinding::of).collect(),
        warnings: warnings.into_iter().map(JsonFinding::of).collect(),
    };
    serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string())
}

/// The report as GitHub Actions workflow commands, one line each:
/// `::error file=content/briefs/x.md,line=7,col=12,title=communique check (link)::message`.
pub fn github(report: &CheckReport) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let d = &finding.diagnostic;
        let command = if d.is_error() { "error" } else { "warning" };
        let mut properties = Vec::new();
        if let Some(location) = &d.location {
            let file = location.file.display().to_string().replace('\\', "/");
            properties.push(format!("file={}", property(&file)));
            if let Some(line) = location.line {
                properties.push(format!("line={line}"));
            }
            if let Some(column) = location.column {
                properties.push(format!("col={column}"));
            }
        }
        properties.push(format!(
            "title={}",
            property(&format!("communique check ({})", finding.kind))
        ));
        let mut message = d.message.clone();
        if let Some(hint) = &d.hint {
            message.push_str("\nhint: ");
            message.push_str(hint);
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            data(&message)
        ));
    }
    out
}

/// Escapes a workflow command's message (`%`, CR and LF), as the runner expects.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Diagnostic, Location};

    fn report() -> CheckReport {
        CheckReport {
            findings: vec![
                Finding {
                    kind: "link",
                    diagnostic: Diagnostic::error("link /x/ leads to no file, 100%")
                        .at(Location::at("content/briefs/a,b.md", 7, 12))
                        .hint("fix it\nnow"),
                },
                Finding {
                    kind: "unreached",
                    diagnostic: Diagnostic::warning("no listing reaches /y/"),
                },
            ],
            pages: 2,
            files: 10,
            ..CheckReport::default()
        }
    }

    #[test]
    fn github_annotations_are_escaped_workflow_commands() {
        let out = github(&report());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=content/briefs/a%2Cb.md,line=7,col=12,title=communique check (link)::link /x/ leads to no file, 100%25%0Ahint: fix it%0Anow"
        );
        assert_eq!(
            lines[1],
            "::warning title=communique check (unreached)::no listing reaches /y/"
        );
    }

    #[test]
    fn json_has_the_documented_shape() {
        let value: serde_json::Value = serde_json::from_str(&json(&report())).unwrap();
        assert_eq!(value["version"], 1);
        assert_eq!(value["ok"], false);
        assert_eq!(value["errors"][0]["file"], "content/briefs/a,b.md");
        assert_eq!(value["errors"][0]["line"], 7);
        assert_eq!(value["errors"][0]["column"], 12);
        assert_eq!(value["errors"][0]["kind"], "link");
        assert_eq!(value["warnings"][0]["file"], serde_json::Value::Null);
    }
}
