//! Bounded rendering: a time limit per page, a size limit per page, and a way to stop a build.
//!
//! Tera runs templates in a bytecode VM that has no fuel or timeout of its own, so the limit is
//! checked wherever rendering enters our code:
//!
//! - `range` (our own, with Tera's behaviour) and our other functions and filters,
//! - the [`Sink`] the page is written into (every few writes).
//!
//! Nested loops over `range`, and any loop that writes output, stop within moments of the limit
//! with an error naming the template and the page. A loop that neither calls a function nor
//! writes (`{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}` over a stored `range`)
//! never enters our code: [`Watch::overdue`] lets the caller notice it and stop waiting for it.
//! Such a render cannot be interrupted (a thread cannot be killed); `build` and `check` fail and
//! exit, `serve` abandons it and keeps serving.
//!
//! Memory is bounded only where output goes through the sink ([`MAX_PAGE_BYTES`]): a value grown
//! inside the VM without being written (`{% set_global s = s ~ s %}` in a loop) is not seen.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::diagnostics::{Diagnostic, Location};

/// How long past its limit a render may run before a supervisor gives up waiting for it. The
/// checks inside a render normally stop it at the limit; this margin lets them do so (and
/// clean up) before the supervisor steps in for a loop they cannot see.
pub const GRACE: Duration = Duration::from_secs(1);

/// How often supervisors look at the renders in progress.
pub const TICK: Duration = Duration::from_millis(50);

/// The largest page a template may write: far above any real page (a 20 MB brief renders to
/// well under this), low enough that a runaway loop cannot exhaust memory through its output.
pub const MAX_PAGE_BYTES: usize = 256 << 20;

/// The configuration key of the time limit, as messages name it.
pub const CONFIG_KEY: &str = "template_time_limit";

/// Writes between two clock checks in the [`Sink`]: a check costs about as much as a write,
/// and a few dozen writes take well under a microsecond.
const WRITES_PER_CHECK: u32 = 32;

/// Why a build's rendering was told to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A newer change made this build pointless (`serve`).
    Superseded = 1,
    /// A page ran out of time: rendering the rest would only repeat the wait, page after page.
    TimedOut = 2,
}

impl Stop {
    fn from_code(code: u8) -> Option<Stop> {
        match code {
            1 => Some(Stop::Superseded),
            2 => Some(Stop::TimedOut),
            _ => None,
        }
    }
}

/// A template render in progress.
#[derive(Debug, Clone)]
pub struct Running {
    /// The template's name (`brief.html`).
    pub template: String,
    /// The template's file as messages show it.
    pub file: PathBuf,
    /// The site path of the page (`/briefs/x/`).
    pub page: String,
    /// When it started.
    pub started: Instant,
    /// Its time limit.
    pub limit: Duration,
}

/// The renders of one build, watched from outside, and a flag telling them to stop.
///
/// Renders register themselves (see [`Guard`]); a supervisor polls [`Watch::overdue`] and may
/// [`Watch::stop`] the build. Every render checks the flag at each check point, and no new
/// page starts once it is set.
#[derive(Debug, Default)]
pub struct Watch {
    stop: AtomicU8,
    stopped_at: Mutex<Option<Instant>>,
    running: Mutex<HashMap<u64, Running>>,
    next_id: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking render must not take the watch down with it: the data stays usable.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Watch {
    /// A new watch, shared by a build's renders and its supervisor.
    pub fn new() -> Arc<Watch> {
        Arc::new(Watch::default())
    }

    /// Tells every render of the build to stop. The first reason given is kept.
    pub fn stop(&self, why: Stop) {
        if self
            .stop
            .compare_exchange(0, why as u8, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            *lock(&self.stopped_at) = Some(Instant::now());
        }
    }

    /// Why the build was told to stop, if it was.
    pub fn stopped(&self) -> Option<Stop> {
        Stop::from_code(self.stop.load(Ordering::Relaxed))
    }

    /// A render that has run past its limit by more than `grace`: the checks inside it have not
    /// stopped it, so it is in a loop they cannot see.
    pub fn overdue(&self, grace: Duration) -> Option<Running> {
        let now = Instant::now();
        lock(&self.running)
            .values()
            .find(|r| now.duration_since(r.started) > r.limit + grace)
            .cloned()
    }

    /// A render still running `patience` after the build was told to stop: a render that
    /// reaches a check point stops at once, so this one is in a loop no check sees.
    pub fn stuck_after_stop(&self, patience: Duration) -> Option<Running> {
        let stopped_at = (*lock(&self.stopped_at))?;
        if stopped_at.elapsed() < patience {
            return None;
        }
        lock(&self.running)
            .values()
            .find(|r| r.started <= stopped_at)
            .cloned()
    }

    fn register(&self, running: Running) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.running).insert(id, running);
        id
    }

    fn unregister(&self, id: u64) {
        lock(&self.running).remove(&id);
    }
}

/// The render in progress on this thread, for the check points.
struct Current {
    deadline: Instant,
    watch: Arc<Watch>,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

/// Fails once the render on this thread is out of time or its build was told to stop. Called by
/// every function and filter we give templates; a no-op outside a render.
pub fn check() -> Result<(), tera::Error> {
    let stop = CURRENT.with(|current| {
        let current = current.try_borrow().ok()?;
        let current = current.as_ref()?;
        if let Some(stop) = current.watch.stopped() {
            return Some(stop);
        }
        (Instant::now() >= current.deadline).then_some(Stop::TimedOut)
    });
    match stop {
        None => Ok(()),
        // The message is seldom shown: the renderer replaces it with one naming the page.
        Some(Stop::TimedOut) => Err(tera::Error::message("the page's time limit ran out")),
        Some(Stop::Superseded) => Err(tera::Error::message("rendering was stopped")),
    }
}

/// How a guarded render ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Within its limit and not stopped.
    InTime,
    /// Past its time limit (whether or not a check point stopped it).
    TimedOut(Duration),
    /// Its build was told to stop.
    Stopped(Stop),
}

/// `started + limit`, or a day later for a limit too large for the clock (the configuration
/// allows at most an hour).
fn deadline(started: Instant, limit: Duration) -> Instant {
    started
        .checked_add(limit)
        .or_else(|| started.checked_add(Duration::from_secs(86_400)))
        .unwrap_or(started)
}

/// One page's render, registered with its watch and made current on this thread for as long as
/// the guard lives.
pub struct Guard {
    id: u64,
    started: Instant,
    limit: Duration,
    watch: Arc<Watch>,
    previous: Option<Current>,
}

impl Guard {
    /// Starts timing a render of `template` (shown as `file`) for the page at `page`.
    pub fn start(
        watch: &Arc<Watch>,
        limit: Duration,
        template: &str,
        file: PathBuf,
        page: &str,
    ) -> Guard {
        let started = Instant::now();
        let id = watch.register(Running {
            template: template.to_string(),
            file,
            page: page.to_string(),
            started,
            limit,
        });
        let current = Current {
            deadline: deadline(started, limit),
            watch: watch.clone(),
        };
        // Restored on drop, should a render ever start another on the same thread (a rayon
        // thread picking up work while it waits).
        let previous = CURRENT.with(|c| c.replace(Some(current)));
        Guard {
            id,
            started,
            limit,
            watch: watch.clone(),
            previous,
        }
    }

    /// How the render went, judged when it has ended. A render that finished past its limit
    /// fails too: whether it was caught by a check point must not decide whether it passes.
    pub fn outcome(&self) -> Outcome {
        if let Some(Stop::Superseded) = self.watch.stopped() {
            return Outcome::Stopped(Stop::Superseded);
        }
        let elapsed = self.started.elapsed();
        if elapsed >= self.limit {
            return Outcome::TimedOut(elapsed);
        }
        match self.watch.stopped() {
            Some(stop) => Outcome::Stopped(stop),
            None => Outcome::InTime,
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.watch.unregister(self.id);
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Where a page is rendered: a byte buffer that checks the time limit every few writes and
/// refuses to grow past [`MAX_PAGE_BYTES`].
#[derive(Debug, Default)]
pub struct Sink {
    /// The page so far.
    pub bytes: Vec<u8>,
    writes: u32,
    /// Set when the page would have grown past [`MAX_PAGE_BYTES`].
    pub too_large: bool,
}

impl Sink {
    /// An empty sink with room for a typical page.
    pub fn new() -> Sink {
        Sink {
            bytes: Vec::with_capacity(16 << 10),
            ..Sink::default()
        }
    }
}

impl Sink {
    fn append(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writes = self.writes.wrapping_add(1);
        if self.writes.is_multiple_of(WRITES_PER_CHECK) && check().is_err() {
            return Err(io::Error::other("rendering stopped"));
        }
        if self.bytes.len().saturating_add(buf.len()) > MAX_PAGE_BYTES {
            self.too_large = true;
            return Err(io::Error::other("page too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(())
    }
}

impl io::Write for Sink {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.append(buf).map(|()| buf.len())
    }

    /// Tera writes each piece with `write_all`: take it whole, as a `Vec` does, rather than
    /// through the default loop over `write`.
    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.append(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A time limit as people write it: `5 s`, `0.5 s`.
fn seconds(duration: Duration) -> String {
    let s = duration.as_secs_f64();
    if s >= 10.0 {
        format!("{s:.0} s")
    } else {
        format!("{} s", (s * 10.0).round() / 10.0)
    }
}

fn limit_hint(limit: Duration) -> String {
    format!(
        "look for a loop that runs too long (nested `range` loops, a value grown with `set_global` in a loop); \
         if the page really needs more time, raise `{CONFIG_KEY}` in communique.toml (now {})",
        seconds(limit)
    )
}

/// The error for a page that ran out of time. `place` is where rendering stopped, when known
/// (a diagnostic from Tera's error, pointing at the call that noticed).
pub fn timed_out(
    template: &str,
    page: &str,
    limit: Duration,
    place: Option<Diagnostic>,
) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(format!(
        "template {template} ran past its time limit of {} rendering {page}, and was stopped",
        seconds(limit)
    ));
    if let Some(place) = place {
        diagnostic.location = place.location;
        diagnostic.snippet = place.snippet;
    }
    diagnostic.hint(limit_hint(limit))
}

/// The error for a render a supervisor gave up on: still running well past its limit, in a loop
/// no check point sees.
pub fn overran(running: &Running) -> Diagnostic {
    Diagnostic::error(format!(
        "template {} is still rendering {} after {}, past its time limit of {}; communique stopped waiting for it",
        running.template,
        running.page,
        seconds(running.started.elapsed()),
        seconds(running.limit)
    ))
    .at(Location::file(&running.file))
    .hint(limit_hint(running.limit))
}

/// The error for a page whose output grew past [`MAX_PAGE_BYTES`].
pub fn too_large(template: &str, page: &str, file: PathBuf) -> Diagnostic {
    Diagnostic::error(format!(
        "template {template} wrote more than {} MiB rendering {page}, and was stopped",
        MAX_PAGE_BYTES >> 20
    ))
    .at(Location::file(file))
    .hint("look for a loop that writes too much (a large value written in a loop)")
}

/// The error for pages not rendered because the build was told to stop.
pub fn stopped(why: Stop) -> Diagnostic {
    match why {
        Stop::TimedOut => Diagnostic::error(
            "rendering stopped when a page ran past its time limit: the pages not yet rendered were skipped, so their errors, if any, are not reported",
        ),
        Stop::Superseded => Diagnostic::error("rendering was stopped: a newer change arrived"),
    }
}

/// Runs `work` on a thread of its own while watching `watch`'s renders. Returns its result, or,
/// when a render overruns its limit by [`GRACE`] (a loop no check point sees), tells the build
/// to stop and returns that render without waiting further: the thread is left to finish (or
/// not) on its own, and the caller reports the error.
pub fn supervise<T: Send + 'static>(
    watch: &Arc<Watch>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Running> {
    let (done, result) = std::sync::mpsc::sync_channel(1);
    // Spawning fails only when the system has no threads left, as rayon's pool would.
    let handle = std::thread::Builder::new()
        .name("communique-render".into())
        .spawn(move || {
            let _ = done.send(work());
        })
        .unwrap_or_else(|e| panic!("cannot start a thread to render on: {e}"));
    loop {
        match result.recv_timeout(TICK) {
            Ok(value) => {
                let _ = handle.join();
                return Ok(value);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Some(running) = watch.overdue(GRACE) {
                    watch.stop(Stop::TimedOut);
                    return Err(running);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                // The thread ended without a result: it panicked. Let the panic through, as it
                // would have gone without a supervisor.
                let panic = handle.join().err();
                std::panic::resume_unwind(
                    panic.unwrap_or_else(|| Box::new("the render thread ended without a result")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn check_is_a_no_op_outside_a_render() {
        assert!(check().is_ok());
    }

    #[test]
    fn check_fails_once_the_deadline_passes() {
        let watch = Watch::new();
        let guard = Guard::start(
            &watch,
            Duration::from_millis(30),
            "t.html",
            "t.html".into(),
            "/",
        );
        assert!(check().is_ok());
        std::thread::sleep(Duration::from_millis(40));
        assert!(check().is_err());
        assert!(matches!(guard.outcome(), Outcome::TimedOut(_)));
        drop(guard);
        assert!(check().is_ok(), "no render is current after the guard");
    }

    #[test]
    fn check_fails_when_the_build_is_stopped() {
        let watch = Watch::new();
        let guard = Guard::start(
            &watch,
            Duration::from_secs(60),
            "t.html",
            "t.html".into(),
            "/",
        );
        watch.stop(Stop::Superseded);
        assert!(check().is_err());
        assert_eq!(guard.outcome(), Outcome::Stopped(Stop::Superseded));
    }

    #[test]
    fn the_first_stop_reason_is_kept() {
        let watch = Watch::new();
        watch.stop(Stop::TimedOut);
        watch.stop(Stop::Superseded);
        assert_eq!(watch.stopped(), Some(Stop::TimedOut));
    }

    #[test]
    fn overdue_renders_are_reported_until_they_end() {
        let watch = Watch::new();
        let guard = Guard::start(
            &watch,
            Duration::from_millis(10),
            "t.html",
            "t.html".into(),
            "/p/",
        );
        assert!(watch.overdue(Duration::from_millis(20)).is_none());
        std::thread::sleep(Duration::from_millis(40));
        let running = watch.overdue(Duration::from_millis(20)).map(|r| r.page);
        assert_eq!(running.as_deref(), Some("/p/"));
        drop(guard);
        assert!(watch.overdue(Duration::ZERO).is_none());
    }

    #[test]
    fn the_sink_stops_past_the_deadline_and_past_the_size_limit() {
        let watch = Watch::new();
        let _guard = Guard::start(&watch, Duration::ZERO, "t.html", "t.html".into(), "/");
        let mut sink = Sink::new();
        let stopped = (0..WRITES_PER_CHECK).any(|_| sink.write_all(b"x").is_err());
        assert!(
            stopped,
            "a write checks the clock every {WRITES_PER_CHECK} writes"
        );

        let mut sink = Sink::new();
        sink.bytes = vec![0; MAX_PAGE_BYTES];
        assert!(sink.write(b"y").is_err());
        assert!(sink.too_large);
    }

    #[test]
    fn supervise_gives_up_on_an_overdue_render() {
        let watch = Watch::new();
        let started = Instant::now();
        let inner = watch.clone();
        let result = supervise(&watch, move || {
            let _guard = Guard::start(&inner, Duration::ZERO, "t.html", "t.html".into(), "/slow/");
            // A loop no check point sees, shortened to keep the test quick.
            std::thread::sleep(GRACE * 3);
        });
        assert!(result.is_err());
        assert!(started.elapsed() < GRACE * 2, "{:?}", started.elapsed());
        assert_eq!(watch.stopped(), Some(Stop::TimedOut));
    }

    #[test]
    fn times_read_as_people_write_them() {
        assert_eq!(seconds(Duration::from_millis(500)), "0.5 s");
        assert_eq!(seconds(Duration::from_secs(5)), "5 s");
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
    }
}
