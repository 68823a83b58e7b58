//! `communique serve`: build in memory, serve over HTTP, watch the inputs, rebuild what a change
//! touches and live-reload connected browsers.
//!
//! Threads: the HTTP server runs on a small tokio runtime; a watcher thread turns file events
//! into batches; the rebuild loop (this module) runs builds under a supervisor (a newer change
//! stops a running rebuild; a template stuck past its time limit is abandoned, see
//! [`supervise`]) and swaps the served files in one step, then tells browsers. A failed rebuild
//! keeps the last good files and shows the error in the terminal and in an overlay in the
//! browser.
//!
//! Exposure (docs/safety.md, "The preview server"): only the files of the in-memory build are served, only to
//! requests naming this server's host, over connections with a header-read timeout and caps.

pub mod hosts;
pub mod http;
pub mod rebuild;
pub mod reload;
pub mod server;
pub mod state;
pub mod supervise;
pub mod watch;

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use tokio::sync::broadcast;

use crate::{BuildOptions, Diagnostic, Diagnostics, SiteDirs};
use reload::ReloadEvent;
use state::{ServedSite, site_path_of};
use watch::InputKind;

/// Options of `serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Interface to bind.
    pub interface: String,
    /// Port to try first.
    pub port: u16,
    /// Open a browser.
    pub open: bool,
    /// Host names answered besides `localhost`, the loopback addresses and `interface`.
    pub allowed_hosts: Vec<String>,
    /// Timeouts and connection caps.
    pub limits: server::Limits,
    /// Build options (`base_url` here overrides the local address in URLs).
    pub build: BuildOptions,
}

/// Where messages go: the terminal, or a test.
pub trait Console: Send + Sync {
    /// A line of information.
    fn info(&self, message: &str);
    /// Problems found.
    fn diagnostics(&self, diagnostics: &Diagnostics);
}

/// Binds the first free port from `port` on (up to ten tries), saying so when it moves.
pub fn bind(interface: &str, port: u16, console: &dyn Console) -> Result<TcpListener, Diagnostic> {
    let mut last_error = None;
    for candidate in port..=port.saturating_add(10) {
        let address = format!("{interface}:{candidate}");
        match TcpListener::bind(&address) {
            Ok(listener) => {
                if candidate != port {
                    console.info(&format!(
                        "port {port} is in use; serving on port {candidate} instead"
                    ));
                }
                return Ok(listener);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && port != 0 => {
                last_error = Some(e)
            }
            Err(e) => {
                return Err(
                    Diagnostic::error(format!("cannot listen on {address}: {e}"))
                        .hint("check the --interface address, or choose another --port"),
                );
            }
        }
    }
    Err(Diagnostic::error(format!(
        "ports {port} to {} are all in use: {}",
        port.saturating_add(10),
        last_error.map_or_else(String::new, |e| e.to_string())
    ))
    .hint("stop the other server, or pass --port with a free port"))
}

/// Runs the preview server until Ctrl-C.
pub fn serve(
    dirs: SiteDirs,
    options: ServeOptions,
    console: Arc<dyn Console>,
) -> Result<(), Diagnostic> {
    let dirs = dirs.canonical().map_err(|e| {
        Diagnostic::error(format!(
            "cannot find the site folder {}: {e}",
            dirs.root.display()
        ))
        .hint("pass --root with the folder that holds communique.toml")
    })?;
    let listener = bind(&options.interface, options.port, console.as_ref())?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Diagnostic::error(format!("cannot configure the listening socket: {e}")))?;
    let address = listener
        .local_addr()
        .map_err(|e| Diagnostic::error(format!("cannot read the listening address: {e}")))?;
    if is_unspecified(&address) {
        console
            .info("warning: listening on all interfaces: anyone on your network can see this site");
    }
    let url = local_url(&address);
    let mut build_options = options.build.clone();
    // The site is served under the base URL's path (`/policy/`), as it will be hosted: from
    // `--base-url`, else from the configuration (a configuration with errors is reported by
    // the first build; it is served at the root meanwhile).
    let prefix = match &build_options.base_url {
        Some(base_url) => crate::site::Urls::new(base_url).prefix().to_string(),
        None => crate::load_config(&dirs, &build_options)
            .map(|c| crate::site::Urls::new(&c.base_url).prefix().to_string())
            .unwrap_or_default(),
    };
    if build_options.base_url.is_none() {
        build_options.base_url = Some(format!("{url}{prefix}"));
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::error(format!("cannot start the server runtime: {e}")))?;
    let (events, _) = broadcast::channel(64);
    let hosts = hosts::AllowedHosts::new(&options.interface, &address, &options.allowed_hosts);
    let site = Arc::new(RwLock::new(ServedSite::new(dirs.root.clone())));
    let app = http::AppState {
        search: crate::search::refresh::Refresher::start(site.clone(), dirs.root.clone()),
        site,
        events: events.clone(),
        hosts: Arc::new(hosts),
        prefix: prefix.clone().into(),
    };

    let started = Instant::now();
    let mut supervisor = supervise::Supervisor::new(dirs.clone(), build_options);
    let progress = first_build_progress();
    let first = supervisor.run(None, None, &mut BTreeSet::new());
    progress.finish_and_clear();
    let mut next_publication = None;
    match first {
        supervise::Finished::Done(Ok(mut update)) => {
            next_publication = update.next_publication;
            console.diagnostics(&update.warnings);
            let count = update.files.len();
            if let Ok(mut site) = app.site.write() {
                let loaded = site.load(std::mem::take(&mut update.files), &[]);
                report_unreadable(&loaded, &dirs, console.as_ref());
                site.replace(loaded.files);
            }
            app.search.refresh(update.model.clone());
            console.info(&format!(
                "built {} briefs, {count} files in {} ms",
                update.pages,
                started.elapsed().as_millis()
            ));
        }
        failed => {
            let diagnostics = match failed {
                supervise::Finished::Done(Err(diagnostics)) => diagnostics,
                supervise::Finished::Overran(overran) => {
                    console.info(STUCK_RENDER);
                    overran.into()
                }
                _ => Diagnostics::new(),
            };
            console.diagnostics(&diagnostics);
            console.info("the site has errors: fix them and it will rebuild; the browser shows them meanwhile");
            if let Ok(mut site) = app.site.write() {
                site.error = Some(diagnostics);
            }
        }
    }

    let (_watcher, batches) = watch::watch(&dirs).map_err(|e| {
        Diagnostic::error(format!("cannot watch the site's folders: {e}"))
            .hint("on Linux, raise fs.inotify.max_user_watches")
    })?;
    let loop_state = app.clone();
    let loop_console = console.clone();
    std::thread::spawn(move || {
        rebuild_loop(
            &mut supervisor,
            &batches,
            &loop_state,
            &dirs,
            loop_console.as_ref(),
            next_publication,
        );
    });

    console.info(&format!("serving {url}{prefix}/ (Ctrl-C to stop)"));
    if options.open {
        open_browser(&format!("{url}{prefix}/"));
    }
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Diagnostic::error(format!("cannot use the listening socket: {e}")))?;
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        server::run(listener, http::router(app), options.limits, stop).await;
        Ok::<(), Diagnostic>(())
    })?;
    console.info("stopped");
    Ok(())
}

/// A spinner for the first build, shown only on a terminal and only once the build has taken
/// long enough to notice (a large site), so small sites print nothing extra.
fn first_build_progress() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::hidden();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} building the site… {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let shown = bar.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(400));
        if !shown.is_finished() {
            shown.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            shown.enable_steady_tick(std::time::Duration::from_millis(100));
        }
    });
    bar
}

/// Said when a render had to be abandoned: the user should know a processor stays busy.
const STUCK_RENDER: &str = "a template is stuck in a loop and could not be stopped: it keeps a processor busy until the loop ends (restart `communique serve` to stop it); later changes rebuild the whole site";

/// Rebuilds after each batch of changes until the watcher stops. Batches that arrive during a
/// rebuild stop it and are rebuilt together with its own: one rebuild for all of them. When a
/// brief under embargo is due (`next_publication`), the site is rebuilt at that time.
fn rebuild_loop(
    supervisor: &mut supervise::Supervisor,
    batches: &watch::Batches,
    app: &http::AppState,
    dirs: &SiteDirs,
    console: &dyn Console,
    mut next_publication: Option<jiff::Timestamp>,
) {
    let mut pending = supervise::Batch::new();
    loop {
        if pending.is_empty() {
            match next_change(batches, next_publication) {
                Some(batch) => pending = batch,
                None => return,
            }
        }
        while let Ok(more) = batches.try_recv() {
            pending.extend(more);
        }
        let batch = std::mem::take(&mut pending);
        let started = Instant::now();
        let cause = describe(&batch, dirs);
        match supervisor.run(Some(&batch), Some(batches), &mut pending) {
            supervise::Finished::Done(Ok(update)) => {
                next_publication = update.next_publication;
                notify(update, &batch, app, dirs, console, started, &cause)
            }
            supervise::Finished::Done(Err(diagnostics)) => {
                // The next change rebuilds the site, publication times included.
                next_publication = None;
                report_failure(diagnostics, app, console, &cause)
            }
            supervise::Finished::Overran(overran) => {
                next_publication = None;
                console.info(STUCK_RENDER);
                report_failure(overran.into(), app, console, &cause);
            }
            supervise::Finished::Superseded => pending.extend(batch),
        }
    }
}

/// Waits for the next batch of changed files, or for the time of the next publication (a
/// batch holding only [`InputKind::Clock`]). `None` when the watcher stopped.
fn next_change(
    batches: &watch::Batches,
    next_publication: Option<jiff::Timestamp>,
) -> Option<supervise::Batch> {
    let Some(due) = next_publication else {
        return batches.recv().ok();
    };
    // A little after the time, so that the rebuild's clock has passed it.
    let wait = due.duration_since(jiff::Timestamp::now()) + jiff::SignedDuration::from_millis(20);
    let wait = std::time::Duration::try_from(wait).unwrap_or_default();
    match batches.recv_timeout(wait) {
        Ok(batch) => Some(batch),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            Some(BTreeSet::from([(InputKind::Clock, PathBuf::new())]))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => None,
    }
}

/// The changed files of a batch, for messages.
fn describe(batch: &BTreeSet<(InputKind, PathBuf)>, dirs: &SiteDirs) -> String {
    if batch.iter().all(|(kind, _)| *kind == InputKind::Clock) {
        return "a brief under embargo is due".to_string();
    }
    let cause = batch
        .iter()
        .filter(|(kind, _)| *kind != InputKind::Clock)
        .map(|(_, p)| dirs.display(p).display().to_string())
        .collect::<Vec<_>>();
    if cause.len() > 3 {
        format!("{} and {} more", cause[..3].join(", "), cause.len() - 3)
    } else {
        cause.join(", ")
    }
}

/// Serves a finished rebuild's files and tells browsers what changed.
fn notify(
    mut update: rebuild::Update,
    batch: &BTreeSet<(InputKind, PathBuf)>,
    app: &http::AppState,
    dirs: &SiteDirs,
    console: &dyn Console,
    started: Instant,
    cause: &str,
) {
    console.diagnostics(&update.warnings);
    // Copied files under a changed path are read again, before the lock that swaps them in:
    // requests never wait for the disk.
    let touched: Vec<PathBuf> = batch
        .iter()
        .filter(|(kind, _)| *kind != InputKind::Clock)
        .map(|(_, p)| p.clone())
        .collect();
    let loaded = match app.site.read() {
        Ok(site) => site.load(std::mem::take(&mut update.files), &touched),
        Err(_) => return,
    };
    report_unreadable(&loaded, dirs, console);
    let (changed, was_broken) = match app.site.write() {
        Ok(mut site) => {
            let changed = if update.complete {
                site.replace(loaded.files)
            } else {
                site.apply(loaded.files, &update.removed)
            };
            (changed, site.error.take().is_some())
        }
        Err(_) => return,
    };
    app.search.refresh(update.model.clone());
    if was_broken {
        let _ = app.events.send(ReloadEvent::Fixed);
    }
    let css_only = !changed.is_empty() && changed.iter().all(|p| p.ends_with(".css"));
    if css_only {
        let _ = app.events.send(ReloadEvent::Css);
    } else if was_broken {
        let _ = app.events.send(ReloadEvent::Reload(vec!["*".into()]));
    } else if !changed.is_empty() {
        let _ = app
            .events
            .send(ReloadEvent::Reload(pages_to_reload(&changed)));
    }
    console.info(&format!(
        "rebuilt {} file{} ({} changed) in {} ms ({cause})",
        update.rendered,
        if update.rendered == 1 { "" } else { "s" },
        changed.len(),
        started.elapsed().as_millis()
    ));
}

/// Keeps serving the last good files and shows the errors in the terminal and the browser.
fn report_failure(
    diagnostics: Diagnostics,
    app: &http::AppState,
    console: &dyn Console,
    cause: &str,
) {
    console.diagnostics(&diagnostics);
    console.info(&format!(
        "rebuild failed ({cause}); still serving the last good version"
    ));
    let overlay = reload::overlay_html(&diagnostics);
    if let Ok(mut site) = app.site.write() {
        site.error = Some(diagnostics);
    }
    let _ = app.events.send(ReloadEvent::Error(overlay));
}

/// Says which copied files could not be read into memory (and so are not served).
fn report_unreadable(loaded: &state::Loaded, dirs: &SiteDirs, console: &dyn Console) {
    for unreadable in &loaded.unreadable {
        console.info(&format!(
            "warning: not serving {}: {}",
            dirs.display(&unreadable.source).display(),
            unreadable.error
        ));
    }
}

/// The site paths browsers should reload for changed output files: HTML pages by path; any
/// other asset (an image, a script) may be used by any page, so all of them.
fn pages_to_reload(changed: &[String]) -> Vec<String> {
    let mut paths = Vec::new();
    for path in changed {
        if path.ends_with(".html") {
            paths.push(site_path_of(path));
        } else if !(path.ends_with(".xml") || path.ends_with(".txt")) {
            return vec!["*".to_string()];
        }
    }
    paths
}

fn is_unspecified(address: &SocketAddr) -> bool {
    address.ip().is_unspecified()
}

fn local_url(address: &SocketAddr) -> String {
    let host = if address.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if address.is_ipv6() {
        format!("[{}]", address.ip())
    } else {
        address.ip().to_string()
    };
    format!("http://{host}:{}", address.port())
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
