//! Credentials and region from the standard AWS places, in the AWS tools' order: the
//! environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`),
//! then the profile named by `AWS_PROFILE` (default `default`) in the shared credentials file
//! (`~/.aws/credentials`, or `AWS_SHARED_CREDENTIALS_FILE`) and config file (`~/.aws/config`, or
//! `AWS_CONFIG_FILE`). `object_store` reads only the environment, so the two INI files are read
//! here: only the keys below, only from the selected profile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What was found; any part may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Session token (temporary credentials).
    pub session_token: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Where the keys came from, for messages (never the keys themselves).
    pub source: String,
}

/// Reads credentials from `env` (a lookup, so tests need not touch the process environment)
/// and, for what the environment lacks, the profile's files.
pub fn resolve(env: &dyn Fn(&str) -> Option<String>) -> Credentials {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    let mut found = Credentials {
        access_key_id: var("AWS_ACCESS_KEY_ID"),
        secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
        session_token: var("AWS_SESSION_TOKEN"),
        region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
        source: "the environment".to_string(),
    };
    let profile = var("AWS_PROFILE").unwrap_or_else(|| "default".to_string());
    let home = var("HOME").map(PathBuf::from);
    let file = |override_var: &str, name: &str| {
        var(override_var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
    };
    if found.access_key_id.is_none()
        && let Some(path) = file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
        && let Some(keys) = read_profile(&path, &profile, false)
    {
        found.access_key_id = keys.get("aws_access_key_id").cloned();
        found.secret_access_key = keys.get("aws_secret_access_key").cloned();
        found.session_token = keys.get("aws_session_token").cloned();
        found.source = format!("profile \"{profile}\" in {}", path.display());
    }
    if let Some(path) = file("AWS_CONFIG_FILE", "config")
        && let Some(keys) = read_profile(&path, &profile, true)
    {
        if found.region.is_none() {
            found.region = keys.get("region").cloned();
        }
        // The config file may hold keys too (the AWS CLI accepts them there).
        if found.access_key_id.is_none() && keys.contains_key("aws_access_key_id") {
            found.access_key_id = keys.get("aws_access_key_id").cloned();
            found.secret_access_key = keys.get("aws_secret_access_key").cloned();
            found.session_token = keys.get("aws_session_token").cloned();
            found.source = format!("profile \"{profile}\" in {}", path.display());
        }
    }
    found
}

/// The keys of `profile` in the INI file at `path`, if the file and the profile exist.
fn read_profile(path: &Path, profile: &str, config_file: bool) -> Option<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    profile_keys(&text, profile, config_file)
}

/// The `key = value` lines of one profile's section. In the credentials file a section is
/// `[NAME]`; in the config file it is `[profile NAME]`, except `[default]`. Comments (`#`, `;`)
/// and nested values (indented lines, e.g. under `s3 =`) are skipped.
pub fn profile_keys(
    text: &str,
    profile: &str,
    config_file: bool,
) -> Option<BTreeMap<String, String>> {
    let wanted = if config_file && profile != "default" {
        format!("profile {profile}")
    } else {
        profile.to_string()
    };
    let mut keys = None::<BTreeMap<String, String>>;
    let mut in_profile = false;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let section = section.split_whitespace().collect::<Vec<_>>().join(" ");
            // `[profile default]` also names the default profile in the config file.
            in_profile =
                section == wanted || (config_file && section == format!("profile {profile}"));
            if in_profile {
                keys.get_or_insert_with(BTreeMap::new);
            }
            continue;
        }
        if !in_profile {
            continue;
        }
        if let (Some(map), Some((key, value))) = (keys.as_mut(), line.split_once('=')) {
            let value = value.trim();
            if !value.is_empty() {
                map.insert(key.trim().to_ascii_lowercase(), value.to_string());
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDENTIALS: &str = "\
# comment
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = secretdefault

[prod]
aws_access_key_id=AKIAPROD
aws_secret_access_key = secret=with=equals
aws_session_token = token
";

    const CONFIG: &str = "\
[default]
region = eu-west-1
[profile prod]
region = eu-central-1
s3 =
  addressing_style = path
";

    #[test]
    fn sections_select_the_profile() {
        let d = profile_keys(CREDENTIALS, "default", false).unwrap();
        assert_eq!(d["aws_access_key_id"], "AKIADEFAULT");
        let p = profile_keys(CREDENTIALS, "prod", false).unwrap();
        assert_eq!(p["aws_access_key_id"], "AKIAPROD");
        assert_eq!(p["aws_secret_access_key"], "secret=with=equals");
        assert_eq!(p["aws_session_token"], "token");
        assert!(profile_keys(CREDENTIALS, "missing", false).is_none());
        let c = profile_keys(CONFIG, "prod", true).unwrap();
        assert_eq!(c["region"], "eu-central-1");
        assert!(!c.contains_key("addressing_style"));
        assert_eq!(
            profile_keys(CONFIG, "default", true).unwrap()["region"],
            "eu-west-1"
        );
        // In the config file a named profile needs the `profile ` prefix.
        assert!(profile_keys("[prod]\nregion = x\n", "prod", true).is_none());
    }

    #[test]
    fn environment_wins_then_the_profile_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), CREDENTIALS).unwrap();
        std::fs::write(dir.path().join(".aws/config"), CONFIG).unwrap();
        let home = dir.path().to_string_lossy().to_string();
        let with = |pairs: &[(&str, &str)]| {
            let mut vars: BTreeMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            vars.insert("HOME".into(), home.clone());
            resolve(&move |name| vars.get(name).cloned())
        };
        let from_files = with(&[("AWS_PROFILE", "prod")]);
        assert_eq!(from_files.access_key_id.as_deref(), Some("AKIAPROD"));
        assert_eq!(from_files.region.as_deref(), Some("eu-central-1"));
        assert!(from_files.source.contains("prod"));
        let default = with(&[]);
        assert_eq!(default.access_key_id.as_deref(), Some("AKIADEFAULT"));
        assert_eq!(default.region.as_deref(), Some("eu-west-1"));
        let env = with(&[
            ("AWS_ACCESS_KEY_ID", "AKIAENV"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_REGION", "us-west-2"),
        ]);
        assert_eq!(env.access_key_id.as_deref(), Some("AKIAENV"));
        assert_eq!(env.secret_access_key.as_deref(), Some("s"));
        assert_eq!(env.region.as_deref(), Some("us-west-2"));
        assert_eq!(env.source, "the environment");
    }

    #[test]
    fn reading_profiles_is_near_linear() {
        crate::test_support::assert_near_linear(
            "reading an AWS profile",
            20_000,
            |n| format!("[default]\n{}", "aws_access_key_id = AKIA\n# c\n".repeat(n)),
            |text| {
                profile_keys(text, "default", false);
            },
        );
    }
}
