//! Assets and output for hosts: cache-busting hashes and fingerprinted names, minified output
//! that keeps its content, image sizes and lazy loading, `_redirects` and `_headers`, and
//! rebuilds that leave unchanged files alone.

mod common;

use std::collections::BTreeMap;

use common::{Site, hrefs, select, stderr};
use scraper::Html;

/// A PNG header (signature and IHDR chunk) of a `width`×`height` image: all a size reader needs.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend(width.to_be_bytes());
    bytes.extend(height.to_be_bytes());
    bytes.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

/// A JPEG start (SOI and a baseline SOF0 segment) of a `width`×`height` image.
fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    bytes.extend(height.to_be_bytes());
    bytes.extend(width.to_be_bytes());
    bytes.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    bytes
}

const BRIEF: &str = r#"+++
title = "Maps of the talks"
date = 2024-01-27
description = "Where the talks took place."
aliases = ["/old/maps/", "/maps.html"]
+++

![The venues on a map](/img/venues.jpg "Venues")

Some text with a [link](https://example.org/) and a chart:

![Chart of rounds](chart.png)

![Icon](/img/icon.svg) ![Broken](/img/broken.png) ![Elsewhere](https://example.org/x.png)

| Round | Place |
|---|---|
| 1 | Baghdad |
"#;

/// A site on the built-in theme with a folder brief showing images, and `extra` config lines.
fn site(config: &str) -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        &format!("title = \"Assets\"\nbase_url = \"https://example.org\"\n{config}"),
    );
    site.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\n\nWelcome.\n",
    );
    site.write("content/briefs/maps/index.md", BRIEF);
    site.write_bytes("content/briefs/maps/chart.png", &png(640, 400));
    site.write_bytes("static/img/venues.jpg", &jpeg(300, 200));
    site.write_bytes("static/img/broken.png", b"\x89PNG\r\n\x1a\nnot really");
    site.write(
        "static/img/icon.svg",
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 16\"><path d=\"M0 0h24v16H0z\"/></svg>\n",
    );
    site.write("static/js/app.js", "console.log('hello');\n");
    site
}

/// An attribute's value, empty when the element has none.
fn optional(element: scraper::ElementRef<'_>, name: &str) -> String {
    element.value().attr(name).unwrap_or_default().to_string()
}

fn stylesheet(html: &Html) -> String {
    hrefs(html, "link[rel=stylesheet]").concat()
}

#[test]
fn cachebust_adds_a_hash_that_follows_the_file() {
    let site = site("");
    site.build_ok(&[]);
    let builtin = stylesheet(&site.html("index.html"));
    let hash = builtin.strip_prefix("/style.css?h=").unwrap_or_default();
    assert!(
        hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{builtin}"
    );
    assert_eq!(
        stylesheet(&site.html("briefs/maps/index.html")),
        builtin,
        "one hash for every page"
    );
    assert!(site.has_output("style.css"));

    site.write("static/style.css", "body { color: navy; }\n");
    site.build_ok(&[]);
    let own = stylesheet(&site.html("index.html"));
    assert!(own.starts_with("/style.css?h="), "{own}");
    assert_ne!(own, builtin, "the site's own stylesheet has another hash");
    site.write("static/style.css", "body { color: black; }\n");
    site.build_ok(&[]);
    assert_ne!(
        stylesheet(&site.html("index.html")),
        own,
        "an edit changes the hash"
    );
}

#[test]
fn fingerprinted_files_are_published_under_their_hash() {
    let site = site("[assets]\nfingerprint = true\n");
    site.write("static/style.css", "body { color: navy; }\n");
    site.build_ok(&[]);
    let link = stylesheet(&site.html("index.html"));
    let name = link.trim_start_matches('/');
    assert!(
        name.starts_with("style.")
            && name.ends_with(".css")
            && name.len() == "style.12345678.css".len(),
        "{link}"
    );
    assert!(site.has_output(name), "{name} is published");
    assert!(
        !site.has_output("style.css"),
        "under the fingerprinted name only"
    );
    let scripts: Vec<_> = common::files_under(&site.root().join("public"))
        .into_iter()
        .map(|(rel, _)| rel)
        .filter(|rel| rel.starts_with("js/app.") && rel.ends_with(".js"))
        .collect();
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    assert!(site.has_output("img/venues.jpg"), "images keep their names");
    assert!(site.has_output("favicon.svg"), "so do icons");
}

/// The text of each block and link, and every link and source, of a page: what minifying must
/// keep.
fn content_of(html: &Html) -> (Vec<String>, Vec<String>) {
    let blocks = "title, h1, h2, h3, p, li, a, td, th, figcaption, img";
    let texts = select(html, blocks)
        .into_iter()
        .map(|e| {
            let words: Vec<String> = e
                .text()
                .flat_map(str::split_whitespace)
                .map(String::from)
                .collect();
            format!(
                "{}: {} {}",
                e.value().name(),
                words.join(" "),
                e.value().attr("alt").unwrap_or("")
            )
        })
        .collect();
    let mut links = Vec::new();
    // The viewport's `width=device-width, initial-scale=1` loses its space, which its parser
    // ignores.
    let meta = "meta:not([name=viewport])";
    for (css, name) in [
        ("a", "href"),
        ("link", "href"),
        ("img", "src"),
        (meta, "content"),
    ] {
        links.extend(select(html, css).into_iter().map(|e| optional(e, name)));
    }
    (texts, links)
}

fn html_files(site: &Site, dir: &str) -> BTreeMap<String, String> {
    common::files_under(&site.root().join(dir))
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".html"))
        .map(|(rel, path)| (rel, std::fs::read_to_string(path).unwrap()))
        .collect()
}

#[test]
fn minified_pages_are_smaller_and_keep_their_content() {
    let site = site("");
    site.build_ok(&["--output-dir", "plain"]);
    site.write(
        "communique.toml",
        "title = \"Assets\"\nbase_url = \"https://example.org\"\nminify = true\n",
    );
    site.build_ok(&["--output-dir", "small"]);
    let plain = html_files(&site, "plain");
    let small = html_files(&site, "small");
    assert_eq!(
        plain.keys().collect::<Vec<_>>(),
        small.keys().collect::<Vec<_>>()
    );
    assert!(plain.len() > 5, "{:?}", plain.keys());
    for (rel, before) in &plain {
        let after = &small[rel];
        assert!(
            after.len() < before.len(),
            "{rel}: {} → {} bytes",
            before.len(),
            after.len()
        );
        let (before, after) = (Html::parse_document(before), Html::parse_document(after));
        assert!(
            after.errors.len() <= before.errors.len(),
            "{rel}: {:?}",
            after.errors
        );
        assert_eq!(content_of(&after), content_of(&before), "{rel}");
    }
    let css = |dir: &str| {
        std::fs::metadata(site.root().join(dir).join("style.css"))
            .unwrap()
            .len()
    };
    assert!(
        css("small") < css("plain"),
        "the stylesheet is minified too"
    );
}

#[test]
fn local_images_get_their_size_and_later_ones_load_lazily() {
    let site = site("");
    let out = site.build_ok(&[]);
    let html = site.html("briefs/maps/index.html");
    let images: Vec<[String; 4]> = select(&html, ".brief-body img")
        .into_iter()
        .map(|img| ["src", "width", "height", "loading"].map(|name| optional(img, name)))
        .collect();
    let row = |src: &str, width: &str, height: &str, loading: &str| {
        [src, width, height, loading].map(String::from)
    };
    assert_eq!(
        images,
        [
            row("/img/venues.jpg", "300", "200", ""),
            row("chart.png", "640", "400", "lazy"),
            row("/img/icon.svg", "24", "16", "lazy"),
            row("/img/broken.png", "", "", "lazy"),
            row("https://example.org/x.png", "", "", "lazy"),
        ]
    );
    let err = stderr(&out);
    assert!(
        err.contains("warning: static/img/broken.png") && err.contains("size"),
        "a corrupt image is a warning:\n{err}"
    );
}

#[test]
fn redirects_and_headers_files_for_netlify_and_cloudflare() {
    let site = site("");
    site.build_ok(&[]);
    assert!(
        !site.has_output("_redirects") && !site.has_output("_headers"),
        "off by default"
    );

    let site = self::site(
        "[assets]\nfingerprint = true\n[output]\nredirects_file = true\nheaders_file = true\n",
    );
    site.build_ok(&[]);
    let redirects: Vec<String> = site
        .read_output("_redirects")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(String::from)
        .collect();
    assert_eq!(
        redirects,
        [
            "/old/maps/ /briefs/maps/ 301",
            "/maps.html /briefs/maps/ 301"
        ]
    );
    let headers = site.read_output("_headers");
    let stylesheet = stylesheet(&site.html("index.html"));
    let rule = |path: &str| {
        headers
            .split_once(&format!("\n{path}\n"))
            .and_then(|(_, rest)| rest.lines().next())
            .map(str::trim)
            .unwrap_or_default()
            .to_string()
    };
    let immutable = "Cache-Control: public, max-age=31536000, immutable";
    let revalidate = "Cache-Control: public, max-age=0, must-revalidate";
    assert_eq!(rule(&stylesheet), immutable, "{headers}");
    assert!(headers.contains("\n/js/app."), "{headers}");
    for pages in ["/", "/briefs/*", "/404.html", "/maps.html"] {
        assert_eq!(rule(pages), revalidate, "{pages}:\n{headers}");
    }
    assert!(
        !headers.contains("\n/js/*"),
        "no page rule over an immutable file:\n{headers}"
    );

    // The site's own template, e.g. forcing Netlify past the alias pages.
    site.write(
        "templates/redirects.txt",
        "{% for r in redirects %}{{ r.from }} {{ r.to }} 301!\n{% endfor %}",
    );
    site.build_ok(&[]);
    assert_eq!(
        site.read_output("_redirects"),
        "/old/maps/ /briefs/maps/ 301!\n/maps.html /briefs/maps/ 301!\n"
    );
}

#[test]
fn a_rebuild_without_changes_touches_no_file() {
    let site = site(
        "minify = true\n[assets]\nfingerprint = true\n[output]\nredirects_file = true\nheaders_file = true\n",
    );
    site.build_ok(&[]);
    let before = site.output_mtimes();
    assert!(before.len() > 10, "{before:?}");
    // Coarse file system clocks would hide a rewrite made within the same tick.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = site.build_ok(&[]);
    assert!(
        common::stdout(&again).contains("(0 written"),
        "{}",
        common::stdout(&again)
    );
    assert_eq!(
        site.output_mtimes(),
        before,
        "every file keeps its modification time"
    );
}
