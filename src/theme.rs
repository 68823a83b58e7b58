//! The default theme, embedded at compile time from this repository's `templates/` and
//! `static/` (see `build.rs`): the fallback for templates a site lacks, and what `init` writes.

include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));

/// The name prefix under which a site's templates reach a built-in template they replace:
/// `templates/base.html` can `{% extends "builtin/base.html" %}` and fill a block or two.
pub const BUILTIN_PREFIX: &str = "builtin/";
