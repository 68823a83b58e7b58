//! What a template render read, recorded while it runs.
//!
//! Template functions (`get_page`, `get_section`, `get_url`, `get_taxonomy`, `load_data`, `now`)
//! note each read here. A render runs on one thread from start to end, so a thread-local log
//! ties reads to the output being rendered; `serve` uses the log to know which outputs an edit
//! makes stale.

use std::cell::RefCell;

/// One thing a template read through a function.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Read {
    /// The full view of a page (its body included), by content path.
    PageFull(String),
    /// A section view (its listing), by content path.
    Section(String),
    /// The URL of an `@/` path, by content path.
    Url(String),
    /// A taxonomy's terms (`get_taxonomy`, `get_taxonomy_url`), by name.
    Taxonomy(String),
    /// A data file (`load_data`), by canonical path.
    File(std::path::PathBuf),
    /// The build's time (`now`), in nanoseconds since the Unix epoch.
    Now(i128),
}

thread_local! {
    static LOG: RefCell<Option<Vec<Read>>> = const { RefCell::new(None) };
}

/// Records a read, when a recording is running on this thread.
pub fn record(read: Read) {
    LOG.with(|log| {
        if let Some(log) = log.borrow_mut().as_mut() {
            log.push(read);
        }
    });
}

/// Runs `f`, returning its result and what it read. Recordings nest: what an inner one
/// records is also recorded by the one around it (a PDF job renders `brief.typ` inside the
/// job's own recording).
pub fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<Read>) {
    let outer = LOG.with(|log| log.borrow_mut().replace(Vec::new()));
    let result = f();
    let mut reads = LOG.with(|log| log.borrow_mut().take()).unwrap_or_default();
    if let Some(mut outer) = outer {
        outer.extend(reads.iter().cloned());
        LOG.with(|log| *log.borrow_mut() = Some(outer));
    }
    reads.sort();
    reads.dedup();
    (result, reads)
}
