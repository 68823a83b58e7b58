//! `check --external`: links to other sites, each asked for once over HTTP (ureq, rustls).
//!
//! - At most [`Settings::concurrency`] requests at a time, and [`Settings::per_host`] to any
//!   one host, so a site with a hundred links to one publisher does not hammer it.
//! - Each request has [`Settings::timeout`] in all; a timeout, a failed connection, 429 or a 5xx
//!   answer is retried [`Settings::retries`] times, waiting longer each time.
//! - `HEAD` first; a server that refuses `HEAD` (405, 501, or 403/404 from some CDNs) is asked
//!   with `GET`.
//! - Links that worked are cached in `<site root>/.communique-cache/links.json` with the time
//!   they were checked, and not asked again for [`Settings::cache_max_age`]. Failures are not
//!   cached: a fixed link shows as fixed on the next run.
//! - Hosts in `[check] skip_domains` (and their subdomains) are never asked.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::Finding;
use crate::Diagnostic;

/// Where results are cached, relative to the site root.
pub const CACHE_FILE: &str = ".communique-cache/links.json";

/// How external links are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests in flight to one host.
    pub per_host: usize,
    /// Time allowed for one request, from connecting to the end of the answer's head.
    pub timeout: Duration,
    /// Further tries after a timeout, a failed connection, 429 or 5xx.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub retry_delay: Duration,
    /// How long a link that worked is trusted without asking again.
    pub cache_max_age: Duration,
    /// Hosts never asked (a subdomain of one is skipped too).
    pub skip_domains: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: 8,
            per_host: 2,
            timeout: Duration::from_secs(10),
            retries: 2,
            retry_delay: Duration::from_millis(500),
            cache_max_age: Duration::from_secs(24 * 60 * 60),
            skip_domains: Vec::new(),
        }
    }
}

impl Settings {
    /// The settings of a site's `[check]` table.
    pub fn from_config(config: &crate::config::CheckConfig) -> Settings {
        let seconds =
            |s: f64, default: Duration| Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(default);
        Settings {
            concurrency: config.concurrency.max(1),
            per_host: config.per_host.max(1),
            timeout: seconds(config.timeout_seconds, Duration::from_secs(10)),
            retries: config.retries,
            cache_max_age: seconds(config.cache_hours * 3600.0, Duration::from_secs(86_400)),
            skip_domains: config.skip_domains.clone(),
            ..Settings::default()
        }
    }
}

/// The cache file's contents.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Cache {
    version: u32,
    /// URL → when it last worked (seconds since 1970) and its status.
    links: BTreeMap<String, CachedLink>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedLink {
    checked_at: u64,
    status: u16,
}

/// What asking for a URL gave.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// A 2xx answer (after redirects).
    Ok(u16),
    /// Another status.
    Status(u16),
    /// No answer: timeout, no such host, refused connection, TLS failure.
    Failed(String),
}

/// Checks `links` (each URL with a diagnostic placed where it is first used) and returns the
/// failures as errors, placed there.
pub fn check(
    links: Vec<(String, Diagnostic)>,
    settings: &Settings,
    cache_file: &Path,
) -> Vec<Finding> {
    let now = unix_now();
    let mut cache = read_cache(cache_file);
    let fresh = |url: &str| {
        cache
            .links
            .get(url)
            .is_some_and(|c| now.saturating_sub(c.checked_at) < settings.cache_max_age.as_secs())
    };
    let to_ask: Vec<(String, Diagnostic)> = links
        .into_iter()
        .filter(|(url, _)| !skipped(url, &settings.skip_domains) && !fresh(url))
        .collect();
    let urls: Vec<String> = to_ask.iter().map(|(u, _)| u.clone()).collect();
    let outcomes = ask_all(&urls, settings);
    let mut findings = Vec::new();
    for ((url, placed), outcome) in to_ask.into_iter().zip(outcomes) {
        let why = match outcome {
            Outcome::Ok(status) => {
                cache.links.insert(
                    url,
                    CachedLink {
                        checked_at: now,
                        status,
                    },
                );
                continue;
            }
            Outcome::Status(status) => format!("answered {status}"),
            Outcome::Failed(why) => why,
        };
        let diagnostic = Diagnostic {
            message: format!("external link {url} {why}"),
            hint: Some(
                "fix or remove the link; if the site refuses automated requests, add its host to [check] skip_domains"
                    .to_string(),
            ),
            ..placed
        };
        findings.push(Finding {
            kind: "external",
            diagnostic,
        });
    }
    // The cache only saves time: a run that cannot write it still reports everything.
    let _ = write_cache(cache_file, &mut cache, now, settings.cache_max_age);
    findings
}

/// Whether `url`'s host is `domain` or under it, for a domain of `skip`.
fn skipped(url: &str, skip: &[String]) -> bool {
    let Some(host) = host_of(url) else {
        return false;
    };
    skip.iter().any(|domain| {
        let domain = domain.trim_start_matches("*.").to_ascii_lowercase();
        host == domain || host.ends_with(&format!(".{domain}"))
    })
}

/// The lower-cased host of an http(s) URL.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.split(':').next().unwrap_or(host),
    };
    Some(host.to_ascii_lowercase())
}

/// Asks for every URL, in parallel within the limits; outcomes in the order of `urls`.
fn ask_all(urls: &[String], settings: &Settings) -> Vec<Outcome> {
    if urls.is_empty() {
        return Vec::new();
    }
    let agent = agent(settings);
    let queue = Mutex::new(Queue {
        waiting: (0..urls.len()).collect(),
        in_flight: HashMap::new(),
    });
    let changed = Condvar::new();
    let results = Mutex::new(vec![None; urls.len()]);
    let workers = settings.concurrency.clamp(1, urls.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some((index, host)) =
                    Queue::take(&queue, &changed, urls, settings.per_host)
                {
                    let outcome = ask(&agent, &urls[index], settings);
                    if let Ok(mut results) = results.lock() {
                        results[index] = Some(outcome);
                    }
                    Queue::done(&queue, &changed, &host);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Failed("was not checked".to_string())))
        .collect()
}

/// URLs not yet asked for, and the requests in flight per host.
struct Queue {
    waiting: VecDeque<usize>,
    in_flight: HashMap<String, usize>,
}

impl Queue {
    /// The next URL whose host is under its limit, waiting for one if need be; `None` when
    /// every URL is taken.
    fn take(
        queue: &Mutex<Queue>,
        changed: &Condvar,
        urls: &[String],
        per_host: usize,
    ) -> Option<(usize, String)> {
        let mut q = queue.lock().ok()?;
        loop {
            if q.waiting.is_empty() {
                return None;
            }
            let free = q.waiting.iter().position(|&i| {
                let host = host_of(&urls[i]).unwrap_or_default();
                q.in_flight.get(&host).copied().unwrap_or(0) < per_host.max(1)
            });
            if let Some(at) = free {
                let index = q.waiting.remove(at)?;
                let host = host_of(&urls[index]).unwrap_or_default();
                *q.in_flight.entry(host.clone()).or_default() += 1;
                return Some((index, host));
            }
            q = changed.wait(q).ok()?;
        }
    }

    fn done(queue: &Mutex<Queue>, changed: &Condvar, host: &str) {
        if let Ok(mut q) = queue.lock()
            && let Some(count) = q.in_flight.get_mut(host)
        {
            *count = count.saturating_sub(1);
        }
        changed.notify_all();
    }
}

fn agent(settings: &Settings) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(settings.timeout))
        .http_status_as_error(false)
        .max_redirects(10)
        .user_agent(concat!("communique-check/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::new_with_config(config)
}

/// Asks for one URL, retrying what may pass on a second try.
fn ask(agent: &ureq::Agent, url: &str, settings: &Settings) -> Outcome {
    let mut delay = settings.retry_delay;
    let mut outcome = ask_once(agent, url);
    for _ in 0..settings.retries {
        let retry = match &outcome {
            Outcome::Ok(_) => false,
            Outcome::Status(status) => *status == 429 || *status >= 500,
            Outcome::Failed(_) => true,
        };
        if !retry {
            break;
        }
        std::thread::sleep(delay);
        delay = delay.saturating_mul(2);
        outcome = ask_once(agent, url);
    }
    outcome
}

fn ask_once(agent: &ureq::Agent, url: &str) -> Outcome {
    let status = |result: Result<ureq::http::Response<ureq::Body>, ureq::Error>| match result {
        Ok(response) => Ok(response.status().as_u16()),
        Err(e) => Err(describe(&e)),
    };
    let head = status(agent.head(url).call());
    // Some servers refuse HEAD, or answer it wrongly: ask again with GET.
    let answer = match head {
        Ok(405 | 501 | 403 | 404 | 400) | Err(_) => status(agent.get(url).call()),
        other => other,
    };
    match answer {
        Ok(code) if (200..300).contains(&code) => Outcome::Ok(code),
        Ok(code) => Outcome::Status(code),
        Err(why) => Outcome::Failed(why),
    }
}

fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "did not answer in time".to_string(),
        ureq::Error::HostNotFound => "names a host that does not exist".to_string(),
        ureq::Error::ConnectionFailed => "refused the connection".to_string(),
        ureq::Error::TooManyRedirects => "redirects too many times".to_string(),
        other => format!("could not be fetched ({other})"),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn read_cache(file: &Path) -> Cache {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| serde_json::from_str::<Cache>(&text).ok())
        .filter(|c| c.version == 1)
        .unwrap_or_default()
}

/// Writes the cache, dropping entries past their age. The folder is created if missing; a
/// cache file that is a link is replaced, never followed (see [`crate::output`]'s rule).
fn write_cache(file: &Path, cache: &mut Cache, now: u64, max_age: Duration) -> std::io::Result<()> {
    cache.version = 1;
    cache
        .links
        .retain(|_, c| now.saturating_sub(c.checked_at) < max_age.as_secs());
    let Some(dir) = file.parent() else {
        return Ok(());
    };
    if dir.symlink_metadata().is_ok_and(|m| !m.is_dir()) {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_string_pretty(cache).map_err(std::io::Error::other)?;
    let temporary = tempfile::NamedTempFile::new_in(dir)?;
    std::fs::write(temporary.path(), text)?;
    temporary.persist(file).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_skipped_domains() {
        assert_eq!(
            host_of("https://User@Example.org:8080/a?b").as_deref(),
            Some("example.org")
        );
        assert_eq!(host_of("http://[::1]:80/").as_deref(), Some("::1"));
        let skip = vec!["example.org".to_string()];
        assert!(skipped("https://example.org/x", &skip));
        assert!(skipped("https://www.example.org/x", &skip));
        assert!(!skipped("https://notexample.org/x", &skip));
    }
}
