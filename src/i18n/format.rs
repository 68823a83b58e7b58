//! Dates and numbers as a language writes them, with ICU4X and its compiled CLDR data: month
//! names, digits (Latin 0-9, Arabic-Indic ٠-٩, …) and plural categories.
//!
//! A catalog's `[format]` table sets the ICU locale (`ar`, or `ar-IQ` for the Levantine and
//! Iraqi month names), the digits, and the date patterns (UTS-35) the `date` filter uses.
//! Building an ICU formatter loads data and costs far more than formatting, and a large site
//! formats dates hundreds of thousands of times: formatters are built once per thread, locale
//! and pattern, and kept (rayon's threads live as long as the process).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use icu_calendar::{Date, Gregorian};
use icu_datetime::fieldsets::enums::CompositeDateTimeFieldSet;
use icu_datetime::pattern::{DateTimePattern, FixedCalendarDateTimeNames};
use icu_decimal::DecimalFormatter;
use icu_decimal::options::{DecimalFormatterOptions, GroupingStrategy};
use icu_locale_core::Locale;
use icu_plurals::{PluralCategory, PluralRules};
use icu_time::{DateTime, Time};
use writeable::TryWriteable;

/// The date styles every catalog has, with their patterns when the catalog names none.
const DEFAULT_PATTERNS: [(&str, &str); 4] = [
    ("date", "d MMMM y"),
    ("date_time", "d MMMM y, HH:mm 'UTC'"),
    ("month", "MMMM y"),
    ("year", "y"),
];

/// The keys of `[format]`.
const KEYS: [&str; 6] = ["locale", "digits", "date", "date_time", "month", "year"];

/// How one language writes dates and numbers (a catalog's `[format]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// The ICU locale as configured (`ar`, `ar-IQ`).
    pub locale: String,
    /// The numbering system (`latn`, `arab`), or none for the locale's own.
    pub digits: Option<String>,
    /// The locale ICU is given: `locale` with the digits as a Unicode extension
    /// (`ar-u-nu-arab`); the key of the formatter caches.
    icu_locale: String,
    /// Date patterns by style (`date`, `date_time`, `month`, `year`).
    patterns: BTreeMap<String, String>,
}

impl Format {
    /// The defaults for a language: its own locale and digits, the default patterns.
    pub fn new(lang: &str) -> Format {
        Format {
            locale: lang.to_string(),
            digits: None,
            icu_locale: lang.to_string(),
            patterns: DEFAULT_PATTERNS
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        }
    }

    /// Applies a `[format]` table; an error is (key, why).
    pub fn apply(&mut self, table: &toml::Table) -> Result<(), (String, String)> {
        for (key, value) in table {
            let Some(text) = value.as_str() else {
                return Err((key.clone(), format!("[format] {key} must be a string")));
            };
            match key.as_str() {
                "locale" => {
                    Locale::try_from_str(text).map_err(|_| {
                        (key.clone(), format!("\"{text}\" is not a locale ICU knows (e.g. \"ar\", \"ar-IQ\", \"en-GB\")"))
                    })?;
                    self.locale = text.to_string();
                }
                "digits" => {
                    let ok = (3..=8).contains(&text.len())
                        && text.bytes().all(|b| b.is_ascii_lowercase());
                    if !ok {
                        return Err((
                            key.clone(),
                            format!(
                                "digits \"{text}\" is not a numbering system: write \"latn\" (0-9) or \"arab\" (٠-٩)"
                            ),
                        ));
                    }
                    self.digits = Some(text.to_string());
                }
                style if DEFAULT_PATTERNS.iter().any(|(k, _)| *k == style) => {
                    DateTimePattern::try_from_pattern_str(text).map_err(|e| {
                        (
                            key.clone(),
                            format!(
                                "\"{text}\" is not a UTS-35 date pattern: {e} (e.g. \"d MMMM y\")"
                            ),
                        )
                    })?;
                    self.patterns.insert(key.clone(), text.to_string());
                }
                other => {
                    let hint = crate::diagnostics::did_you_mean(other, KEYS.iter().copied())
                        .map_or_else(
                            || format!("known keys: {}", KEYS.join(", ")),
                            |s| format!("did you mean \"{s}\"?"),
                        );
                    return Err((
                        key.clone(),
                        format!(
                            "unknown key \"{other}\" in [format]; {hint} (interface words go above [format]: TOML puts every key after a table header into that table)"
                        ),
                    ));
                }
            }
        }
        self.icu_locale = match &self.digits {
            Some(nu) => format!("{}-u-nu-{nu}", self.locale),
            None => self.locale.clone(),
        };
        Locale::try_from_str(&self.icu_locale).map_err(|_| {
            (
                "digits".to_string(),
                format!("\"{}\" is not a locale ICU knows", self.icu_locale),
            )
        })?;
        Ok(())
    }

    /// The locale ICU is given, digits included (`ar-u-nu-arab`); browsers' `Intl` reads it too.
    pub fn icu_locale(&self) -> &str {
        &self.icu_locale
    }

    /// The pattern of a date style (`date`, `date_time`, `month`, `year`).
    pub fn pattern(&self, style: &str) -> Option<&str> {
        self.patterns.get(style).map(String::as_str)
    }

    /// The date styles.
    pub fn styles(&self) -> impl Iterator<Item = &str> {
        self.patterns.keys().map(String::as_str)
    }

    /// A date and time (civil, already in the time zone wanted) in a UTS-35 `pattern`, with the
    /// language's month names and digits.
    pub fn date(&self, value: jiff::civil::DateTime, pattern: &str) -> Result<String, String> {
        DATES.with(|cache| {
            let mut cache = cache.borrow_mut();
            // A site uses a handful of (locale, pattern) pairs: a scan beats hashing them.
            let index = match cache
                .iter()
                .position(|n| n.locale == self.icu_locale && n.pattern_text == pattern)
            {
                Some(i) => i,
                None => {
                    cache.push(DateNames::new(&self.icu_locale, pattern)?);
                    cache.len() - 1
                }
            };
            let names = &mut cache[index];
            if let Some(text) = names.formatted.get(&value) {
                return Ok(text.clone());
            }
            let text = names.format(value)?;
            if names.formatted.len() < MAX_FORMATTED_DATES {
                names.formatted.insert(value, text.clone());
            }
            Ok(text)
        })
    }

    /// An integer in the language's digits, without grouping separators (counts, page numbers).
    pub fn number(&self, n: i64) -> String {
        if self.digits.as_deref() == Some("latn") || self.icu_locale == "en" {
            return n.to_string();
        }
        NUMBERS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if !cache.contains_key(&self.icu_locale) {
                let formatter = Locale::try_from_str(&self.icu_locale)
                    .ok()
                    .and_then(|locale| {
                        let mut options = DecimalFormatterOptions::default();
                        options.grouping_strategy = Some(GroupingStrategy::Never);
                        DecimalFormatter::try_new((&locale).into(), options).ok()
                    });
                cache.insert(self.icu_locale.clone(), formatter);
            }
            match &cache[&self.icu_locale] {
                Some(f) => f.format(&n.into()).to_string(),
                None => n.to_string(),
            }
        })
    }

    /// The CLDR plural category of `n` in this language, as an index of
    /// [`super::PLURAL_CATEGORIES`].
    pub fn plural_category(&self, n: i64) -> usize {
        PLURALS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if !cache.contains_key(&self.locale) {
                let rules = Locale::try_from_str(&self.locale)
                    .ok()
                    .and_then(|locale| PluralRules::try_new_cardinal((&locale).into()).ok());
                cache.insert(self.locale.clone(), rules);
            }
            let category = cache[&self.locale]
                .as_ref()
                .map_or(PluralCategory::Other, |rules| rules.category_for(n));
            match category {
                PluralCategory::Zero => 0,
                PluralCategory::One => 1,
                PluralCategory::Two => 2,
                PluralCategory::Few => 3,
                PluralCategory::Many => 4,
                PluralCategory::Other => 5,
            }
        })
    }
}

/// How many formatted dates each pattern keeps per thread (a site has a few thousand distinct
/// dates; the bound only caps memory for a pathological one).
const MAX_FORMATTED_DATES: usize = 100_000;

/// A pattern with the names (months, weekdays, digits) it needs, loaded.
struct DateNames {
    /// The ICU locale (see [`Format::icu_locale`]) and the pattern as written: the cache key.
    locale: String,
    pattern_text: String,
    names: FixedCalendarDateTimeNames<Gregorian, CompositeDateTimeFieldSet>,
    pattern: DateTimePattern,
    /// Dates already written with this pattern: a brief's date is shown on its page, on every
    /// listing card and as a related brief, and ICU's formatting costs far more than a lookup.
    formatted: HashMap<jiff::civil::DateTime, String>,
}

impl DateNames {
    fn new(locale_text: &str, pattern_text: &str) -> Result<DateNames, String> {
        let (locale, pattern) = (locale_text, pattern_text);
        let locale =
            Locale::try_from_str(locale).map_err(|_| format!("\"{locale}\" is not a locale"))?;
        let pattern = DateTimePattern::try_from_pattern_str(pattern)
            .map_err(|e| format!("\"{pattern}\" is not a UTS-35 date pattern: {e}"))?;
        let mut names = FixedCalendarDateTimeNames::try_new((&locale).into())
            .map_err(|e| format!("no date data for {locale}: {e}"))?;
        names
            .include_for_pattern(&pattern)
            .map_err(|e| format!("cannot format \"{pattern}\" in {locale}: {e}"))?;
        Ok(DateNames {
            locale: locale_text.to_string(),
            pattern_text: pattern_text.to_string(),
            names,
            pattern,
            formatted: HashMap::new(),
        })
    }

    /// `value` (civil, already in the time zone wanted) written with this pattern.
    fn format(&self, value: jiff::civil::DateTime) -> Result<String, String> {
        let date = Date::try_new_gregorian(
            i32::from(value.year()),
            value.month() as u8,
            value.day() as u8,
        )
        .map_err(|e| format!("date out of range: {e}"))?;
        let time = Time::try_new(
            value.hour() as u8,
            value.minute() as u8,
            value.second() as u8,
            0,
        )
        .map_err(|e| format!("time out of range: {e}"))?;
        let input = DateTime { date, time };
        self.names
            .with_pattern_unchecked(&self.pattern)
            .format(&input)
            .try_write_to_string()
            .map(|s| s.into_owned())
            .map_err(|(e, _)| format!("cannot format the date with \"{}\": {e}", self.pattern_text))
    }
}

thread_local! {
    /// Date names by ICU locale and pattern, with the dates they wrote.
    static DATES: RefCell<Vec<DateNames>> = RefCell::default();
    /// Number formatters by ICU locale (none when ICU has no data for it).
    static NUMBERS: RefCell<HashMap<String, Option<DecimalFormatter>>> = RefCell::default();
    /// Plural rules by locale.
    static PLURALS: RefCell<HashMap<String, Option<PluralRules>>> = RefCell::default();
}
