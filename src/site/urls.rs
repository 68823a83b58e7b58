//! URLs: the one place that turns site paths into hrefs, permalinks and output files.
//!
//! A *site path* is the path of a resource from the site root, always starting and (for
//! folders) ending with `/`: `/briefs/first-round/`. When the site is published under a
//! sub-path (`base_url = "https://example.org/briefs"`), hrefs carry that prefix; templates and
//! content never assemble URLs themselves.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// What is escaped in a site path made into a URL: everything but ASCII letters, digits, `/`
/// and the punctuation a path may hold as it is (RFC 3986 `pchar`). Non-ASCII letters are
/// always escaped, as browsers do, so sitemaps and feeds hold plain URIs.
const PATH_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Percent-encodes a site path (`/files/annual report #2.pdf` becomes
/// `/files/annual%20report%20%232.pdf`). A site path names files as they are on disk; only
/// URLs are encoded.
pub fn encode_path(site_path: &str) -> String {
    utf8_percent_encode(site_path, PATH_ESCAPES).to_string()
}

/// Builds URLs for one base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    base_url: String,
    prefix: String,
}

impl Urls {
    /// URLs under `base_url` (`https://example.org` or `https://example.org/sub`).
    pub fn new(base_url: &str) -> Self {
        let base_url = base_url.trim_end_matches('/').to_string();
        let after_scheme = base_url
            .split_once("://")
            .map_or(base_url.as_str(), |(_, r)| r);
        let prefix = after_scheme
            .find('/')
            .map_or(String::new(), |i| after_scheme[i..].to_string());
        Urls { base_url, prefix }
    }

    /// The href to use in links: the site path, percent-encoded, with the base URL's sub-path.
    pub fn href(&self, site_path: &str) -> String {
        format!("{}{}", self.prefix, encode_path(site_path))
    }

    /// The absolute URL of a site path, percent-encoded.
    pub fn permalink(&self, site_path: &str) -> String {
        format!("{}{}", self.base_url, encode_path(site_path))
    }

    /// The base URL's path without a trailing slash (`/policy`), or `""` at a host's root.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The site path of pager page `n` (1-based) of a listing at `site_path`.
    pub fn pager(site_path: &str, n: usize) -> String {
        if n <= 1 {
            site_path.to_string()
        } else {
            format!("{site_path}page/{n}/")
        }
    }

    /// The output file, relative to the output folder, that serves a site path.
    pub fn output_file(site_path: &str) -> String {
        let trimmed = site_path.trim_start_matches('/');
        if trimmed.is_empty() || trimmed.ends_with('/') {
            format!("{trimmed}index.html")
        } else {
            trimmed.to_string()
        }
    }

    /// The site path of a taxonomy's list page.
    pub fn taxonomy(name: &str) -> String {
        format!("/{name}/")
    }

    /// The site path of the chronology of every brief's events.
    pub fn timeline() -> String {
        "/timeline/".to_string()
    }

    /// The site path of the listing of all authors.
    pub fn authors() -> String {
        "/authors/".to_string()
    }

    /// The site path of an author's page (`/authors/lhassan/`).
    pub fn author(id: &str) -> String {
        format!("/authors/{id}/")
    }

    /// The site path of a taxonomy term.
    pub fn term(taxonomy: &str, term_slug: &str) -> String {
        format!("/{taxonomy}/{term_slug}/")
    }
}

/// The site path of a folder of `content/` (`""` for the root, `"Briefs/2024 Q1"`): every
/// folder name slugified (`/briefs/2024-q1/`). A name without letters or digits (refused by
/// discovery) is left out.
pub fn folder_path(dir: &str) -> String {
    let mut path = String::from("/");
    for segment in dir.split('/').map(slugify).filter(|s| !s.is_empty()) {
        path.push_str(&segment);
        path.push('/');
    }
    path
}

/// The site path of a section from its `_index.md` path (`briefs/_index.md` → `/briefs/`).
pub fn section_path(rel: &str) -> String {
    let dir = rel
        .strip_suffix("_index.md")
        .unwrap_or(rel)
        .trim_end_matches('/');
    folder_path(dir)
}

/// The folder (relative to content/) that holds a page, and its file stem:
/// `briefs/x.md` and `briefs/x/index.md` are both (`briefs`, `x`).
pub fn page_location(rel: &str) -> (&str, &str) {
    let without_index = rel.strip_suffix("/index.md");
    let path = without_index.unwrap_or_else(|| rel.strip_suffix(".md").unwrap_or(rel));
    match path.rsplit_once('/') {
        Some((dir, stem)) => (dir, stem),
        None => ("", path),
    }
}

/// The site path of a page in `dir` whose last segment is `slug` (already a slug).
pub fn page_path(dir: &str, slug: &str) -> String {
    format!("{}{slug}/", folder_path(dir))
}

/// The site path an alias names, as files are named on disk: percent-escapes are decoded
/// (`/old%20brief/` names the folder `old brief/`). Refused, with the reason: anything that is
/// not a path on this site (a URL, `..`, a backslash, an escaped `/`), a query or fragment
/// (`?`, `#`), control characters, and a `%` that is not an escape.
pub fn alias_path(alias: &str) -> Result<String, &'static str> {
    let lower = alias.to_ascii_lowercase();
    if alias.contains("://") || alias.starts_with("//") || alias.contains('\\') {
        return Err("is not a path on this site");
    }
    if lower.contains("%2f") || lower.contains("%5c") {
        return Err("has an escaped `/` or `\\`");
    }
    if alias.contains(['?', '#']) {
        return Err("has a `?` or `#`: a redirect page is found by its path alone");
    }
    let bytes = alias.as_bytes();
    let bad_escape = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if bad_escape {
        return Err("has a `%` that is not an escape such as `%20` (write `%25` for `%`)");
    }
    let decoded = percent_encoding::percent_decode_str(alias)
        .decode_utf8()
        .map_err(|_| "has escapes that are not UTF-8")?;
    if decoded.chars().any(char::is_control) {
        return Err("has a control character");
    }
    let trimmed = decoded.trim_matches('/');
    if trimmed.is_empty() || trimmed.split('/').any(|s| s == ".." || s == ".") {
        return Err("is not a path on this site");
    }
    Ok(decoded.into_owned())
}

/// Turns text into a URL slug: lowercase letters and digits (any script), every other run of
/// characters one `-`, no `-` at either end.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        // ASCII, most of what is slugified, lowercases to one alphanumeric character without
        // the Unicode tables (those were half of this function's time).
        let alphanumeric = if c.is_ascii() {
            c.is_ascii_alphanumeric()
        } else {
            c.is_alphanumeric()
        };
        if !alphanumeric {
            pending_dash = true;
            continue;
        }
        if pending_dash && !slug.is_empty() {
            slug.push('-');
        }
        pending_dash = false;
        if c.is_ascii() {
            slug.push(c.to_ascii_lowercase());
        } else {
            // Lowercasing can add combining marks ("İ" becomes "i" + U+0307): keep letters only.
            slug.extend(c.to_lowercase().filter(|l| l.is_alphanumeric()));
        }
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("What the first round settled"),
            "what-the-first-round-settled"
        );
        assert_eq!(slugify("  Iraq–US talks: 2024!  "), "iraq-us-talks-2024");
        assert_eq!(slugify("Économie"), "économie");
        assert_eq!(slugify("العراق"), "العراق");
        assert_eq!(slugify("--"), "");
        assert_eq!(slugify("İstanbul"), "istanbul");
    }

    #[test]
    fn sub_path_base_urls() {
        let urls = Urls::new("https://example.org/policy/");
        assert_eq!(urls.href("/briefs/x/"), "/policy/briefs/x/");
        assert_eq!(
            urls.permalink("/briefs/x/"),
            "https://example.org/policy/briefs/x/"
        );
        let root = Urls::new("https://example.org");
        assert_eq!(root.href("/"), "/");
    }

    #[test]
    fn output_files_and_pagers() {
        assert_eq!(Urls::output_file("/"), "index.html");
        assert_eq!(Urls::output_file("/briefs/x/"), "briefs/x/index.html");
        assert_eq!(Urls::output_file("/atom.xml"), "atom.xml");
        assert_eq!(Urls::pager("/briefs/", 1), "/briefs/");
        assert_eq!(Urls::pager("/briefs/", 3), "/briefs/page/3/");
    }

    #[test]
    fn content_paths_become_slugified_site_paths() {
        assert_eq!(section_path("_index.md"), "/");
        assert_eq!(
            section_path("Policy Briefs #1/_index.md"),
            "/policy-briefs-1/"
        );
        assert_eq!(folder_path("a/B c?/d%e"), "/a/b-c/d-e/");
        assert_eq!(page_path("Briefs\n2024", "x"), "/briefs-2024/x/");
        assert_eq!(page_location("a b/c d/index.md"), ("a b", "c d"));
    }

    #[test]
    fn hrefs_and_permalinks_are_percent_encoded() {
        let urls = Urls::new("https://example.org/sub");
        assert_eq!(
            urls.href("/files/annual report #2?.pdf"),
            "/sub/files/annual%20report%20%232%3F.pdf"
        );
        assert_eq!(
            urls.permalink("/100%/café/"),
            "https://example.org/sub/100%25/caf%C3%A9/"
        );
        assert_eq!(urls.href("/a-b_c.d~e/(x)!/"), "/sub/a-b_c.d~e/(x)!/");
    }

    #[test]
    fn aliases_are_decoded_site_paths_or_refused() {
        assert_eq!(alias_path("/old%20brief/").as_deref(), Ok("/old brief/"));
        assert_eq!(alias_path("/old brief/").as_deref(), Ok("/old brief/"));
        assert_eq!(alias_path("old/page.html").as_deref(), Ok("old/page.html"));
        for bad in [
            "/x?y=1",
            "/x#y",
            "/100%/",
            "/%zz/",
            "/a%2Fb/",
            "/a%5cb",
            "https://e.org/x",
            "//e.org/x",
            "/../x",
            "/./",
            "/",
            "/a%0Ab/",
            "/a\nb/",
            "/%FF/",
        ] {
            assert!(alias_path(bad).is_err(), "{bad:?}");
        }
    }

    mod properties {
        use super::super::{encode_path, slugify};
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn encoded_paths_are_plain_uris_that_decode_back(path in "(?s).{0,40}") {
                let encoded = encode_path(&path);
                prop_assert!(encoded.chars().all(|c| c.is_ascii_graphic()));
                prop_assert!(!encoded.contains(['#', '?', '"', '<', '>', '\\']));
                let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8_lossy();
                prop_assert_eq!(decoded.as_ref(), path.as_str());
            }

            #[test]
            fn slugs_are_url_safe_and_stable(text in "\\PC{0,40}") {
                let slug = slugify(&text);
                prop_assert!(!slug.starts_with('-') && !slug.ends_with('-'));
                prop_assert!(!slug.contains("--"));
                prop_assert!(slug.chars().all(|c| c == '-' || c.is_alphanumeric()));
                prop_assert_eq!(slugify(&slug), slug.clone());
            }

            #[test]
            fn the_ascii_shortcut_slugifies_as_the_unicode_rules_do(text in "[ -~]{0,30}\\PC{0,10}") {
                prop_assert_eq!(slugify(&text), unicode_slugify(&text));
            }
        }

        /// `slugify` without its ASCII shortcut.
        fn unicode_slugify(text: &str) -> String {
            let mut slug = String::new();
            let mut pending_dash = false;
            for c in text.chars() {
                if c.is_alphanumeric() {
                    if pending_dash && !slug.is_empty() {
                        slug.push('-');
                    }
                    pending_dash = false;
                    slug.extend(c.to_lowercase().filter(|l| l.is_alphanumeric()));
                } else {
                    pending_dash = true;
                }
            }
            slug
        }
    }
}
