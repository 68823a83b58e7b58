//! The `[deploy]` table of `communique.toml`: where the site goes and how its objects are served.
//! Credentials never go here (a config file is committed and shared); they come from the
//! environment and the standard AWS files (see [`super::credentials`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::diagnostics::{Diagnostic, Location, did_you_mean, line_col};

/// `[deploy]`: every key optional; the command line overrides each.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeployConfig {
    /// `s3://BUCKET[/PREFIX]`.
    pub target: Option<String>,
    /// Endpoint of an S3-compatible service, e.g. `https://ACCOUNT.r2.cloudflarestorage.com`.
    pub endpoint: Option<String>,
    /// Region (`auto` for R2); otherwise AWS_REGION, the profile's region, or `us-east-1`.
    pub region: Option<String>,
    /// Content-Encoding for text files (HTML, CSS, JS, XML, JSON, SVG, text): `gzip` or `br`.
    pub compress: Option<Compression>,
    /// `[[deploy.cache]]` rules, tried in order before the defaults; the first match wins.
    pub cache: Vec<CacheRule>,
    /// Any other key: a credential (refused with its own message) or a typo.
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

/// One `[[deploy.cache]]` rule: objects whose path (relative to the site) matches `glob` get
/// `cache_control`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheRule {
    /// A glob over the file's path in the site, e.g. `"**/*.pdf"` or `"briefs/**"`.
    pub glob: String,
    /// The Cache-Control header value, e.g. `"public, max-age=86400"`.
    pub cache_control: String,
}

/// How text files are compressed before upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// `Content-Encoding: gzip`.
    Gzip,
    /// `Content-Encoding: br`.
    #[serde(alias = "brotli")]
    Br,
}

const KNOWN_KEYS: [&str; 5] = ["target", "endpoint", "region", "compress", "cache"];

/// Words that mark a key (or an endpoint's user part) as a secret.
const SECRET_WORDS: [&str; 5] = ["key", "secret", "token", "password", "credential"];

impl DeployConfig {
    /// Refuses credentials and unknown keys, and checks every glob. `text` is the config file's
    /// text, for places.
    pub fn validate(&self, text: &str, file: &Path) -> Result<(), Diagnostic> {
        let at_key = |key: &str| {
            let offset = text
                .find("[deploy")
                .and_then(|start| text[start..].find(key).map(|o| start + o))
                .unwrap_or(0);
            let (line, column) = line_col(text, offset);
            Location::at(file, line, column)
        };
        if let Some(key) = self.unknown.keys().find(|k| is_secret_name(k)) {
            return Err(credentials_refused(&format!("[deploy] has \"{key}\"")).at(at_key(key)));
        }
        if let Some(key) = self.unknown.keys().next() {
            let hint = match did_you_mean(key, KNOWN_KEYS.iter().copied()) {
                Some(s) => format!("did you mean \"{s}\"?"),
                None => format!("known keys here: {}", KNOWN_KEYS.join(", ")),
            };
            return Err(
                Diagnostic::error(format!("unknown key \"{key}\" in [deploy]"))
                    .at(at_key(key))
                    .hint(hint)
                    .with_snippet_from(text),
            );
        }
        if let Some(endpoint) = &self.endpoint
            && endpoint_has_user_info(endpoint)
        {
            return Err(credentials_refused(
                "the [deploy] endpoint carries a user name or password",
            )
            .at(at_key("endpoint")));
        }
        for rule in &self.cache {
            if let Err(e) = globset::Glob::new(&rule.glob) {
                return Err(
                    Diagnostic::error(format!("cache rule glob \"{}\": {e}", rule.glob))
                        .at(at_key(&rule.glob))
                        .hint("e.g. glob = \"**/*.pdf\" (** crosses folders, * does not)")
                        .with_snippet_from(text),
                );
            }
        }
        Ok(())
    }
}

/// Names that hold AWS credentials, refused anywhere in the file (at the top, under `[extra]`
/// where templates could print them, in any table).
const CREDENTIAL_NAMES: [&str; 5] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "access_key_id",
    "secret_access_key",
];

/// Refuses AWS credential keys anywhere in the configuration, before any other check could
/// quote their line. Text that is not valid TOML is left to the normal error path.
pub fn refuse_credentials(text: &str, file: &Path) -> Result<(), Diagnostic> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Ok(());
    };
    match credential_key(&table) {
        Some(key) => {
            let offset = text.find(key.as_str()).unwrap_or(0);
            let (line, column) = line_col(text, offset);
            Err(credentials_refused(&format!("\"{key}\"")).at(Location::at(file, line, column)))
        }
        None => Ok(()),
    }
}

/// The first key, at any depth, that names an AWS credential.
fn credential_key(table: &toml::Table) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        if CREDENTIAL_NAMES.contains(&key.to_ascii_lowercase().as_str()) {
            return Some(key.clone());
        }
        match value {
            toml::Value::Table(inner) => credential_key(inner),
            toml::Value::Array(items) => items.iter().find_map(|item| match item {
                toml::Value::Table(inner) => credential_key(inner),
                _ => None,
            }),
            _ => None,
        }
    })
}

/// Whether a key looks like it holds a secret (`aws_access_key_id`, `secret_access_key`, …).
fn is_secret_name(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| key.contains(w))
}

/// Whether an endpoint URL has `user:password@` before its host.
pub(crate) fn endpoint_has_user_info(endpoint: &str) -> bool {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.contains('@')
}

/// The error for credentials found where they must not be.
pub(crate) fn credentials_refused(what: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "{what}: credentials do not belong in communique.toml"
    ))
    .hint(
        "remove them (and rotate them if this file was ever committed); communique deploy reads credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or ~/.aws/credentials (AWS_PROFILE picks the profile)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn parse(deploy: &str) -> Result<Config, Diagnostic> {
        let text = format!("title = \"T\"\nbase_url = \"https://x.org\"\n[deploy]\n{deploy}");
        Config::parse(&text, Path::new("communique.toml"))
    }

    #[test]
    fn a_full_table_parses() {
        let c = parse(
            "target = \"s3://b/p\"\nendpoint = \"http://127.0.0.1:9000\"\nregion = \"auto\"\ncompress = \"br\"\n[[deploy.cache]]\nglob = \"**/*.pdf\"\ncache_control = \"public, max-age=60\"\n",
        )
        .unwrap();
        let d = c.deploy;
        assert_eq!(d.target.as_deref(), Some("s3://b/p"));
        assert_eq!(d.compress, Some(Compression::Br));
        assert_eq!(d.cache[0].glob, "**/*.pdf");
    }

    #[test]
    fn credentials_are_refused_with_their_line() {
        for key in [
            "aws_access_key_id",
            "aws_secret_access_key",
            "secret_access_key",
            "session_token",
            "access_key",
        ] {
            let e = parse(&format!("target = \"s3://b\"\n{key} = \"AKIAXXXX\"\n")).unwrap_err();
            assert!(
                e.message.contains("credentials do not belong"),
                "{key}: {}",
                e.message
            );
            assert!(e.message.contains(key), "{}", e.message);
            assert_eq!(e.location.unwrap().line, Some(5), "{key}");
            assert!(e.hint.unwrap().contains("AWS_ACCESS_KEY_ID"));
        }
        let e = parse("endpoint = \"https://AKIA:secret@s3.example.org\"\n").unwrap_err();
        assert!(e.message.contains("credentials"), "{}", e.message);
    }

    #[test]
    fn credentials_are_refused_anywhere_without_quoting_them() {
        for (text, line) in [
            ("aws_secret_access_key = \"wJalr\"\n", 3),
            ("[extra]\nnote = \"x\"\naws_access_key_id = \"AKIA1\"\n", 5),
            (
                "[deploy]\n[[deploy.cache]]\nglob = \"*\"\ncache_control = \"x\"\nsecret_access_key = \"wJalr\"\n",
                7,
            ),
        ] {
            let e = Config::parse(
                &format!("title = \"T\"\nbase_url = \"https://x.org\"\n{text}"),
                Path::new("communique.toml"),
            )
            .unwrap_err();
            assert!(
                e.message.contains("credentials do not belong"),
                "{text}: {}",
                e.message
            );
            let shown = e.render_terminal(false);
            assert_eq!(e.location.unwrap().line, Some(line), "{text}");
            assert!(
                !shown.contains("wJalr") && !shown.contains("AKIA1"),
                "{shown}"
            );
        }
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let e = parse("regoin = \"eu-west-1\"\n").unwrap_err();
        assert_eq!(e.message, "unknown key \"regoin\" in [deploy]");
        assert_eq!(e.hint.as_deref(), Some("did you mean \"region\"?"));
    }

    #[test]
    fn a_bad_glob_is_named() {
        let e =
            parse("[[deploy.cache]]\nglob = \"a[\"\ncache_control = \"no-cache\"\n").unwrap_err();
        assert!(e.message.contains("a["), "{}", e.message);
    }
}
