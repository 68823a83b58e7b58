//! Typed front matter values: publication dates and authors.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// A publication date: the text as written (normalised) and the instant it stands for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PublishDate {
    /// When, for sorting and feeds (a bare date is midnight UTC).
    pub timestamp: jiff::Timestamp,
    /// `YYYY-MM-DD` for bare dates, RFC 3339 otherwise.
    pub text: String,
}

impl PublishDate {
    /// Parses `2024-01-27`, `2024-01-27T09:30:00Z`, `2024-01-27T09:30:00+03:00` or a local
    /// datetime `2024-01-27T09:30:00` (read as UTC).
    pub fn parse(text: &str) -> Option<PublishDate> {
        let text = text.trim();
        if let Ok(date) = text.parse::<jiff::civil::Date>()
            && text.len() == 10
        {
            let timestamp = date
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .ok()?
                .timestamp();
            return Some(PublishDate {
                timestamp,
                text: date.to_string(),
            });
        }
        if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
            return Some(PublishDate {
                timestamp,
                text: text.replace(' ', "T"),
            });
        }
        if let Ok(datetime) = text.parse::<jiff::civil::DateTime>() {
            let timestamp = datetime
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .ok()?
                .timestamp();
            return Some(PublishDate {
                timestamp,
                text: format!("{}Z", datetime.strftime("%Y-%m-%dT%H:%M:%S")),
            });
        }
        None
    }

    /// The instant as RFC 3339, for feeds and sitemaps.
    pub fn rfc3339(&self) -> String {
        self.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// An author: a name, or a table with name and affiliation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(from = "AuthorRepr")]
pub struct Author {
    /// Full name.
    pub name: String,
    /// Institution or programme.
    pub affiliation: Option<String>,
    /// Written as a table (`{ name = "…" }`): always a full name, never read as an author id
    /// (see `site::authors`).
    #[serde(skip)]
    pub is_table: bool,
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a name or a table with `name` and `affiliation`"
)]
enum AuthorRepr {
    Name(String),
    Full(AuthorTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorTable {
    name: String,
    #[serde(default)]
    affiliation: Option<String>,
}

impl From<AuthorRepr> for Author {
    fn from(repr: AuthorRepr) -> Self {
        match repr {
            AuthorRepr::Name(name) => Author {
                name,
                affiliation: None,
                is_table: false,
            },
            AuthorRepr::Full(t) => Author {
                name: t.name,
                affiliation: t.affiliation,
                is_table: true,
            },
        }
    }
}

/// One value or a list of them: Hugo accepts `author: "Name"` for one author.
///
/// A list is tried first: serde reads a struct from a sequence too, so `["A", "B"]` would
/// otherwise be one author named "A" with the affiliation "B".
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A list.
    Many(Vec<T>),
    /// A single value.
    One(T),
}

impl<T> OneOrMany<T> {
    /// The values as a list.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

/// Extra, free-form front matter.
pub type Extra = BTreeMap<String, Value>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_all_forms() {
        assert_eq!(PublishDate::parse("2024-01-27").unwrap().text, "2024-01-27");
        assert_eq!(
            PublishDate::parse("2024-01-27T09:30:00+03:00")
                .unwrap()
                .rfc3339(),
            "2024-01-27T06:30:00Z"
        );
        assert_eq!(
            PublishDate::parse("2024-01-27T09:30:00").unwrap().text,
            "2024-01-27T09:30:00Z"
        );
        assert!(PublishDate::parse("2024-13-01").is_none());
        assert!(PublishDate::parse("yesterday").is_none());
    }

    #[test]
    fn authors_accept_names_and_tables() {
        let v: Vec<Author> =
            serde_json::from_str(r#"["A", {"name": "B", "affiliation": "C"}]"#).unwrap();
        assert_eq!(v[0].affiliation, None);
        assert_eq!(v[1].affiliation.as_deref(), Some("C"));
        let two: OneOrMany<Author> = serde_json::from_str(r#"["A", "B"]"#).unwrap();
        let names: Vec<String> = two.into_vec().into_iter().map(|a| a.name).collect();
        assert_eq!(names, ["A", "B"]);
        let one: OneOrMany<Author> = serde_json::from_str(r#"{"name": "A"}"#).unwrap();
        assert!(one.into_vec()[0].is_table);
    }
}
