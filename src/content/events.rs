//! A brief's chronology: `[[events]]` in the front matter, each with a date that may be a day,
//! a month or a year.

use std::fmt;

use serde_json::{Map, Value};

use super::front_matter::{Format, RawFrontMatter, assignment, describe};
use crate::diagnostics::{Diagnostic, did_you_mean};

/// The keys an event may have.
pub const EVENT_FIELDS: &[&str] = &["date", "title", "description", "link"];

/// The date of an event: a year, a month of a year, or a day.
///
/// Dates order by year, then month, then day, with a missing part first: 2024 sorts before
/// January 2024, which sorts before 1 January 2024. A less precise date so comes before the
/// precise ones it contains, as a chronology reads ("In 2024…", then "On 3 March…").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventDate {
    /// The year, 1 to 9999.
    pub year: u16,
    /// The month, 1 to 12.
    pub month: Option<u8>,
    /// The day of the month; only with a month.
    pub day: Option<u8>,
}

/// Why a text is not an event date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventDateError {
    /// Not `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    Form,
    /// Year 0.
    Year,
    /// A month outside 1 to 12.
    Month(u32),
    /// A day the month does not have.
    Day { day: u32, days_in_month: u8 },
}

impl fmt::Display for EventDateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventDateError::Form => write!(f, "it is not a day, a month or a year"),
            EventDateError::Year => write!(f, "there is no year 0"),
            EventDateError::Month(m) => write!(f, "there is no month {m}"),
            EventDateError::Day { day, days_in_month } => {
                write!(f, "that month has {days_in_month} days, not {day}")
            }
        }
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl EventDate {
    /// Parses `2024-01-27` (a day), `2024-01` (a month) or `2024` (a year). Anything else,
    /// including a time of day, is an error.
    pub fn parse(text: &str) -> Result<EventDate, EventDateError> {
        let mut parts = text.trim().split('-');
        let year = parts
            .next()
            .map_or(Err(EventDateError::Form), |y| digits(y, 4))?;
        let month = parts.next().map(|m| digits(m, 2)).transpose()?;
        let day = parts.next().map(|d| digits(d, 2)).transpose()?;
        if parts.next().is_some() {
            return Err(EventDateError::Form);
        }
        if year == 0 {
            return Err(EventDateError::Year);
        }
        let year = year as u16;
        let Some(month) = month else {
            return Ok(EventDate {
                year,
                month: None,
                day: None,
            });
        };
        if !(1..=12).contains(&month) {
            return Err(EventDateError::Month(month));
        }
        let month = month as u8;
        let Some(day) = day else {
            return Ok(EventDate {
                year,
                month: Some(month),
                day: None,
            });
        };
        let days_in_month = days_in_month(year, month);
        if day == 0 || day > u32::from(days_in_month) {
            return Err(EventDateError::Day { day, days_in_month });
        }
        Ok(EventDate {
            year,
            month: Some(month),
            day: Some(day as u8),
        })
    }

    /// The date for `<time datetime>`: `2024-01-27`, `2024-01` or `2024`.
    pub fn datetime(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => format!("{:04}-{m:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }

    /// The date in English: `27 January 2024`, `January 2024` or `2024`.
    pub fn display_en(&self) -> String {
        let month = self
            .month
            .and_then(|m| MONTHS.get(usize::from(m).wrapping_sub(1)));
        match (month, self.day) {
            (Some(m), Some(d)) => format!("{d} {m} {}", self.year),
            (Some(m), None) => format!("{m} {}", self.year),
            _ => self.year.to_string(),
        }
    }
}

impl fmt::Display for EventDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_en())
    }
}

/// `text` as a number if it is exactly `len` ASCII digits.
fn digits(text: &str, len: usize) -> Result<u32, EventDateError> {
    if text.len() != len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EventDateError::Form);
    }
    text.parse().map_err(|_| EventDateError::Form)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    // Both are in range here (1..=9999, 1..=12), which jiff accepts.
    jiff::civil::Date::new(year as i16, month as i8, 1)
        .map_or(31, |first| first.days_in_month() as u8)
}

/// One entry of a brief's chronology.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Event {
    /// When.
    pub date: EventDate,
    /// What happened, in a line.
    pub title: String,
    /// More about it (inline Markdown).
    pub description: Option<String>,
    /// A URL or an `@/` content path to read more.
    pub link: Option<String>,
}

/// The accepted date forms, written in the file's own syntax (TOML has no month literal, so a
/// month is a string there).
fn date_forms(format: Format) -> &'static str {
    match format {
        Format::Toml => {
            "write a day as date = 2024-01-27, a month as date = \"2024-01\", or a year as date = 2024"
        }
        Format::Yaml => {
            "write a day as date: 2024-01-27, a month as date: 2024-01, or a year as date: 2024"
        }
    }
}

/// Reads the `events` field: a list of tables, each with a date and a title. Every problem is
/// recorded in `errors`, at the line of the event's own key where it can be found.
pub fn read_events(raw: &RawFrontMatter<'_>, errors: &mut Vec<Diagnostic>) -> Vec<Event> {
    let Some(value) = raw.get("events") else {
        return Vec::new();
    };
    let Value::Array(items) = value else {
        errors.push(
            raw.error_at(
                "events",
                format!(
                    "field \"events\" should be a list of tables, found {}",
                    describe(value)
                ),
            )
            .hint(event_example(raw.format())),
        );
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| match item {
            Value::Object(table) => read_event(raw, index, table, errors),
            other => {
                errors.push(
                    raw.error_at_item(
                        "events",
                        index,
                        "date",
                        format!(
                            "event {} should be a table with a date and a title, found {}",
                            index + 1,
                            describe(other)
                        ),
                    )
                    .hint(event_example(raw.format())),
                );
                None
            }
        })
        .collect()
}

fn event_example(format: Format) -> &'static str {
    match format {
        Format::Toml => {
            "write each event under its own `[[events]]` line, with date = 2024-01-27 and title = \"…\" below it"
        }
        Format::Yaml => {
            "write events as a list under `events:`, each item `- date: 2024-01-27` with `title: …` indented below it"
        }
    }
}

fn read_event(
    raw: &RawFrontMatter<'_>,
    index: usize,
    table: &Map<String, Value>,
    errors: &mut Vec<Diagnostic>,
) -> Option<Event> {
    let n = index + 1;
    let at = |key: &str, message: String| raw.error_at_item("events", index, key, message);
    let before = errors.len();
    for key in table.keys().filter(|k| !EVENT_FIELDS.contains(&k.as_str())) {
        let hint = match did_you_mean(key, EVENT_FIELDS.iter().copied()) {
            Some(s) => format!("did you mean \"{s}\"?"),
            None => format!("an event has {}", EVENT_FIELDS.join(", ")),
        };
        errors.push(at(key, format!("unknown field \"{key}\" in event {n}")).hint(hint));
    }
    let date = match table.get("date") {
        None => {
            errors
                .push(at("date", format!("event {n} has no date")).hint(date_forms(raw.format())));
            None
        }
        Some(value) => match event_date(value) {
            Ok(date) => Some(date),
            Err(why) => {
                errors.push(
                    at(
                        "date",
                        format!("event {n} has a bad date {}: {why}", written(value)),
                    )
                    .hint(date_forms(raw.format())),
                );
                None
            }
        },
    };
    let title = match table.get("title") {
        Some(Value::String(t)) if !t.trim().is_empty() => Some(t.clone()),
        Some(Value::String(_)) | None => {
            errors.push(at("title", format!("event {n} has no title")).hint(format!(
                "give each event a one-line title, e.g. {}",
                assignment(raw.format(), "title", "\"First round of talks\"")
            )));
            None
        }
        Some(other) => {
            errors.push(
                at(
                    "title",
                    format!(
                        "the title of event {n} should be a string, found {}",
                        describe(other)
                    ),
                )
                .hint("put the title in double quotes"),
            );
            None
        }
    };
    let mut text = |key: &str| match table.get(key) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            errors.push(
                at(
                    key,
                    format!(
                        "the {key} of event {n} should be a string, found {}",
                        describe(other)
                    ),
                )
                .hint("put it in double quotes"),
            );
            None
        }
    };
    let description = text("description");
    let link = text("link");
    if errors.len() > before {
        return None;
    }
    Some(Event {
        date: date?,
        title: title?,
        description,
        link,
    })
}

/// The date of an event as written: a TOML date arrives as text, a bare year as a number.
fn event_date(value: &Value) -> Result<EventDate, EventDateError> {
    match value {
        Value::String(s) => EventDate::parse(s),
        Value::Number(n) => match n.as_u64() {
            Some(year) if (1..=9999).contains(&year) => Ok(EventDate {
                year: year as u16,
                month: None,
                day: None,
            }),
            Some(0) => Err(EventDateError::Year),
            _ => Err(EventDateError::Form),
        },
        _ => Err(EventDateError::Form),
    }
}

/// A value as the error quotes it: text in quotes, anything else by kind.
fn written(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\"{}\"", super::sources::printable(s)),
        Value::Number(n) => n.to_string(),
        other => describe(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> EventDate {
        EventDate::parse(text).unwrap()
    }

    #[test]
    fn days_months_and_years_parse() {
        assert_eq!(
            date("2024-01-27"),
            EventDate {
                year: 2024,
                month: Some(1),
                day: Some(27)
            }
        );
        assert_eq!(date("2024-01").day, None);
        assert_eq!(date("2024").month, None);
        assert_eq!(date("2024-02-29").day, Some(29));
    }

    #[test]
    fn bad_dates_say_why() {
        assert_eq!(EventDate::parse("2024-13"), Err(EventDateError::Month(13)));
        assert_eq!(EventDate::parse("27/01/2024"), Err(EventDateError::Form));
        assert_eq!(
            EventDate::parse("2024-02-30"),
            Err(EventDateError::Day {
                day: 30,
                days_in_month: 29
            })
        );
        assert_eq!(
            EventDate::parse("2023-02-29"),
            Err(EventDateError::Day {
                day: 29,
                days_in_month: 28
            })
        );
        for bad in [
            "",
            "24",
            "2024-1-5",
            "2024-01-27T10:00:00Z",
            "0000",
            "２０２４",
            "2024-",
        ] {
            assert!(EventDate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_year_sorts_before_its_months_and_a_month_before_its_days() {
        let mut dates = [
            date("2024-02-01"),
            date("2024-01-27"),
            date("2025"),
            date("2024-01"),
            date("2024"),
            date("2023-12-31"),
        ];
        dates.sort();
        let order: Vec<String> = dates.iter().map(EventDate::datetime).collect();
        assert_eq!(
            order,
            [
                "2023-12-31",
                "2024",
                "2024-01",
                "2024-01-27",
                "2024-02-01",
                "2025"
            ]
        );
    }

    #[test]
    fn dates_show_in_english() {
        assert_eq!(date("2024-01-27").display_en(), "27 January 2024");
        assert_eq!(date("2024-09").display_en(), "September 2024");
        assert_eq!(date("2024").to_string(), "2024");
        assert_eq!(date("0987-03-04").datetime(), "0987-03-04");
    }

    #[test]
    fn a_year_may_be_a_number() {
        assert_eq!(event_date(&Value::from(2024)), Ok(date("2024")));
        assert!(event_date(&Value::from(-3)).is_err());
        assert!(event_date(&Value::from(12345)).is_err());
        assert!(event_date(&serde_json::json!({"y": 1})).is_err());
    }

    fn events_of(text: &str) -> (Vec<Event>, Vec<Diagnostic>) {
        let split = super::super::front_matter::split(text, std::path::Path::new("a.md")).unwrap();
        let raw = RawFrontMatter::parse(&split, std::path::Path::new("a.md"), text).unwrap();
        let mut errors = Vec::new();
        let events = read_events(&raw, &mut errors);
        (events, errors)
    }

    #[test]
    fn reading_events_is_near_linear() {
        let make = |n: usize| {
            let mut text = String::from("+++\ntitle = \"x\"\n");
            for i in 0..n {
                text.push_str(&format!(
                    "[[events]]\ndate = \"2024-{:02}\"\ntitle = \"Event {i}\"\n",
                    i % 12 + 1
                ));
            }
            text.push_str("+++\n");
            text
        };
        crate::test_support::assert_near_linear("reading events", 2000, make, |text| {
            let (events, errors) = events_of(text);
            assert!(errors.is_empty() && !events.is_empty());
        });
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics_and_round_trips(text in "\\PC{0,16}") {
            if let Ok(d) = EventDate::parse(&text) {
                proptest::prop_assert_eq!(EventDate::parse(&d.datetime()), Ok(d));
            }
        }

        #[test]
        fn date_like_text_never_panics_and_round_trips(text in "[0-9-]{0,12}") {
            if let Ok(d) = EventDate::parse(&text) {
                proptest::prop_assert_eq!(d.datetime(), text.trim());
            }
        }

        #[test]
        fn every_valid_date_round_trips(y in 1u16..=9999, m in 1u8..=12, d in 1u8..=31, shape in 0u8..3) {
            let text = match shape {
                0 => format!("{y:04}"),
                1 => format!("{y:04}-{m:02}"),
                _ => format!("{y:04}-{m:02}-{d:02}"),
            };
            match EventDate::parse(&text) {
                Ok(date) => proptest::prop_assert_eq!(date.datetime(), text),
                Err(e) => proptest::prop_assert!(shape == 2 && d > 28, "{text}: {e}"),
            }
        }
    }
}
