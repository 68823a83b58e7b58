//! Link targets: `@/` paths resolved while the model is built ([`Resolver`]) and against a
//! built model ([`ModelResolver`]), and the `#anchor` checks `serve` repeats after an edit.

use std::collections::HashMap;

use super::{ContentRef, SiteModel, embargo};
use crate::diagnostics::Diagnostic;
use crate::markdown::LinkResolver;

/// Resolves `@/` links while the model is built: content path → href, and the briefs under
/// embargo, which published briefs may not link to yet.
pub(super) struct Resolver<'a> {
    pub(super) hrefs: &'a HashMap<String, String>,
    /// Briefs under embargo, which published briefs may not link to yet.
    pub(super) upcoming: &'a [embargo::Upcoming],
    /// For a page in a language other than the default: where its links lead first.
    pub(super) language: Option<InLanguage<'a>>,
}

/// The pages and sections of one language other than the default, by the content path they
/// translate: an `@/briefs/x.md` link from an Arabic page leads to `briefs/x.ar.md`.
pub(super) struct InLanguage<'a> {
    pub(super) hrefs: &'a HashMap<String, String>,
    pub(super) language: &'a crate::config::Language,
}

impl Resolver<'_> {
    /// Whether `rel` is a page in the default language with no translation into this
    /// resolver's language, which links may not fall back to.
    fn untranslated(&self, rel: &str) -> Option<&crate::config::Language> {
        let language = self.language.as_ref()?;
        let untranslated = !language.hrefs.contains_key(rel)
            && self.hrefs.contains_key(rel)
            && !language.language.fallback
            // A link naming a translation (`@/briefs/x.fr.md`) means that very file.
            && crate::content::translation::language_of(rel).1.is_none();
        untranslated.then_some(language.language)
    }
}

impl LinkResolver for Resolver<'_> {
    fn resolve(&self, rel: &str) -> Option<String> {
        let rel = rel.trim_start_matches('/');
        if let Some(language) = &self.language {
            if let Some(href) = language.hrefs.get(rel) {
                return Some(href.clone());
            }
            if self.untranslated(rel).is_some() {
                return None;
            }
        }
        self.hrefs.get(rel).cloned()
    }

    fn unavailable(&self, rel: &str) -> Option<String> {
        let rel = rel.trim_start_matches('/');
        self.upcoming
            .iter()
            .find(|u| u.rel == rel)
            .map(embargo::Upcoming::reason)
    }

    fn untranslated(&self, rel: &str) -> Option<(String, String)> {
        let rel = rel.trim_start_matches('/');
        let language = Resolver::untranslated(self, rel)?;
        let code = &language.code;
        Some((
            format!("link to \"@/{rel}\", which has no translation into \"{code}\""),
            format!(
                "an @/ link leads to the page in the linking page's language: translate it as {}, link to another page, or set `fallback = true` under [languages.{code}] to link to the {} page",
                crate::content::translation::translated_rel(rel, code),
                "default language's"
            ),
        ))
    }
}

/// Resolves `@/` links against a built model (the same URLs [`build`] gives them), from a
/// page in the default language.
pub struct ModelResolver<'a>(pub &'a SiteModel);

impl LinkResolver for ModelResolver<'_> {
    fn resolve(&self, rel: &str) -> Option<String> {
        href_of(self.0, self.0.by_rel.get(rel.trim_start_matches('/'))?)
    }
}

/// Resolves `@/` links against a built model from a page in language `lang`, as the build's
/// [`Resolver`] does: to the target's version in that language, else (with `fallback`, or for
/// a link naming a translation's own file) to the target itself. `serve` renders an edited
/// translation with it.
pub struct LanguageResolver<'a> {
    /// The model.
    pub model: &'a SiteModel,
    /// The linking page's language (an index into [`crate::config::Config::languages`]).
    pub lang: usize,
}

impl LinkResolver for LanguageResolver<'_> {
    fn resolve(&self, rel: &str) -> Option<String> {
        let (model, rel) = (self.model, rel.trim_start_matches('/'));
        let Some(language) = model
            .config
            .languages
            .get(self.lang)
            .filter(|_| self.lang != 0)
        else {
            return ModelResolver(model).resolve(rel);
        };
        let translated = crate::content::translation::translated_rel(rel, &language.code);
        if let Some(found) = model.by_rel.get(&translated) {
            return href_of(model, found);
        }
        let found = model.by_rel.get(rel)?;
        let untranslated =
            !language.fallback && crate::content::translation::language_of(rel).1.is_none();
        if untranslated {
            return None;
        }
        href_of(model, found)
    }
}

fn href_of(model: &SiteModel, found: &ContentRef) -> Option<String> {
    match found {
        ContentRef::Page(i) => Some(model.urls.href(&model.pages[*i].path)),
        ContentRef::Section(i) => Some(model.urls.href(&model.sections[*i].path)),
    }
}

/// `@static/` links in pages and sections to files the site does not copy (`copied`: the
/// output paths of static files and page assets), with a did-you-mean.
pub fn check_static_links(
    model: &SiteModel,
    copied: &std::collections::HashSet<&str>,
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for page in &model.pages {
        missing_static(&page.source, &page.rendered, copied, &mut errors);
    }
    for section in &model.sections {
        missing_static(&section.source, &section.rendered, copied, &mut errors);
    }
    errors
}

/// The `@static/` links of one body that name no copied file.
fn missing_static<M>(
    source: &crate::content::Parsed<M>,
    rendered: &crate::markdown::Rendered,
    copied: &std::collections::HashSet<&str>,
    errors: &mut Vec<Diagnostic>,
) {
    for link in &rendered.static_links {
        if copied.contains(link.path.as_str()) {
            continue;
        }
        let hint = match crate::diagnostics::did_you_mean(&link.path, copied.iter().copied()) {
            Some(s) => format!("did you mean \"@static/{s}\"?"),
            None => "an @static/ link names a file in static/ (or beside a brief in its folder), e.g. @static/images/map.png".to_string(),
        };
        let message = format!("link to a missing file \"@static/{}\"", link.path);
        errors.push(source.error_in_body(link.offset, message).hint(hint));
    }
}

/// Re-checks the `#anchor` links that involve page `index`: its own, and every link to it.
pub fn check_anchors_around(model: &SiteModel, index: usize) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for (i, page) in model.pages.iter().enumerate() {
        for link in &page.rendered.internal_links {
            let Some(anchor) = &link.anchor else { continue };
            // A link leads to the target's version in the linking page's language: from an
            // Arabic page, `@/x.md#a` checks the headings of `x.ar.md`.
            let target = super::find_target(&model.by_rel, &model.config, page.lang, &link.target);
            if i != index && target != Some(ContentRef::Page(index)) {
                continue;
            }
            let anchors = match target {
                Some(ContentRef::Page(t)) => &model.pages[t].rendered.anchors,
                Some(ContentRef::Section(t)) => &model.sections[t].rendered.anchors,
                None => continue,
            };
            if !anchors.contains(anchor) {
                errors.push(page.source.error_in_body(
                    link.offset,
                    format!("@/{} has no heading with the id \"{anchor}\"", link.target),
                ));
            }
        }
    }
    errors
}
