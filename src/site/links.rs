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
}

impl LinkResolver for Resolver<'_> {
    fn resolve(&self, rel: &str) -> Option<String> {
        self.hrefs.get(rel.trim_start_matches('/')).cloned()
    }

    fn unavailable(&self, rel: &str) -> Option<String> {
        let rel = rel.trim_start_matches('/');
        self.upcoming
            .iter()
            .find(|u| u.rel == rel)
            .map(embargo::Upcoming::reason)
    }
}

/// Resolves `@/` links against a built model (the same URLs [`build`] gives them).
pub struct ModelResolver<'a>(pub &'a SiteModel);

impl LinkResolver for ModelResolver<'_> {
    fn resolve(&self, rel: &str) -> Option<String> {
        let model = self.0;
        match model.by_rel.get(rel.trim_start_matches('/'))? {
            ContentRef::Page(i) => Some(model.urls.href(&model.pages[*i].path)),
            ContentRef::Section(i) => Some(model.urls.href(&model.sections[*i].path)),
        }
    }
}

/// Re-checks the `#anchor` links that involve page `index`: its own, and every link to it.
pub fn check_anchors_around(model: &SiteModel, index: usize) -> Vec<Diagnostic> {
    let target_rel = &model.pages[index].source.rel;
    let mut errors = Vec::new();
    for (i, page) in model.pages.iter().enumerate() {
        for link in &page.rendered.internal_links {
            let Some(anchor) = &link.anchor else { continue };
            if i != index && link.target != *target_rel {
                continue;
            }
            let anchors = match model.by_rel.get(&link.target) {
                Some(ContentRef::Page(t)) => &model.pages[*t].rendered.anchors,
                Some(ContentRef::Section(t)) => &model.sections[*t].rendered.anchors,
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
