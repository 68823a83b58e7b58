//! The first hour with communique (issue 9): extending the built-in theme without forking it,
//! what `init` writes, `communique theme`, and a command line that explains itself.

mod common;

use std::fs;

use common::*;

/// A site with no templates of its own: config, a home page and one brief.
fn themeless_site() -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"Plain\"\nbase_url = \"https://plain.example\"\norganization = \"Org\"\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Plain\"\n+++\n");
    site.write(
        "content/briefs/one.md",
        "+++\ntitle = \"One\"\ndate = 2024-01-01\n+++\n\nBody.\n",
    );
    site
}

// ---------------------------------------------------------------------------------------------
// Theme extension (item 4)

#[test]
fn a_three_line_base_adds_a_stylesheet_to_every_page() {
    let site = themeless_site();
    site.write(
        "templates/base.html",
        "{% extends \"builtin/base.html\" %}\n{% block extra_head %}<link rel=\"stylesheet\" href=\"/x.css\">{% endblock %}\n",
    );
    site.build_ok(&[]);
    for page in ["index.html", "briefs/one/index.html", "404.html"] {
        let html = site.html(page);
        let sheets = hrefs(&html, "head link[rel=stylesheet]");
        // The built-in stylesheet's URL carries its hash (`get_url(cachebust=true)`).
        let paths: Vec<&str> = sheets.iter().filter_map(|h| h.split('?').next()).collect();
        assert_eq!(paths, ["/style.css", "/x.css"], "{page}");
        assert!(sheets[0].starts_with("/style.css?h="), "{page}: {sheets:?}");
        // The rest of the built-in frame is still there.
        assert_eq!(select(&html, "header.site-header").len(), 1, "{page}");
        assert!(
            text(one(&html, "footer.site-footer")).contains("Org"),
            "{page}"
        );
    }
    assert_eq!(
        text(one(&site.html("briefs/one/index.html"), "h1")),
        "One",
        "the built-in brief template fills the site's base"
    );
}

#[test]
fn a_three_line_base_replaces_the_footer() {
    let site = themeless_site();
    site.write(
        "templates/base.html",
        "{% extends \"builtin/base.html\" %}\n{% block footer %}<footer class=\"mine\">Ours</footer>{% endblock footer %}\n",
    );
    site.build_ok(&[]);
    let html = site.html("briefs/one/index.html");
    assert_eq!(text(one(&html, "body > footer")), "Ours");
    assert_eq!(select(&html, "footer.mine").len(), 1);
    assert!(select(&html, "footer.site-footer").is_empty());
}

#[test]
fn every_documented_block_can_be_filled() {
    let site = themeless_site();
    let mut base = String::from("{% extends \"builtin/base.html\" %}\n");
    for block in [
        "head",
        "extra_head",
        "header",
        "nav",
        "main",
        "footer",
        "extra_body",
    ] {
        base.push_str(&format!(
            "{{% block {block} %}}{{{{ super() }}}}<meta name=\"block-{block}\">{{% endblock {block} %}}\n"
        ));
    }
    site.write("templates/base.html", &base);
    let out = site.build(&[]);
    assert_success(&out);
    let page = site.read_output("briefs/one/index.html");
    for block in [
        "head",
        "extra_head",
        "nav",
        "header",
        "main",
        "footer",
        "extra_body",
    ] {
        assert!(
            page.contains(&format!("<meta name=\"block-{block}\">")),
            "block {block} in:\n{page}"
        );
    }
}

#[test]
fn a_base_extending_itself_gets_a_hint_to_the_builtin_name() {
    let site = themeless_site();
    site.write(
        "templates/base.html",
        "{% extends \"base.html\" %}\n{% block extra_head %}<link rel=\"stylesheet\" href=\"/x.css\">{% endblock %}\n",
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("{% extends \"builtin/base.html\" %}"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_site_base_without_the_builtin_blocks_still_builds() {
    // A site that replaces base.html wholesale (as before blocks existed) is not affected by
    // the built-in templates it does not extend.
    let site = themeless_site();
    site.write(
        "templates/base.html",
        "<!DOCTYPE html><html lang=\"en\"><head><title>{% block title %}{% endblock %}</title><meta name=\"description\" content=\"{% block description %}{% endblock %}\"></head><body>{% block content %}{% endblock %}</body></html>\n",
    );
    site.build_ok(&[]);
    assert_eq!(text(one(&site.html("briefs/one/index.html"), "h1")), "One");
}

// ---------------------------------------------------------------------------------------------
// `init` and `communique theme` (item 4)

/// Runs `communique init <args>` in `dir`.
fn init_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    communique()
        .arg("init")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn init_writes_only_what_a_user_edits_and_builds_with_the_builtin_theme() {
    let dir = tempfile::tempdir().unwrap();
    assert_success(&init_in(dir.path(), &["my-briefs"]));
    let root = dir.path().join("my-briefs");
    for folder in ["templates", "static"] {
        assert!(root.join(folder).is_dir(), "{folder}/ exists");
        assert_eq!(
            fs::read_dir(root.join(folder)).unwrap().count(),
            0,
            "{folder}/ is empty: the built-in theme is the fallback"
        );
    }
    assert!(root.join("communique.toml").is_file());
    assert!(root.join("content/briefs/welcome.md").is_file());
    let out = communique()
        .arg("build")
        .current_dir(&root)
        .output()
        .unwrap();
    assert_success(&out);
    // The built-in frame links the built-in stylesheet and icon, so they are in the output.
    let page = scraper::Html::parse_document(
        &fs::read_to_string(root.join("public/briefs/welcome/index.html")).unwrap(),
    );
    let sheets = hrefs(&page, "link[rel=stylesheet]");
    assert_eq!(sheets.len(), 1, "{sheets:?}");
    assert!(sheets[0].starts_with("/style.css?h="), "{sheets:?}");
    assert!(root.join("public/style.css").is_file());
    assert!(root.join("public/favicon.svg").is_file());

    let listed = communique()
        .arg("theme")
        .current_dir(&root)
        .output()
        .unwrap();
    assert_success(&listed);
    let lines = stdout(&listed);
    for path in [
        "templates/base.html",
        "templates/brief.html",
        "static/style.css",
    ] {
        let line = lines
            .lines()
            .find(|l| l.starts_with(path))
            .unwrap_or_else(|| panic!("{path} in:\n{lines}"));
        assert!(line.ends_with("built-in"), "{line}");
    }
}

#[test]
fn init_eject_theme_copies_the_theme_and_theme_lists_it_as_the_sites() {
    let dir = tempfile::tempdir().unwrap();
    assert_success(&init_in(dir.path(), &["--eject-theme", "site"]));
    let root = dir.path().join("site");
    for file in [
        "templates/base.html",
        "templates/brief.html",
        "static/style.css",
    ] {
        assert!(root.join(file).is_file(), "{file}");
    }
    let listed = communique()
        .arg("theme")
        .current_dir(&root)
        .output()
        .unwrap();
    let lines = stdout(&listed);
    assert!(
        lines.lines().all(|l| l.ends_with("  site")),
        "every file is the site's:\n{lines}"
    );
    assert_success(
        &communique()
            .arg("build")
            .current_dir(&root)
            .output()
            .unwrap(),
    );
}

#[test]
fn theme_tells_an_extending_template_and_a_site_only_template_apart() {
    let site = themeless_site();
    site.write(
        "templates/base.html",
        "{% extends \"builtin/base.html\" %}{% block extra_body %}{% endblock %}",
    );
    site.write("templates/partials/mine.html", "<p>mine</p>");
    site.write("static/style.css", "body{}");
    let out = site.run(&["theme"]);
    assert_success(&out);
    let lines = stdout(&out);
    let origin = |path: &str| {
        lines
            .lines()
            .find(|l| l.split_whitespace().next() == Some(path))
            .map(|l| l[path.len()..].trim().to_string())
            .unwrap_or_else(|| panic!("{path} in:\n{lines}"))
    };
    assert_eq!(origin("templates/base.html"), "site, extends the built-in");
    assert_eq!(origin("templates/partials/mine.html"), "site");
    assert_eq!(origin("templates/brief.html"), "built-in");
    assert_eq!(origin("static/style.css"), "site");
    assert_eq!(origin("static/favicon.svg"), "built-in");
    assert!(!lines.contains("builtin/"), "{lines}");
}

#[test]
fn a_site_with_its_own_frame_gets_no_builtin_static_files() {
    let site = Site::fixture("site");
    site.build_ok(&[]);
    assert!(
        !site.has_output("favicon.svg"),
        "the fixture has its own base.html, which links no icon"
    );
}

// ---------------------------------------------------------------------------------------------
// The command line (item 6)

#[test]
fn every_command_outside_a_site_says_so_and_exits_2() {
    let empty = Site::empty();
    for args in [
        &["build"][..],
        &["check"],
        &["new", "briefs/x"],
        &["serve", "--port", "0"],
        &["theme"],
    ] {
        let out = communique()
            .args(args)
            .current_dir(empty.root())
            .output()
            .unwrap();
        assert_exit(&out, 2);
        let err = stderr(&out);
        let folder = empty.root().display().to_string();
        assert!(err.contains(&folder), "{args:?} names {folder}: {err}");
        assert!(err.contains("not a communique site"), "{args:?}: {err}");
        assert!(err.contains("communique init"), "{args:?}: {err}");
    }
    assert!(
        files_under(empty.root()).is_empty(),
        "nothing written (no content/briefs/x.md, no public/)"
    );
}

#[test]
fn serve_outside_a_site_exits_after_its_error() {
    let empty = Site::empty();
    let mut child = communique()
        .args(["serve", "--port", "0"])
        .current_dir(empty.root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!("serve kept running outside a site");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
}

#[test]
fn a_missing_root_is_named_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nonexistent");
    for command in ["build", "check", "init"] {
        let out = communique()
            .arg("--root")
            .arg(&missing)
            .arg(command)
            .output()
            .unwrap();
        assert_exit(&out, 2);
        assert!(
            stderr(&out).contains(&missing.display().to_string()),
            "{command}: {}",
            stderr(&out)
        );
    }
    assert!(!missing.exists());
}

#[test]
fn init_folder_is_relative_to_root() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = communique()
        .arg("--root")
        .arg(dir.path())
        .args(["init", "my-briefs"])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert_success(&out);
    assert!(dir.path().join("my-briefs/communique.toml").is_file());
    assert!(!elsewhere.path().join("my-briefs").exists());
    // Without a folder, init starts the site in the root itself.
    let here = tempfile::tempdir().unwrap();
    let out = communique()
        .arg("--root")
        .arg(here.path())
        .arg("init")
        .output()
        .unwrap();
    assert_success(&out);
    assert!(here.path().join("communique.toml").is_file());
}

#[test]
fn init_on_a_taken_folder_suggests_another_name() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("my-briefs")).unwrap();
    fs::write(dir.path().join("my-briefs/notes.txt"), "mine").unwrap();
    let out = init_in(dir.path(), &["my-briefs"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(!err.contains("`communique init my-briefs`"), "{err}");
    assert!(err.contains("`communique init my-briefs-2`"), "{err}");
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let site = Site::fixture("site");
    for command in ["check", "theme", "build"] {
        let mut child = communique()
            .arg("--root")
            .arg(site.root())
            .arg(command)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the command writes, as `| head -0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{command}: {err}");
        assert!(!err.contains("Broken pipe"), "{command}: {err}");
        assert_success(&out);
    }
}

#[test]
fn a_nav_link_to_nothing_warns_in_build_and_fails_check() {
    let site = Site::fixture("site");
    let config = site.read("communique.toml");
    site.write(
        "communique.toml",
        &format!(
            "{config}\n[extra]\nnav = [\n  {{ name = \"Briefs\", path = \"/briefs/\" }},\n  {{ name = \"Tags\", path = \"/tags/\" }},\n  {{ name = \"Topics\", path = \"/topics\" }},\n  {{ name = \"Elsewhere\", path = \"https://example.com/x/\" }},\n]\nmenu = [{{ name = \"Old\", url = \"/briefs/gone/\" }}]\n"
        ),
    );
    let nav_line = |name: &str| {
        site.read("communique.toml")
            .lines()
            .position(|l| l.contains(name))
            .unwrap()
            + 1
    };
    let built = site.build(&[]);
    assert_success(&built);
    let err = stderr(&built);
    let warning = format!("warning: communique.toml:{}:", nav_line("/tags/"));
    assert!(err.contains(&warning), "{warning} in:\n{err}");
    assert!(err.contains("nav link to /tags/ leads to no page"), "{err}");
    assert!(err.contains("menu link to /briefs/gone/"), "{err}");
    assert!(
        !err.contains("/topics "),
        "a folder without its slash is fine: {err}"
    );
    assert!(!err.contains("example.com"), "{err}");
    assert!(site.has_output("briefs/index.html"));

    let checked = site.check(&[]);
    assert_exit(&checked, 1);
    let err = stderr(&checked);
    assert!(
        err.contains(&format!("error: communique.toml:{}:", nav_line("/tags/"))),
        "{err}"
    );
    assert!(err.contains("2 errors found"), "{err}");
}

#[test]
fn the_init_sites_nav_leads_to_pages() {
    let dir = tempfile::tempdir().unwrap();
    assert_success(&init_in(dir.path(), &["s"]));
    let out = communique()
        .arg("check")
        .current_dir(dir.path().join("s"))
        .output()
        .unwrap();
    assert_success(&out);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn shortcodes_in_markdown_are_warnings_with_their_line() {
    let site = Site::fixture("site");
    site.write(
        "content/briefs/hugo.md",
        "+++\ntitle = \"From Hugo\"\ndate = 2024-01-01\n+++\n\nFirst.\n\nSee {{< ref \"briefs/alpha.md\" >}}.\n\nWrite `{{< ref \"x\" >}}` in code.\n\n```\n{% raw %}\n```\n\n{% figure(src=\"a.png\") %}\n",
    );
    let out = site.build(&[]);
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("warning: content/briefs/hugo.md:8:5: {{< ref \"briefs/alpha.md\" >}} looks like a shortcode"),
        "{err}"
    );
    assert!(err.contains("@/"), "the ref hint says how to link: {err}");
    assert!(
        err.contains("warning: content/briefs/hugo.md:16:1: {% figure(src=\"a.png\") %}"),
        "{err}"
    );
    assert_eq!(err.matches("looks like a shortcode").count(), 2, "{err}");
    // The text is still shown as written.
    assert!(
        site.read_output("briefs/hugo/index.html")
            .contains("{{&lt; ref")
    );
}
