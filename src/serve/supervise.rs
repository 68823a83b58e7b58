//! Rebuilds under supervision, so that no rebuild can hold up the ones after it.
//!
//! Each rebuild runs on a worker thread, on a thread pool of its own, while the rebuild loop
//! watches it:
//!
//! - a newer batch of changes stops it (renders stop at their next check point, the rebuild at
//!   its next stage), and its changes are rebuilt together with the newer ones;
//! - a render still running [`limit::GRACE`] past its time limit is in a loop no check point
//!   sees (see [`crate::render::limit`]). A thread cannot be killed, so the rebuild is
//!   abandoned: the loop reports the error and goes on with a fresh [`Rebuilder`] and a fresh
//!   pool. The stuck thread keeps a processor busy until its loop ends.
//!
//! The HTTP server runs on its own runtime and reads the served site under a lock that the
//! loop takes only to swap in a finished rebuild's files, so it answers throughout.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};

use super::rebuild::{Rebuilder, Update};
use super::watch::{Batches, InputKind};
use crate::render::limit::{self, Stop, Watch};
use crate::{BuildOptions, Diagnostic, Diagnostics, SiteDirs};

/// A batch of changed inputs.
pub type Batch = BTreeSet<(InputKind, PathBuf)>;

/// How a supervised rebuild ended.
#[derive(Debug)]
pub enum Finished {
    /// It ran to its end: the site, or its errors.
    Done(Result<Update, Diagnostics>),
    /// A render overran its time limit where no check could stop it. The rebuild was
    /// abandoned; the next one starts afresh (a full build).
    Overran(Diagnostic),
    /// Newer changes arrived and stopped it: rebuild its changes with them.
    Superseded,
}

/// Runs rebuilds one at a time, each on a worker thread it can give up on.
pub struct Supervisor {
    dirs: SiteDirs,
    options: BuildOptions,
    /// The rebuilder and what it remembers; lent to each worker, and lost with an abandoned one.
    rebuilder: Option<Rebuilder>,
    /// Where rebuilds run their parallel work. An abandoned rebuild may hold its threads for
    /// good, so it is replaced with the rebuilder.
    pool: Option<Arc<rayon::ThreadPool>>,
}

fn new_pool() -> Option<Arc<rayon::ThreadPool>> {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("communique-rebuild-{i}"))
        .build()
        .ok()
        .map(Arc::new)
}

impl Supervisor {
    /// A supervisor for a site's rebuilds.
    pub fn new(dirs: SiteDirs, options: BuildOptions) -> Supervisor {
        Supervisor {
            rebuilder: Some(Rebuilder::new(dirs.clone(), options.clone())),
            dirs,
            options,
            pool: new_pool(),
        }
    }

    /// Builds the whole site (`changes` is `None`) or rebuilds after `changes`. While it runs,
    /// batches arriving on `newer` are added to `pending` and stop the rebuild.
    pub fn run(
        &mut self,
        changes: Option<&Batch>,
        newer: Option<&Batches>,
        pending: &mut Batch,
    ) -> Finished {
        let watch = Watch::new();
        let mut rebuilder = self
            .rebuilder
            .take()
            .unwrap_or_else(|| Rebuilder::new(self.dirs.clone(), self.options.clone()));
        rebuilder.set_watch(watch.clone());
        let pool = self.pool.clone();
        let changes = changes.cloned();
        let (done, result) = mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("communique-rebuild".into())
            .spawn(move || {
                let mut rebuild = || match &changes {
                    Some(changes) => rebuilder.rebuild(changes),
                    None => rebuilder.full(),
                };
                let update = match &pool {
                    Some(pool) => pool.install(rebuild),
                    None => rebuild(),
                };
                let _ = done.send((rebuilder, update));
            });
        if let Err(e) = spawned {
            return Finished::Done(Err(Diagnostic::error(format!(
                "cannot start a thread to rebuild on: {e}"
            ))
            .into()));
        }
        self.wait(&watch, &result, newer, pending)
    }

    fn wait(
        &mut self,
        watch: &Watch,
        result: &mpsc::Receiver<(Rebuilder, Result<Update, Diagnostics>)>,
        newer: Option<&Batches>,
        pending: &mut Batch,
    ) -> Finished {
        loop {
            match result.recv_timeout(limit::TICK) {
                Ok((rebuilder, update)) => {
                    self.rebuilder = Some(rebuilder);
                    // A rebuild that finished despite the stop is as good as any: keep it.
                    if update.is_err() && watch.stopped() == Some(Stop::Superseded) {
                        return Finished::Superseded;
                    }
                    return Finished::Done(update);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    // The worker panicked: what the rebuilder remembered went with it.
                    self.abandon();
                    return Finished::Done(Err(Diagnostic::error(
                        "the rebuild failed unexpectedly (a bug in communique); the next change rebuilds the whole site",
                    )
                    .into()));
                }
            }
            if let Some(newer) = newer {
                while let Ok(batch) = newer.try_recv() {
                    pending.extend(batch);
                }
            }
            if !pending.is_empty() {
                watch.stop(Stop::Superseded);
            }
            if let Some(running) = watch.overdue(limit::GRACE) {
                watch.stop(Stop::TimedOut);
                self.abandon();
                return Finished::Overran(limit::overran(&running));
            }
            // Told to stop, a render stops at its next check point; one that does not is stuck.
            if watch.stuck_after_stop(limit::GRACE).is_some() {
                self.abandon();
                return Finished::Superseded;
            }
        }
    }

    /// Gives up on the running rebuild: its thread keeps the rebuilder and may keep its pool's
    /// threads busy, so the next rebuild gets new ones.
    fn abandon(&mut self) {
        self.rebuilder = None;
        self.pool = new_pool();
    }
}
