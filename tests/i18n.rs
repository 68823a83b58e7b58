//! Interface strings and dates per language (docs/content.md, "Interface strings"): the
//! built-in Arabic catalog on a site whose language is `ar` (words, month names, Arabic-Indic
//! digits, plural forms, the words Markdown writes), a site's override of one key, the
//! `[format]` digits setting, the missing-key error (file, line, key and language; the old
//! output kept), and `[strings]` still honoured with a deprecation warning.

mod common;

use common::*;

const BRIEF: &str = "+++\ntitle = \"موجز الاختبار\"\ndate = 2024-01-27\nupdated = 2024-03-05\n\
key_points = [\"نقطة أولى\"]\ntopics = [\"الأمن\"]\n\n[[events]]\ndate = \"2024-09\"\ntitle = \"حدث\"\n+++\n\n\
## القسم الأول\n\nنص مع حاشية.[^1]\n\n> [!NOTE]\n> ملاحظة.\n\n[^1]: الحاشية.\n";

/// An Arabic site (`language = "ar"`) with one brief, built with the default theme.
fn arabic_site(extra: &[(&str, &str)]) -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"موجزات\"\nbase_url = \"https://x.org\"\nlanguage = \"ar\"\ntaxonomies = [\"topics\"]\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"الرئيسية\"\n+++\n");
    site.write("content/briefs/test.md", BRIEF);
    for (rel, text) in extra {
        site.write(rel, text);
    }
    site
}

#[test]
fn an_arabic_site_speaks_arabic_with_arabic_dates_and_digits() {
    let site = arabic_site(&[]);
    site.build_ok(&[]);
    let html = site.html("briefs/test/index.html");
    assert_eq!(text(one(&html, "#key-points-title")), "النقاط الرئيسية");
    assert_eq!(text(one(&html, "#toc-title")), "المحتويات");
    assert_eq!(attr(one(&html, "a.skip-link"), "href"), "#main");
    assert_eq!(text(one(&html, "a.skip-link")), "الانتقال إلى المحتوى");
    // Month names and Arabic-Indic digits.
    let dates = texts(&html, ".brief-header time");
    assert_eq!(dates, ["٢٧ يناير ٢٠٢٤", "٥ مارس ٢٠٢٤"]);
    assert!(text(one(&html, ".brief-header .meta")).contains("حُدّث في"));
    // An event's month is written as a month.
    assert_eq!(texts(&html, ".brief-events time"), ["سبتمبر ٢٠٢٤"]);
    // Words written by Markdown come from the same catalog.
    assert_eq!(
        text(one(&html, "aside.callout-note > p.callout-label")),
        "ملاحظة"
    );
    // A short brief reads in under a minute: Arabic's plural forms pick the words.
    assert!(
        text(one(&html, ".brief-header .meta")).contains("قراءة في"),
        "{}",
        text(one(&html, ".brief-header .meta"))
    );

    // Taxonomy names have keys of their own (`taxonomy_topics`).
    assert_eq!(texts(&html, ".terms-heading"), ["المواضيع"]);
    assert_eq!(texts(&html, "nav[aria-label=الموقع] a"), ["المواضيع"]);

    let home = site.html("index.html");
    assert_eq!(texts(&home, ".card time"), ["٢٧ يناير ٢٠٢٤"]);
    let term = site.html("topics/الأمن/index.html");
    let count = &texts(&term, "main > p.meta")[0];
    assert!(count.starts_with("موجز واحد"), "{count}");
}

#[test]
fn a_site_overrides_one_key_and_the_digits() {
    let site = arabic_site(&[(
        "i18n/ar.toml",
        "key_points = \"أبرز النقاط\"\n\n[format]\ndigits = \"latn\"\n",
    )]);
    site.build_ok(&[]);
    let html = site.html("briefs/test/index.html");
    assert_eq!(text(one(&html, "#key-points-title")), "أبرز النقاط");
    // The other keys keep the built-in words.
    assert_eq!(text(one(&html, "#toc-title")), "المحتويات");
    assert_eq!(
        texts(&html, ".brief-header time"),
        ["27 يناير 2024", "5 مارس 2024"]
    );
}

#[test]
fn a_missing_key_is_an_error_naming_template_key_and_language() {
    let site = arabic_site(&[]);
    site.build_ok(&[]);
    site.write(
        "templates/brief.html",
        "{% extends \"builtin/brief.html\" %}\n{% block title %}\n{{ trans(key=\"no_such_words\", lang=lang) }}{% endblock title %}\n",
    );
    let err = site.fails_with(
        "templates/brief.html:3",
        &["\"no_such_words\"", "language \"ar\"", "i18n/ar.toml"],
    );
    assert!(err.contains("trans"), "{err}");
}

#[test]
fn a_misspelt_word_is_an_error_naming_template_key_and_language() {
    let site = arabic_site(&[]);
    site.build_ok(&[]);
    site.write(
        "templates/brief.html",
        "{% extends \"builtin/brief.html\" %}\n{% block title %}\n{{ words.key_pionts }}{% endblock title %}\n",
    );
    let err = site.fails_with(
        "templates/brief.html:3:10",
        &[
            "\"key_pionts\"",
            "language \"ar\"",
            "did you mean \"key_points\"",
            "hint: add key_pionts = \"…\" to i18n/ar.toml",
        ],
    );
    // Not Tera's list of every key of the catalog.
    assert!(!err.contains("Available fields"), "{err}");

    // The same through a filter, and as an index.
    site.write(
        "templates/brief.html",
        "{% extends \"builtin/brief.html\" %}\n{% block title %}{{ words.key_pionts | upper }}{{ words['key_points'] }}{% endblock title %}\n",
    );
    site.fails_with(
        "templates/brief.html:2:21",
        &[
            "no translation of \"key_pionts\" in language \"ar\"",
            "i18n/ar.toml",
        ],
    );
    site.write(
        "templates/brief.html",
        "{% extends \"builtin/brief.html\" %}\n{% block title %}{{ words['key_pionts'] }}{% endblock title %}\n",
    );
    site.fails_with(
        "templates/brief.html:2:21",
        &[
            "no translation of \"key_pionts\" in language \"ar\"",
            "i18n/ar.toml",
        ],
    );

    // A key with plural forms is not in `words`: the error says to count with `trans`.
    site.write(
        "templates/brief.html",
        "{% extends \"builtin/brief.html\" %}\n{% block title %}{{ words.brief_count }}{% endblock title %}\n",
    );
    site.fails_with(
        "templates/brief.html:2",
        &[
            "\"brief_count\" has plural forms",
            "trans(key=\"brief_count\", lang=lang, n=…)",
        ],
    );
}

#[test]
fn words_give_the_texts_trans_gives() {
    let site = arabic_site(&[("i18n/ar.toml", "key_points = \"أبرز النقاط\"\n")]);
    site.write(
        "templates/brief.html",
        "{% extends \"builtin/brief.html\" %}\n{% block title %}{{ words.key_points }}|{{ trans(key='key_points', lang=lang) }}|{{ words['list_separator'] }}|{{ words.contents }}{% endblock title %}\n",
    );
    site.build_ok(&[]);
    let html = site.html("briefs/test/index.html");
    assert_eq!(
        text(one(&html, "title")),
        "أبرز النقاط|أبرز النقاط|، |المحتويات"
    );
}

#[test]
fn a_language_without_a_catalog_is_an_error() {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://x.org\"\nlanguage = \"fr\"\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Accueil\"\n+++\n");
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("no interface strings for language \"fr\""),
        "{err}"
    );
    assert!(err.contains("i18n/fr.toml"), "{err}");
}

#[test]
fn a_bad_catalog_is_an_error_with_its_line() {
    let site = arabic_site(&[("i18n/ar.toml", "key_points = \"x\"\nbrief_count = 3\n")]);
    let output = site.build(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("i18n/ar.toml:2"), "{err}");
    assert!(err.contains("\"brief_count\""), "{err}");
}

#[test]
fn legacy_strings_still_work_with_a_warning() {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"T\"\nbase_url = \"https://x.org\"\n\n[strings]\nkey_points = \"Highlights\"\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    site.write(
        "content/briefs/b.md",
        "+++\ntitle = \"B\"\ndate = 2024-01-01\nkey_points = [\"x\"]\n+++\n\nText.\n",
    );
    let output = site.build_ok(&[]);
    let err = stderr(&output);
    assert!(err.contains("[strings] is deprecated"), "{err}");
    assert!(err.contains("i18n/en.toml"), "{err}");
    assert!(err.contains("key_points = \"Highlights\""), "{err}");
    let html = site.html("briefs/b/index.html");
    assert_eq!(text(one(&html, "#key-points-title")), "Highlights");
}
