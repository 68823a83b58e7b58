//! Embargo: a brief whose `publish_date` is still to come is held back until then — out of
//! listings, feeds, the sitemap, author pages and the timeline, and not a link target for the
//! briefs that are published. "Now" is an input of the build ([`super::ModelOptions::now`]), so
//! a build is a function of its inputs and tests can fix the time.

use std::path::PathBuf;

use crate::content::{PageMeta, Parsed, PublishDate};

/// A brief waiting for its publication time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upcoming {
    /// Content path (`briefs/x.md`).
    pub rel: String,
    /// The file, as messages show it.
    pub display_path: PathBuf,
    /// Its title.
    pub title: String,
    /// When it publishes.
    pub publish_date: PublishDate,
}

impl Upcoming {
    /// What a link to it says it is.
    pub fn reason(&self) -> String {
        format!("is embargoed until {}", self.publish_date.rfc3339())
    }
}

/// When a page publishes, if that is after `now`.
pub fn until(meta: &PageMeta, now: jiff::Timestamp) -> Option<&PublishDate> {
    meta.publish_date.as_ref().filter(|d| d.timestamp > now)
}

/// Whether a page's `expiry_date` has passed at `now`.
pub fn expired(meta: &PageMeta, now: jiff::Timestamp) -> bool {
    meta.expiry_date
        .as_ref()
        .is_some_and(|d| d.timestamp <= now)
}

/// The upcoming entry of a page under embargo at `now`.
pub fn upcoming(page: &Parsed<PageMeta>, now: jiff::Timestamp) -> Option<Upcoming> {
    until(&page.meta, now).map(|date| Upcoming {
        rel: page.rel.clone(),
        display_path: page.display_path.clone(),
        title: page.meta.title.clone(),
        publish_date: date.clone(),
    })
}
