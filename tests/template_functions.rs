//! Template functions and filters through real builds: output, errors that name the template
//! with a hint, and `load_data` confined to the site root.

mod common;

use std::fs;

use common::{Site, assert_success, communique, stderr};

/// The docs fixture with `templates/404.html` holding `body`.
fn site_with_404(body: &str) -> Site {
    let site = Site::fixture("docs");
    site.write("templates/404.html", body);
    site
}

/// Builds and returns the error output, failing the test if the build succeeds.
fn build_error(site: &Site) -> String {
    let output = site.build(&[]);
    assert!(
        !output.status.success(),
        "expected the build to fail\n{}",
        common::stdout(&output)
    );
    stderr(&output)
}

#[test]
fn each_filter_and_function_renders_as_zola_users_expect() {
    let site = site_with_404(
        r#"<p id="striptags">{{ "<p>A <em>brief</em></p>" | striptags }}</p>
<p id="urlencode">{{ "a b&c/d" | urlencode }}</p>
<p id="json">{{ {"b": [1, 2], "a": "x"} | json_encode | safe }}</p>
<p id="lines">{{ load_data(path="static/data/address.txt") | trim | linebreaksbr }}</p>
<p id="as_str">{{ 7 | as_str ~ "/" ~ (true | as_str) }}</p>
<p id="truncate">{{ "Baghdad talks" | truncate(length=7) }}</p>
<p id="date">{{ "2024-03-05" | date(locale="ar", format="d MMMM y") }}|{{ "2024-03-05" | date(locale="es") }}</p>
<p id="now">{{ now() | date(format="%Y-%m-%d %H:%M") }}</p>
{% set topics = get_taxonomy(kind="topics") %}<p id="taxonomy">{% for t in topics.terms %}{{ t.slug }}={% for p in t.pages %}{{ p.slug }},{% endfor %};{% endfor %}</p>
<p id="term">{{ get_taxonomy_url(kind="topics", name="security") }}</p>"#,
    );
    let output = communique()
        .env("COMMUNIQUE_NOW", "2025-12-31T23:59:00Z")
        .arg("--root")
        .arg(site.root())
        .arg("build")
        .output()
        .unwrap();
    assert_success(&output);
    let page = site.read_output("404.html");
    for expected in [
        r#"<p id="striptags">A brief</p>"#,
        r#"<p id="urlencode">a%20b%26c/d</p>"#,
        r#"<p id="json">{"a":"x","b":[1,2]}</p>"#,
        r#"<p id="lines">Tigris Policy Institute<br>Baghdad &amp; Erbil</p>"#,
        r#"<p id="as_str">7/true</p>"#,
        r#"<p id="truncate">Baghdad…</p>"#,
        r#"<p id="now">2025-12-31 23:59</p>"#,
        r#"<p id="taxonomy">diplomacy=first-round,;security=second-round,first-round,;</p>"#,
        r#"<p id="term">/topics/security/</p>"#,
    ] {
        assert!(page.contains(expected), "{expected} in\n{page}");
    }
    assert!(
        page.contains("5 مارس 2024|5 marzo 2024"),
        "localized month names\n{page}"
    );
}

#[test]
fn a_term_no_page_has_is_an_error_naming_the_template_with_the_closest_term() {
    let site =
        site_with_404(r#"<a href="{{ get_taxonomy_url(kind='topics', name='Securty') }}">x</a>"#);
    let report = build_error(&site);
    assert!(report.contains("templates/404.html"), "{report}");
    assert!(
        report.contains("no page has the topics term \"Securty\""),
        "{report}"
    );
    assert!(report.contains("did you mean \"Security\"?"), "{report}");

    let site = site_with_404(r#"{{ get_taxonomy_url(kind='topic', name='Security') }}"#);
    let report = build_error(&site);
    assert!(report.contains("no taxonomy \"topic\""), "{report}");
    assert!(report.contains("did you mean \"topics\"?"), "{report}");

    let site = site_with_404(r#"{{ get_taxonomy_url(kind='topics', name='Economy') }}"#);
    let report = build_error(&site);
    assert!(
        report.contains(r#"its terms are "Diplomacy", "Security""#),
        "{report}"
    );
}

#[test]
fn now_follows_communique_now_and_rejects_a_bad_value() {
    let site = site_with_404("{{ now() }}");
    let build = |now: &str| {
        communique()
            .env("COMMUNIQUE_NOW", now)
            .arg("--root")
            .arg(site.root())
            .arg("build")
            .output()
            .unwrap()
    };
    assert_success(&build("2024-01-27"));
    assert!(
        site.read_output("404.html")
            .contains("2024-01-27T00:00:00Z")
    );
    let output = build("next week");
    assert!(!output.status.success());
    let report = stderr(&output);
    assert!(
        report.contains("templates/404.html") && report.contains("COMMUNIQUE_NOW"),
        "{report}"
    );
}

#[test]
fn load_data_reads_toml_json_and_yaml_of_the_site() {
    let site = site_with_404(
        r#"{% set j = load_data(path="data/people.json") %}{% set y = load_data(path="data/people.yaml") %}{% set t = load_data(path="data/dates.toml") %}
<p id="j">{{ j.people[0].name }}</p><p id="y">{{ y.people[1] }}</p><p id="t">{{ t.signed | date }}</p>
<p id="plain">{{ load_data(path="data/people.json", format="plain") | length }}</p>"#,
    );
    site.write("data/people.json", r#"{"people": [{"name": "Layla"}]}"#);
    site.write("data/people.yaml", "people:\n  - Layla\n  - Tom\n");
    site.write("data/dates.toml", "signed = 2024-01-27\n");
    site.build_ok(&[]);
    let page = site.read_output("404.html");
    for expected in [
        r#"<p id="j">Layla</p>"#,
        r#"<p id="y">Tom</p>"#,
        r#"<p id="t">27 January 2024</p>"#,
        r#"<p id="plain">31</p>"#,
    ] {
        assert!(page.contains(expected), "{expected} in\n{page}");
    }
}

/// A secret beside the site, which no template may read.
const SECRET: &str = "password = \"hunter2\"\n";

#[test]
fn load_data_never_reads_outside_the_site_root() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.toml");
    fs::write(&secret, SECRET).unwrap();
    let site = Site::fixture("docs");
    let relative_secret = {
        let depth = site.root().components().count();
        format!("{}{}", "../".repeat(depth), secret.display())
    };
    site.write(".env.toml", SECRET);
    let mut cases: Vec<(String, &str)> = vec![
        (relative_secret, "not a path inside the site"),
        (secret.display().to_string(), "not a path inside the site"),
        (
            "static/../../secret.toml".into(),
            "not a path inside the site",
        ),
        (".env.toml".into(), "not a path inside the site"),
        (
            "https://example.org/data.json".into(),
            "load_data reads only files of the site",
        ),
        ("static/data/missing.toml".into(), "no file at"),
        ("static/data".into(), "is a folder"),
        ("static/data/address.txt".into(), ""),
    ];
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(&secret, site.path("static/data/linked.toml")).unwrap();
        symlink(outside.path(), site.path("data")).unwrap();
        symlink(
            site.path("communique.toml"),
            site.path("static/config.toml"),
        )
        .unwrap();
        symlink(
            site.path("static/data/budget.toml"),
            site.path("static/budget.toml"),
        )
        .unwrap();
        cases.extend([
            (
                "static/data/linked.toml".to_string(),
                "outside the site's content/, templates/ and static/ folders",
            ),
            ("data/secret.toml".into(), "goes through a link"),
            (
                "static/config.toml".into(),
                "outside the site's content/, templates/ and static/ folders",
            ),
            ("static/budget.toml".into(), ""),
        ]);
    }
    for (path, refusal) in cases {
        site.write(
            "templates/404.html",
            &format!("{{{{ load_data(path=\"{path}\", format=\"plain\") }}}}"),
        );
        let output = site.build(&[]);
        let report = stderr(&output);
        if refusal.is_empty() {
            assert_success(&output);
            continue;
        }
        assert!(!output.status.success(), "{path} was read");
        assert!(
            report.contains("templates/404.html") && report.contains(refusal),
            "{path}: {report}"
        );
        assert!(!report.contains("hunter2"), "{path}: {report}");
    }
}

#[test]
fn a_data_file_that_does_not_parse_is_named_without_quoting_it() {
    let site = site_with_404(r#"{{ load_data(path="static/data/broken.toml") }}"#);
    site.write("static/data/broken.toml", "ok = 1\nsecret = \"hunter2\n");
    let report = build_error(&site);
    assert!(
        report.contains("\"static/data/broken.toml\" is not valid TOML (line 2)"),
        "{report}"
    );
    assert!(!report.contains("hunter2"), "{report}");
}

/// `serve` re-renders what read a taxonomy or a data file when they change (their reads are
/// part of the output's signature), matching a full build.
#[test]
fn serve_rerenders_outputs_that_read_a_taxonomy_or_a_data_file() {
    use communique::render::Contents;
    use communique::serve::rebuild::Rebuilder;
    use communique::serve::watch::InputKind;
    use communique::{BuildOptions, SiteDirs};
    use std::collections::BTreeSet;

    let site = site_with_404(
        r#"{% set topics = get_taxonomy(kind="topics") %}{% for t in topics.terms %}{{ t.name }}={{ t.pages | length }};{% endfor %}
{% set budget = load_data(path="static/data/budget.toml") %}{{ budget.lines | length }} lines"#,
    );
    let root = site.root().canonicalize().unwrap();
    let dirs = SiteDirs::new(&root, None);
    let mut rebuilder = Rebuilder::new(dirs, BuildOptions::default());
    let not_found = |files: Vec<communique::render::OutputFile>| {
        files
            .into_iter()
            .find(|f| f.path == "404.html")
            .map(|f| match f.contents {
                Contents::Bytes(b) => String::from_utf8(b).unwrap(),
                Contents::Copy(p) => fs::read_to_string(p).unwrap(),
            })
    };
    let first = not_found(rebuilder.full().unwrap().files).unwrap();
    assert!(first.contains("Diplomacy=1;Security=2;"), "{first}");
    assert!(first.contains("2 lines"), "{first}");

    let brief = root.join("content/briefs/second-round.md");
    let text = fs::read_to_string(&brief).unwrap();
    fs::write(
        &brief,
        text.replace("topics = [\"Security\"]", "topics = [\"Economy\"]"),
    )
    .unwrap();
    let changed = BTreeSet::from([(InputKind::Content, brief)]);
    let update = not_found(rebuilder.rebuild(&changed).unwrap().files);
    let update = update.expect("404.html re-rendered after a change of terms");
    assert!(
        update.contains("Diplomacy=1;Economy=1;Security=1;"),
        "{update}"
    );

    let data = root.join("static/data/budget.toml");
    fs::write(&data, "[[lines]]\nname = \"Only\"\namount = 1\n").unwrap();
    let changed = BTreeSet::from([(InputKind::Static, data)]);
    let update = not_found(rebuilder.rebuild(&changed).unwrap().files);
    let update = update.expect("404.html re-rendered after its data file changed");
    assert!(update.contains("1 lines"), "{update}");
}
