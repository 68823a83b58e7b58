//! Which way a language's script runs, for `<html dir="…">`: right to left for Arabic,
//! Persian, Urdu, Hebrew and the others CLDR writes in a right-to-left script.
//!
//! ICU's likely-subtags data decides (`ar` → Arab → right to left; `az-Arab` too; `ku` →
//! Latn → left to right), so the list is CLDR's rather than one kept by hand.

use icu_locale::{Direction, LanguageIdentifier, LocaleDirectionality};

/// `"rtl"` when `language` (a BCP 47 tag: `ar`, `fa-IR`, `ur`, `he`, `az-Arab`) is written
/// right to left, else `"ltr"`, also for a tag ICU cannot read or does not know: left to
/// right is what a browser assumes without `dir`.
pub fn html_dir(language: &str) -> &'static str {
    let Ok(id) = LanguageIdentifier::try_from_str(language.trim()) else {
        return "ltr";
    };
    match LocaleDirectionality::new_extended().get(&id) {
        Some(Direction::RightToLeft) => "rtl",
        _ => "ltr",
    }
}

#[cfg(test)]
mod tests {
    use super::html_dir;

    #[test]
    fn right_to_left_languages_and_scripts() {
        for rtl in [
            "ar", "ar-IQ", "fa", "fa-IR", "ur", "he", "ps", "sd", "ckb", "ug", "yi",
        ] {
            assert_eq!(html_dir(rtl), "rtl", "{rtl}");
        }
        // A script subtag overrides the language's usual script, either way.
        assert_eq!(html_dir("az-Arab"), "rtl");
        assert_eq!(html_dir("ar-Latn"), "ltr");
    }

    #[test]
    fn everything_else_is_left_to_right() {
        for ltr in [
            "en",
            "en-GB",
            "fr",
            "ku",
            "tr",
            "zh-Hant",
            "ja",
            "",
            "not a tag",
            "qqq",
        ] {
            assert_eq!(html_dir(ltr), "ltr", "{ltr:?}");
        }
    }
}
