//! The accept loop: HTTP/1.1 (hyper) with a header-read timeout and caps on open connections.
//!
//! `axum::serve` keeps every connection until the client closes it, so a thousand clients that
//! connect and send nothing held a thousand file descriptors for as long as they liked and,
//! under `ulimit -n 1024`, locked everyone else out. Here:
//! - a connection must send its request head within [`Limits::header_read_timeout`] (also
//!   between requests on a kept-alive connection), or it is closed;
//! - a client (an IP address) holds at most [`Limits::per_client`] connections and everyone
//!   together at most [`Limits::total`];
//! - at a cap, a new connection closes the oldest *idle* one (no request being answered: still
//!   sending its head, or kept alive between requests) of that client, or of anyone for the
//!   total; if every connection is busy, the new one is closed at once. A real request, which
//!   sends its head at once, is thus answered however many idle connections are held open.
//!   Live-reload streams are busy for their whole life, so open tabs are never closed.

use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{Request, Response};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::Notify;

/// Limits on connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client has to send a request's head.
    pub header_read_timeout: Duration,
    /// Open connections per client IP address.
    pub per_client: usize,
    /// Open connections in all.
    pub total: usize,
}

/// The environment variable that shortens the header-read timeout (milliseconds), for tests.
pub const HEADER_TIMEOUT_VARIABLE: &str = "COMMUNIQUE_SERVE_HEADER_TIMEOUT_MS";

impl Default for Limits {
    /// 10 s to send a request head, 64 connections per client (a browser opens 6 per host),
    /// and in all at most 512 or half the open-file limit, whichever is lower, so the server
    /// keeps descriptors for its own files and the watcher.
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            per_client: 64,
            total: total_for_file_limit(open_file_limit()),
        }
    }
}

impl Limits {
    /// The defaults, with the header-read timeout from [`HEADER_TIMEOUT_VARIABLE`] when set.
    pub fn from_environment() -> Self {
        let mut limits = Limits::default();
        if let Some(ms) = std::env::var(HEADER_TIMEOUT_VARIABLE)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0)
        {
            limits.header_read_timeout = Duration::from_millis(ms);
        }
        limits
    }
}

fn total_for_file_limit(limit: Option<u64>) -> usize {
    let half = limit.map_or(u64::MAX, |l| l / 2);
    usize::try_from(half.clamp(16, 512)).unwrap_or(512)
}

/// The soft limit on open files, when there is one.
#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass and reads nothing else.
    let status = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    // `rlim_t` is u64 on Linux and macOS, not everywhere.
    #[allow(clippy::unnecessary_cast)]
    let current = limit.rlim_cur as u64;
    (status == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(current)
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let registry = Arc::new(Registry::new(limits));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of file descriptors (or a connection reset before we took it): give
                // closing connections a moment instead of spinning.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let Some(ticket) = Registry::admit(&registry, peer.ip()) else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(
            stream,
            ticket,
            router.clone(),
            limits.header_read_timeout,
        ));
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    ticket: Ticket,
    router: axum::Router,
    header_read_timeout: Duration,
) {
    let inner = TowerToHyperService::new(router);
    let busy = ticket.busy.clone();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let guard = Busy::enter(&busy);
        let response = hyper::service::Service::call(&inner, request);
        async move {
            let response: Response<Body> = response.await?;
            Ok::<_, Infallible>(response.map(|body| {
                Body::new(Guarded {
                    body,
                    _guard: guard,
                })
            }))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        // Errors here are the client's (it went away, sent garbage, or was too slow).
        _ = connection => {}
        () = ticket.close.notified() => {}
    }
}

/// The open connections.
struct Registry {
    limits: Limits,
    state: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    next_id: u64,
    /// Oldest first.
    connections: Vec<Entry>,
}

struct Entry {
    id: u64,
    ip: IpAddr,
    busy: Arc<AtomicUsize>,
    close: Arc<Notify>,
}

/// A connection's place in the registry; dropping it frees the place.
struct Ticket {
    id: u64,
    registry: Arc<Registry>,
    busy: Arc<AtomicUsize>,
    close: Arc<Notify>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Ok(mut open) = self.registry.state.lock() {
            open.connections.retain(|e| e.id != self.id);
        }
    }
}

impl Registry {
    fn new(limits: Limits) -> Self {
        Registry {
            limits,
            state: Mutex::new(Open::default()),
        }
    }

    /// A place for a new connection from `ip`, closing an idle one if a cap is reached, or
    /// `None` when every connection in the way is busy.
    fn admit(registry: &Arc<Registry>, ip: IpAddr) -> Option<Ticket> {
        let Ok(mut open) = registry.state.lock() else {
            return None;
        };
        let from_ip = open.connections.iter().filter(|e| e.ip == ip).count();
        if from_ip >= registry.limits.per_client && !open.close_oldest_idle(|e| e.ip == ip) {
            return None;
        }
        if open.connections.len() >= registry.limits.total && !open.close_oldest_idle(|_| true) {
            return None;
        }
        let id = open.next_id;
        open.next_id += 1;
        let busy = Arc::new(AtomicUsize::new(0));
        let close = Arc::new(Notify::new());
        open.connections.push(Entry {
            id,
            ip,
            busy: busy.clone(),
            close: close.clone(),
        });
        Some(Ticket {
            id,
            registry: registry.clone(),
            busy,
            close,
        })
    }
}

impl Open {
    /// Closes the oldest connection matching `which` that is answering nothing.
    fn close_oldest_idle(&mut self, which: impl Fn(&Entry) -> bool) -> bool {
        let found = self
            .connections
            .iter()
            .position(|e| which(e) && e.busy.load(Ordering::Acquire) == 0);
        match found {
            Some(index) => {
                let entry = self.connections.remove(index);
                // Stored if the task is not waiting yet, so it is never missed.
                entry.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Marks a connection busy from the moment a request's head is read until its response body
/// is sent (or dropped): for a live-reload stream, as long as the tab is open.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn enter(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Busy(count.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its connection marked busy while it is being sent.
struct Guarded {
    body: Body,
    _guard: Busy,
}

impl HttpBody for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(per_client: usize, total: usize) -> Arc<Registry> {
        Arc::new(Registry::new(Limits {
            header_read_timeout: Duration::from_secs(1),
            per_client,
            total,
        }))
    }

    fn open_count(registry: &Registry) -> usize {
        registry.state.lock().unwrap().connections.len()
    }

    #[test]
    fn a_client_at_its_cap_replaces_its_oldest_idle_connection() {
        let registry = registry(2, 100);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let first = Registry::admit(&registry, a).unwrap();
        let _busy = Busy::enter(&first.busy);
        let _second = Registry::admit(&registry, a).unwrap();
        let _third = Registry::admit(&registry, a).unwrap();
        // The second (idle) was closed, the first (busy) kept.
        assert_eq!(open_count(&registry), 2);
        let ids: Vec<u64> = registry
            .state
            .lock()
            .unwrap()
            .connections
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, [0, 2]);
        // Another client is not affected by this one's cap.
        assert!(Registry::admit(&registry, "10.0.0.2".parse().unwrap()).is_some());
    }

    #[test]
    fn busy_connections_are_never_closed_for_new_ones() {
        let registry = registry(2, 3);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let first = Registry::admit(&registry, a).unwrap();
        let second = Registry::admit(&registry, a).unwrap();
        let _guards = (Busy::enter(&first.busy), Busy::enter(&second.busy));
        assert!(Registry::admit(&registry, a).is_none());
        let b = Registry::admit(&registry, "10.0.0.2".parse().unwrap()).unwrap();
        let _guard = Busy::enter(&b.busy);
        // The total is reached and all are busy.
        assert!(Registry::admit(&registry, "10.0.0.3".parse().unwrap()).is_none());
        drop(b);
        assert!(Registry::admit(&registry, "10.0.0.3".parse().unwrap()).is_some());
    }

    #[test]
    fn the_total_stays_below_the_open_file_limit() {
        assert_eq!(total_for_file_limit(Some(1024)), 512);
        assert_eq!(total_for_file_limit(Some(256)), 128);
        assert_eq!(total_for_file_limit(Some(20)), 16);
        assert_eq!(total_for_file_limit(None), 512);
    }
}
