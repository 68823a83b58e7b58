//! Where a URL found in an output file leads: another site, a path of this site (decoded,
//! with `.` and `..` resolved), or nowhere to check.

use crate::site::Urls;

/// Where a URL leads.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// Nothing to check: `mailto:`, `data:`, `tel:`, an `@/` link the build reported, …
    Skip,
    /// Another site.
    External(String),
    /// A site path of this site (decoded) and a fragment.
    Internal {
        /// The site path.
        path: String,
        /// The fragment, if any.
        fragment: Option<String>,
    },
    /// A root-relative URL that leaves the base URL's path (`/x` under `/policy/`).
    OutsideBase,
}

/// Where `url`, found in the output at site path `from`, leads.
pub(super) fn resolve(urls: &Urls, from: &str, url: &str) -> Target {
    let url = url.trim();
    let (url, fragment) = match url.split_once('#') {
        Some((u, f)) => (u, Some(f.to_string())),
        None => (url, None),
    };
    let url = url.split('?').next().unwrap_or("");
    // An `@/` or `@static/` link the build could not resolve: the build reported it.
    if url.starts_with('@') {
        return Target::Skip;
    }
    let base = urls.base_url();
    let path = if url.is_empty() {
        from.to_string()
    } else if let Some(rest) = url
        .strip_prefix(base)
        .filter(|r| r.is_empty() || r.starts_with('/'))
    {
        if rest.is_empty() {
            "/".to_string()
        } else {
            rest.to_string()
        }
    } else if url.starts_with("//") {
        return Target::External(format!("https:{url}"));
    } else if let Some(scheme) = scheme_of(url) {
        return match scheme.as_str() {
            "http" | "https" => Target::External(url.to_string()),
            _ => Target::Skip,
        };
    } else if let Some(rooted) = url.strip_prefix('/') {
        let prefix = urls.prefix();
        let rooted = format!("/{rooted}");
        match rooted.strip_prefix(prefix) {
            Some(rest) if prefix.is_empty() || rest.starts_with('/') => rest.to_string(),
            Some("") => "/".to_string(),
            _ => return Target::OutsideBase,
        }
    } else {
        let dir = &from[..=from.rfind('/').unwrap_or(0)];
        format!("{dir}{url}")
    };
    let decoded = percent_encoding::percent_decode_str(&path).decode_utf8_lossy();
    Target::Internal {
        path: normalise(&decoded),
        fragment,
    }
}

/// The scheme of an absolute URL (`mailto`, `https`), lower-cased.
fn scheme_of(url: &str) -> Option<String> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let valid = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Removes `.` and `..` segments (never above the root) and doubled slashes.
fn normalise(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = format!("/{}", segments.join("/"));
    let folder = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if folder && out != "/" {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_resolve_to_site_paths_or_other_sites() {
        let urls = Urls::new("https://example.org/policy");
        let from = "/briefs/x/index.html";
        let internal = |path: &str, fragment: Option<&str>| Target::Internal {
            path: path.to_string(),
            fragment: fragment.map(str::to_string),
        };
        assert_eq!(
            resolve(&urls, from, "/policy/briefs/y/#a"),
            internal("/briefs/y/", Some("a"))
        );
        assert_eq!(resolve(&urls, from, "/policy"), internal("/", None));
        assert_eq!(
            resolve(&urls, from, "chart%20a.svg?v=1"),
            internal("/briefs/x/chart a.svg", None)
        );
        assert_eq!(resolve(&urls, from, "../y/"), internal("/briefs/y/", None));
        assert_eq!(
            resolve(&urls, from, "#notes"),
            internal("/briefs/x/index.html", Some("notes"))
        );
        assert_eq!(
            resolve(&urls, from, "https://example.org/policy/atom.xml"),
            internal("/atom.xml", None)
        );
        assert_eq!(resolve(&urls, from, "/images/x.png"), Target::OutsideBase);
        assert_eq!(resolve(&urls, from, "/policyx/"), Target::OutsideBase);
        assert_eq!(
            resolve(&urls, from, "https://example.org/other"),
            Target::External("https://example.org/other".to_string())
        );
        assert_eq!(
            resolve(&urls, from, "//cdn.example.net/a.js"),
            Target::External("https://cdn.example.net/a.js".to_string())
        );
        for skipped in [
            "mailto:a@example.org",
            "tel:+1",
            "data:image/png;base64,x",
            "about:invalid",
        ] {
            assert_eq!(resolve(&urls, from, skipped), Target::Skip, "{skipped}");
        }
        let root = Urls::new("https://example.org");
        assert_eq!(
            resolve(&root, "/index.html", "/a/../../b"),
            internal("/b", None)
        );
    }
}
