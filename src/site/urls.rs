//! URLs: the one place that turns site paths into hrefs, permalinks and output files.
//!
//! A *site path* is the path of a resource from the site root, always starting and (for
//! folders) ending with `/`: `/briefs/first-round/`. When the site is published under a
//! sub-path (`base_url = "https://example.org/briefs"`), hrefs carry that prefix; templates and
//! content never assemble URLs themselves.

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

    /// The href to use in links: the site path with the base URL's sub-path.
    pub fn href(&self, site_path: &str) -> String {
        format!("{}{site_path}", self.prefix)
    }

    /// The absolute URL of a site path.
    pub fn permalink(&self, site_path: &str) -> String {
        format!("{}{site_path}", self.base_url)
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

    /// The site path of a taxonomy term.
    pub fn term(taxonomy: &str, term_slug: &str) -> String {
        format!("/{taxonomy}/{term_slug}/")
    }
}

/// Turns text into a URL slug: lowercase letters and digits (any script), every other run of
/// characters one `-`, no `-` at either end.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            // Lowercasing can add combining marks ("İ" becomes "i" + U+0307): keep letters only.
            slug.extend(c.to_lowercase().filter(|l| l.is_alphanumeric()));
        } else {
            pending_dash = true;
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

    mod properties {
        use super::super::slugify;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn slugs_are_url_safe_and_stable(text in "\\PC{0,40}") {
                let slug = slugify(&text);
                prop_assert!(!slug.starts_with('-') && !slug.ends_with('-'));
                prop_assert!(!slug.contains("--"));
                prop_assert!(slug.chars().all(|c| c == '-' || c.is_alphanumeric()));
                prop_assert_eq!(slugify(&slug), slug.clone());
            }
        }
    }
}
