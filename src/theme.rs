//! The default theme, embedded at compile time from this repository's `templates/` and
//! `static/` (see `build.rs`): the fallback for templates a site lacks, and what `init` writes.

include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));
