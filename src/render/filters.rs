//! Filters Zola and Tera 1 users reach for, beyond Tera 2's own: `striptags`, `urlencode` and
//! the localized `date` come from `tera-contrib` (Tera 2's companion crate); `json_encode` (with
//! sorted keys), `json_script` (JSON safe inside a `<script>` element), `linebreaksbr`, `as_str`
//! and the locale-free `date` are ours.
//!
//! Each one first checks the render time limit (see [`super::limit`]), as every function and
//! filter of ours does.

use tera::{Error, Kwargs, State, StringInput, Tera, Value, escape_html};

use super::limit::check;
use crate::content::PublishDate;

/// The `date` filter's format when none is given (strftime syntax).
pub const DEFAULT_DATE_FORMAT: &str = "%-d %B %Y";

/// The `date` filter's format when a `locale` is given but no format (UTS-35 syntax).
pub const DEFAULT_LOCALE_DATE_FORMAT: &str = "d MMMM y";

/// Registers `date`, `striptags`, `urlencode`, `urlencode_strict`, `json_encode`,
/// `json_script`, `linebreaksbr`, `as_str`, and `escape_xml` in place of Tera's own.
pub fn register(tera: &mut Tera) {
    tera.register_filter("date", date);
    tera.register_filter("striptags", |text: &str, kwargs: Kwargs, state: &State| {
        check()?;
        Ok::<_, Error>(tera_contrib::regex::striptags(text, kwargs, state))
    });
    tera.register_filter("urlencode", |text: &str, kwargs: Kwargs, state: &State| {
        check()?;
        Ok::<_, Error>(tera_contrib::urlencode::urlencode(text, kwargs, state))
    });
    tera.register_filter(
        "urlencode_strict",
        |text: &str, kwargs: Kwargs, state: &State| {
            check()?;
            Ok::<_, Error>(tera_contrib::urlencode::urlencode_strict(
                text, kwargs, state,
            ))
        },
    );
    tera.register_filter("json_encode", json_encode);
    tera.register_filter("json_script", json_script);
    tera.register_filter("linebreaksbr", linebreaksbr);
    tera.register_filter("escape_xml", |text: &str, _: Kwargs, _: &State| {
        check()?;
        Ok::<_, Error>(escape_xml(text))
    });
    tera.register_filter("as_str", |value: Value, _: Kwargs, _: &State| {
        check()?;
        Ok::<_, Error>(as_str(&value))
    });
}

/// `json_encode(pretty=false)`: a value as JSON, with the keys of every map sorted. Tera's maps
/// keep no fixed order, and a build must write the same bytes each time.
fn json_encode(value: &Value, kwargs: Kwargs, _: &State) -> Result<String, Error> {
    check()?;
    let pretty = kwargs.get::<bool>("pretty")?.unwrap_or(false);
    let json = serde_json::to_value(value)
        .map(sorted_keys)
        .map_err(|e| Error::message(format!("json_encode: {e}")))?;
    let text = if pretty {
        serde_json::to_string_pretty(&json)
    } else {
        serde_json::to_string(&json)
    };
    text.map_err(|e| Error::message(format!("json_encode: {e}")))
}

/// `json_script`: a value as JSON to print inside `<script type="application/ld+json">` (or any
/// script element). Keys are sorted, as with `json_encode`. `<`, `>` and `&` become `\u003c`,
/// `\u003e` and `\u0026`, so no text can close the element (`</script>`) or open a comment
/// (`<!--`); U+2028 and U+2029 become `\u2028` and `\u2029`, which older JavaScript parsers
/// take for line ends. Those characters can only occur inside JSON strings, where the escapes
/// mean the same characters, so the JSON still parses to the same value. The result is marked
/// safe: it holds nothing HTML would read as markup, and HTML-escaping it would break the JSON.
///
/// The JSON is written straight from the Tera value in one pass (every brief page calls this,
/// so it avoids serde's intermediate copies).
fn json_script(value: &Value, _: Kwargs, _: &State) -> Result<Value, Error> {
    check()?;
    let mut out = String::with_capacity(256);
    write_script_json(value, &mut out);
    Ok(Value::safe_string(&out))
}

/// Writes `value` as JSON: map keys sorted, strings escaped by [`push_script_json_string`].
/// Undefined and none are `null`, as are floats JSON cannot hold (NaN, infinities); bytes are
/// read as UTF-8 text; a map key that is not text (a number, a boolean) is written as text.
fn write_script_json(value: &Value, out: &mut String) {
    if let Some(text) = value.as_str() {
        push_script_json_string(text, out);
    } else if let Some(map) = value.as_map() {
        let mut entries: Vec<(std::borrow::Cow<'_, str>, &Value)> = map
            .iter()
            .map(|(key, v)| {
                let key = key
                    .as_str()
                    .map_or_else(|| key.to_string().into(), std::borrow::Cow::Borrowed);
                (key, v)
            })
            .collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out.push('{');
        for (i, (key, v)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_script_json_string(key, out);
            out.push(':');
            write_script_json(v, out);
        }
        out.push('}');
    } else if let Some(items) = value.as_array() {
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_script_json(item, out);
        }
        out.push(']');
    } else if let Some(b) = value.as_bool() {
        out.push_str(if b { "true" } else { "false" });
    } else if let Some(n) = value.as_i128() {
        out.push_str(&n.to_string());
    } else if let Some(n) = value.as_u128() {
        out.push_str(&n.to_string());
    } else if let Some(f) = value.as_f64().filter(|f| f.is_finite()) {
        // Rust's shortest form that reads back the same float ("1.5", "1.0", "1e300"), which
        // is valid JSON.
        out.push_str(&format!("{f:?}"));
    } else if let Some(bytes) = value.as_bytes() {
        push_script_json_string(&String::from_utf8_lossy(bytes), out);
    } else {
        out.push_str("null");
    }
}

/// A JSON string literal of `text`, with `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes on
/// top of JSON's own (quote, backslash, control characters).
fn push_script_json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn sorted_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let sorted: std::collections::BTreeMap<String, serde_json::Value> =
                map.into_iter().map(|(k, v)| (k, sorted_keys(v))).collect();
            serde_json::Value::Object(sorted.into_iter().collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted_keys).collect())
        }
        other => other,
    }
}

/// Tera 1's name for Tera 2's `str`: a value as text (a string stays as it is).
fn as_str(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| format!("{value}"), str::to_string)
}

/// `escape_xml`: the same output as Tera's own filter (`& < > " '` as entities). Every feed
/// escapes the full content of its newest pages (once per page and build, see
/// `Views::feed_entry`), tens of kilobytes each: Tera's HTML escape (pulldown-cmark-escape,
/// which scans with SIMD) does the work, and its `&#39;` becomes XML's `&apos;`.
pub fn escape_xml(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    let escaped = match escape_html(text, &mut out) {
        Ok(()) => String::from_utf8(out).ok(),
        Err(_) => None,
    };
    let Some(escaped) = escaped else {
        // Writing to a Vec cannot fail, and the escape keeps UTF-8; just in case, slowly.
        return escape_xml_bytewise(text);
    };
    // Every `&` of the text became `&amp;`, so each `&#39;` here is an escaped `'`.
    if escaped.contains("&#39;") {
        escaped.replace("&#39;", "&apos;")
    } else {
        escaped
    }
}

/// [`escape_xml`] a byte at a time.
fn escape_xml_bytewise(text: &str) -> String {
    crate::diagnostics::escape_entities(text, "&apos;")
}

/// Line breaks as `<br>`. Text not already marked safe is HTML-escaped first, so the result is
/// safe to print as it is (no `| safe` needed, and no markup slips in through the text).
fn linebreaksbr(text: StringInput, _: Kwargs, _: &State) -> Result<Value, Error> {
    check()?;
    let escaped = if text.is_safe() {
        text.as_str().to_string()
    } else {
        let mut out = Vec::with_capacity(text.as_str().len());
        escape_html(text.as_str(), &mut out)
            .map_err(|e| Error::message(format!("linebreaksbr: {e}")))?;
        String::from_utf8_lossy(&out).into_owned()
    };
    let html = escaped
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>");
    Ok(Value::safe_string(&html))
}

/// `date(format=…, locale=…, timezone=…)`: a date string (`2024-01-27`, RFC 3339) or a Unix
/// timestamp, formatted. With `lang`, see [`super::i18n`] (the site's catalogs). Without `locale`, `format` is strftime syntax (default
/// [`DEFAULT_DATE_FORMAT`]); with one, it is a UTS-35 pattern (`d MMMM y`), formatted by
/// `tera-contrib` with that locale's month and day names.
pub(super) fn date(value: &Value, kwargs: Kwargs, state: &State) -> Result<String, Error> {
    check()?;
    if kwargs.get::<&str>("lang")?.is_some() {
        // Without a site (unit tests, syntax checks): the built-in catalogs.
        return super::i18n::localized_date(crate::i18n::Catalogs::builtin(), value, &kwargs);
    }
    let timestamp = date_value(value)?;
    if kwargs.get::<&str>("locale")?.is_some() {
        return localized_date(timestamp, kwargs, state);
    }
    let format = kwargs.get::<&str>("format")?.unwrap_or(DEFAULT_DATE_FORMAT);
    let zoned = timestamp.to_zoned_datetime(time_zone(kwargs.get::<&str>("timezone")?)?);
    jiff::fmt::strtime::format(format, &zoned).map_err(|e| {
        Error::message(format!(
            "bad date format \"{format}\": {e} (strftime syntax, e.g. \"%-d %B %Y\")"
        ))
    })
}

/// The instant a `date` filter input names.
fn date_value(value: &Value) -> Result<jiff::Timestamp, Error> {
    if let Some(text) = value.as_str() {
        return PublishDate::parse(text)
            .map(|d| d.timestamp)
            .ok_or_else(|| {
                Error::message(format!(
                    "the `date` filter cannot read \"{text}\" as a date (write 2024-01-27 or 2024-01-27T09:30:00Z)"
                ))
            });
    }
    if let Some(seconds) = value.as_i64() {
        return jiff::Timestamp::from_second(seconds).map_err(|e| {
            Error::message(format!("the `date` filter: bad timestamp {seconds}: {e}"))
        });
    }
    Err(Error::message(format!(
        "the `date` filter needs a date string or a Unix timestamp, not a {}",
        value.name()
    )))
}

pub(super) fn time_zone(name: Option<&str>) -> Result<jiff::tz::TimeZone, Error> {
    match name {
        None | Some("UTC") => Ok(jiff::tz::TimeZone::UTC),
        Some(name) => jiff::tz::TimeZone::get(name).map_err(|_| {
            Error::message(format!(
                "unknown time zone \"{name}\" (use an IANA name such as \"Europe/Paris\")"
            ))
        }),
    }
}

/// Formats through `tera-contrib`, which reads the same arguments; the date goes to it as
/// RFC 3339 text so that both crates agree on the instant.
fn localized_date(
    timestamp: jiff::Timestamp,
    kwargs: Kwargs,
    state: &State,
) -> Result<String, Error> {
    let mut args = tera::Map::new();
    for (key, value) in kwargs.iter() {
        args.insert(key.clone(), value.clone());
    }
    if !args.contains_key(&"format".into()) {
        args.insert("format".into(), DEFAULT_LOCALE_DATE_FORMAT.into());
    }
    let value = Value::from(timestamp.to_string());
    tera_contrib::dates::date(&value, Kwargs::new(std::sync::Arc::new(args)), state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_xml_matches_teras_own() {
        let mut tera = Tera::default();
        tera.add_raw_template("t", "{{ text | escape_xml }}")
            .unwrap();
        for text in ["", "plain", "a<b>&\"c'd\"", "é<ü>—&", "<<&&''", "tail & "] {
            let mut context = tera::Context::new();
            context.insert("text", text);
            let theirs = tera.render("t", &context).unwrap();
            assert_eq!(escape_xml(text), theirs, "{text}");
        }
    }

    /// The SIMD escape with `&apos;` put back writes what a byte at a time writes, also for
    /// text that already holds `&#39;` and runs longer than a vector.
    #[test]
    fn escape_xml_matches_the_bytewise_escape() {
        let long = "<p class=\"x\">It&#39;s Tom's &amp; Jerry's — “quoted” text</p>\n".repeat(40);
        for text in [
            "",
            "'",
            "&#39;",
            "''&#39;''",
            "plain text without specials",
            &long,
        ] {
            assert_eq!(escape_xml(text), escape_xml_bytewise(text), "{text}");
        }
    }

    fn render(source: &str) -> Result<String, String> {
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html"]);
        register(&mut tera);
        let mut context = tera::Context::new();
        context.insert("text", "a < b\nc");
        context.insert("n", &42);
        tera.add_raw_template("t.html", source)
            .and_then(|()| tera.render("t.html", &context))
            .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn linebreaksbr_escapes_the_text_then_breaks_lines() {
        assert_eq!(
            render("{{ text | linebreaksbr }}").as_deref(),
            Ok("a &lt; b<br>c")
        );
    }

    /// Each filter of ours enters the time limit check: with the build stopped, each fails.
    #[test]
    fn every_filter_checks_the_time_limit() {
        use super::super::limit::{Guard, Stop, Watch};
        let calls = [
            "'2024-01-27' | date",
            "'<b>x</b>' | striptags",
            "'a b' | urlencode",
            "'a b' | urlencode_strict",
            "1 | json_encode",
            "1 | json_script",
            "text | linebreaksbr",
            "n | as_str",
        ];
        for call in calls {
            let source = format!("{{{{ {call} }}}}");
            assert!(render(&source).is_ok(), "{call}");
            let watch = Watch::new();
            watch.stop(Stop::Superseded);
            let guard = Guard::start(
                &watch,
                std::time::Duration::from_secs(60),
                "t.html",
                "t.html".into(),
                "/",
            );
            assert!(render(&source).is_err(), "{call} ran in a stopped build");
            drop(guard);
        }
    }

    #[test]
    fn json_encode_sorts_keys_so_builds_repeat() {
        let source = "{{ {'b': 1, 'a': {'d': 2, 'c': 3}, 'e': [1, 'x']} | json_encode | safe }}";
        for _ in 0..20 {
            assert_eq!(
                render(source).as_deref(),
                Ok(r#"{"a":{"c":3,"d":2},"b":1,"e":[1,"x"]}"#)
            );
        }
    }

    /// Text that would close the script element, open a comment, end a JavaScript line or
    /// break a JSON string.
    const HOSTILE: &str =
        "</script><script>alert(\"x\")</script> <!-- a & b \\ 'q'\nline\u{2028}\u{2029}";

    fn render_with_title(source: &str) -> Result<String, String> {
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html"]);
        register(&mut tera);
        let mut context = tera::Context::new();
        context.insert("title", HOSTILE);
        tera.add_raw_template("t.html", source)
            .and_then(|()| tera.render("t.html", &context))
            .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn json_script_escapes_what_could_leave_the_script_element() {
        let source =
            "{{ {'@type': 'Report', 'headline': title, 'keywords': [title, 1]} | json_script }}";
        let Ok(out) = render_with_title(source) else {
            panic!("render failed: {:?}", render_with_title(source));
        };
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}', '\n'] {
            assert!(!out.contains(bad), "{bad:?} left in {out}");
        }
        assert!(out.contains(r"\u003c/script\u003e"), "{out}");
        assert!(out.contains(r"\u2028\u2029"), "{out}");
        // Not HTML-escaped: the JSON reads as it was written.
        assert!(!out.contains("&quot;"), "{out}");
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(
            parsed,
            serde_json::json!({"@type": "Report", "headline": HOSTILE, "keywords": [HOSTILE, 1]})
        );
        // Keys sorted, so builds repeat byte for byte.
        assert!(out.starts_with(r#"{"@type":"Report","headline":"#), "{out}");
    }

    #[test]
    fn json_script_serialises_every_kind_of_value() {
        let cases = [
            ("{{ none | json_script }}", "null"),
            ("{{ true | json_script }}", "true"),
            ("{{ 1.5 | json_script }}", "1.5"),
            ("{{ 'a>b' | json_script }}", r#""a\u003eb""#),
            ("{{ [] | json_script }}", "[]"),
            ("{{ {} | json_script }}", "{}"),
            ("{{ 1.0 | json_script }}", "1.0"),
            ("{{ -3 | json_script }}", "-3"),
            (
                "{{ {2: 'b', 1: 'a'} | json_script }}",
                r#"{"1":"a","2":"b"}"#,
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(
                render_with_title(source).as_deref(),
                Ok(expected),
                "{source}"
            );
        }
    }

    /// Every character from U+0000 to U+00FF, and a few beyond, reads back as itself.
    #[test]
    fn json_script_strings_read_back_as_written() {
        let text: String = (0u32..0x100)
            .chain([0x2028, 0x2029, 0x1F600])
            .filter_map(char::from_u32)
            .collect();
        let mut out = String::new();
        push_script_json_string(&text, &mut out);
        let back: Result<String, _> = serde_json::from_str(&out);
        assert_eq!(back.ok().as_deref(), Some(text.as_str()), "{out}");
    }

    #[test]
    fn json_script_is_near_linear() {
        crate::test_support::assert_near_linear(
            "json_script",
            20_000,
            |n| Value::from(vec![Value::from(HOSTILE); n]),
            |value| {
                let mut out = String::new();
                write_script_json(value, &mut out);
                std::hint::black_box(out);
            },
        );
    }

    #[test]
    fn as_str_matches_teras_str() {
        assert_eq!(render("{{ n | as_str }}"), render("{{ n | str }}"));
        assert_eq!(render("{{ n | as_str ~ 'x' }}").as_deref(), Ok("42x"));
    }

    #[test]
    fn dates_format_with_and_without_a_locale() {
        let cases = [
            ("{{ '2024-01-27' | date }}", "27 January 2024"),
            ("{{ '2024-01-27' | date(format='%Y') }}", "2024"),
            ("{{ '2024-01-27' | date(locale='fr') }}", "27 janvier 2024"),
            (
                "{{ '2024-01-27T09:30:00Z' | date(locale='de', format='EEEE d. MMMM y') }}",
                "Samstag 27. Januar 2024",
            ),
            ("{{ 0 | date(format='%F') }}", "1970-01-01"),
        ];
        for (source, expected) in cases {
            assert_eq!(render(source).as_deref(), Ok(expected), "{source}");
        }
        for bad in [
            "{{ 'soon' | date }}",
            "{{ '2024-01-27' | date(locale='fr', format='%Y') }}",
            "{{ '2024-01-27' | date(timezone='Mars/Base') }}",
        ] {
            assert!(render(bad).is_err(), "{bad}");
        }
    }
}
