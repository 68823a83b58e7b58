//! Live reload: the events sent to browsers and the script that receives them.

use crate::Diagnostics;

/// What connected browsers are told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadEvent {
    /// These site paths changed: reload if showing one of them (`*`: reload whatever is shown).
    Reload(Vec<String>),
    /// Only stylesheets changed: swap them without reloading the page.
    Css,
    /// The last rebuild failed: show this HTML in an overlay.
    Error(String),
    /// The site builds again: remove the overlay.
    Fixed,
}

impl ReloadEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            ReloadEvent::Reload(_) => "reload",
            ReloadEvent::Css => "css",
            ReloadEvent::Error(_) => "build-error",
            ReloadEvent::Fixed => "fixed",
        }
    }

    /// The SSE data (one line).
    pub fn data(&self) -> String {
        match self {
            ReloadEvent::Reload(paths) => {
                serde_json::to_string(paths).unwrap_or_else(|_| "[\"*\"]".into())
            }
            ReloadEvent::Css | ReloadEvent::Fixed => String::new(),
            ReloadEvent::Error(html) => serde_json::to_string(html).unwrap_or_default(),
        }
    }
}

/// The overlay HTML for a failed build.
pub fn overlay_html(diagnostics: &Diagnostics) -> String {
    let mut html = format!(
        "<h2>communique: {} error{} — showing the last good version</h2>",
        diagnostics.error_count(),
        if diagnostics.error_count() == 1 {
            ""
        } else {
            "s"
        }
    );
    for d in diagnostics.iter() {
        html.push_str(&d.render_html());
    }
    html
}

/// The path browsers listen on.
pub const EVENTS_PATH: &str = "/__communique/events";

/// The script injected into served HTML (never into `build` output).
pub const SCRIPT: &str = r#"<script id="communique-live-reload">
(function () {
  var connectedOnce = false;
  function overlay(html) {
    var box = document.getElementById("communique-overlay");
    if (!html) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "communique-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.94);color:#fff;font:15px/1.5 ui-monospace,monospace;padding:2rem";
      document.body.appendChild(box);
    }
    box.innerHTML = html;
  }
  function here(paths) {
    var p = decodeURI(location.pathname);
    var prefix = COMMUNIQUE_PREFIX;
    if (prefix && p.indexOf(prefix + "/") === 0) { p = p.slice(prefix.length); }
    return paths.some(function (c) { return c === "*" || c === p || c + "index.html" === p || c === p + "/"; });
  }
  function connect() {
    var es = new EventSource("/__communique/events");
    es.onopen = function () {
      if (connectedOnce) { location.reload(); }
      connectedOnce = true;
    };
    es.addEventListener("reload", function (e) {
      if (here(JSON.parse(e.data))) { location.reload(); }
    });
    es.addEventListener("css", function () {
      document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
        var url = new URL(link.href);
        url.searchParams.set("communique", Date.now());
        link.href = url.toString();
      });
    });
    es.addEventListener("build-error", function (e) { overlay(JSON.parse(e.data)); });
    es.addEventListener("fixed", function () { overlay(null); });
  }
  connect();
})();
</script>"#;

/// The script for a site served under `prefix` (`/policy`, or empty): changed site paths are
/// compared with the page's path less the prefix.
fn script(prefix: &str) -> String {
    // A JSON string is a JavaScript string; `<` escaped so the prefix cannot close the script.
    let literal = serde_json::to_string(prefix)
        .unwrap_or_else(|_| "\"\"".to_string())
        .replace('<', "\\u003c");
    SCRIPT.replace("COMMUNIQUE_PREFIX", &literal)
}

/// Adds the live reload script to an HTML document, before `</body>` when there is one.
pub fn inject(html: &[u8], prefix: &str) -> Vec<u8> {
    let script = script(prefix);
    let needle = b"</body>";
    let at = html
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + script.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(script.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_last_body_end() {
        let out = String::from_utf8(inject(b"<html><body><p>x</p></BODY></html>", "")).unwrap();
        assert!(out.contains("</p><script id=\"communique-live-reload\">"));
        assert!(out.ends_with("</script></BODY></html>"));
        let bare = String::from_utf8(inject(b"<p>x</p>", "")).unwrap();
        assert!(bare.starts_with("<p>x</p><script"));
        assert!(bare.contains("var prefix = \"\";"));
        let under = String::from_utf8(inject(b"<p>x</p>", "/a</script>")).unwrap();
        assert!(
            under.contains("var prefix = \"/a\\u003c/script>\";"),
            "{under}"
        );
    }
}
