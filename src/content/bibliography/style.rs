//! The site's citation style: a CSL style bundled with hayagriva, chosen by name in
//! `communique.toml` (`citation_style = "apa"`).

use hayagriva::archive::{ArchivedStyle, LOCALES, locales};
use hayagriva::citationberg::{IndependentStyle, Locale, LocaleCode, Style};

/// The style used when the configuration names none.
pub const DEFAULT_STYLE: &str = "chicago-author-date";

/// A CSL style ready to format with, and the locales it draws its terms from.
#[derive(Debug)]
pub struct CitationStyle {
    /// The name it was chosen by.
    pub name: String,
    /// The style.
    pub csl: IndependentStyle,
    /// CSL locales (terms such as "p." and "and"): the site's language and English.
    pub locales: Vec<Locale>,
    /// The site's language, which citations are written in, if the locales have it.
    pub locale: Option<LocaleCode>,
    /// The language asked for.
    pub language: String,
}

impl CitationStyle {
    /// Whether a bundled style is called `name`, without loading it.
    pub fn check_name(name: &str) -> Result<(), UnknownStyle> {
        ArchivedStyle::by_name(name)
            .map(|_| ())
            .ok_or_else(|| UnknownStyle::new(name))
    }

    /// The bundled style called `name`, in English, or an error listing the names there are.
    pub fn by_name(name: &str) -> Result<CitationStyle, UnknownStyle> {
        Self::for_language(name, "en")
    }

    /// The bundled style called `name` with the terms of `language` (a BCP 47 tag; English
    /// where the style's locales have no such language).
    pub fn for_language(name: &str, language: &str) -> Result<CitationStyle, UnknownStyle> {
        let archived = ArchivedStyle::by_name(name).ok_or_else(|| UnknownStyle::new(name))?;
        let base = |code: &str| code.split('-').next().unwrap_or(code).to_ascii_lowercase();
        let wanted = base(language);
        // hayagriva searches the locales for every term: keep only those it may use.
        let usable = |l: &Locale| {
            l.lang.as_ref().is_some_and(|code| {
                matches!(base(&code.0).as_str(), "en") || base(&code.0) == wanted
            })
        };
        let locales: Vec<Locale> = usable_locales(&wanted)
            .into_iter()
            .filter(|l| usable(l))
            .collect();
        let known = locales
            .iter()
            .any(|l| l.lang.as_ref().is_some_and(|code| base(&code.0) == wanted));
        match archived.get() {
            Style::Independent(csl) => Ok(CitationStyle {
                name: name.to_string(),
                csl,
                locales,
                locale: known.then(|| LocaleCode(language.to_string())),
                language: language.to_string(),
            }),
            // Every bundled style is independent today; a dependent one would need its parent.
            Style::Dependent(_) => Err(UnknownStyle::new(name)),
        }
    }
}

/// The bundled locales that may be English or `wanted` (a lowercase language code).
/// Decoding all of them takes a tenth of a second or more (serde builds an error message for
/// every term it tries as the wrong kind), so only those whose bytes declare English or
/// `wanted` are decoded (the caller checks the decoded code); one whose declaration cannot be
/// read is decoded too. Should none be English (a change of encoding), every locale is.
fn usable_locales(wanted: &str) -> Vec<Locale> {
    let base = |code: &str| code.split('-').next().unwrap_or(code).to_ascii_lowercase();
    let may_be_usable = |bytes: &[u8]| {
        let codes = declared_languages(bytes);
        codes.is_empty()
            || codes
                .iter()
                .any(|code| matches!(base(code).as_str(), "en") || base(code) == wanted)
    };
    let decoded: Vec<Locale> = LOCALES
        .iter()
        .filter(|bytes| may_be_usable(bytes))
        .filter_map(|bytes| ciborium::from_reader::<Locale, _>(*bytes).ok())
        .collect();
    if decoded
        .iter()
        .any(|l| l.lang.as_ref().is_some_and(|c| c.0.starts_with("en")))
    {
        decoded
    } else {
        locales()
    }
}

/// The language codes a CBOR-encoded CSL locale declares: the text after each `@xml:lang`
/// key (CBOR writes a short text as a byte `0x60 + length`, a longer one as `0x78` and a
/// length byte, then the bytes). Empty when there is no such key.
fn declared_languages(bytes: &[u8]) -> Vec<&str> {
    const KEY: &[u8] = b"\x69@xml:lang";
    memchr::memmem::find_iter(bytes, KEY)
        .filter_map(|at| {
            let rest = bytes.get(at + KEY.len()..)?;
            let (len, text) = match *rest.first()? {
                head @ 0x60..=0x77 => (usize::from(head - 0x60), rest.get(1..)?),
                0x78 => (usize::from(*rest.get(1)?), rest.get(2..)?),
                _ => return None,
            };
            std::str::from_utf8(text.get(..len)?).ok()
        })
        .collect()
}

/// Styles already loaded in this process, by (name, language): loading one takes a while and
/// every build of a `serve` session needs the same.
static SHARED: std::sync::Mutex<Vec<std::sync::Arc<CitationStyle>>> =
    std::sync::Mutex::new(Vec::new());

/// The style `name` in `language`, loaded once per process. The lock is held while loading:
/// the threads of a parallel render all ask at once, and each would otherwise decode the same
/// style (a tenth of a second of CPU each) only to throw its copy away.
pub fn shared(name: &str, language: &str) -> Result<std::sync::Arc<CitationStyle>, UnknownStyle> {
    let same = |s: &&std::sync::Arc<CitationStyle>| s.name == name && s.language == language;
    let mut loaded = SHARED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(style) = loaded.iter().find(same) {
        return Ok(style.clone());
    }
    let style = std::sync::Arc::new(CitationStyle::for_language(name, language)?);
    loaded.push(style.clone());
    Ok(style)
}

/// A style name that no bundled style has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStyle {
    /// The name asked for.
    pub name: String,
    /// The closest name there is, if one is close.
    pub suggestion: Option<&'static str>,
}

impl UnknownStyle {
    fn new(name: &str) -> Self {
        UnknownStyle {
            name: name.to_string(),
            suggestion: crate::diagnostics::did_you_mean(name, style_names()),
        }
    }

    /// A hint: the suggestion, then every name there is.
    pub fn hint(&self) -> String {
        let names = style_names().collect::<Vec<_>>().join(", ");
        match self.suggestion {
            Some(s) => format!("did you mean \"{s}\"? The bundled styles are: {names}"),
            None => format!("the bundled styles are: {names}"),
        }
    }
}

/// Every name a bundled style goes by (`apa`, `ieee`, `chicago-author-date`, …).
pub fn style_names() -> impl Iterator<Item = &'static str> {
    ArchivedStyle::all()
        .iter()
        .flat_map(|style| style.names().iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_styles_exist() {
        for name in [DEFAULT_STYLE, "apa", "ieee"] {
            assert!(CitationStyle::by_name(name).is_ok(), "{name}");
        }
    }

    /// The languages read from the locales' bytes are the ones decoding gives.
    #[test]
    fn declared_languages_match_the_decoded_ones() {
        for bytes in LOCALES {
            let locale: Locale = ciborium::from_reader(*bytes).unwrap();
            let code = locale.lang.map(|c| c.0).unwrap();
            assert_eq!(declared_languages(bytes), [code.as_str()]);
        }
    }

    /// Only English and the language asked for are decoded, and what is kept is what
    /// decoding every locale and keeping those gave.
    #[test]
    fn usable_locales_are_english_and_the_language_asked_for() {
        let codes = |locales: &[Locale]| -> Vec<String> {
            locales
                .iter()
                .filter_map(|l| l.lang.as_ref().map(|c| c.0.clone()))
                .collect()
        };
        assert_eq!(
            codes(&usable_locales("de")),
            ["de-AT", "de-CH", "de-DE", "en-GB", "en-US"]
        );
        assert_eq!(codes(&usable_locales("en")), ["en-GB", "en-US"]);
        for name in [DEFAULT_STYLE, "apa"] {
            for language in ["en-US", "ar", "de", "fr-CA", "xx"] {
                let style = CitationStyle::for_language(name, language).unwrap();
                let base = |code: &str| code.split('-').next().unwrap_or(code).to_ascii_lowercase();
                let wanted = base(language);
                let all: Vec<Locale> = locales()
                    .into_iter()
                    .filter(|l| {
                        l.lang
                            .as_ref()
                            .is_some_and(|c| base(&c.0) == "en" || base(&c.0) == wanted)
                    })
                    .collect();
                assert_eq!(style.locales, all, "{name} {language}");
            }
        }
    }

    #[test]
    fn unknown_style_suggests_a_name() {
        let e = CitationStyle::by_name("chicago-authordate").unwrap_err();
        assert_eq!(e.suggestion, Some("chicago-author-date"));
        assert!(e.hint().contains("apa"));
    }
}

#[cfg(test)]
mod timing {
    #[test]
    #[ignore = "measurement"]
    fn style_load_cost() {
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let l = hayagriva::archive::locales();
            let a = t.elapsed();
            let t = std::time::Instant::now();
            let s = hayagriva::archive::ArchivedStyle::ChicagoAuthorDate.get();
            let b = t.elapsed();
            println!("locales {a:?} ({}), style {b:?}", l.len());
            drop(s);
        }
    }
}
