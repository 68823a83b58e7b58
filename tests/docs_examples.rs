//! The documentation cannot drift from behaviour: every `tera` example in docs/templates.md is
//! rendered through a real build of the fixture site `tests/fixtures/docs` and must give the
//! `output` block shown under it; the front matter example of docs/content.md must build in
//! the repository's own example site.

mod common;

use std::fs;
use std::path::Path;

use common::{Site, assert_success, communique, stderr};

/// What `now()` returns in the examples, as docs/templates.md says.
const DOCS_NOW: &str = "2024-06-01T12:00:00Z";

/// One fenced `tera` example of a doc, with the `output` block that follows it, if any.
#[derive(Debug)]
struct Example {
    /// 1-based line of the opening fence in the doc.
    line: usize,
    source: String,
    expected: Option<String>,
}

fn read_doc(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The fenced blocks of `doc` with info string `info`, as (line of the fence, text).
fn fenced_blocks(doc: &str) -> Vec<(usize, String, String)> {
    let mut blocks = Vec::new();
    let mut lines = doc.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.trim_end().strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .map(|(_, l)| l)
            .take_while(|l| l.trim_end() != "```")
            .collect();
        blocks.push((n + 1, info.trim().to_string(), body.join("\n")));
    }
    blocks
}

/// Each `tera` block, paired with an `output` block that comes right after it.
fn examples(doc: &str) -> Vec<Example> {
    let blocks = fenced_blocks(doc);
    let mut examples = Vec::new();
    for (i, (line, info, source)) in blocks.iter().enumerate() {
        if info != "tera" {
            continue;
        }
        let expected = blocks
            .get(i + 1)
            .filter(|(_, info, _)| info == "output")
            .map(|(_, _, text)| text.clone());
        examples.push(Example {
            line: *line,
            source: source.clone(),
            expected,
        });
    }
    examples
}

/// Builds the docs fixture with one page per example, each rendered by a template that holds
/// only the example between markers.
fn render_examples(examples: &[Example]) -> (Site, std::process::Output) {
    let site = Site::fixture("docs");
    site.write(
        "content/examples/_index.md",
        "+++\ntitle = \"Examples\"\n+++\n",
    );
    for (i, example) in examples.iter().enumerate() {
        site.write(
            &format!("templates/examples/example-{i}.html"),
            &format!("<!--example-->{}<!--/example-->", example.source),
        );
        site.write(
            &format!("content/examples/e{i}.md"),
            &format!(
                "+++\ntitle = \"Example {i}\"\ndate = 2024-01-01\ntemplate = \"examples/example-{i}.html\"\n+++\n"
            ),
        );
    }
    let output = communique()
        .env("COMMUNIQUE_NOW", DOCS_NOW)
        .arg("--root")
        .arg(site.root())
        .arg("build")
        .current_dir(site.root())
        .output()
        .unwrap();
    (site, output)
}

fn rendered_example(site: &Site, i: usize) -> String {
    let page = site.read_output(&format!("examples/e{i}/index.html"));
    let start = page
        .find("<!--example-->")
        .map(|s| s + "<!--example-->".len());
    let end = page.find("<!--/example-->");
    match (start, end) {
        (Some(start), Some(end)) if start <= end => page[start..end].to_string(),
        _ => panic!("example {i} markers missing in\n{page}"),
    }
}

#[test]
fn every_example_in_templates_md_renders_as_documented() {
    let doc = read_doc("templates.md");
    let examples = examples(&doc);
    assert!(
        examples.len() >= 20,
        "found only {} examples",
        examples.len()
    );
    let (site, output) = render_examples(&examples);
    if !output.status.success() {
        let report = stderr(&output);
        let failing: Vec<String> = examples
            .iter()
            .enumerate()
            .filter(|(i, _)| report.contains(&format!("examples/example-{i}.html")))
            .map(|(_, e)| format!("docs/templates.md:{}: {}", e.line, e.source))
            .collect();
        panic!(
            "examples fail to render:\n{}\n--- build output\n{report}",
            failing.join("\n")
        );
    }
    let mut wrong = Vec::new();
    for (i, example) in examples.iter().enumerate() {
        let Some(expected) = &example.expected else {
            continue;
        };
        let got = rendered_example(&site, i);
        if got.trim() != expected.trim() {
            wrong.push(format!(
                "docs/templates.md:{}:\n  {}\n  documented: {}\n  rendered:   {}",
                example.line,
                example.source,
                expected.trim(),
                got.trim()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every filter and function the doc names under a `###` heading has an example with a
/// documented output.
#[test]
fn every_documented_filter_and_function_has_an_example_with_output() {
    let doc = read_doc("templates.md");
    let mut missing = Vec::new();
    let sections: Vec<&str> = doc.split("\n### ").skip(1).collect();
    assert!(sections.len() >= 17, "found {} headings", sections.len());
    for section in sections {
        let section = section.split("\n## ").next().unwrap_or(section);
        let heading = section.lines().next().unwrap_or_default();
        let has_output = examples(section).iter().any(|e| e.expected.is_some());
        if !has_output {
            missing.push(heading.to_string());
        }
    }
    assert!(missing.is_empty(), "no example with output: {missing:?}");
}

/// docs/content.md's front matter example, as a brief of the repository's own site, builds.
#[test]
fn the_front_matter_example_of_content_md_builds_in_the_example_site() {
    let doc = read_doc("content.md");
    let example = fenced_blocks(&doc)
        .into_iter()
        .find(|(_, info, text)| info == "toml" && text.contains("related"))
        .map(|(_, _, text)| text)
        .expect("a front matter example with `related` in docs/content.md");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let site = Site::empty();
    for folder in ["content", "static", "templates"] {
        if repo.join(folder).is_dir() {
            copy_tree(&repo.join(folder), &site.path(folder));
        }
    }
    fs::copy(repo.join("communique.toml"), site.path("communique.toml")).unwrap();
    site.write(
        "content/briefs/doc-example.md",
        &format!("{example}\n\nThe body.\n"),
    );
    let output = site.build(&[]);
    assert_success(&output);
    assert!(site.has_output("briefs/doc-example/index.html"));
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}
