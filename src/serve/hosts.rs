//! Which `Host` headers the preview server answers.
//!
//! A page on `evil.example` can make its own name resolve to 127.0.0.1 (DNS rebinding) and then
//! read the preview, drafts and error overlay included, as its own origin. The browser still
//! sends `Host: evil.example`, so answering only our own names stops it. An IP literal can never
//! be rebound, so when the server listens on all interfaces any IP literal is answered.

use std::net::{IpAddr, SocketAddr};

/// The host names (without port) the server answers.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    /// Lowercase names, IPv6 addresses in brackets (`[::1]`).
    names: Vec<String>,
    /// Listening on all interfaces: also any IP literal (the machine's addresses are many).
    any_ip: bool,
}

impl AllowedHosts {
    /// `localhost`, `127.0.0.1` and `[::1]`; the interface given (`--interface`) and the
    /// address bound; and `extra` (`--allow-host`, with or without a port).
    pub fn new(interface: &str, bound: &SocketAddr, extra: &[String]) -> Self {
        let mut names: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
            .into_iter()
            .map(str::to_string)
            .collect();
        names.push(ip_host(&bound.ip()));
        for given in std::iter::once(interface).chain(extra.iter().map(String::as_str)) {
            let given = given.trim();
            let name = match given.parse::<IpAddr>() {
                Ok(ip) => ip_host(&ip),
                Err(_) => host_name(given).to_ascii_lowercase(),
            };
            if !name.is_empty() {
                names.push(name);
            }
        }
        names.sort();
        names.dedup();
        AllowedHosts {
            names,
            any_ip: bound.ip().is_unspecified(),
        }
    }

    /// Whether a `Host` header value (`localhost:1111`, `[::1]`) names this server; the port
    /// is not compared, so an SSH tunnel or port forward on another port still works.
    pub fn allows(&self, host: &str) -> bool {
        let name = host_name(host.trim()).to_ascii_lowercase();
        let name = name.strip_suffix('.').unwrap_or(&name);
        if self.names.iter().any(|n| n == name) {
            return true;
        }
        self.any_ip && is_ip_literal(name)
    }

    /// The hosts answered, for messages: `localhost, 127.0.0.1, [::1]`.
    pub fn describe(&self) -> String {
        let names = self.names.join(", ");
        if self.any_ip {
            format!("{names} or any IP address")
        } else {
            names
        }
    }
}

/// An IP address as it appears in a `Host` header.
fn ip_host(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// The host of a `Host` value without its port: `[::1]:80` → `[::1]`, `a.b:80` → `a.b`.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

fn is_ip_literal(name: &str) -> bool {
    match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => name.parse::<std::net::Ipv4Addr>().is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(interface: &str, bound: &str, extra: &[&str]) -> AllowedHosts {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        AllowedHosts::new(interface, &bound.parse().unwrap(), &extra)
    }

    #[test]
    fn loopback_names_with_or_without_port() {
        let h = hosts("127.0.0.1", "127.0.0.1:1111", &[]);
        for ok in [
            "localhost",
            "LOCALHOST:1111",
            "localhost.:8080",
            "127.0.0.1",
            "127.0.0.1:1111",
            "[::1]",
            "[::1]:1111",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:1111",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "10.0.0.1",
            "",
            "[::1",
        ] {
            assert!(!h.allows(bad), "{bad}");
        }
    }

    #[test]
    fn interface_and_extra_hosts() {
        let h = hosts(
            "192.168.1.5",
            "192.168.1.5:1111",
            &["preview.lan:80", "Box"],
        );
        assert!(h.allows("192.168.1.5:1111"));
        assert!(h.allows("preview.lan"));
        assert!(h.allows("box:1111"));
        assert!(!h.allows("192.168.1.6"));
        let v6 = hosts("::1", "[::1]:1111", &[]);
        assert!(v6.allows("[::1]:1111"));
    }

    #[test]
    fn all_interfaces_answer_ip_literals_but_not_other_names() {
        let h = hosts("0.0.0.0", "0.0.0.0:1111", &[]);
        assert!(h.allows("192.168.1.5:1111"));
        assert!(h.allows("[fe80::1]:1111"));
        assert!(!h.allows("evil.example"));
        assert!(!h.allows("1.2.3.4.example"));
        assert!(h.describe().ends_with("or any IP address"));
    }
}
