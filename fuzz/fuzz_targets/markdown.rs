//! The Markdown pipeline: parsing, link resolution, the raw HTML policy, the summary, heading
//! ids and the table of contents, footnotes, and inline rendering (key points).
//!
//! Byte 0 picks the options (see `communique_fuzz::markdown_config`); the rest is the body.
//! Besides not panicking, the output must keep two promises: every id in the table of contents
//! is an anchor of the page, and with `raw_html = "escape"` no raw tag reaches the HTML.

#![no_main]

use communique::config::RawHtml;
use communique::markdown::{self, TocEntry};
use communique_fuzz::{FuzzLinks, markdown_config};
use libfuzzer_sys::fuzz_target;

fn toc_ids<'a>(entries: &'a [TocEntry], out: &mut Vec<&'a str>) {
    for entry in entries {
        out.push(&entry.id);
        toc_ids(&entry.children, out);
    }
}

/// Whether `html` contains a `<script` tag (in any case), which the escape policy must prevent:
/// pulldown-cmark escapes `<` everywhere else.
fn has_script_tag(html: &str) -> bool {
    html.to_ascii_lowercase().contains("<script")
}

/// Whether `html` has a link or image whose URL runs script, which escape and sanitize prevent.
fn has_script_url(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    ["href=\"", "src=\""].iter().any(|attr| {
        lower.match_indices(attr).any(|(at, _)| {
            let url = lower[at + attr.len()..].trim_start();
            url.starts_with("javascript:") || url.starts_with("vbscript:")
        })
    })
}

/// Whether an id is made of the characters ids are restricted to in every mode.
fn is_safe_id(id: &str) -> bool {
    id.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let Ok(body) = std::str::from_utf8(body) else {
        return;
    };
    let config = markdown_config(flags);
    let (rendered, _errors) = markdown::render_with_errors(body, &config, &FuzzLinks);

    let mut ids = Vec::new();
    toc_ids(&rendered.toc, &mut ids);
    for id in ids {
        assert!(
            rendered.anchors.iter().any(|a| a == id),
            "table of contents id {id:?} is not an anchor of the page"
        );
    }
    for id in &rendered.anchors {
        assert!(is_safe_id(id), "unsafe id {id:?}");
    }
    if config.raw_html != RawHtml::Allow {
        assert!(
            !has_script_tag(&rendered.html),
            "raw HTML escaped the policy"
        );
        assert!(
            !has_script_url(&rendered.html),
            "a script URL survived the policy"
        );
        if let Some(summary) = &rendered.summary {
            assert!(
                !has_script_tag(summary),
                "raw HTML escaped the policy in the summary"
            );
        }
    }
    let _ = rendered.fingerprinted();

    if let Ok(inline) = markdown::render_inline(body, &config, &FuzzLinks)
        && config.raw_html != RawHtml::Allow
    {
        assert!(
            !has_script_tag(&inline),
            "raw HTML escaped the policy inline"
        );
    }
});
