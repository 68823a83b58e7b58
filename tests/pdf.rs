//! Typeset PDFs of briefs: produced with their metadata and text, linked from the brief's page,
//! cached across builds, and a broken `brief.typ` reported at its line while the HTML is still
//! written.
//!
//! The PDFs are read with poppler's `pdfinfo` and `pdftotext` (Debian's `poppler-utils`, which
//! `.ci/run` installs). Without them the reading is skipped with a loud note, unless
//! `COMMUNIQUE_REQUIRE_TOOLS` is set.

mod common;

use std::process::Command;

use common::{Site, assert_exit, attr, one, stderr, stdout};

/// Whether a missing tool fails the test (`.ci/run` sets it) rather than skipping it.
fn tools_required() -> bool {
    std::env::var_os("COMMUNIQUE_REQUIRE_TOOLS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// What `tool args… file` prints, or `None` (after a loud note) when the tool is missing.
fn poppler(tool: &str, args: &[&str], file: &std::path::Path) -> Option<String> {
    let mut command = Command::new(tool);
    command.args(args).arg(file);
    if tool == "pdftotext" {
        // To standard output, not to a file beside the PDF.
        command.arg("-");
    }
    match command.output() {
        Ok(output) => {
            assert!(output.status.success(), "{tool} failed: {output:?}");
            Some(String::from_utf8_lossy(&output.stdout).into_owned())
        }
        Err(_) => {
            assert!(
                !tools_required(),
                "{tool} is missing, and COMMUNIQUE_REQUIRE_TOOLS is set: run .ci/run"
            );
            eprintln!("\n*** skipped: {tool} is missing: install poppler-utils ***\n");
            None
        }
    }
}

/// The build's one-line PDF summary.
fn pdf_summary(output: &std::process::Output) -> String {
    let all = format!("{}{}", stdout(output), stderr(output));
    all.lines()
        .find(|l| l.starts_with("PDFs:"))
        .unwrap_or_else(|| panic!("no PDF summary in:\n{all}"))
        .to_string()
}

#[test]
fn a_brief_gets_a_typeset_pdf_once() {
    let site = Site::fixture("pdf");
    let first = site.build_ok(&[]);
    assert_eq!(
        pdf_summary(&first),
        "PDFs: 1 typeset, 0 unchanged (from .communique-cache/pdf), 0 failed"
    );
    let pdf = site.output_path("briefs/ports/ports.pdf");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    assert!(
        !site.has_output("briefs/no-pdf/no-pdf.pdf"),
        "`pdf = false` in a brief wins over the site's setting"
    );

    // The page links the PDF with its size; the metadata points at it.
    let page = site.html("briefs/ports/index.html");
    let link = one(&page, "a.pdf-download");
    assert_eq!(attr(link, "href"), "/briefs/ports/ports.pdf");
    let size = std::fs::metadata(&pdf).unwrap().len();
    let label = common::text(link);
    assert!(
        label.starts_with("Download PDF (") && label.contains(" KB)"),
        "{label} ({size} bytes)"
    );
    let meta = one(&page, "meta[name=citation_pdf_url]");
    assert_eq!(
        attr(meta, "content"),
        "https://example.org/briefs/ports/ports.pdf"
    );
    let json_ld = common::text(one(&page, "script[type='application/ld+json']"));
    assert!(
        json_ld.contains("https://example.org/briefs/ports/ports.pdf"),
        "{json_ld}"
    );
    let plain = site.html("briefs/no-pdf/index.html");
    assert!(common::select(&plain, "a.pdf-download").is_empty());

    if let Some(info) = poppler("pdfinfo", &[], &pdf) {
        assert!(
            info.contains("Title:           Ports, Power & the Gulf: Who Controls the Corridor?"),
            "{info}"
        );
        assert!(
            info.contains("Author:          Layla Hassan, Tom Reed"),
            "{info}"
        );
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in {info}"));
        assert!((1..=4).contains(&pages), "{pages} pages");
    }
    if let Some(text) = poppler("pdftotext", &["-layout"], &pdf).map(|t| t.replace('\u{2019}', "'"))
    {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "Ports, Power & the Gulf",
            "Basra handles most of the country's sea trade.",
            "Ministry of Transport, annual port statistics, 2024.",
            "costs # $ * _ ` < > @ [ ] \\ ~ / stayed high",
            "Tariffs rose by 12% in 2023-24.",
            "Umm Qasr",
            "Figure 1: Port shares",
            "Publish the port concession terms.",
        ] {
            assert!(
                flat.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
    }

    // Nothing changed: the PDF comes from the cache, byte for byte.
    let before = std::fs::read(&pdf).unwrap();
    let second = site.build_ok(&[]);
    assert_eq!(
        pdf_summary(&second),
        "PDFs: 0 typeset, 1 unchanged (from .communique-cache/pdf), 0 failed"
    );
    assert_eq!(before, std::fs::read(&pdf).unwrap());

    // A changed image typesets the PDF again.
    site.write(
        "content/briefs/ports/chart.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>",
    );
    let third = site.build_ok(&[]);
    assert!(pdf_summary(&third).starts_with("PDFs: 1 typeset"));
    // The cache keeps one entry per brief, not one per edit.
    let entries = std::fs::read_dir(site.path(".communique-cache/pdf"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pdf")
        })
        .count();
    assert_eq!(entries, 1);
}

/// The counts in the build's PDF summary: (typeset, unchanged).
fn pdf_counts(site: &Site) -> (usize, usize) {
    let summary = pdf_summary(&site.build_ok(&[]));
    let numbers: Vec<usize> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn the_pdf_cache_follows_every_input_and_typesets_nothing_unchanged() {
    let site = Site::fixture("pdf");
    // An author with a file: their name can change without any brief changing.
    site.write(
        "content/authors/lhassan.md",
        "+++\nname = \"Layla Hassan\"\naffiliation = \"Security programme\"\n+++\n",
    );
    let ports = site.read("content/briefs/ports/index.md").replace(
        "authors = [{ name = \"Layla Hassan\", affiliation = \"Security programme\" }, \"Tom Reed\"]",
        "authors = [\"lhassan\", \"Tom Reed\"]",
    );
    site.write("content/briefs/ports/index.md", &ports);
    let calm = |body: &str| {
        format!(
            "+++\ntitle = \"A calm brief\"\ndate = 2024-01-01\nauthors = [\"Tom Reed\"]\n+++\n\n{body}\n"
        )
    };
    site.write("content/briefs/calm.md", &calm("Nothing happened."));
    assert_eq!(pdf_counts(&site), (2, 0));
    assert_eq!(pdf_counts(&site), (0, 2), "nothing changed");

    site.write("content/briefs/calm.md", &calm("Something happened."));
    assert_eq!(pdf_counts(&site), (1, 1), "a brief's text");
    let calm_pdf = site.output_path("briefs/calm/calm.pdf");
    if let Some(text) = poppler("pdftotext", &[], &calm_pdf) {
        assert!(text.contains("Something happened."), "{text}");
    }

    site.write(
        "content/authors/lhassan.md",
        "+++\nname = \"Layla Hassan-Ali\"\naffiliation = \"Security programme\"\n+++\n",
    );
    assert_eq!(
        pdf_counts(&site),
        (1, 1),
        "an author's name, in an author file"
    );
    let ports_pdf = site.output_path("briefs/ports/ports.pdf");
    if let Some(info) = poppler("pdfinfo", &[], &ports_pdf) {
        assert!(info.contains("Layla Hassan-Ali"), "{info}");
    }

    // The template, as a site overrides it.
    let built_in = include_str!("../templates/brief.typ");
    site.write("templates/brief.typ", &format!("{built_in}\n// Edited.\n"));
    assert_eq!(pdf_counts(&site), (2, 0), "brief.typ");
    assert_eq!(pdf_counts(&site), (0, 2));

    let config = site.read("communique.toml");
    site.write(
        "communique.toml",
        &config.replace("Fixture Policy Institute", "Another Institute"),
    );
    assert_eq!(pdf_counts(&site), (2, 0), "the configuration");

    // An image the brief names appears in static/: its PDF shows it now.
    let calm_with_image = calm("![The map](/map.svg)");
    site.write("content/briefs/calm.md", &calm_with_image);
    assert_eq!(pdf_counts(&site), (1, 1));
    assert_eq!(pdf_counts(&site), (0, 2));
    site.write(
        "static/map.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>",
    );
    assert_eq!(pdf_counts(&site), (1, 1), "an image that appeared");

    // A template that reads another brief through a function: its PDF follows that brief,
    // which the inputs do not cover.
    site.write(
        "templates/brief.typ",
        &format!(
            "{built_in}\n{{% set other = get_page(path=\"briefs/calm.md\") %}}\nSee also: {{{{ other.title | typst }}}}.\n"
        ),
    );
    assert_eq!(pdf_counts(&site), (2, 0));
    assert_eq!(pdf_counts(&site), (0, 2), "rendered again, the same source");
    let renamed = calm_with_image.replace("A calm brief", "A renamed brief");
    site.write("content/briefs/calm.md", &renamed);
    assert_eq!(
        pdf_counts(&site),
        (2, 0),
        "the brief the template reads changed"
    );
    if let Some(text) = poppler("pdftotext", &[], &ports_pdf) {
        assert!(text.contains("See also: A renamed brief."), "{text}");
    }
}

#[test]
fn a_typst_error_names_the_template_line_and_keeps_the_html() {
    let site = Site::fixture("pdf");
    site.write(
        "templates/brief.typ",
        "#set document(title: {{ page.title | typst_string }})\n\n#set text(fnt: \"Nope\")\n\n{{ typst.body }}\n",
    );
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("error: templates/brief.typ:3:"),
        "names the template line:\n{err}"
    );
    assert!(
        err.contains("Typst error in the PDF of content/briefs/ports/index.md"),
        "{err}"
    );
    assert!(err.contains("fnt"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    assert!(
        err.contains("the site was written, with the pages of these briefs but not their PDFs"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // The HTML was written, without a link to the PDF that failed.
    let page = site.html("briefs/ports/index.html");
    assert!(common::select(&page, "a.pdf-download").is_empty());
    assert!(!site.has_output("briefs/ports/ports.pdf"));
    // The generated source is kept for the user to read.
    let kept = site.path(".communique-cache/pdf/failed/ports.typ");
    assert!(std::fs::read_to_string(kept).unwrap().contains("fnt"));
    assert_exit(&site.check(&[]), 1);

    // Fixed, the next build writes the PDF over the output the failed build left.
    site.remove("templates/brief.typ");
    site.build_ok(&[]);
    assert!(site.has_output("briefs/ports/ports.pdf"));
}

/// `GET target` on a local server: (status, head, body).
fn http_get(port: u16, target: &str) -> (u16, String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, response[split + 4..].to_vec())
}

#[test]
fn serve_typesets_a_pdf_when_it_is_asked_for() {
    let site = Site::fixture("pdf");
    let mut child = common::communique()
        .args([
            "--root",
            site.root().to_str().unwrap(),
            "serve",
            "--port",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (port, lines) = common::serving_port(&mut child);
    std::thread::spawn(move || for _ in lines {});
    // Nothing is typeset until the PDF is asked for, so the link shows no size.
    assert!(!site.path(".communique-cache/pdf").exists());
    let (status, _, page) = http_get(port, "/briefs/ports/");
    assert_eq!(status, 200);
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains(">Download PDF</a>"), "{page}");
    let (status, head, pdf) = http_get(port, "/briefs/ports/ports.pdf");
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/pdf"),
        "{head}"
    );
    assert!(pdf.starts_with(b"%PDF"));
    assert!(
        site.path(".communique-cache/pdf")
            .read_dir()
            .unwrap()
            .next()
            .is_some()
    );
    let (_, _, again) = http_get(port, "/briefs/ports/ports.pdf");
    assert_eq!(pdf, again, "served from memory the second time");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn an_arabic_brief_is_set_right_to_left_in_an_arabic_font() {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"موجزات\"\nbase_url = \"https://example.org\"\nlanguage = \"ar\"\norganization = \"معهد دجلة\"\npdf = true\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"الرئيسية\"\n+++\n");
    site.write(
        "content/briefs/_index.md",
        "+++\ntitle = \"الموجزات\"\n+++\n",
    );
    site.write(
        "content/briefs/talks.md",
        "+++\ntitle = \"المحادثات الأمنية بين بغداد وواشنطن\"\ndate = 2024-05-01\nauthors = [\"ليلى حسن\"]\nkey_points = [\"تستمر المحادثات حتى عام 2026.\"]\n+++\n\nناقش الطرفان مستقبل القوات في العراق[^1].\n\n[^1]: وزارة الخارجية، 2024.\n",
    );
    site.build_ok(&[]);
    let pdf = site.output_path("briefs/talks/talks.pdf");
    if let Some(fonts) = poppler("pdffonts", &[], &pdf) {
        assert!(fonts.contains("NotoNaskhArabic"), "{fonts}");
    }
    if let Some(info) = poppler("pdfinfo", &[], &pdf) {
        assert!(
            info.contains("Title:           المحادثات الأمنية بين بغداد وواشنطن"),
            "{info}"
        );
    }
    if let Some(text) = poppler("pdftotext", &[], &pdf) {
        for expected in [
            "المحادثات الأمنية بين بغداد وواشنطن",
            "ناقش الطرفان مستقبل القوات في العراق",
            "وزارة الخارجية",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        // The footer numbers the page in Arabic digits, on a line of its own.
        let page_number = |n: &str| {
            text.lines()
                .any(|l| l.trim_matches(|c: char| !c.is_alphanumeric()) == n)
        };
        assert!(page_number("١") && !page_number("1"), "{text}");
    }
}

#[test]
fn a_pdf_that_typesets_for_too_long_is_an_error_naming_the_brief_and_template() {
    let site = Site::fixture("pdf");
    let config = site.read("communique.toml");
    site.write(
        "communique.toml",
        &format!("{config}pdf_time_limit = 0.5\n"),
    );
    // Ten billion turns: Typst has no way to stop it, so the build stops waiting.
    site.write(
        "templates/brief.typ",
        "#set document(title: {{ page.title | typst_string }})\n#for i in range(100000) { for j in range(100000) { } }\n{{ typst.body }}\n",
    );
    let started = std::time::Instant::now();
    let output = site.build(&[]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the build waited {:?}",
        started.elapsed()
    );
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("error: templates/brief.typ"), "{err}");
    assert!(
        err.contains("Typst error in the PDF of content/briefs/ports/index.md: typesetting did not finish within 0.5 s (pdf_time_limit)"),
        "{err}"
    );
    assert!(err.contains("raise `pdf_time_limit`"), "{err}");
    // The page is written all the same, without the PDF.
    assert!(site.has_output("briefs/ports/index.html"));
    assert!(!site.has_output("briefs/ports/ports.pdf"));
}
