//! Element ids of a body (headings, notes, note references): safe characters only, and each
//! unique, handed out in near-linear time however many repeat.

use std::collections::{HashMap, HashSet};

use crate::site::urls::slugify;

/// Whether `c` may appear in an id: a letter or digit (of any script), `-` or `_`. None of these
/// needs escaping in an attribute, a URL fragment or a CSS selector's quoted string.
pub fn is_id_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

/// Whether `id` is non-empty and made only of [`is_id_char`] characters.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(is_id_char)
}

/// `id` with each run of unsafe characters turned into one `-`, and no `-` at either end; case
/// is kept, so `{#Intro}` stays `Intro`. May be empty.
pub fn clean_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    let mut pending_dash = false;
    for c in id.chars() {
        if is_id_char(c) && c != '-' {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c);
        } else {
            pending_dash = true;
        }
    }
    out
}

/// The id to use for an explicit `{#raw}`: `raw` itself when it is safe, else [`clean_id`].
pub fn usable_id(raw: &str) -> String {
    if is_safe_id(raw) {
        raw.to_string()
    } else {
        clean_id(raw)
    }
}

/// The id of the note for footnote `label`.
pub fn note_id(label: &str) -> String {
    let slug = slugify(label);
    format!("fn-{}", if slug.is_empty() { "note" } else { &slug })
}

/// The id of the `n`th reference (from 1) to the note with id `note_id`.
pub fn reference_id(note_id: &str, n: usize) -> String {
    if n == 1 {
        format!("{note_id}-ref")
    } else {
        format!("{note_id}-ref-{n}")
    }
}

/// The id of the heading of the notes section.
pub const NOTES_LABEL_ID: &str = "footnotes-label";

/// Hands out unique ids.
///
/// Ids written on purpose (`{#id}`, notes) are *reserved* before any heading gets a generated id,
/// so a generated id never takes one of them, wherever it appears. A numbered id (`a-1`, `a-2`,
/// …) continues from the last number given for its base, so 40,000 headings named "a" cost
/// 40,000 look-ups, not 800 million.
#[derive(Debug, Default)]
pub struct IdAllocator {
    reserved: HashSet<String>,
    taken: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl IdAllocator {
    /// An allocator that keeps `reserved` for [`IdAllocator::claim`].
    pub fn with_reserved(reserved: impl IntoIterator<Item = String>) -> IdAllocator {
        IdAllocator {
            reserved: reserved.into_iter().collect(),
            ..IdAllocator::default()
        }
    }

    /// A generated id: `base`, or `base-N` with the lowest N after those already given for
    /// `base`, never taken nor reserved.
    pub fn generate(&mut self, base: &str) -> String {
        if !self.taken.contains(base) && !self.reserved.contains(base) {
            self.taken.insert(base.to_string());
            return base.to_string();
        }
        self.numbered(base)
    }

    /// An id asked for by name (an explicit heading id, a note): `wanted` itself unless an
    /// earlier element took it, else a numbered variant.
    pub fn claim(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_string()) {
            return wanted.to_string();
        }
        self.numbered(wanted)
    }

    fn numbered(&mut self, base: &str) -> String {
        let n = self.next_suffix.entry(base.to_string()).or_insert(0);
        loop {
            *n += 1;
            let candidate = format!("{base}-{n}");
            if !self.taken.contains(&candidate) && !self.reserved.contains(&candidate) {
                self.taken.insert(candidate.clone());
                return candidate;
            }
        }
    }
}

/// The ids a body may ask for by name, found by a scan of its text, so they can be reserved
/// before the single pass that renders it: every `{#id}` (cleaned) and every note of a `[^label]`
/// with its first reference id, plus the notes heading. The scan may find more than the parser
/// will (an example in a code block, say); reserving those too only means a heading of that
/// exact name gets a numbered id.
pub fn reserved_in(body: &str) -> Vec<String> {
    let mut ids = Vec::new();
    // memmem finds the rare two-byte markers with SIMD; `str::match_indices` scans byte by
    // byte, which cost 3% of a 10,000-brief build.
    for at in memchr::memmem::find_iter(body.as_bytes(), b"{#") {
        let rest = &body[at + 2..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '}')
            .unwrap_or(rest.len());
        let id = usable_id(&rest[..end]);
        if !id.is_empty() {
            ids.push(id);
        }
    }
    let mut any_note = false;
    for at in memchr::memmem::find_iter(body.as_bytes(), b"[^") {
        let rest = &body[at + 2..];
        let Some(end) = rest.find([']', '\n']) else {
            continue;
        };
        let id = note_id(&rest[..end]);
        ids.push(reference_id(&id, 1));
        ids.push(id);
        any_note = true;
    }
    if any_note {
        ids.push(NOTES_LABEL_ID.to_string());
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_ids_keep_letters_digits_dash_and_underscore() {
        assert_eq!(clean_id("Intro_2"), "Intro_2");
        assert_eq!(
            clean_id("x\"onmouseover=\"alert(1)\""),
            "x-onmouseover-alert-1"
        );
        assert_eq!(clean_id("--a  b--"), "a-b");
        assert_eq!(clean_id("مقدمة"), "مقدمة");
        assert_eq!(clean_id("\"<>&'"), "");
    }

    #[test]
    fn generated_ids_skip_taken_and_reserved_ones() {
        let mut ids = IdAllocator::with_reserved(["a-1".to_string(), "b".to_string()]);
        assert_eq!(ids.generate("a"), "a");
        assert_eq!(ids.generate("a"), "a-2");
        assert_eq!(ids.generate("b"), "b-1");
        assert_eq!(ids.claim("b"), "b");
        assert_eq!(ids.claim("b"), "b-2");
        assert_eq!(ids.claim("a-1"), "a-1");
    }

    #[test]
    fn generated_numbers_never_collide_with_literal_ones() {
        let mut ids = IdAllocator::default();
        assert_eq!(ids.generate("a-1"), "a-1");
        assert_eq!(ids.generate("a"), "a");
        assert_eq!(ids.generate("a"), "a-2");
        assert_eq!(ids.generate("a-1"), "a-1-1");
    }

    #[test]
    fn reserved_ids_come_from_explicit_ids_and_note_labels() {
        let ids = reserved_in("## T {#mine .c}\n\nText[^Big Note].\n");
        assert_eq!(
            ids,
            ["mine", "fn-big-note-ref", "fn-big-note", NOTES_LABEL_ID]
        );
    }
}
