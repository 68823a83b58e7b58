//! `build` and `serve` run one orchestration: every bad input gives the same diagnostics (same
//! messages, places, hints and order) whether the site is built, served from scratch, or served
//! and then edited into the bad state.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use communique::serve::rebuild::Rebuilder;
use communique::serve::watch::InputKind;
use communique::{BuildOptions, Diagnostics, SiteDirs};

const CONFIG: &str = "title = \"T\"\nbase_url = \"https://x.org\"\ntaxonomies = [\"topics\"]\n[[extra.nav]]\nname = \"Briefs\"\npath = \"/briefs/\"\n";
const GOOD: &str = "+++\ntitle = \"Good\"\ndate = 2024-01-01\ntopics = [\"security\"]\n+++\n\nBody with a [link](@/briefs/other.md#section-one).\n\n## Heading\n";
const OTHER: &str = "+++\ntitle = \"Other\"\ndate = 2024-01-02\n+++\n\n## Section one\n\nText.\n";

/// One bad input: files to write (or remove, with `None`) over the good site.
struct Case {
    name: &'static str,
    writes: Vec<(&'static str, Option<String>)>,
}

fn case(name: &'static str, writes: &[(&'static str, &str)]) -> Case {
    Case {
        name,
        writes: writes
            .iter()
            .map(|(p, t)| (*p, Some(t.to_string())))
            .collect(),
    }
}

fn cases() -> Vec<Case> {
    let good = |from: &str, to: &str| GOOD.replace(from, to);
    vec![
        case(
            "malformed TOML",
            &[(
                "content/briefs/good.md",
                "+++\ntitle = \"Good\ndate = 2024-01-01\n+++\n",
            )],
        ),
        case(
            "malformed YAML",
            &[(
                "content/briefs/good.md",
                "---\ntitle: Good\ndate: [2024\n---\n",
            )],
        ),
        case(
            "unclosed front matter",
            &[("content/briefs/good.md", "+++\ntitle = \"Good\"\n")],
        ),
        case(
            "unknown field",
            &[("content/briefs/good.md", &good("topics =", "topcs ="))],
        ),
        case(
            "wrong type",
            &[(
                "content/briefs/good.md",
                &good("[\"security\"]", "{ a = 1 }"),
            )],
        ),
        case(
            "bad date",
            &[(
                "content/briefs/good.md",
                &good("date = 2024-01-01", "date = \"31/01/2024\""),
            )],
        ),
        case(
            "missing title",
            &[("content/briefs/good.md", &good("title = \"Good\"\n", ""))],
        ),
        case(
            "duplicate URL",
            &[(
                "content/briefs/copy.md",
                &good("+++\n\n", "slug = \"good\"\n+++\n\n"),
            )],
        ),
        case(
            "broken link",
            &[(
                "content/briefs/good.md",
                &good("@/briefs/other.md#section-one", "@/briefs/nowhere.md"),
            )],
        ),
        case(
            "broken anchor",
            &[(
                "content/briefs/good.md",
                &good("#section-one", "#section-on"),
            )],
        ),
        case(
            "unknown related",
            &[(
                "content/briefs/good.md",
                &good("+++\n\n", "related = [\"@/briefs/gone.md\"]\n+++\n\n"),
            )],
        ),
        case(
            "missing template",
            &[(
                "content/briefs/good.md",
                &good("+++\n\n", "template = \"special.html\"\n+++\n\n"),
            )],
        ),
        case(
            "template syntax error",
            &[(
                "templates/brief.html",
                "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n{% endblock content %}\n",
            )],
        ),
        case(
            "template error",
            &[(
                "templates/brief.html",
                "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ page.titel }}</h1>\n{% endblock content %}\n",
            )],
        ),
        case(
            "content and template errors together",
            &[
                ("content/briefs/good.md", &good("topics =", "topcs =")),
                ("templates/section.html", "{% if %}\n"),
            ],
        ),
        case(
            "alias over a brief",
            &[(
                "content/briefs/other.md",
                &OTHER.replace("+++\n\n", "aliases = [\"/briefs/good/\"]\n+++\n\n"),
            )],
        ),
        case(
            "static file over a page (a warning)",
            &[("static/briefs/good/index.html", "<p>old</p>")],
        ),
        case(
            "shortcode left in a body (a warning)",
            &[(
                "content/briefs/other.md",
                &format!("{OTHER}\n{{{{< youtube abc >}}}}\n"),
            )],
        ),
        case(
            "nav link to no page (a warning)",
            &[("communique.toml", &CONFIG.replace("/briefs/", "/nowhere/"))],
        ),
        case(
            "unknown config key",
            &[("communique.toml", &format!("titel = \"x\"\n{CONFIG}"))],
        ),
        case(
            "unknown author id",
            &[
                (
                    "content/briefs/good.md",
                    &good("+++\n\n", "authors = [\"lhasan\"]\n+++\n\n"),
                ),
                (
                    "content/authors/lhassan.md",
                    "+++\nname = \"Layla Hassan\"\n+++\n",
                ),
            ],
        ),
        case(
            "bad author file",
            &[(
                "content/authors/lhassan.md",
                "+++\nnmae = \"Layla Hassan\"\n+++\n",
            )],
        ),
        case(
            "bad event date",
            &[(
                "content/briefs/good.md",
                &good(
                    "+++\n\n",
                    "[[events]]\ndate = \"2024-13\"\ntitle = \"x\"\n+++\n\n",
                ),
            )],
        ),
        case(
            "unknown type",
            &[(
                "content/briefs/good.md",
                &good("+++\n\n", "type = \"breifing\"\n+++\n\n"),
            )],
        ),
        case(
            "unknown citation key",
            &[
                (
                    "content/references.bib",
                    "@report{un2024, title = {A}, author = {Org}, year = {2024}}\n",
                ),
                (
                    "content/briefs/good.md",
                    &format!("{GOOD}\nAs found [@un2042].\n"),
                ),
            ],
        ),
        case(
            "bad bibliography",
            &[("content/references.bib", "@report{un2024, title = {A\n")],
        ),
        case(
            "link to an embargoed brief",
            &[(
                "content/briefs/other.md",
                &OTHER.replace("+++\n\n", "publish_date = 2099-01-01\n+++\n\n"),
            )],
        ),
    ]
}

struct Site {
    _dir: tempfile::TempDir,
    dirs: SiteDirs,
}

impl Site {
    fn good() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let dirs = SiteDirs::new(dir.path(), None).canonical().unwrap();
        let site = Site { _dir: dir, dirs };
        site.write("communique.toml", CONFIG);
        site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
        site.write("content/briefs/_index.md", "+++\ntitle = \"Briefs\"\n+++\n");
        site.write("content/briefs/good.md", GOOD);
        site.write("content/briefs/other.md", OTHER);
        site
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dirs.root.join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn apply(&self, case: &Case) -> BTreeSet<(InputKind, PathBuf)> {
        let mut changes = BTreeSet::new();
        for (rel, text) in &case.writes {
            match text {
                Some(text) => self.write(rel, text),
                None => fs::remove_file(self.path(rel)).unwrap(),
            }
            changes.insert((kind_of(rel), self.path(rel)));
        }
        changes
    }

    /// What `build` reports: errors, or the warnings of a success.
    fn build(&self) -> Outcome {
        match communique::build_site(&self.dirs, &BuildOptions::default()) {
            Ok(built) => Outcome::Built(built.warnings),
            Err(errors) => Outcome::Failed(errors),
        }
    }
}

fn kind_of(rel: &str) -> InputKind {
    match Path::new(rel)
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
    {
        Some("content") => InputKind::Content,
        Some("templates") => InputKind::Template,
        Some("static") => InputKind::Static,
        _ => InputKind::Config,
    }
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Built(Diagnostics),
    Failed(Diagnostics),
}

fn served(result: Result<communique::serve::rebuild::Update, Diagnostics>) -> Outcome {
    match result {
        Ok(update) => Outcome::Built(update.warnings),
        Err(errors) => Outcome::Failed(errors),
    }
}

#[test]
fn build_and_serve_report_every_bad_input_alike() {
    for case in cases() {
        // Served from the start in the bad state.
        let site = Site::good();
        site.apply(&case);
        let built = site.build();
        let mut from_scratch = Rebuilder::new(site.dirs.clone(), BuildOptions::default());
        assert_eq!(
            served(from_scratch.full()),
            built,
            "{}: build and a fresh serve differ",
            case.name
        );

        // Served while good, then edited into the bad state.
        let site = Site::good();
        let mut serving = Rebuilder::new(site.dirs.clone(), BuildOptions::default());
        let first = serving.full();
        assert!(
            first.is_ok(),
            "{}: the good site serves: {:?}",
            case.name,
            first.err()
        );
        let changes = site.apply(&case);
        let after_edit = served(serving.rebuild(&changes));
        assert_eq!(
            after_edit,
            site.build(),
            "{}: build and serve after an edit differ",
            case.name
        );
        if case.name.ends_with("(a warning)") {
            assert!(
                matches!(&after_edit, Outcome::Built(w) if !w.is_empty()),
                "{}",
                case.name
            );
        } else {
            assert!(matches!(after_edit, Outcome::Failed(_)), "{}", case.name);
        }
    }
}
