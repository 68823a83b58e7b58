//! Translations: `brief.ar.md` is the Arabic version of `brief.md` (so are `index.ar.md` in a
//! page folder and `_index.ar.md` for a section). A file's *key* is the path of the page it
//! translates, the same in every language; the site model gives it a language and a URL.

use super::super::config::languages::is_language_code;

/// Splits a content path (or file name) into its key and the language code written before
/// `.md`, when that code has the shape of a language tag: `briefs/x.ar.md` is
/// (`briefs/x.md`, `Some("ar")`), `briefs/x.md` and `report.v2.md` have none.
pub fn language_of(rel: &str) -> (std::borrow::Cow<'_, str>, Option<&str>) {
    let Some(stem) = rel.strip_suffix(".md") else {
        return (rel.into(), None);
    };
    let name_start = stem.rfind('/').map_or(0, |i| i + 1);
    match stem[name_start..].rsplit_once('.') {
        Some((name, code)) if !name.is_empty() && is_language_code(code) => {
            let key = format!("{}{name}.md", &stem[..name_start]);
            (key.into(), Some(code))
        }
        _ => (rel.into(), None),
    }
}

/// The folder of a folder page (`briefs/x/` for `briefs/x/index.md` and for its translation
/// `briefs/x/index.ar.md`), where its assets are; `None` for any other file.
pub fn page_folder(rel: &str) -> Option<&str> {
    let name_start = rel.rfind('/').map_or(0, |i| i + 1);
    let name = &rel[name_start..];
    let is_index = name == "index.md"
        || name
            .strip_prefix("index.")
            .and_then(|n| n.strip_suffix(".md"))
            .is_some_and(is_language_code);
    is_index.then(|| &rel[..name_start])
}

/// The content path of `key`'s translation into `code` (`briefs/x.md` → `briefs/x.ar.md`).
pub fn translated_rel(key: &str, code: &str) -> String {
    let stem = key.strip_suffix(".md").unwrap_or(key);
    format!("{stem}.{code}.md")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_codes() {
        let split = |rel| {
            let (key, code) = language_of(rel);
            (key.into_owned(), code.map(str::to_string))
        };
        let some = |k: &str, c: &str| (k.to_string(), Some(c.to_string()));
        assert_eq!(split("briefs/x.ar.md"), some("briefs/x.md", "ar"));
        assert_eq!(
            split("briefs/x/index.ar.md"),
            some("briefs/x/index.md", "ar")
        );
        assert_eq!(split("_index.pt-br.md"), some("_index.md", "pt-br"));
        assert_eq!(split("index.ar.md"), some("index.md", "ar"));
        for plain in [
            "briefs/x.md",
            "report.v2.md",
            "a.b/x.md",
            ".ar.md",
            "x.AR.md",
        ] {
            assert_eq!(split(plain), (plain.to_string(), None), "{plain}");
        }
        assert_eq!(translated_rel("briefs/x.md", "ar"), "briefs/x.ar.md");
        assert_eq!(translated_rel("_index.md", "ar"), "_index.ar.md");
    }
}
