//! What an import did and what it could not do, with the source file and line of each point.

use std::fmt::Write as _;

/// The name of the report file written at the top of the new site.
pub const REPORT_FILE: &str = "IMPORT-REPORT.md";

/// Whether a point needs the user's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Left out or left as text: the new site lacks something the old one had.
    NotConverted,
    /// Converted, but differently from a plain copy: worth a look.
    Changed,
}

/// One point of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Whether it was converted.
    pub kind: Kind,
    /// The source file, relative to the imported site's folder, with `/` separators.
    pub file: String,
    /// 1-based line in that file, when the point is about one line.
    pub line: Option<usize>,
    /// What happened and, where there is one, what to do.
    pub message: String,
}

impl Note {
    /// `file:line` (or the file alone).
    pub fn place(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }
}

/// Everything an import did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The kind of site imported (`Hugo`, `Zola`).
    pub generator: String,
    /// Pages written.
    pub pages: usize,
    /// Sections written (an `_index.md` each, written or made).
    pub sections: usize,
    /// Static files and page assets copied.
    pub files: usize,
    /// Taxonomies declared in `communique.toml`.
    pub taxonomies: Vec<String>,
    /// Every point, in source order.
    pub notes: Vec<Note>,
}

impl Report {
    /// Records something left out or left as text.
    pub fn not_converted(&mut self, file: &str, line: Option<usize>, message: impl Into<String>) {
        self.push(Kind::NotConverted, file, line, message.into());
    }

    /// Records a conversion worth a look.
    pub fn changed(&mut self, file: &str, line: Option<usize>, message: impl Into<String>) {
        self.push(Kind::Changed, file, line, message.into());
    }

    fn push(&mut self, kind: Kind, file: &str, line: Option<usize>, message: String) {
        self.notes.push(Note {
            kind,
            file: file.to_string(),
            line,
            message,
        });
    }

    /// The points of one kind, sorted by file and line.
    pub fn of_kind(&self, kind: Kind) -> Vec<&Note> {
        let mut notes: Vec<&Note> = self.notes.iter().filter(|n| n.kind == kind).collect();
        notes.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        notes
    }

    /// A one-line summary for the terminal.
    pub fn summary(&self) -> String {
        format!(
            "imported {} pages, {} sections and {} files from a {} site; {} things not converted, {} changed",
            self.pages,
            self.sections,
            self.files,
            self.generator,
            self.of_kind(Kind::NotConverted).len(),
            self.of_kind(Kind::Changed).len()
        )
    }

    /// The report as Markdown, for [`REPORT_FILE`] and the terminal.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Import report\n\n");
        let _ = writeln!(out, "{}.\n", capitalise(&self.summary()));
        if !self.taxonomies.is_empty() {
            let _ = writeln!(
                out,
                "Taxonomies declared in communique.toml: {}.\n",
                self.taxonomies.join(", ")
            );
        }
        let sections = [
            (
                Kind::NotConverted,
                "Not converted",
                "The new site builds without these; each needs a decision.",
            ),
            (
                Kind::Changed,
                "Converted with changes",
                "Check that each is what you want.",
            ),
        ];
        for (kind, heading, intro) in sections {
            let notes = self.of_kind(kind);
            let _ = writeln!(out, "## {heading} ({})\n", notes.len());
            if notes.is_empty() {
                out.push_str("Nothing.\n\n");
                continue;
            }
            let _ = writeln!(out, "{intro}\n");
            for note in notes {
                let _ = writeln!(out, "- `{}`: {}", note.place(), note.message);
            }
            out.push('\n');
        }
        out
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_listed_by_kind_with_file_and_line() {
        let mut report = Report {
            generator: "Hugo".into(),
            ..Report::default()
        };
        report.not_converted(
            "content/b.md",
            Some(7),
            "shortcode `{{< youtube >}}` left as text",
        );
        report.not_converted("content/a.md", None, "x");
        report.changed("content/a.md", Some(2), "y");
        let text = report.to_markdown();
        assert!(text.contains("## Not converted (2)"), "{text}");
        let a = text.find("`content/a.md`: x").unwrap();
        let b = text.find("`content/b.md:7`: shortcode").unwrap();
        assert!(a < b, "sorted by file");
        assert!(text.contains("## Converted with changes (1)\n\nCheck"));
    }
}
