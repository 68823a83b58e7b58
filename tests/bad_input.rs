//! Every kind of bad input: a clear error naming file and line with a hint, exit code 1, and
//! the previous output left exactly as it was.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const GOOD_BRIEF: &str = "+++\ntitle = \"Good\"\ndate = 2024-01-01\ntopics = [\"security\"]\n+++\n\nBody with a [link](@/briefs/other.md#section-one).\n\n## Heading\n";
const OTHER_BRIEF: &str =
    "+++\ntitle = \"Other\"\ndate = 2024-01-02\n+++\n\n## Section one\n\nText.\n";

struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Site {
    /// A small site using the built-in theme, already built once.
    fn built() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let site = Site { _dir: dir, root };
        site.write(
            "communique.toml",
            "title = \"T\"\nbase_url = \"https://x.org\"\n",
        );
        site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
        site.write("content/briefs/good.md", GOOD_BRIEF);
        site.write("content/briefs/other.md", OTHER_BRIEF);
        let first = site.run(&["build"]);
        assert!(
            first.status.success(),
            "{}",
            String::from_utf8_lossy(&first.stderr)
        );
        site
    }

    fn write(&self, rel: &str, text: &str) {
        self.write_bytes(rel, text.as_bytes());
    }

    fn write_bytes(&self, rel: &str, bytes: &[u8]) {
        let path = self.root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_communique"))
            .arg("--root")
            .arg(&self.root)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    fn output_snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, base, out);
                } else {
                    out.insert(
                        path.strip_prefix(base).unwrap().to_path_buf(),
                        fs::read(&path).unwrap(),
                    );
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(
            &self.root.join("public"),
            &self.root.join("public"),
            &mut files,
        );
        files
    }

    /// Builds, expecting failure; checks the message, the exit code and that public/ survived.
    fn fails_with(&self, place: &str, fragments: &[&str]) -> String {
        let before = self.output_snapshot();
        let output = self.run(&["build"]);
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert_eq!(output.status.code(), Some(1), "exit code 1:\n{stderr}");
        assert!(
            stderr.contains(&format!("error: {place}")),
            "names {place}:\n{stderr}"
        );
        assert!(stderr.contains("hint:"), "has a hint:\n{stderr}");
        for fragment in fragments {
            assert!(
                stderr.contains(fragment),
                "mentions {fragment:?}:\n{stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(before, self.output_snapshot(), "previous output intact");
        let check = self.run(&["check"]);
        assert_eq!(check.status.code(), Some(1), "check fails too");
        stderr
    }
}

#[test]
fn malformed_toml_front_matter() {
    let site = Site::built();
    site.write(
        "content/briefs/good.md",
        "+++\ntitle = \"Good\ndate = 2024-01-01\n+++\n",
    );
    site.fails_with("content/briefs/good.md:2:", &["invalid TOML front matter"]);
}

#[test]
fn malformed_yaml_front_matter() {
    let site = Site::built();
    site.write(
        "content/briefs/good.md",
        "---\ntitle: Good\ndate: [2024\n---\n",
    );
    site.fails_with("content/briefs/good.md:3:", &["invalid YAML front matter"]);
}

#[test]
fn unclosed_and_missing_front_matter() {
    let site = Site::built();
    site.write("content/briefs/good.md", "+++\ntitle = \"Good\"\n");
    site.fails_with("content/briefs/good.md:1:1", &["not closed"]);
    site.write("content/briefs/good.md", "# Just Markdown\n");
    site.fails_with("content/briefs/good.md:1:1", &["missing front matter"]);
}

#[test]
fn unknown_field_with_suggestion() {
    let site = Site::built();
    site.write(
        "content/briefs/good.md",
        &GOOD_BRIEF.replace("topics =", "topcs ="),
    );
    site.fails_with(
        "content/briefs/good.md:4:1",
        &["unknown field \"topcs\"", "did you mean \"topics\"?"],
    );
}

#[test]
fn wrong_type_names_field_and_expected_type() {
    let site = Site::built();
    site.write(
        "content/briefs/good.md",
        &GOOD_BRIEF.replace("[\"security\"]", "{ a = 1 }"),
    );
    site.fails_with(
        "content/briefs/good.md:4:1",
        &["field \"topics\" should be a string or a list of strings, found a table"],
    );
}

#[test]
fn bad_date_and_missing_required_fields() {
    let site = Site::built();
    site.write(
        "content/briefs/good.md",
        &GOOD_BRIEF.replace("date = 2024-01-01", "date = \"31/01/2024\""),
    );
    site.fails_with("content/briefs/good.md:3:1", &["not a valid date"]);
    site.write(
        "content/briefs/good.md",
        &GOOD_BRIEF.replace("title = \"Good\"\n", ""),
    );
    site.fails_with(
        "content/briefs/good.md:1:1",
        &["missing required field \"title\""],
    );
}

#[test]
fn invalid_utf8() {
    let site = Site::built();
    let mut bytes = GOOD_BRIEF.as_bytes().to_vec();
    bytes.extend_from_slice(b"\nbad \xff byte\n");
    site.write_bytes("content/briefs/good.md", &bytes);
    site.fails_with("content/briefs/good.md:11:5", &["not valid UTF-8"]);
}

#[test]
fn duplicate_urls() {
    let site = Site::built();
    site.write(
        "content/briefs/copy.md",
        &GOOD_BRIEF.replace("+++\n\n", "slug = \"good\"\n+++\n\n"),
    );
    site.fails_with("content/briefs/", &["/briefs/good/ is also the URL of"]);
}

#[test]
fn broken_internal_link_and_anchor() {
    let site = Site::built();
    site.write(
        "content/briefs/good.md",
        &GOOD_BRIEF.replace("@/briefs/other.md#section-one", "@/briefs/nowhere.md"),
    );
    site.fails_with(
        "content/briefs/good.md:7:13",
        &["link to unknown content \"@/briefs/nowhere.md\""],
    );
    site.write(
        "content/briefs/good.md",
        &GOOD_BRIEF.replace("#section-one", "#section-on"),
    );
    site.fails_with(
        "content/briefs/good.md:7:13",
        &[
            "no heading with the id \"section-on\"",
            "did you mean \"#section-one\"?",
        ],
    );
}

#[test]
fn missing_template_and_template_errors() {
    let site = Site::built();
    site.write(
        "content/briefs/good.md",
        &GOOD_BRIEF.replace("+++\n\n", "template = \"special.html\"\n+++\n\n"),
    );
    site.fails_with(
        "content/briefs/good.md:5:1",
        &["template \"special.html\" does not exist"],
    );
    site.write("content/briefs/good.md", GOOD_BRIEF);
    site.write(
        "templates/brief.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n{% endblock content %}\n",
    );
    site.fails_with("templates/brief.html:3:", &["template syntax error"]);
    site.write("templates/brief.html", "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ page.titel }}</h1>\n{% endblock content %}\n");
    site.fails_with("templates/brief.html:3:", &["template error"]);
}

#[test]
fn unknown_config_key_with_suggestion() {
    let site = Site::built();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://x.org\"\npaginat_by = 3\n",
    );
    site.fails_with(
        "communique.toml:3:1",
        &[
            "unknown key \"paginat_by\"",
            "did you mean \"paginate_by\"?",
        ],
    );
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let site = Site::built();
    site.write(
        "content/briefs/good.md",
        &GOOD_BRIEF.replace("title =", "tilte ="),
    );
    site.write(
        "content/briefs/other.md",
        &OTHER_BRIEF.replace("2024-01-02", "2024-13-02"),
    );
    let stderr = site.fails_with(
        "content/briefs/good.md:2:1",
        &["did you mean \"title\"?", "content/briefs/other.md:3:"],
    );
    assert!(stderr.contains("errors found"));
}

#[test]
fn dangerous_output_folders_are_refused() {
    let site = Site::built();
    for dir in [".", "content", "content/briefs"] {
        let output = site.run(&["build", "--output-dir", dir]);
        assert_eq!(output.status.code(), Some(1), "{dir}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("refusing to use"));
    }
    assert!(
        site.root.join("content/briefs/good.md").exists(),
        "nothing deleted"
    );
    assert!(site.root.join("communique.toml").exists());
}

#[test]
fn a_good_site_checks_clean_and_rebuilds_nothing() {
    let site = Site::built();
    let check = site.run(&["check"]);
    assert!(check.status.success());
    let again = site.run(&["build"]);
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("(0 written,"), "{stdout}");
}

#[test]
fn aliases_cannot_leave_the_output_folder() {
    let site = Site::built();
    site.write(
        "content/briefs/good.md",
        &GOOD_BRIEF.replace("+++\n\n", "aliases = [\"../../escape\"]\n+++\n\n"),
    );
    site.fails_with(
        "content/briefs/good.md:5:1",
        &["is not a path on this site"],
    );
    assert!(!site.root.join("escape").exists());
}
