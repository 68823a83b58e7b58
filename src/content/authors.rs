//! Author files: `content/authors/<id>.md`, one per author, with front matter (`name`,
//! `affiliation`, `role`, `email`, `photo`, `links`, `extra`) and a Markdown bio as the body.
//!
//! The file stem is the author's id, which briefs use to name them (`authors = ["lhassan"]`);
//! it must be lowercase letters, digits, `-` and `_`, so that it is its own URL segment
//! (`/authors/lhassan/`) and cannot be mistaken for a person's name. How briefs' entries are
//! matched to these files is decided in `site::authors`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::front_matter::RawFrontMatter;
use crate::diagnostics::{Diagnostic, Location};

/// The folder of `content/` that holds author files.
pub const AUTHORS_DIR: &str = "authors";

/// An author, from `content/authors/<id>.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorMeta {
    /// Full name, as shown in bylines.
    pub name: String,
    /// Institution or programme.
    pub affiliation: Option<String>,
    /// Position (`Senior Fellow`).
    pub role: Option<String>,
    /// Contact address.
    pub email: Option<String>,
    /// Portrait: a site path (`/images/lhassan.jpg`, from `static/`) or an `http(s)` URL.
    pub photo: Option<String>,
    /// Profiles and pages elsewhere, in order.
    pub links: Vec<AuthorLink>,
    /// Free-form data.
    pub extra: BTreeMap<String, Value>,
}

/// A link on an author's page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorLink {
    /// What the link is called (`ORCID`, `Personal site`).
    pub title: String,
    /// Where it goes: an `http(s)` or `mailto:` URL, or a site path.
    pub url: String,
}

/// Fixed author fields.
pub const AUTHOR_FIELDS: &[&str] = &[
    "name",
    "affiliation",
    "role",
    "email",
    "photo",
    "links",
    "extra",
];

/// Whether `text` has the shape of an author id: a lowercase letter or digit, then lowercase
/// letters, digits, `-` and `_` (`lhassan`, `t-reed`, `reed_2`). A person's name written in
/// full has a capital or a space, so it never has this shape.
pub fn is_author_id(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The id of the author file at `rel` (`authors/lhassan.md` → `lhassan`). A translation's
/// language stays in it (`lhassan.ar`): see [`translated_author`].
pub fn author_id(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.strip_suffix(".md").unwrap_or(name)
}

/// The id and language of an author file named as a translation (`authors/lhassan.ar.md` →
/// (`lhassan`, `ar`)): the author's name, role, affiliation and bio in that language. An id
/// cannot hold a `.`, so such a name is never an id of its own.
pub fn translated_author(rel: &str) -> Option<(String, &str)> {
    let (key, code) = super::translation::language_of(rel);
    let code = code?;
    Some((author_id(&key).to_string(), code))
}

/// Reads an author's front matter; `rel` is the file's path relative to `content/`, whose stem
/// must be a valid id.
pub fn author_meta(
    raw: &RawFrontMatter<'_>,
    rel: &str,
    display: &std::path::Path,
) -> Result<AuthorMeta, Vec<Diagnostic>> {
    let mut errors = raw.unknown_keys(AUTHOR_FIELDS, &[], "author");
    let translated = translated_author(rel);
    let id = translated
        .as_ref()
        .map_or(author_id(rel), |(id, _)| id.as_str());
    if !is_author_id(id) {
        let suggestion = crate::site::urls::slugify(id).replace(|c: char| !c.is_ascii(), "");
        let example = if suggestion.is_empty() {
            "lhassan.md".to_string()
        } else {
            format!("{suggestion}.md")
        };
        errors.push(
            Diagnostic::error(format!(
                "\"{}\" cannot be an author id: the file name of an author is their id, used in briefs and in the URL",
                super::sources::printable(id)
            ))
            .at(Location::file(display))
            .hint(format!(
                "rename the file with lowercase letters, digits, `-` and `_` only, e.g. {example}"
            )),
        );
    }
    let e = &mut errors;
    let name: Option<String> = raw.require("name", "a string", "\"Layla Hassan\"", e);
    if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        e.push(
            raw.error_at("name", "the author's name is empty")
                .hint("write their full name"),
        );
    }
    let email: Option<String> = raw.take("email", "a string", e);
    if let Some(email) = &email
        && !looks_like_email(email)
    {
        e.push(
            raw.error_at("email", format!("\"{email}\" is not an email address"))
                .hint("write an address such as \"lhassan@example.org\", or leave the field out"),
        );
    }
    let photo: Option<String> = raw.take("photo", "a string", e);
    if let Some(photo) = &photo
        && !is_link_target(photo, false)
    {
        e.push(
            raw.error_at("photo", format!("photo \"{photo}\" is not a site path or a web address"))
                .hint("put the image in static/ and write its site path, e.g. \"/images/lhassan.jpg\", or write an https:// URL"),
        );
    }
    let links: Vec<AuthorLink> = raw
        .take_with_example(
            "links",
            "a list of tables with `title` and `url`",
            [
                r#"[{ title = "ORCID", url = "https://orcid.org/0000-0002-1825-0097" }]"#,
                r#"[{ title: "ORCID", url: "https://orcid.org/0000-0002-1825-0097" }]"#,
            ],
            e,
        )
        .unwrap_or_default();
    for link in links.iter().filter(|l| !is_link_target(&l.url, true)) {
        e.push(
            raw.error_at(
                "links",
                format!(
                    "link \"{}\" does not go to a web address or a site path",
                    link.url
                ),
            )
            .hint("write an https://, http:// or mailto: URL, or a site path beginning with `/`"),
        );
    }
    let meta = AuthorMeta {
        name: name.unwrap_or_default().trim().to_string(),
        affiliation: raw.take("affiliation", "a string", e),
        role: raw.take("role", "a string", e),
        email,
        photo,
        links,
        extra: raw.take("extra", "a table", e).unwrap_or_default(),
    };
    if errors.is_empty() {
        Ok(meta)
    } else {
        Err(errors)
    }
}

/// One `@` with something on both sides and no spaces: enough to catch a wrong field, without
/// pretending to validate addresses.
fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((user, host)) => {
            !user.is_empty()
                && host.contains('.')
                && !host.contains('@')
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Whether an author's photo or link may be put in an `href`/`src`: a web address, a site path,
/// or (for links) a `mailto:` address. Anything else (`javascript:`, a relative path whose
/// meaning changes with the page) is refused.
fn is_link_target(text: &str, allow_mailto: bool) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    let site_path = lower.starts_with('/') && !lower.starts_with("//");
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    let mail = allow_mailto && lower.starts_with("mailto:");
    (site_path || web || mail) && !text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercase_words() {
        for id in ["lhassan", "t-reed", "reed_2", "007"] {
            assert!(is_author_id(id), "{id}");
        }
        for not in [
            "",
            "Layla Hassan",
            "LHassan",
            "-x",
            "_x",
            "l hassan",
            "hassán",
            "a.b",
        ] {
            assert!(!is_author_id(not), "{not}");
        }
        assert_eq!(author_id("authors/lhassan.md"), "lhassan");
    }

    #[test]
    fn photos_and_links_must_be_addresses() {
        assert!(is_link_target("/images/a.jpg", false));
        assert!(is_link_target("https://x.org/a.jpg", false));
        assert!(is_link_target("mailto:a@x.org", true));
        for bad in [
            "javascript:alert(1)",
            "a.jpg",
            "//x.org/a",
            "mailto:a@x.org",
        ] {
            assert!(!is_link_target(bad, false), "{bad}");
        }
        assert!(looks_like_email("a@x.org"));
        assert!(!looks_like_email("a x@y.org") && !looks_like_email("nobody"));
    }
}
