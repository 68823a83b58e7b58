//! `s3://BUCKET[/PREFIX]`: where a deploy goes.

use crate::diagnostics::Diagnostic;

/// A bucket and the folder in it that the site owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The bucket name.
    pub bucket: String,
    /// The prefix without leading or trailing `/`; empty for the whole bucket.
    pub prefix: String,
}

impl Target {
    /// Parses `s3://BUCKET[/PREFIX]`.
    pub fn parse(text: &str) -> Result<Target, Diagnostic> {
        let bad = |why: &str| {
            Diagnostic::error(format!("deploy target \"{text}\" {why}"))
                .hint("write s3://BUCKET or s3://BUCKET/PREFIX, e.g. s3://briefs-site/policy")
        };
        let rest = text
            .strip_prefix("s3://")
            .ok_or_else(|| bad("is not an s3:// URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if !is_bucket_name(bucket) {
            return Err(bad(
                "has no valid bucket name (3 to 63 lowercase letters, digits, dots and hyphens)",
            ));
        }
        let prefix = prefix.trim_matches('/');
        let bad_segment = prefix
            .split('/')
            .any(|s| s == "." || s == ".." || (s.is_empty() && !prefix.is_empty()));
        if bad_segment || prefix.contains(['?', '#', '\\']) {
            return Err(bad("has a prefix that is not a plain folder path"));
        }
        Ok(Target {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The object key of a file at `rel` (a `/`-separated path in the site).
    pub fn key(&self, rel: &str) -> String {
        if self.prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.prefix)
        }
    }

    /// The site path of an object key, if the key lies under the prefix.
    pub fn site_path<'a>(&self, key: &'a str) -> Option<&'a str> {
        if self.prefix.is_empty() {
            return Some(key);
        }
        key.strip_prefix(self.prefix.as_str())?.strip_prefix('/')
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

fn is_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_and_prefix() {
        let t = Target::parse("s3://briefs-site/policy/en/").unwrap();
        assert_eq!(t.bucket, "briefs-site");
        assert_eq!(t.prefix, "policy/en");
        assert_eq!(t.key("index.html"), "policy/en/index.html");
        assert_eq!(t.site_path("policy/en/a/b.html"), Some("a/b.html"));
        assert_eq!(t.site_path("policy/english/x.html"), None);
        assert_eq!(t.site_path("other/x.html"), None);
        assert_eq!(t.to_string(), "s3://briefs-site/policy/en");
        let whole = Target::parse("s3://briefs-site").unwrap();
        assert_eq!(whole.prefix, "");
        assert_eq!(whole.key("a.html"), "a.html");
    }

    #[test]
    fn bad_targets_are_refused() {
        for bad in [
            "briefs-site",
            "https://x/y",
            "s3://",
            "s3://B",
            "s3://ab",
            "s3://bucket/../x",
            "s3://bucket/a//b",
            "s3://bucket/a?b",
        ] {
            let e = Target::parse(bad).unwrap_err();
            assert!(e.message.contains(bad), "{bad}: {}", e.message);
        }
    }
}
