//! What templates use to speak the page's language (see [`crate::i18n`]): the `trans`
//! function, and the `date` and `number` filters with `lang`.
//!
//! `trans(key="key_points", lang=lang)` is a lookup: the catalog holds each text as a ready
//! Tera value, so a call clones a reference and allocates only when it fills in `{n}` or other
//! placeholders. A key the language lacks fails the render, naming the key and the language;
//! the template's file and line come with the error.
//!
//! `words.key_points` is the same text without the call: every template's context holds the
//! page language's plain texts as one map ([`Catalog::words`]), where a call of `trans` costs
//! Tera a map of its arguments (about 5,000 instructions; a brief page has dozens). A key the
//! map lacks is turned into the error `trans` gives ([`Renderer::template_error`]).

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use tera::{Context, Error, Kwargs, State, Tera, Value};

use super::Renderer;
use super::limit::check;
use crate::content::PublishDate;
use crate::diagnostics::Diagnostic;
use crate::i18n::{Catalog, Catalogs, Entry};

/// Registers `trans`, and the `date` and `number` filters reading `catalogs` (a site's `[format]`
/// overrides reach `date(lang=…)` this way).
pub fn register(tera: &mut Tera, catalogs: Arc<Catalogs>) {
    let c = catalogs.clone();
    tera.register_function("trans", move |kwargs: Kwargs, _: &State| trans(&c, &kwargs));
    let c = catalogs.clone();
    tera.register_function(
        "icu_locale",
        move |kwargs: Kwargs, _: &State| -> Result<String, Error> {
            check()?;
            Ok(catalog_of(&c, &kwargs, "icu_locale")?
                .format
                .icu_locale()
                .to_string())
        },
    );
    let c = catalogs.clone();
    tera.register_filter(
        "date",
        move |value: &Value, kwargs: Kwargs, state: &State| {
            if kwargs.get::<&str>("lang")?.is_some() {
                check()?;
                localized_date(&c, value, &kwargs)
            } else {
                super::filters::date(value, kwargs, state)
            }
        },
    );
    tera.register_filter("number", move |value: &Value, kwargs: Kwargs, _: &State| {
        number(&catalogs, value, &kwargs)
    });
}

/// The catalog of the `lang` argument.
fn catalog_of<'c>(
    catalogs: &'c Catalogs,
    kwargs: &Kwargs,
    what: &str,
) -> Result<&'c Catalog, Error> {
    let lang = kwargs.must_get::<&str>("lang")?;
    catalogs.get(lang).ok_or_else(|| {
        let known: Vec<&str> = catalogs.languages().collect();
        Error::message(format!(
            "{what}: no interface strings for language \"{lang}\" (create i18n/{lang}.toml; catalogs exist for {})",
            known.join(", ")
        ))
    })
}

/// `trans(key=…, lang=…, n=…, default=…, name=…)`: the words of `key` in `lang`; `n` picks a
/// plural form and fills `{n}` in the language's digits; `default` stands in for a key the
/// catalog lacks; any other argument fills the placeholder of its name.
fn trans(catalogs: &Catalogs, kwargs: &Kwargs) -> Result<Value, Error> {
    check()?;
    let key = kwargs.must_get::<&str>("key")?;
    let catalog = catalog_of(catalogs, kwargs, "trans")?;
    if kwargs.get::<bool>("forms")? == Some(true) {
        return forms(catalog, key);
    }
    let n = kwargs.get::<i64>("n")?;
    let value = match (catalog.entry(key), n) {
        (None, _) => {
            // `default` is for keys made from data (a taxonomy's name), which no catalog
            // can list in advance.
            return match kwargs.get::<Value>("default")? {
                Some(default) => Ok(default),
                None => Err(missing_key(catalog, key)),
            };
        }
        (Some(Entry::Plural(_)), None) => {
            return Err(Error::message(format!(
                "trans: \"{key}\" has plural forms in language \"{}\": pass the number as n=…",
                catalog.lang
            )));
        }
        (Some(Entry::Text(v)), None) => v,
        (Some(_), Some(n)) => catalog
            .form(key, n)
            .ok_or_else(|| missing_key(catalog, key))?,
    };
    let fills = kwargs.iter().any(|(k, _)| {
        let k = k.as_str().unwrap_or_default();
        !matches!(k, "key" | "lang" | "forms" | "default")
    });
    if !fills {
        return Ok(value.clone());
    }
    let mut text = value.as_str().unwrap_or_default().to_string();
    for (name, arg) in kwargs.iter() {
        let name = name.as_str().unwrap_or_default();
        if matches!(name, "key" | "lang" | "forms" | "default") {
            continue;
        }
        if find_placeholder(&text, name).is_none() {
            continue;
        }
        let filled = match arg.as_i64() {
            Some(number) => catalog.format.number(number),
            None => arg.as_str().map_or_else(|| arg.to_string(), str::to_string),
        };
        text = fill_placeholder(&text, name, &filled);
    }
    Ok(Value::from(text))
}

/// Where `{name}` starts in `text`. Found without building the placeholder: every listing card
/// fills one or two (`{n}`, `{number}`).
fn find_placeholder(text: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(offset) = text[from..].find('{') {
        let start = from + offset;
        let rest = &text[start + 1..];
        if rest.starts_with(name) && rest[name.len()..].starts_with('}') {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

/// `text` with every `{name}` replaced by `filled`.
fn fill_placeholder(text: &str, name: &str, filled: &str) -> String {
    let mut out = String::with_capacity(text.len() + filled.len());
    let mut rest = text;
    while let Some(start) = find_placeholder(rest, name) {
        out.push_str(&rest[..start]);
        out.push_str(filled);
        rest = &rest[start + name.len() + 2..];
    }
    out.push_str(rest);
    out
}

/// `trans(key=…, lang=…, forms=true)`: the forms of `key` by plural category (`other` alone
/// for a plain text), for scripts that count (`Intl.PluralRules` picks the form).
fn forms(catalog: &Catalog, key: &str) -> Result<Value, Error> {
    let mut map = super::views::Fields::new();
    match catalog.entry(key) {
        None => return Err(missing_key(catalog, key)),
        Some(Entry::Text(v)) => {
            map.insert("other", v.clone());
        }
        Some(Entry::Plural(forms)) => {
            for (category, form) in crate::i18n::PLURAL_CATEGORIES.iter().zip(forms.iter()) {
                if let Some(form) = form {
                    map.insert(category, form.clone());
                }
            }
        }
    }
    Ok(Value::from(map))
}

/// The error for a key `catalog` lacks.
fn missing_key(catalog: &Catalog, key: &str) -> Error {
    let (message, hint) = missing_key_parts(catalog, key);
    Error::message(format!("{message}: {hint}"))
}

/// What is wrong when `catalog` lacks `key`, and what to do about it.
fn missing_key_parts(catalog: &Catalog, key: &str) -> (String, String) {
    let lang = &catalog.lang;
    let suggestion = catalog
        .similar_key(key)
        .map(|s| format!(" (did you mean \"{s}\"?)"))
        .unwrap_or_default();
    (
        format!("no translation of \"{key}\" in language \"{lang}\"{suggestion}"),
        format!("add {key} = \"…\" to i18n/{lang}.toml"),
    )
}

impl Renderer {
    /// The `words` of a page in language `lang` (see [`Catalog::words`]); an empty map for a
    /// language without a catalog, which the configuration does not let through.
    pub(super) fn words(&self, lang: &str) -> Value {
        self.model.config.i18n.get(lang).map_or_else(
            || Value::from(BTreeMap::<String, Value>::new()),
            |catalog| catalog.words().clone(),
        )
    }

    /// A render error as a diagnostic (see [`super::TemplateSet::diagnostic`]). Tera reports
    /// `words.key_pionts` as an undefined field, listing every key; this says instead what
    /// `trans` would: the key, the page's language and the catalog file to add it to.
    pub(super) fn template_error(
        &self,
        error: &tera::Error,
        template: &str,
        context: &Context,
    ) -> Diagnostic {
        let mut diagnostic = self.templates.diagnostic(error, Some(template));
        let tera::ErrorKind::RenderingError(report) = error.kind() else {
            return diagnostic;
        };
        let Some(source) = self.templates.templates.get(report.filename()) else {
            return diagnostic;
        };
        let Some(key) = word_read_at(&source.text, report.span().range.clone()) else {
            return diagnostic;
        };
        let lang = context.get("lang").and_then(Value::as_str).unwrap_or("");
        let catalogs = &self.model.config.i18n;
        let words = catalogs.get(lang).map(Catalog::words);
        if words.is_some_and(|w| w.get_from_path(key).is_some()) {
            // The word is there: the error is about what the template does with it.
            return diagnostic;
        }
        let (message, hint) = match catalogs.get(lang) {
            Some(catalog) if matches!(catalog.entry(key), Some(Entry::Plural(_))) => (
                format!(
                    "\"{key}\" has plural forms in language \"{}\", so `words` leaves it out",
                    catalog.lang
                ),
                format!("write trans(key=\"{key}\", lang=lang, n=…) to pick the form for a number"),
            ),
            Some(catalog) => missing_key_parts(catalog, key),
            None => {
                let no_catalog = catalogs.no_catalog(lang);
                (no_catalog.message, no_catalog.hint.unwrap_or_default())
            }
        };
        diagnostic.message = format!("template error: {message}");
        diagnostic.hint = Some(hint);
        diagnostic
    }
}

/// The key of `words.<key>` or `words["<key>"]` read at `place`, the byte range of an error in
/// the template `source`: Tera points at the key when it prints `{{ words.key }}`, and at the
/// whole expression when the value goes on to a filter or a test.
fn word_read_at(source: &str, place: Range<usize>) -> Option<&str> {
    let is_name = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
    if let Some(key) = source.get(place.clone()).filter(|s| is_name(s)) {
        let before = source[..place.start]
            .trim_end()
            .strip_suffix('.')
            .map(str::trim_end)
            .and_then(|b| b.strip_suffix("words"));
        if let Some(before) = before
            && !before.ends_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            return Some(key);
        }
    }
    let rest = source
        .get(place.start..)?
        .strip_prefix("words")?
        .trim_start();
    if let Some(rest) = rest.strip_prefix('.') {
        let rest = rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        return Some(&rest[..end]).filter(|k| is_name(k));
    }
    let rest = rest.strip_prefix('[')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let (key, after) = rest[1..].split_once(quote)?;
    after.trim_start().starts_with(']').then_some(key)
}

/// `date(lang=…, style=…, format=…, timezone=…)`: a date in the language's month names and
/// digits. `style` names a pattern of the catalog's `[format]` (`date`, `date_time`, `month`,
/// `year`); `format` is a UTS-35 pattern of its own. Without either, a year (`2024`) is written
/// as a year, a month (`2024-09`) as a month, anything else as a date.
pub(super) fn localized_date(
    catalogs: &Catalogs,
    value: &Value,
    kwargs: &Kwargs,
) -> Result<String, Error> {
    let catalog = catalog_of(catalogs, kwargs, "date")?;
    let (datetime, precision) = civil_of(value, kwargs.get::<&str>("timezone")?)?;
    let pattern = match (kwargs.get::<&str>("format")?, kwargs.get::<&str>("style")?) {
        (Some(format), _) => format,
        (None, style) => {
            let style = style.unwrap_or(precision);
            catalog.format.pattern(style).ok_or_else(|| {
                let styles: Vec<&str> = catalog.format.styles().collect();
                Error::message(format!(
                    "date: no style \"{style}\" in [format] of language \"{}\" (styles: {})",
                    catalog.lang,
                    styles.join(", ")
                ))
            })?
        }
    };
    if pattern.contains('%') {
        return Err(Error::message(format!(
            "date: \"{pattern}\" is a strftime format; with lang=…, write a UTS-35 pattern such as \"d MMMM y\", or a style"
        )));
    }
    catalog
        .format
        .date(datetime, pattern)
        .map_err(|e| Error::message(format!("date: {e}")))
}

/// The civil date and time a `date` input names, and its precision as a style name.
fn civil_of(
    value: &Value,
    timezone: Option<&str>,
) -> Result<(jiff::civil::DateTime, &'static str), Error> {
    if let Some(text) = value.as_str() {
        if let Some(partial) = partial_date(text) {
            return Ok(partial);
        }
        let timestamp = PublishDate::parse(text).map(|d| d.timestamp).ok_or_else(|| {
            Error::message(format!(
                "the `date` filter cannot read \"{text}\" as a date (write 2024-01-27, 2024-01-27T09:30:00Z, 2024-09 or 2024)"
            ))
        })?;
        let zone = super::filters::time_zone(timezone)?;
        return Ok((timestamp.to_zoned_datetime(zone).datetime(), "date"));
    }
    if let Some(seconds) = value.as_i64() {
        let timestamp = jiff::Timestamp::from_second(seconds).map_err(|e| {
            Error::message(format!("the `date` filter: bad timestamp {seconds}: {e}"))
        })?;
        let zone = super::filters::time_zone(timezone)?;
        return Ok((timestamp.to_zoned_datetime(zone).datetime(), "date"));
    }
    Err(Error::message(format!(
        "the `date` filter needs a date string or a Unix timestamp, not a {}",
        value.name()
    )))
}

/// `2024` or `2024-09`: an event's year or month.
fn partial_date(text: &str) -> Option<(jiff::civil::DateTime, &'static str)> {
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    let (year, month, style) = match text.split_once('-') {
        None if digits(text, 4) => (text, "1", "year"),
        Some((y, m)) if digits(y, 4) && digits(m, 2) => (y, m, "month"),
        _ => return None,
    };
    let date = jiff::civil::Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()?;
    Some((date.to_datetime(jiff::civil::Time::midnight()), style))
}

/// `number(lang=…)`: an integer in the language's digits.
fn number(catalogs: &Catalogs, value: &Value, kwargs: &Kwargs) -> Result<String, Error> {
    check()?;
    let catalog = catalog_of(catalogs, kwargs, "number")?;
    let n = value.as_i64().ok_or_else(|| {
        Error::message(format!(
            "the `number` filter needs an integer, not a {}",
            value.name()
        ))
    })?;
    Ok(catalog.format.number(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(source: &str) -> Result<String, String> {
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html"]);
        super::super::filters::register(&mut tera);
        register(&mut tera, Arc::new(Catalogs::builtin().clone()));
        tera.add_raw_template("t.html", source)
            .and_then(|()| tera.render("t.html", &tera::Context::new()))
            .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn trans_reads_the_catalog_of_the_language() {
        assert_eq!(
            render("{{ trans(key='key_points', lang='en') }}").as_deref(),
            Ok("Key points")
        );
        assert_eq!(
            render("{{ trans(key='key_points', lang='ar') }}").as_deref(),
            Ok("النقاط الرئيسية")
        );
        // A regional tag reads its language's catalog.
        assert_eq!(
            render("{{ trans(key='contents', lang='en-GB') }}").as_deref(),
            Ok("Contents")
        );
    }

    #[test]
    fn trans_picks_plural_forms_and_writes_digits() {
        let count = |lang: &str, n: i64| {
            render(&format!(
                "{{{{ trans(key='brief_count', lang='{lang}', n={n}) }}}}"
            ))
        };
        assert_eq!(count("en", 1).as_deref(), Ok("1 brief"));
        assert_eq!(count("en", 7).as_deref(), Ok("7 briefs"));
        assert_eq!(count("ar", 1).as_deref(), Ok("موجز واحد"));
        assert_eq!(count("ar", 2).as_deref(), Ok("موجزان"));
        assert_eq!(count("ar", 5).as_deref(), Ok("٥ موجزات"));
        assert_eq!(count("ar", 11).as_deref(), Ok("١١ موجزًا"));
        assert_eq!(count("ar", 100).as_deref(), Ok("١٠٠ موجز"));
        assert_eq!(
            render("{{ trans(key='page_of', lang='ar', n=2, total=12) }}").as_deref(),
            Ok("الصفحة ٢ من ١٢")
        );
        assert_eq!(
            render("{{ trans(key='search_found', lang='en', n=0) }}").as_deref(),
            Ok("No briefs found.")
        );
        // Taxonomy names: the catalog's words when it has them, else the default given.
        assert_eq!(
            render("{{ trans(key='taxonomy_' ~ 'topics', lang='ar', default='Topics') }}")
                .as_deref(),
            Ok("المواضيع")
        );
        assert_eq!(
            render("{{ trans(key='taxonomy_tags', lang='ar', default='tags' | capitalize) }}")
                .as_deref(),
            Ok("Tags")
        );
    }

    #[test]
    fn placeholders_are_filled_by_exact_name() {
        assert_eq!(fill_placeholder("{n} of {n}", "n", "3"), "3 of 3");
        assert_eq!(fill_placeholder("{nn} {n}", "n", "3"), "{nn} 3");
        assert_eq!(fill_placeholder("{{n}}", "n", "3"), "{3}");
        assert_eq!(fill_placeholder("{n", "n", "3"), "{n");
        assert_eq!(find_placeholder("no braces", "n"), None);
        assert_eq!(find_placeholder("é {total}", "total"), Some(3));
    }

    #[test]
    fn a_word_is_read_at_the_place_of_the_error() {
        fn at<'s>(source: &'s str, part: &str) -> Option<&'s str> {
            let start = source.find(part).unwrap();
            word_read_at(source, start..start + part.len())
        }
        // Printed: Tera points at the key.
        assert_eq!(
            at("<h2>{{ words.key_pionts }}</h2>", "key_pionts"),
            Some("key_pionts")
        );
        assert_eq!(
            at("{{ words . key_pionts }}", "key_pionts"),
            Some("key_pionts")
        );
        // Filtered or indexed: Tera points at the expression.
        assert_eq!(
            at("{{ words.key_pionts | upper }}", "words.key_pionts"),
            Some("key_pionts")
        );
        assert_eq!(
            at("{{ words['key_pionts'] }}", "words['key_pionts']"),
            Some("key_pionts")
        );
        assert_eq!(at("{{ words[\"a b\"] }}", "words[\"a b\"]"), Some("a b"));
        // Another map's field, or a name that only ends in "words", is not a word.
        assert_eq!(at("{{ page.key_pionts }}", "key_pionts"), None);
        assert_eq!(at("{{ card_words.key_pionts }}", "key_pionts"), None);
        assert_eq!(
            at(
                "{{ card_words.key_pionts | upper }}",
                "card_words.key_pionts"
            ),
            None
        );
        assert_eq!(at("{{ words[key] }}", "words[key]"), None);
        assert_eq!(at("{{ words }}", "words"), None);
    }

    #[test]
    fn a_missing_key_names_key_and_language() {
        let e = render("{{ trans(key='key_pionts', lang='ar') }}").unwrap_err();
        assert!(e.contains(r#"of \"key_pionts\" in language \"ar\""#), "{e}");
        assert!(e.contains(r#"did you mean \"key_points\""#), "{e}");
        let e = render("{{ trans(key='key_points', lang='xx') }}").unwrap_err();
        assert!(
            e.contains(r#"no interface strings for language \"xx\""#),
            "{e}"
        );
    }

    #[test]
    fn dates_in_arabic_have_arabic_months_and_digits() {
        assert_eq!(
            render("{{ '2024-01-27' | date(lang='en') }}").as_deref(),
            Ok("27 January 2024")
        );
        assert_eq!(
            render("{{ '2024-01-27' | date(lang='ar') }}").as_deref(),
            Ok("٢٧ يناير ٢٠٢٤")
        );
        assert_eq!(
            render("{{ '2024-09' | date(lang='en') }}").as_deref(),
            Ok("September 2024")
        );
        assert_eq!(
            render("{{ '2024' | date(lang='ar') }}").as_deref(),
            Ok("٢٠٢٤")
        );
        assert_eq!(
            render("{{ '2024-01-27T09:30:00Z' | date(lang='en', style='date_time') }}").as_deref(),
            Ok("27 January 2024, 09:30 UTC")
        );
        // The English pattern matches the strftime default the theme used before.
        assert_eq!(
            render("{{ '2024-03-05' | date(lang='en') }}"),
            render("{{ '2024-03-05' | date(format='%-d %B %Y') }}")
        );
        assert_eq!(
            render("{{ 1234 | number(lang='ar') }}").as_deref(),
            Ok("١٢٣٤")
        );
        assert_eq!(
            render("{{ 1234 | number(lang='en') }}").as_deref(),
            Ok("1234")
        );
    }
}
