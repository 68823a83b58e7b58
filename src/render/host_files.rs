//! What the templates of the host files see (`[output]` in communique.toml): `_redirects`
//! lists each alias with its page, `_headers` the fingerprinted assets a host may cache for
//! ever and the address patterns of the pages, which it should revalidate.

use std::collections::BTreeSet;

use tera::{Context, Value};

use super::views::Fields;
use super::{HostFile, Job, Renderer};
use crate::site::Urls;

impl Renderer {
    pub(super) fn insert_host_file(&self, context: &mut Context, file: HostFile) {
        match file {
            HostFile::Redirects => context.insert_value("redirects", self.redirects()),
            HostFile::Headers => {
                let immutable = self.immutable_assets();
                let pages = self.page_patterns(&immutable);
                let hrefs = |paths: Vec<String>| {
                    Value::from(paths.into_iter().map(Value::from).collect::<Vec<_>>())
                };
                context.insert_value("immutable", hrefs(immutable));
                context.insert_value("pages", hrefs(pages));
            }
        }
    }

    /// `from` (an alias) and `to` (its page), as paths on the host.
    fn redirects(&self) -> Value {
        let model = &self.model;
        let mut redirects = Vec::new();
        for (p, page) in model.pages.iter().enumerate() {
            for a in 0..page.meta().aliases.len() {
                let mut f = Fields::new();
                let from = self.site_path(&Job::Alias(p, a));
                f.insert("from", Value::from(model.urls.href(&from)));
                f.insert("to", Value::from(model.urls.href(&page.path)));
                redirects.push(Value::from(f));
            }
        }
        Value::from(redirects)
    }

    /// The host paths of the fingerprinted static files.
    fn immutable_assets(&self) -> Vec<String> {
        let files = self.assets.fingerprinted_files();
        for source in files.iter().filter_map(|(_, source)| source.clone()) {
            // `serve` re-renders `_headers` when one of them changes.
            super::deps::record(super::deps::Read::File(source));
        }
        files
            .into_iter()
            .map(|(name, _)| self.model.urls.href(&format!("/{name}")))
            .collect()
    }

    /// Patterns covering every HTML page: `/` and `/404.html` as they are, one `/folder/*` per
    /// top-level folder of pages. A folder that holds a fingerprinted asset gets no pattern,
    /// as a host would combine both rules' headers on the asset.
    fn page_patterns(&self, immutable: &[String]) -> Vec<String> {
        let urls = &self.model.urls;
        let mut patterns = BTreeSet::new();
        for job in self.jobs() {
            let site_path = self.site_path(&job);
            if !Urls::output_file(&site_path).ends_with(".html") {
                continue;
            }
            let pattern = match site_path.trim_start_matches('/').split_once('/') {
                Some((folder, _)) => format!("{}*", urls.href(&format!("/{folder}/"))),
                None => urls.href(&site_path),
            };
            let prefix = pattern.trim_end_matches('*');
            let holds_asset =
                pattern.ends_with('*') && immutable.iter().any(|a| a.starts_with(prefix));
            if !holds_asset {
                patterns.insert(pattern);
            }
        }
        patterns.into_iter().collect()
    }
}
