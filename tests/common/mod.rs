//! Shared helpers for the integration tests: fixture sites copied into temporary folders, a way
//! to run the `communique` binary on them, and small readers for what a build writes.

#![allow(dead_code)]

pub mod chromium;
pub mod static_server;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use scraper::{ElementRef, Html, Selector};

/// The `communique` binary built for these tests.
pub fn communique() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_communique"));
    command.env("NO_COLOR", "1");
    command
}

/// A site in its own temporary folder, removed when dropped.
pub struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    /// A copy of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> Site {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        assert!(source.is_dir(), "no fixture at {}", source.display());
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&source, dir.path());
        Site { dir }
    }

    /// Builds, expecting exit code 1 with an error at `place` whose text has each of
    /// `fragments` and a hint, the previous output intact, and `check` failing too. Returns
    /// standard error.
    pub fn fails_with(&self, place: &str, fragments: &[&str]) -> String {
        let before = self.output_snapshot();
        let output = self.build(&[]);
        let err = stderr(&output);
        assert_exit(&output, 1);
        assert!(
            err.contains(&format!("error: {place}")),
            "names {place}:\n{err}"
        );
        assert!(err.contains("hint:"), "has a hint:\n{err}");
        for fragment in fragments {
            assert!(err.contains(fragment), "mentions {fragment:?}:\n{err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(before, self.output_snapshot(), "previous output intact");
        assert_exit(&self.check(&[]), 1);
        err
    }

    /// An empty folder (no site at all).
    pub fn empty() -> Site {
        Site {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The site root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the site root.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// Writes a source file (creating folders), replacing any previous one.
    pub fn write(&self, rel: &str, text: &str) {
        self.write_bytes(rel, text.as_bytes());
    }

    /// Writes a source file's bytes.
    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    /// Reads a source file.
    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    /// Removes a source file.
    pub fn remove(&self, rel: &str) {
        fs::remove_file(self.path(rel)).unwrap();
    }

    /// Runs `communique --root <root> <args>` from the root, without colour.
    pub fn run(&self, args: &[&str]) -> Output {
        communique()
            .arg("--root")
            .arg(self.root())
            .args(args)
            .current_dir(self.root())
            .output()
            .unwrap()
    }

    /// Runs `communique build <args>`.
    pub fn build(&self, args: &[&str]) -> Output {
        let mut all = vec!["build"];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Runs `communique build <args>` and fails the test unless it succeeds.
    pub fn build_ok(&self, args: &[&str]) -> Output {
        let output = self.build(args);
        assert_success(&output);
        output
    }

    /// Runs `communique check <args>`.
    pub fn check(&self, args: &[&str]) -> Output {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// A path inside the default output folder, `public/`.
    pub fn output_path(&self, rel: &str) -> PathBuf {
        self.root().join("public").join(rel)
    }

    /// Whether the build wrote `public/<rel>`.
    pub fn has_output(&self, rel: &str) -> bool {
        self.output_path(rel).is_file()
    }

    /// Reads `public/<rel>`.
    pub fn read_output(&self, rel: &str) -> String {
        fs::read_to_string(self.output_path(rel))
            .unwrap_or_else(|e| panic!("cannot read public/{rel}: {e}"))
    }

    /// Parses `public/<rel>` as an HTML document.
    pub fn html(&self, rel: &str) -> Html {
        Html::parse_document(&self.read_output(rel))
    }

    /// Every file under `public/`, by relative path, with its bytes.
    pub fn output_snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.root().join("public"))
    }

    /// Every file of the whole site folder, sources and output, with its bytes.
    pub fn site_snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(self.root())
    }

    /// The modification time of every file under `public/`.
    pub fn output_mtimes(&self) -> BTreeMap<String, SystemTime> {
        let base = self.root().join("public");
        files_under(&base)
            .into_iter()
            .map(|(rel, path)| (rel, fs::metadata(path).unwrap().modified().unwrap()))
            .collect()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `dir` (recursively) as (path relative to `dir` with `/`, absolute path),
/// except communique's manifest at its top, which is not a file of the site.
pub fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, path));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.retain(|(rel, _)| rel != communique::output::MANIFEST_NAME);
    out.sort();
    out
}

/// Every file under `dir` with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|(rel, path)| (rel, fs::read(path).unwrap()))
        .collect()
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Fails with the command's output unless it exited with 0.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "expected success, got {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
}

/// Fails unless the command exited with `code`.
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
        stdout(output),
        stderr(output)
    );
}

/// A CSS selector (panics on a typo in the test).
pub fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css:?}: {e:?}"))
}

/// Every element matching `css`.
pub fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    html.select(&sel(css)).collect()
}

/// The single element matching `css`.
pub fn one<'a>(html: &'a Html, css: &str) -> ElementRef<'a> {
    let found = select(html, css);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one element for {css:?}, found {}",
        found.len()
    );
    found[0]
}

/// The text of an element, whitespace collapsed.
pub fn text(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The texts of every element matching `css`.
pub fn texts(html: &Html, css: &str) -> Vec<String> {
    select(html, css).into_iter().map(text).collect()
}

/// An attribute of an element (panics when absent).
pub fn attr(element: ElementRef<'_>, name: &str) -> String {
    element
        .value()
        .attr(name)
        .unwrap_or_else(|| panic!("<{}> has no {name} attribute", element.value().name()))
        .to_string()
}

/// The `href`s of every element matching `css`.
pub fn hrefs(html: &Html, css: &str) -> Vec<String> {
    select(html, css)
        .into_iter()
        .map(|e| attr(e, "href"))
        .collect()
}

/// Replaces XML's predefined entities and numeric character references.
pub fn xml_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';').expect("unterminated entity");
        let name = &after[..end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ if name.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&name[2..], 16).unwrap()).unwrap()
            }
            _ if name.starts_with('#') => char::from_u32(name[1..].parse().unwrap()).unwrap(),
            _ => panic!("unknown entity &{name};"),
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The text of every `<tag>…</tag>` element (no attributes on the tag), unescaped, in order.
pub fn xml_texts(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let end = after
            .find(&close)
            .unwrap_or_else(|| panic!("<{tag}> is not closed"));
        out.push(xml_unescape(&after[..end]));
        rest = &after[end + close.len()..];
    }
    out
}

/// A small XML well-formedness check: one root element, properly nested and closed tags,
/// quoted attributes without duplicates, known entities only, nothing but whitespace, comments
/// and processing instructions outside the root. Returns the element names in document order.
pub fn check_well_formed_xml(xml: &str) -> Result<Vec<String>, String> {
    fn is_name_char(c: char) -> bool {
        c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')
    }
    fn check_text(text: &str) -> Result<(), String> {
        if text.contains('<') {
            return Err(format!("stray '<' in text {text:?}"));
        }
        let mut rest = text;
        while let Some(i) = rest.find('&') {
            let after = &rest[i + 1..];
            let end = after
                .find(';')
                .ok_or_else(|| format!("unterminated entity in {text:?}"))?;
            let name = &after[..end];
            let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                || (name.starts_with("#x")
                    && name.len() > 2
                    && name[2..].chars().all(|c| c.is_ascii_hexdigit()))
                || (name.starts_with('#')
                    && name.len() > 1
                    && name[1..].chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err(format!("unknown entity &{name};"));
            }
            rest = &after[end + 1..];
        }
        Ok(())
    }
    let mut stack: Vec<String> = Vec::new();
    let mut elements = Vec::new();
    let mut roots = 0;
    let mut rest = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    if !rest.starts_with("<?xml") {
        return Err("no XML declaration at the start".into());
    }
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if stack.is_empty() && rest.trim().is_empty() {
                break;
            }
            return Err(format!("text after the root element: {rest:?}"));
        };
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root element: {text:?}"));
        }
        check_text(text)?;
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").ok_or("unterminated comment")?;
            rest = &after[end + 3..];
        } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
            if stack.is_empty() {
                return Err("CDATA outside the root element".into());
            }
            let end = after.find("]]>").ok_or("unterminated CDATA")?;
            rest = &after[end + 3..];
        } else if let Some(after) = rest.strip_prefix("<?") {
            let end = after
                .find("?>")
                .ok_or("unterminated processing instruction")?;
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("unterminated end tag")?;
            let name = after[..end].trim_end();
            match stack.pop() {
                Some(open) if open == name => {}
                Some(open) => return Err(format!("</{name}> closes <{open}>")),
                None => return Err(format!("</{name}> without an open element")),
            }
            rest = &after[end + 1..];
        } else {
            let after = &rest[1..];
            let name_len = after
                .find(|c: char| !is_name_char(c))
                .ok_or("unterminated start tag")?;
            let name = &after[..name_len];
            if name.is_empty() {
                return Err(format!("bad tag at {:?}", &rest[..rest.len().min(30)]));
            }
            let mut attrs = &after[name_len..];
            let mut seen = Vec::new();
            let self_closing;
            loop {
                attrs = attrs.trim_start();
                if let Some(r) = attrs.strip_prefix("/>") {
                    self_closing = true;
                    attrs = r;
                    break;
                }
                if let Some(r) = attrs.strip_prefix('>') {
                    self_closing = false;
                    attrs = r;
                    break;
                }
                let attr_len = attrs
                    .find(|c: char| !is_name_char(c))
                    .ok_or("unterminated attribute")?;
                let attr = &attrs[..attr_len];
                if attr.is_empty() {
                    return Err(format!(
                        "bad attribute in <{name}>: {:?}",
                        &attrs[..attrs.len().min(30)]
                    ));
                }
                if seen.contains(&attr) {
                    return Err(format!("duplicate attribute {attr} in <{name}>"));
                }
                seen.push(attr);
                let r = attrs[attr_len..].trim_start();
                let r = r
                    .strip_prefix('=')
                    .ok_or_else(|| format!("attribute {attr} of <{name}> has no value"))?
                    .trim_start();
                let quote = r
                    .chars()
                    .next()
                    .filter(|c| *c == '"' || *c == '\'')
                    .ok_or_else(|| format!("attribute {attr} of <{name}> is not quoted"))?;
                let value_end = r[1..]
                    .find(quote)
                    .ok_or_else(|| format!("attribute {attr} of <{name}> is not closed"))?;
                check_text(&r[1..1 + value_end])?;
                attrs = &r[1 + value_end + 1..];
            }
            if stack.is_empty() {
                roots += 1;
                if roots > 1 {
                    return Err(format!("a second root element <{name}>"));
                }
            }
            elements.push(name.to_string());
            if !self_closing {
                stack.push(name.to_string());
            }
            rest = attrs;
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> is never closed"));
    }
    if roots == 0 {
        return Err("no root element".into());
    }
    Ok(elements)
}

/// The text of `xml` between each `<tag …>` and its `</tag>` (non-nesting tags only).
pub fn xml_elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        // `<entry` must not match `<entryx`.
        if !after.starts_with(['>', ' ', '\n', '/']) {
            rest = after;
            continue;
        }
        let body_start = after.find('>').unwrap() + 1;
        let end = after
            .find(&close)
            .unwrap_or_else(|| panic!("<{tag}> is not closed"));
        out.push(&after[body_start..end]);
        rest = &after[end + close.len()..];
    }
    out
}

/// Today's date (local time), as `YYYY-MM-DD`, as `communique new` writes it.
pub fn today() -> String {
    jiff::ZonedDateTime::now().date().to_string()
}

/// The rest of a `communique serve` child's standard output, once its address is known.
pub type ServeOutput = std::io::Lines<std::io::BufReader<std::process::ChildStdout>>;

/// Reads a `communique serve` child's standard output (which must be piped) until it prints
/// its address; returns the port and the lines still to come, which the caller must keep
/// draining so the server never blocks on a full pipe.
pub fn serving_port(child: &mut std::process::Child) -> (u16, ServeOutput) {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("serve's stdout is piped");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let port = loop {
        let line = lines.next().expect("server exited before serving").unwrap();
        if let Some(rest) = line.strip_prefix("serving http://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    (port, lines)
}
