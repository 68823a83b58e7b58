//! The HTTP side of `serve`: files from memory, live reload events, safe path handling, and the
//! `Host` check that keeps other sites' pages out (see [`super::hosts`]).

use std::convert::Infallible;
use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast;

use super::hosts::AllowedHosts;
use super::reload::{self, ReloadEvent};
use super::state::{Served, ServedSite};

/// Shared between the HTTP handlers and the rebuild loop.
#[derive(Clone)]
pub struct AppState {
    /// The site being served.
    pub site: Arc<RwLock<ServedSite>>,
    /// Reload events for connected browsers.
    pub events: broadcast::Sender<ReloadEvent>,
    /// The `Host` names answered.
    pub hosts: Arc<AllowedHosts>,
    /// The base URL's path the site is served under (`/policy`), or empty.
    pub prefix: Arc<str>,
    /// The search index, refreshed in the background after each rebuild.
    pub search: Arc<crate::search::refresh::Refresher>,
}

/// The router: live reload events, then every other path from the site; all behind the
/// `Host` check.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route(reload::EVENTS_PATH, axum::routing::get(events))
        .fallback(serve_file)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            check_host,
        ))
        .with_state(state)
}

/// Refuses requests for a host that is not this server (403), before anything is read.
///
/// A request with no `Host` at all (HTTP/1.0 tools) is answered: DNS rebinding works through
/// a browser, and browsers always send one.
async fn check_host(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response<Body> {
    let named = request
        .headers()
        .get_all(header::HOST)
        .iter()
        .map(|value| value.to_str().ok())
        .chain(request.uri().authority().map(|a| Some(a.as_str())));
    let mut refused = None;
    for host in named {
        match host {
            Some(host) if state.hosts.allows(host) => {}
            other => {
                refused = Some(other.unwrap_or("(not text)").to_string());
                break;
            }
        }
    }
    match refused {
        None => next.run(request).await,
        Some(host) => wrong_host(&host, &state.hosts),
    }
}

fn wrong_host(host: &str, allowed: &AllowedHosts) -> Response<Body> {
    let message = format!(
        "communique serve: this preview answers only {}, not \"{}\".\n\
         To reach it under another name, restart it with --allow-host NAME.\n",
        allowed.describe(),
        host.escape_debug(),
    );
    Response::builder()
        .status(StatusCode::FORBIDDEN)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(message))
        .unwrap_or_default()
}

async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.events.subscribe();
    // A browser that connects while the site is broken sees the overlay at once.
    let initial: Option<ReloadEvent> = state.site.read().ok().and_then(|s| {
        s.error
            .as_ref()
            .map(|e| ReloadEvent::Error(reload::overlay_html(e)))
    });
    let stream = stream::unfold((initial, rx), |(mut initial, mut rx)| async move {
        let event = match initial.take() {
            Some(e) => e,
            None => match rx.recv().await {
                Ok(e) => e,
                // Missed events: reloading whatever is shown is always right.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    ReloadEvent::Reload(vec!["*".into()])
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            },
        };
        let sse = Event::default().event(event.name()).data(event.data());
        Some((Ok(sse), (initial, rx)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Why a request path was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    /// Not valid percent-encoding or UTF-8, or a NUL byte.
    Malformed,
    /// An attempt to leave the site: `..`, an encoded slash or backslash, an absolute path.
    Forbidden,
}

/// Turns a request path into an output path (`/briefs/x/` → `briefs/x/`), refusing anything
/// that could name a file outside the site.
pub fn clean_path(raw: &str) -> Result<String, PathError> {
    let lower = raw.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || raw.contains('\\') {
        return Err(PathError::Forbidden);
    }
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| PathError::Malformed)?;
    if decoded.contains('\0') {
        return Err(PathError::Malformed);
    }
    let trimmed = decoded.strip_prefix('/').unwrap_or(&decoded);
    if trimmed.starts_with('/') {
        return Err(PathError::Forbidden);
    }
    if trimmed
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Err(PathError::Forbidden);
    }
    Ok(trimmed.to_string())
}

async fn serve_file(State(state): State<AppState>, request: Request<Body>) -> Response<Body> {
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .header(header::ALLOW, "GET, HEAD")
            .body(Body::from("method not allowed\n"))
            .unwrap_or_default();
    }
    let prefix = state.prefix.clone();
    let path = match under_prefix(request.uri().path(), &prefix) {
        Ok(path) => path,
        Err(outside) => return outside_the_prefix(&state, &prefix, &outside),
    };
    let path = match clean_path(path) {
        Ok(p) => p,
        Err(PathError::Malformed) => {
            return (StatusCode::BAD_REQUEST, "bad request\n").into_response();
        }
        Err(PathError::Forbidden) => return (StatusCode::FORBIDDEN, "forbidden\n").into_response(),
    };
    // A language's index lies under its prefix (`ar/search/data/`).
    let in_language = path.split_once('/').map_or("", |(_, rest)| rest);
    if path.starts_with(crate::search::OUTPUT_DIR)
        || in_language.starts_with(crate::search::OUTPUT_DIR)
    {
        // A query right after an edit finds the edit: the index refresh under way finishes first.
        state.search.idle().await;
    }
    let (found, status, name) = {
        let Ok(site) = state.site.read() else {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server state unavailable\n",
            )
                .into_response();
        };
        let lookup = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.clone()
        };
        if let Some(file) = site.files.get(&lookup) {
            (Some(file.clone()), StatusCode::OK, lookup)
        } else if site.files.contains_key(&format!("{path}/index.html")) {
            let location = format!("{prefix}/{path}/");
            return Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header(header::LOCATION, location)
                .body(Body::empty())
                .unwrap_or_default();
        } else {
            (
                site.files.get("404.html").cloned(),
                StatusCode::NOT_FOUND,
                "404.html".to_string(),
            )
        }
    };
    let found = match found {
        Some(Served::Typst(source)) => match typeset(&state, &name, source).await {
            Ok(pdf) => Some(Served::Bytes(pdf)),
            Err(why) => return (StatusCode::INTERNAL_SERVER_ERROR, why).into_response(),
        },
        other => other,
    };
    // Everything comes from memory: what the last good build produced, nothing from disk.
    let bytes: Bytes = match found {
        Some(served) => Bytes::from_owner(served.bytes().clone()),
        None => Bytes::from_static(b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>"),
    };
    let mime = mime_guess::from_path(&name).first_or_octet_stream();
    let is_html = mime.essence_str() == "text/html";
    let body = if is_html {
        Bytes::from(reload::inject(&bytes, &prefix))
    } else {
        bytes
    };
    let content_type = content_type(&name, &mime);
    let length = body.len();
    let response = Response::builder()
        .status(status)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::CONTENT_LENGTH, length);
    if method == Method::HEAD {
        return response.body(Body::empty()).unwrap_or_default();
    }
    response.body(Body::from(body)).unwrap_or_default()
}

/// The part of a request path under `prefix` (`/policy/briefs/` → `/briefs/`), or the whole
/// path when it is outside.
fn under_prefix<'a>(path: &'a str, prefix: &str) -> Result<&'a str, String> {
    if prefix.is_empty() {
        return Ok(path);
    }
    match path.strip_prefix(prefix) {
        Some(rest) if rest.starts_with('/') => Ok(rest),
        // `/policy` is the site's home page without its slash.
        Some("") => Err(String::from("/")),
        _ => Err(path.to_string()),
    }
}

/// A request outside the base path: redirected there when the site has a file at that path
/// (`/` → `/policy/`, `/briefs/x/` → `/policy/briefs/x/`), else the site's 404 page.
fn outside_the_prefix(state: &AppState, prefix: &str, path: &str) -> Response<Body> {
    let exists = clean_path(path).is_ok_and(|clean| {
        let lookup = if clean.is_empty() || clean.ends_with('/') {
            format!("{clean}index.html")
        } else {
            clean.clone()
        };
        state.site.read().is_ok_and(|site| {
            site.files.contains_key(&lookup)
                || site.files.contains_key(&format!("{clean}/index.html"))
        })
    });
    if !exists {
        let not_found = state
            .site
            .read()
            .ok()
            .and_then(|site| site.files.get("404.html").map(|f| f.bytes().clone()));
        let body = match not_found {
            Some(bytes) => reload::inject(&bytes, prefix),
            None => b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>".to_vec(),
        };
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CACHE_CONTROL, "no-store")
            .body(Body::from(body))
            .unwrap_or_default();
    }
    Response::builder()
        .status(StatusCode::TEMPORARY_REDIRECT)
        .header(header::LOCATION, format!("{prefix}{path}"))
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::empty())
        .unwrap_or_default()
}

/// Typesets a brief's PDF on its first request (through the PDF cache, so a PDF typeset before
/// is read back) and serves it from memory after that, until a rebuild changes its source.
async fn typeset(state: &AppState, name: &str, source: Arc<[u8]>) -> Result<Arc<[u8]>, String> {
    let root = match state.site.read() {
        Ok(site) => site.root().to_path_buf(),
        Err(_) => return Err("server state unavailable\n".into()),
    };
    let text = String::from_utf8_lossy(&source).into_owned();
    let ident = name.to_string();
    let typeset = tokio::task::spawn_blocking(move || {
        crate::pdf::Typesetter::new(Some(&root)).typeset(text, &ident)
    });
    let pdf: Arc<[u8]> = match typeset.await {
        Ok(Ok(pdf)) => Arc::from(pdf),
        Ok(Err(errors)) => {
            let why: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
            return Err(format!(
                "the PDF could not be typeset: {}\n(`communique check` names the template line)\n",
                why.join("; ")
            ));
        }
        Err(_) => return Err("the PDF could not be typeset\n".into()),
    };
    if let Ok(mut site) = state.site.write()
        && matches!(site.files.get(name), Some(Served::Typst(s)) if *s == source)
    {
        site.files
            .insert(name.to_string(), Served::Bytes(pdf.clone()));
    }
    Ok(pdf)
}

/// The `Content-Type` of an output file, from its name (`mime`, as mime_guess guessed it).
pub(crate) fn content_type(name: &str, mime: &mime_guess::Mime) -> String {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        // Citation files (`cite.bib`, `cite.ris`): text that mime_guess does not call text.
        Some("bib") => "application/x-bibtex; charset=utf-8".to_string(),
        Some("ris") => "application/x-research-info-systems; charset=utf-8".to_string(),
        _ if mime.type_() == "text" || mime.essence_str() == "application/javascript" => {
            format!("{}; charset=utf-8", mime.essence_str())
        }
        _ => mime.essence_str().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citation_files_have_their_types() {
        let of =
            |name: &str| content_type(name, &mime_guess::from_path(name).first_or_octet_stream());
        assert_eq!(
            of("briefs/x/cite.bib"),
            "application/x-bibtex; charset=utf-8"
        );
        assert_eq!(
            of("briefs/x/cite.ris"),
            "application/x-research-info-systems; charset=utf-8"
        );
        assert_eq!(of("briefs/x/index.html"), "text/html; charset=utf-8");
        assert_eq!(of("logo.png"), "image/png");
    }

    #[test]
    fn paths_under_and_outside_the_prefix() {
        assert_eq!(under_prefix("/briefs/", ""), Ok("/briefs/"));
        assert_eq!(under_prefix("/policy/briefs/", "/policy"), Ok("/briefs/"));
        assert_eq!(under_prefix("/policy/", "/policy"), Ok("/"));
        assert_eq!(under_prefix("/policy", "/policy"), Err("/".to_string()));
        assert_eq!(
            under_prefix("/policyx/a", "/policy"),
            Err("/policyx/a".to_string())
        );
        assert_eq!(under_prefix("/", "/policy"), Err("/".to_string()));
    }

    #[test]
    fn paths_cannot_escape_the_site() {
        assert_eq!(clean_path("/briefs/x/").unwrap(), "briefs/x/");
        assert_eq!(clean_path("/caf%C3%A9/").unwrap(), "café/");
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2E%2E/x",
            "/a%2fb",
            "/a%5cb",
            "//etc/passwd",
            "/a/./b",
        ] {
            assert_eq!(clean_path(bad), Err(PathError::Forbidden), "{bad}");
        }
        assert_eq!(clean_path("/%ff"), Err(PathError::Malformed));
        assert_eq!(clean_path("/a%00"), Err(PathError::Malformed));
    }
}
