use super::*;

fn site(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Catalogs, Vec<Diagnostic>>) {
    let dir = tempfile::tempdir().unwrap();
    let i18n = dir.path().join("i18n");
    std::fs::create_dir_all(&i18n).unwrap();
    for (name, text) in files {
        std::fs::write(i18n.join(name), text).unwrap();
    }
    let root = dir.path().to_path_buf();
    let loaded = Catalogs::load(&i18n, &root, None, |p| {
        crate::diagnostics::relative_to(p, &root)
    });
    (dir, loaded)
}

#[test]
fn builtin_catalogs_have_every_string_in_both_languages() {
    let builtin = Catalogs::builtin();
    let en = builtin.strings_for("en").unwrap();
    assert_eq!(en.key_points, "Key points");
    let ar = builtin.strings_for("ar").unwrap();
    assert_eq!(ar.key_points, "النقاط الرئيسية");
    // Every key of the English catalog is translated into Arabic.
    let (en, ar) = (builtin.get("en").unwrap(), builtin.get("ar").unwrap());
    let mut untranslated: Vec<&str> = en
        .entries
        .keys()
        .filter(|k| !ar.has(k))
        .map(String::as_str)
        .collect();
    untranslated.sort();
    assert!(untranslated.is_empty(), "{untranslated:?}");
}

#[test]
fn strings_keys_are_the_fields() {
    let table = toml::Table::try_from(Strings::default()).unwrap();
    let mut fields: Vec<&str> = table.keys().map(String::as_str).collect();
    let mut keys = Strings::KEYS.to_vec();
    fields.sort();
    keys.sort();
    assert_eq!(fields, keys);
}

#[test]
fn a_site_catalog_overrides_one_key_and_keeps_the_rest() {
    let (_dir, loaded) = site(&[("ar.toml", "key_points = \"أبرز النقاط\"\n")]);
    let catalogs = loaded.unwrap();
    let ar = catalogs.strings_for("ar").unwrap();
    assert_eq!(ar.key_points, "أبرز النقاط");
    assert_eq!(ar.summary, "الملخص");
    assert_eq!(catalogs.get("ar").unwrap().files.len(), 2);
}

#[test]
fn a_new_language_must_have_the_words_markdown_writes() {
    let (_dir, loaded) = site(&[("fr.toml", "key_points = \"Points clés\"\n")]);
    let catalogs = loaded.unwrap();
    assert_eq!(catalogs.get("fr-CA").unwrap().lang, "fr");
    let e = catalogs.strings_for("fr").unwrap_err();
    assert!(e.message.contains("\"fr\""), "{}", e.message);
    assert!(e.message.contains("\"alert_note\""), "{}", e.message);
    assert_eq!(e.location.unwrap().file, Path::new("i18n/fr.toml"));
    let e = catalogs.strings_for("de").unwrap_err();
    assert!(
        e.message
            .contains("no interface strings for language \"de\"")
    );
}

#[test]
fn bad_catalogs_are_errors_with_places() {
    let (_dir, loaded) = site(&[(
        "ar.toml",
        "key_points = \"x\"\nbrief_count = { one = \"a\", fwe = \"b\", other = \"c\" }\n",
    )]);
    let e = &loaded.unwrap_err()[0];
    assert!(e.message.contains("\"fwe\""), "{}", e.message);
    assert_eq!(e.location.as_ref().unwrap().line, Some(2));

    let (_dir, loaded) = site(&[(
        "ar.toml",
        "[format]\ndigits = \"arab\"\ndate = \"d MMMM y\"\ndigist = \"latn\"\n",
    )]);
    let e = &loaded.unwrap_err()[0];
    assert!(
        e.message.contains("did you mean \"digits\""),
        "{}",
        e.message
    );
    assert_eq!(e.location.as_ref().unwrap().line, Some(4));

    let (_dir, loaded) = site(&[("english.toml", "x = \"y\"\n")]);
    assert!(
        loaded.unwrap_err()[0]
            .message
            .contains("not a language code")
    );
}

#[test]
fn digits_and_month_names_follow_the_format_table() {
    let (_dir, loaded) = site(&[("ar.toml", "[format]\ndigits = \"latn\"\n")]);
    let catalogs = loaded.unwrap();
    let format = &catalogs.get("ar").unwrap().format;
    let day = jiff::civil::date(2024, 1, 27).to_datetime(jiff::civil::Time::midnight());
    assert_eq!(format.date(day, "d MMMM y").unwrap(), "27 يناير 2024");
    assert_eq!(format.number(42), "42");
    let builtin = &Catalogs::builtin().get("ar").unwrap().format;
    assert_eq!(builtin.date(day, "d MMMM y").unwrap(), "٢٧ يناير ٢٠٢٤");
    // ar-IQ: the month names used in Iraq and the Levant.
    let (_dir, loaded) = site(&[("ar.toml", "[format]\nlocale = \"ar-IQ\"\n")]);
    let catalogs = loaded.unwrap();
    let iraq = &catalogs.get("ar").unwrap().format;
    assert_eq!(iraq.date(day, "d MMMM y").unwrap(), "٢٧ كانون الثاني ٢٠٢٤");
}

/// A date formatted again comes from the thread's memo: the same text, for each locale and
/// pattern apart (the memo is keyed by both).
#[test]
fn a_date_formatted_twice_reads_the_same() {
    let builtin = Catalogs::builtin();
    let (en, ar) = (builtin.get("en").unwrap(), builtin.get("ar").unwrap());
    let day = jiff::civil::date(2024, 1, 27).to_datetime(jiff::civil::Time::midnight());
    for _ in 0..2 {
        assert_eq!(en.format.date(day, "d MMMM y").unwrap(), "27 January 2024");
        assert_eq!(en.format.date(day, "MMMM y").unwrap(), "January 2024");
        assert_eq!(ar.format.date(day, "d MMMM y").unwrap(), "٢٧ يناير ٢٠٢٤");
    }
}

#[test]
fn words_hold_the_plain_texts_with_a_site_override() {
    let (_dir, loaded) = site(&[("ar.toml", "key_points = \"أبرز النقاط\"\n")]);
    let catalogs = loaded.unwrap();
    let ar = catalogs.get("ar").unwrap();
    let words = ar.words();
    let text = |key: &'static str| words.get_from_path(key).and_then(Value::as_str);
    assert_eq!(text("key_points"), Some("أبرز النقاط"));
    assert_eq!(text("contents"), Some("المحتويات"));
    // Keys with plural forms need `trans(…, n=…)`.
    assert!(words.get_from_path("brief_count").is_none());
    // Every plain text is there, as `trans` would give it.
    for (key, entry) in &ar.entries {
        if let Entry::Text(v) = entry {
            assert_eq!(
                words.get_from_path(key).and_then(Value::as_str),
                v.as_str(),
                "{key}"
            );
        }
    }
}
