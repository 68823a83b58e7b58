//! Bad input: every error names its file and line (and column), says what is wrong with a hint
//! (and a suggestion where one exists), exits with 1, and leaves the previous output exactly as
//! it was. `check` reports the same errors and writes nothing.

mod common;

use std::collections::BTreeMap;
use std::process::Output;

use common::*;

/// A brief that is fine, to which a test adds one mistake.
const HEADER: &str = "+++\ntitle = \"Bad\"\ndate = 2024-01-01\n";

/// The fixture site, built once successfully.
fn built_site() -> (Site, BTreeMap<String, Vec<u8>>) {
    let site = Site::fixture("site");
    site.build_ok(&[]);
    let before = site.output_snapshot();
    assert!(before.contains_key("briefs/alpha/index.html"));
    (site, before)
}

/// Builds the fixture once, writes `text` at `rel`, and builds again: the second build must fail
/// with exit code 1, write nothing (the output is byte-identical to the first build's), and
/// `check` must fail with the same report. Returns the failed build's output.
fn break_with(rel: &str, text: &[u8]) -> Output {
    let (site, before) = built_site();
    site.write_bytes(rel, text);
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert_eq!(
        site.output_snapshot(),
        before,
        "the previous output is left exactly as it was"
    );
    assert!(
        !stdout(&out).contains("built"),
        "no success report: {}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        stderr(&out)
    );
    leftovers_absent(&site);
    let check = site.check(&[]);
    assert_exit(&check, 1);
    assert_eq!(
        stderr(&check),
        stderr(&out),
        "check reports the same errors"
    );
    assert_eq!(site.output_snapshot(), before);
    out
}

/// No staging folders are left beside the output after a failed build.
fn leftovers_absent(site: &Site) {
    for entry in std::fs::read_dir(site.root()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        // The search index cache is kept on purpose (see docs/templates.md, "Search").
        let is_cache = name == ".communique-cache";
        assert!(is_cache || !name.contains("communique-"), "leftover {name}");
    }
}

/// The diagnostics of a run, one string per `error:` block.
fn diagnostics(out: &Output) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in stderr(out).lines() {
        if line.starts_with("error:") || line.starts_with("warning:") {
            blocks.push(String::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks
}

/// Finds the diagnostic at `place` (`file:line:` or `file:line:col:`) and checks that it says
/// `message`, carries a hint and, when given, that the hint says `hint`. Returns the block.
fn assert_error(out: &Output, place: &str, message: &str, hint: Option<&str>) -> String {
    let prefix = format!("error: {place}");
    let all = diagnostics(out);
    let block = all
        .iter()
        .find(|b| b.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no error at {place} in:\n{}", stderr(out)))
        .clone();
    let first = block.lines().next().unwrap();
    assert!(first.contains(message), "{message:?} in {first:?}");
    let hint_line = block
        .lines()
        .find(|l| l.trim_start().starts_with("= hint:"))
        .unwrap_or_else(|| panic!("no hint in:\n{block}"));
    if let Some(hint) = hint {
        assert!(hint_line.contains(hint), "{hint:?} in {hint_line:?}");
    }
    block
}

/// The snippet line `N | text` of a diagnostic.
fn assert_snippet(block: &str, line: usize, text: &str) {
    let expected = format!("{line} | {text}");
    assert!(
        block.lines().any(|l| l.trim() == expected),
        "snippet {expected:?} in:\n{block}"
    );
}

fn brief(extra_front_matter: &str, body: &str) -> Vec<u8> {
    format!("{HEADER}{extra_front_matter}+++\n\n{body}").into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Front matter

#[test]
fn malformed_toml_front_matter() {
    let out = break_with(
        "content/briefs/bad.md",
        b"+++\ntitle = \"Bad\"\ndate = 2024-01-01\ntopics = Security\n+++\n\nBody.\n",
    );
    let block = assert_error(
        &out,
        "content/briefs/bad.md:4:10:",
        "invalid TOML front matter",
        Some("quotes"),
    );
    assert_snippet(&block, 4, "topics = Security");
}

#[test]
fn malformed_yaml_front_matter() {
    let out = break_with(
        "content/briefs/bad.md",
        b"---\ntitle: Bad\ndate: 2024-01-01\ntopics: - a\n---\n\nBody.\n",
    );
    let block = assert_error(
        &out,
        "content/briefs/bad.md:4:9:",
        "invalid YAML front matter",
        Some("indentation"),
    );
    assert_snippet(&block, 4, "topics: - a");
}

#[test]
fn malformed_yaml_message_has_no_conflicting_position() {
    let out = break_with(
        "content/briefs/bad.md",
        b"---\ntitle: Bad\ndate: 2024-01-01\ntopics: - a\n---\n\nBody.\n",
    );
    let block = assert_error(&out, "content/briefs/bad.md:4:9:", "invalid YAML", None);
    let first = block.lines().next().unwrap();
    assert!(!first.contains("line 3"), "{first}");
}

#[test]
fn unclosed_front_matter() {
    let out = break_with(
        "content/briefs/bad.md",
        b"+++\ntitle = \"Bad\"\ndate = 2024-01-01\n\nBody.\n",
    );
    assert_error(
        &out,
        "content/briefs/bad.md:1:1:",
        "front matter is not closed",
        Some("+++"),
    );
}

#[test]
fn missing_front_matter() {
    let out = break_with("content/briefs/bad.md", b"# Just a heading\n\nBody.\n");
    let block = assert_error(
        &out,
        "content/briefs/bad.md:1:1:",
        "missing front matter",
        Some("+++"),
    );
    assert_snippet(&block, 1, "# Just a heading");
}

#[test]
fn unknown_field_suggests_the_right_one() {
    let out = break_with(
        "content/briefs/bad.md",
        b"+++\ntilte = \"Bad\"\ndate = 2024-01-01\n+++\n\nBody.\n",
    );
    let block = assert_error(
        &out,
        "content/briefs/bad.md:2:1:",
        "unknown field \"tilte\"",
        Some("did you mean \"title\"?"),
    );
    assert_snippet(&block, 2, "tilte = \"Bad\"");
}

#[test]
fn field_of_the_wrong_type() {
    let out = break_with("content/briefs/bad.md", &brief("topics = 5\n", "Body.\n"));
    let block = assert_error(
        &out,
        "content/briefs/bad.md:4:1:",
        "field \"topics\" should be a string or a list of strings, found a number",
        None,
    );
    assert_snippet(&block, 4, "topics = 5");
}

#[test]
fn bad_date() {
    let out = break_with(
        "content/briefs/bad.md",
        b"+++\ntitle = \"Bad\"\ndate = \"2024-13-45\"\n+++\n\nBody.\n",
    );
    assert_error(
        &out,
        "content/briefs/bad.md:3:1:",
        "field \"date\" is not a valid date: \"2024-13-45\"",
        Some("2024-01-27"),
    );
}

#[test]
fn missing_title() {
    let out = break_with(
        "content/briefs/bad.md",
        b"+++\ndate = 2024-01-01\n+++\n\nBody.\n",
    );
    assert_error(
        &out,
        "content/briefs/bad.md:1:",
        "missing required field \"title\"",
        Some("title = "),
    );
}

#[test]
fn missing_date() {
    let out = break_with(
        "content/briefs/bad.md",
        b"+++\ntitle = \"Bad\"\n+++\n\nBody.\n",
    );
    assert_error(
        &out,
        "content/briefs/bad.md:2:",
        "missing required field \"date\"",
        Some("date = 2024-01-27"),
    );
}

#[test]
fn invalid_utf8() {
    let out = break_with(
        "content/briefs/bad.md",
        b"+++\ntitle = \"Bad\"\ndate = 2024-01-01\n+++\n\nCaf\xe9 au lait.\n",
    );
    assert_error(
        &out,
        "content/briefs/bad.md:6:4:",
        "not valid UTF-8",
        Some("UTF-8"),
    );
}

#[test]
fn bad_section_front_matter() {
    let out = break_with(
        "content/analysis/_index.md",
        b"+++\ntitle = \"Analysis\"\nsort_by = \"random\"\n+++\n",
    );
    assert_error(
        &out,
        "content/analysis/_index.md:3:1:",
        "field \"sort_by\" should be one of",
        Some("`title`"),
    );
}

// ---------------------------------------------------------------------------------------------
// The site as a whole

#[test]
fn duplicate_url_from_a_slug() {
    // bad.md sorts after alpha.md: the file that claims the taken URL is the one reported.
    let out = break_with(
        "content/briefs/bad.md",
        &brief("slug = \"alpha\"\n", "Body.\n"),
    );
    let block = assert_error(
        &out,
        "content/briefs/bad.md:4:1:",
        "/briefs/alpha/ is also the URL of content/briefs/alpha.md",
        Some("slug"),
    );
    assert_snippet(&block, 4, "slug = \"alpha\"");
}

#[test]
fn duplicate_url_points_at_the_slug_that_causes_it() {
    let out = break_with(
        "content/briefs/aaa.md",
        &brief("slug = \"alpha\"\n", "Body.\n"),
    );
    assert_error(
        &out,
        "content/briefs/aaa.md:4:",
        "/briefs/alpha/",
        Some("slug"),
    );
}

#[test]
fn duplicate_url_from_a_file_and_a_folder_page() {
    // content/briefs/beta.md and content/briefs/beta/index.md are both /briefs/beta/.
    let out = break_with("content/briefs/beta/index.md", &brief("", "Body.\n"));
    let all = stderr(&out);
    assert!(all.contains("/briefs/beta/ is also the URL of"), "{all}");
    assert!(all.contains("content/briefs/beta"), "{all}");
    assert!(all.contains("= hint:"), "{all}");
}

#[test]
fn alias_clashing_with_a_page_is_an_error() {
    let out = break_with(
        "content/briefs/bad.md",
        &brief("aliases = [\"/briefs/beta/\"]\n", "Body.\n"),
    );
    assert_error(&out, "content/briefs/bad.md:4:", "/briefs/beta/", None);
}

#[test]
fn alias_used_twice_is_an_error() {
    let out = break_with(
        "content/briefs/bad.md",
        &brief("aliases = [\"/old/alpha/\"]\n", "Body.\n"),
    );
    assert_error(&out, "content/briefs/bad.md:4:", "/old/alpha/", None);
}

#[test]
fn page_clashing_with_a_pager_page_is_an_error() {
    let out = break_with("content/briefs/page/2.md", &brief("", "Body.\n"));
    assert!(
        stderr(&out).contains("content/briefs/page/2.md"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn alias_clashing_with_a_static_file_is_reported_at_the_alias() {
    let out = break_with(
        "content/briefs/bad.md",
        &brief("aliases = [\"/style.css\"]\n", "Body.\n"),
    );
    assert_error(&out, "content/briefs/bad.md:4:", "style.css", None);
}

#[test]
fn broken_internal_link() {
    let out = break_with(
        "content/briefs/bad.md",
        &brief(
            "",
            "First paragraph.\n\nSee [nothing](@/briefs/nope.md) here.\n",
        ),
    );
    let block = assert_error(
        &out,
        "content/briefs/bad.md:8:5:",
        "link to unknown content \"@/briefs/nope.md\"",
        Some("@/"),
    );
    assert_snippet(&block, 8, "See [nothing](@/briefs/nope.md) here.");
}

#[test]
fn link_to_a_deleted_brief() {
    let (site, before) = built_site();
    // alpha.md links to epsilon.md.
    site.remove("content/briefs/epsilon.md");
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert_error(
        &out,
        "content/briefs/alpha.md:24:46:",
        "\"@/briefs/epsilon.md\"",
        None,
    );
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn broken_anchor() {
    let out = break_with(
        "content/briefs/bad.md",
        &brief(
            "",
            "First paragraph.\n\nSee [beta](@/briefs/beta.md#timelin) here.\n",
        ),
    );
    assert_error(
        &out,
        "content/briefs/bad.md:8:5:",
        "@/briefs/beta.md has no heading with the id \"timelin\"",
        Some("did you mean \"#timeline\"?"),
    );
}

#[test]
fn unknown_related_brief() {
    let out = break_with(
        "content/briefs/bad.md",
        &brief(
            "related = [\"@/briefs/beta.md\", \"@/briefs/nope.md\"]\n",
            "Body.\n",
        ),
    );
    assert_error(
        &out,
        "content/briefs/bad.md:4:",
        "related brief \"@/briefs/nope.md\" does not exist",
        None,
    );
}

#[test]
fn missing_template_named_in_front_matter() {
    let out = break_with(
        "content/briefs/bad.md",
        &brief("template = \"special.html\"\n", "Body.\n"),
    );
    assert_error(
        &out,
        "content/briefs/bad.md:4:",
        "template \"special.html\" does not exist",
        Some("templates/special.html"),
    );
}

// ---------------------------------------------------------------------------------------------
// Templates and configuration

/// Replaces one line (1-based) of a fixture file's text.
fn with_line(text: &str, line: usize, replacement: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[line - 1] = replacement;
    lines.join("\n") + "\n"
}

#[test]
fn template_syntax_error_names_the_template_and_line() {
    let (site, before) = built_site();
    let template = site.read("templates/brief.html");
    assert!(template.lines().nth(4).unwrap().starts_with("<h1>"));
    site.write(
        "templates/brief.html",
        &with_line(&template, 5, "<h1>{{ page.title </h1>"),
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    let block = assert_error(
        &out,
        "templates/brief.html:5:",
        "template syntax error",
        None,
    );
    assert_snippet(&block, 5, "<h1>{{ page.title </h1>");
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn template_runtime_error_names_the_template_and_line() {
    let (site, before) = built_site();
    let template = site.read("templates/brief.html");
    site.write(
        "templates/brief.html",
        &with_line(&template, 5, "<h1>{{ page.titel }}</h1>"),
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    let block = assert_error(&out, "templates/brief.html:5:", "titel", None);
    assert_snippet(&block, 5, "<h1>{{ page.titel }}</h1>");
    assert_eq!(
        diagnostics(&out).len(),
        1,
        "one report for the template, not one per brief:\n{}",
        stderr(&out)
    );
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn template_runtime_error_in_a_parent_template_names_the_parent() {
    let (site, before) = built_site();
    let base = site.read("templates/base.html");
    assert!(
        base.lines()
            .nth(9)
            .unwrap()
            .starts_with("<a class=\"home\"")
    );
    site.write(
        "templates/base.html",
        &with_line(&base, 10, "<p>{{ config.titel }}</p>"),
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert_error(&out, "templates/base.html:10:", "titel", None);
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn unknown_filter_names_the_template_and_line() {
    let (site, before) = built_site();
    let base = site.read("templates/base.html");
    site.write(
        "templates/base.html",
        &with_line(&base, 10, "<p>{{ config.title | nosuchfilter }}</p>"),
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert_error(&out, "templates/base.html:10:", "nosuchfilter", None);
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn unknown_config_key_suggests_the_right_one() {
    let (site, before) = built_site();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://example.org\"\npaginte_by = 3\n",
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    let block = assert_error(
        &out,
        "communique.toml:3:1:",
        "unknown key \"paginte_by\"",
        Some("did you mean \"paginate_by\"?"),
    );
    assert_snippet(&block, 3, "paginte_by = 3");
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn unknown_config_key_in_a_table_suggests_the_right_one() {
    let (site, before) = built_site();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://example.org\"\n\n[feed]\nlimt = 3\n",
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert_error(
        &out,
        "communique.toml:5:1:",
        "unknown key \"limt\"",
        Some("did you mean \"limit\"?"),
    );
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn malformed_config_has_a_hint() {
    let (site, before) = built_site();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://example.org\n",
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert_error(&out, "communique.toml:2:", "", None);
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn relative_base_url_in_config() {
    let (site, before) = built_site();
    site.write("communique.toml", "title = \"T\"\nbase_url = \"/briefs\"\n");
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert_error(&out, "communique.toml:2:", "base_url", Some("https://"));
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn missing_config_file() {
    let site = Site::fixture("site");
    site.remove("communique.toml");
    let out = site.build(&[]);
    // Not a site: a usage error, like running the command in the wrong folder (issue 9).
    assert_exit(&out, 2);
    assert_error(
        &out,
        &site.root().display().to_string(),
        "is not a communique site: it has no communique.toml",
        Some("communique init"),
    );
    assert!(!site.path("public").exists());
}

// ---------------------------------------------------------------------------------------------
// Many errors, and `check`

#[test]
fn errors_in_several_files_are_all_reported_in_one_run() {
    let (site, before) = built_site();
    site.write(
        "content/briefs/bad-one.md",
        "+++\ntilte = \"One\"\ndate = 2024-01-01\n+++\n",
    );
    site.write(
        "content/analysis/bad-two.md",
        "+++\ntitle = \"Two\"\ndate = 2024-01-01\n+++\n\n[x](@/nowhere.md)\n",
    );
    site.write(
        "content/ordered/_index.md",
        "+++\ntitle = \"Ordered\"\nsortby = \"weight\"\n+++\n",
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert_error(
        &out,
        "content/briefs/bad-one.md:2:1:",
        "unknown field \"tilte\"",
        Some("\"title\""),
    );
    assert_error(
        &out,
        "content/analysis/bad-two.md:6:1:",
        "@/nowhere.md",
        None,
    );
    assert_error(
        &out,
        "content/ordered/_index.md:3:1:",
        "unknown field \"sortby\"",
        Some("\"sort_by\""),
    );
    assert!(stderr(&out).contains("errors found"), "{}", stderr(&out));
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn template_and_content_errors_are_reported_together() {
    let (site, before) = built_site();
    site.write(
        "content/briefs/bad.md",
        &String::from_utf8(brief("tilte = 1\n", "")).unwrap(),
    );
    site.write("templates/404.html", "{{ oops \n");
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert_error(&out, "content/briefs/bad.md:4:", "tilte", None);
    assert_error(&out, "templates/404.html:1:", "syntax", None);
    assert_eq!(site.output_snapshot(), before);
}

#[test]
fn check_reports_errors_and_writes_nothing() {
    let site = Site::fixture("site");
    site.write(
        "content/briefs/bad.md",
        "+++\ntilte = \"Bad\"\ndate = 2024-01-01\n+++\n",
    );
    let sources = site.site_snapshot();
    let out = site.check(&[]);
    assert_exit(&out, 1);
    assert_error(
        &out,
        "content/briefs/bad.md:2:1:",
        "unknown field \"tilte\"",
        Some("\"title\""),
    );
    assert_eq!(site.site_snapshot(), sources, "check wrote nothing");
    assert!(!site.path("public").exists());
}

#[test]
fn check_passes_on_a_good_site_and_writes_nothing() {
    let site = Site::fixture("site");
    let sources = site.site_snapshot();
    let out = site.check(&[]);
    assert_success(&out);
    assert!(stdout(&out).contains("ok: 10 briefs"), "{}", stdout(&out));
    assert_eq!(stderr(&out), "");
    assert_eq!(site.site_snapshot(), sources, "check wrote nothing");
    assert!(!site.path("public").exists());
    // Drafts are checked with --drafts.
    let drafts = site.check(&["--drafts"]);
    assert_success(&drafts);
    assert!(
        stdout(&drafts).contains("ok: 11 briefs"),
        "{}",
        stdout(&drafts)
    );
}

// ---------------------------------------------------------------------------------------------
// Output folder safety

fn assert_refused(output_dir: &str) {
    let (site, _) = built_site();
    let everything = site.site_snapshot();
    let out = site.build(&["--output-dir", output_dir]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("refusing to use"), "{err}");
    assert!(err.contains("= hint:"), "{err}");
    assert_eq!(
        site.site_snapshot(),
        everything,
        "nothing was deleted or written"
    );
    leftovers_absent(&site);
}

#[test]
fn output_dir_at_the_site_root_is_refused() {
    assert_refused(".");
}

#[test]
fn output_dir_content_is_refused() {
    assert_refused("content");
}

#[test]
fn output_dir_inside_sources_is_refused() {
    assert_refused("content/briefs");
    assert_refused("static");
    assert_refused("templates");
}

#[test]
fn output_dir_above_the_root_is_refused() {
    let (site, _) = built_site();
    let everything = site.site_snapshot();
    let out = site.build(&["--output-dir", ".."]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("refusing to use"), "{}", stderr(&out));
    assert_eq!(site.site_snapshot(), everything);
}

#[test]
fn output_dir_that_is_a_file_is_refused() {
    let (site, _) = built_site();
    site.write("notes.txt", "keep me\n");
    let out = site.build(&["--output-dir", "notes.txt"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("refusing to use"), "{}", stderr(&out));
    assert_eq!(site.read("notes.txt"), "keep me\n");
}
