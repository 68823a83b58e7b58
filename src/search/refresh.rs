//! The index during `serve`: refreshed in the background after each rebuild, so that an edit
//! is visible without waiting for the index, and the next query still finds the new text
//! (requests for index files wait, briefly, for a refresh in progress: see [`Refresher::idle`]).

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use crate::serve::state::ServedSite;
use crate::site::SiteModel;

/// The longest a request for an index file waits for a refresh.
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// Refreshes the served index, one refresh at a time, always for the newest model.
pub struct Refresher {
    /// The model waiting to be indexed (a newer one replaces it).
    next: Mutex<Option<Arc<SiteModel>>>,
    wake: Condvar,
    /// Whether a refresh is waiting or running.
    busy: watch::Sender<bool>,
}

impl Refresher {
    /// A refresher for `site` (whose root is `root`), with a worker thread.
    pub fn start(site: Arc<RwLock<ServedSite>>, root: PathBuf) -> Arc<Refresher> {
        let refresher = Arc::new(Refresher {
            next: Mutex::new(None),
            wake: Condvar::new(),
            busy: watch::Sender::new(false),
        });
        let worker = Arc::downgrade(&refresher);
        std::thread::spawn(move || {
            let mut served: Vec<String> = Vec::new();
            while let Some(model) = Refresher::next_model(&worker) {
                // Let the model go before indexing: `serve`'s fast path for the next edit
                // needs to own it.
                let records = super::Records::of(&model);
                drop(model);
                let index = records.map_or_else(super::Index::default, |r| r.index(&root));
                served = swap_in(&site, index.files, &served);
                if let Some(refresher) = worker.upgrade() {
                    refresher.finish();
                }
            }
        });
        refresher
    }

    /// Asks for the index of `model`, replacing any request not yet started.
    pub fn refresh(&self, model: Arc<SiteModel>) {
        if let Ok(mut next) = self.next.lock() {
            *next = Some(model);
            self.busy.send_replace(true);
            self.wake.notify_one();
        }
    }

    /// Waits until no refresh is waiting or running (at most [`LONGEST_WAIT`]).
    pub async fn idle(&self) {
        let mut busy = self.busy.subscribe();
        let _ = tokio::time::timeout(LONGEST_WAIT, busy.wait_for(|b| !b)).await;
    }

    /// The next model to index; `None` when the refresher is gone.
    fn next_model(worker: &std::sync::Weak<Refresher>) -> Option<Arc<SiteModel>> {
        loop {
            let refresher = worker.upgrade()?;
            let next = refresher.next.lock().ok()?;
            let (mut next, _) = refresher
                .wake
                .wait_timeout_while(next, Duration::from_secs(1), |n| n.is_none())
                .ok()?;
            if let Some(model) = next.take() {
                return Some(model);
            }
        }
    }

    /// Marks the refresh done unless another was asked for meanwhile.
    fn finish(&self) {
        if let Ok(next) = self.next.lock()
            && next.is_none()
        {
            self.busy.send_replace(false);
        }
    }
}

/// Serves `files` in place of the index files `previous`; returns the paths now served.
fn swap_in(
    site: &RwLock<ServedSite>,
    files: Vec<crate::render::OutputFile>,
    previous: &[String],
) -> Vec<String> {
    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    let keep: std::collections::HashSet<&str> = paths.iter().map(String::as_str).collect();
    let removed: Vec<String> = previous
        .iter()
        .filter(|p| !keep.contains(p.as_str()))
        .cloned()
        .collect();
    let loaded = match site.read() {
        Ok(site) => site.load(files, &[]),
        Err(_) => return paths,
    };
    if let Ok(mut site) = site.write() {
        site.apply(loaded.files, &removed);
    }
    paths
}
