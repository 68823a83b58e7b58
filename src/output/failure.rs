//! Messages for every way writing the output can stop, each saying what state the output is in.

use std::io;
use std::path::Path;

use super::MANIFEST_NAME;
use super::commit::{Interrupted, Journal, Progress};
use super::stage::Conflict;
use crate::diagnostics::Diagnostic;

/// How many paths a message lists before "and N more".
const LISTED: usize = 5;

/// An error that left the output unchanged: `e` stopped the build, `cleanup` is how removing
/// the stage went.
pub fn unchanged(output: &Path, e: &io::Error, cleanup: io::Result<()>) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot write the site to {}: {e}",
        output.display()
    ))
    .hint(format!(
        "the previous output is unchanged{}; check free disk space and permissions, then build again",
        stage_note(cleanup)
    ))
}

/// A commit stopped after changing some files.
pub(super) fn partial(
    output: &Path,
    journal: &Journal,
    stopped: &Interrupted,
    cleanup: io::Result<()>,
) -> Diagnostic {
    let progress = &stopped.progress;
    if progress.untouched() {
        return unchanged(output, &stopped.error, cleanup);
    }
    Diagnostic::error(format!(
        "cannot finish updating {}: {}",
        output.display(),
        stopped.error
    ))
    .hint(format!(
        "the output is partly updated: {} of {} new or changed files are in place{}; \
         every other file is still the previous version, and no file is half-written{}. \
         Fix the cause and run the build again to finish",
        progress.moved,
        journal.moves.len(),
        if journal.removals.is_empty() {
            String::new()
        } else {
            format!(
                " and {} of {} old files removed",
                progress.removed,
                journal.removals.len()
            )
        },
        stage_note(cleanup)
    ))
}

/// Completing an interrupted earlier commit failed.
pub(super) fn roll_forward(
    output: &Path,
    stopped: &Interrupted,
    cleanup: io::Result<()>,
) -> Diagnostic {
    Diagnostic::error(format!(
        "an earlier build of {} was interrupted, and completing it failed: {}",
        output.display(),
        stopped.error
    ))
    .hint(format!(
        "the output is partly updated: some files are new, the rest the previous version, none half-written \
         ({} more moved into place now){}. Fix the cause and run the build again to finish",
        stopped.progress.moved,
        stage_note(cleanup)
    ))
}

/// An interrupted earlier commit was completed.
pub(super) fn completed(output: &Path, progress: &Progress) -> Diagnostic {
    Diagnostic::warning(format!(
        "completed an earlier build of {} that was interrupted: {} files moved into place, {} removed",
        output.display(),
        progress.moved,
        progress.removed
    ))
}

/// Old files not removed because they changed after communique wrote them.
pub(super) fn kept(output: &Path, kept: &[String]) -> Vec<Diagnostic> {
    if kept.is_empty() {
        return Vec::new();
    }
    vec![
        Diagnostic::warning(format!(
            "kept {} in {} that the site no longer produces, because {} changed since communique wrote {}",
            count(kept.len(), "old file"),
            output.display(),
            if kept.len() == 1 { "it" } else { "they" },
            if kept.len() == 1 { "it" } else { "them" },
        ))
        .hint(format!(
            "communique now leaves {}; delete by hand what you do not want: {}",
            if kept.len() == 1 { "it alone" } else { "them alone" },
            listed(kept)
        )),
    ]
}

/// Leftovers of an earlier build that could not be removed.
pub(super) fn leftover(output: &Path, path: &Path, e: &io::Error) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot remove {}, left by an earlier build: {e}",
        path.display()
    ))
    .hint(format!(
        "{} is as that build left it; remove the leftover by hand, then build again",
        output.display()
    ))
}

/// The output folder cannot be looked at.
pub(super) fn unreadable(output: &Path, e: &io::Error) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot read the output folder {}: {e}",
        output.display()
    ))
    .hint("check its permissions; nothing was changed")
}

/// An output folder on another file system than its parent.
pub(super) fn mount_point(output: &Path) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot build into {}: it is a mount point, on another file system than the folder \
         holding it, and communique stages files beside the output to move them in",
        output.display()
    ))
    .hint("build into a folder inside it (for example --output-dir with a subfolder of it); nothing was changed")
}

/// A non-empty folder without a manifest.
pub(super) fn foreign(output: &Path) -> Diagnostic {
    Diagnostic::error(format!(
        "refusing to build into {}: it is not empty and has no {MANIFEST_NAME}, so communique did not create it \
         (an output written by a communique version without manifests counts as not created by communique)",
        output.display()
    ))
    .hint(
        "choose a new or empty folder with --output-dir (or delete this one if it only holds an old build), \
         or pass --force to build into it: files the site produces are then overwritten, and no other file \
         is ever deleted; nothing was changed",
    )
}

/// A manifest that cannot be read or trusted.
pub(super) fn bad_manifest(output: &Path, e: &io::Error) -> Diagnostic {
    Diagnostic::error(format!(
        "refusing to build into {}: its {MANIFEST_NAME} cannot be used ({e})",
        output.display()
    ))
    .hint(
        "pass --force to build into it as into a folder communique did not create (no file is deleted), \
         or choose another folder; nothing was changed",
    )
}

/// The new output would overwrite or delete files communique did not write.
pub(super) fn refusal(output: &Path, conflicts: Vec<Conflict>) -> Diagnostic {
    let (mut foreign, mut blocked) = (Vec::new(), Vec::new());
    for conflict in conflicts {
        match conflict {
            Conflict::Foreign(path) => foreign.push(path),
            Conflict::Blocked(why) => blocked.push(why),
        }
    }
    foreign.sort();
    blocked.sort();
    if !blocked.is_empty() {
        return Diagnostic::error(format!(
            "cannot write the site to {} without deleting files communique did not write: {}",
            output.display(),
            listed(&blocked)
        ))
        .hint(
            "the previous output is unchanged; move those files away, then build again \
             (--force never deletes files communique did not write)",
        );
    }
    Diagnostic::error(format!(
        "refusing to overwrite {} in {} that communique did not write: {}",
        count(foreign.len(), "file"),
        output.display(),
        listed(&foreign)
    ))
    .hint("the previous output is unchanged; move them away, or pass --force to let the site's files replace them")
}

fn stage_note(cleanup: io::Result<()>) -> String {
    match cleanup {
        Ok(()) => String::new(),
        Err(e) => {
            format!(" (its staging folder could not be removed: {e}; the next build removes it)")
        }
    }
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The first few items, then how many more.
fn listed(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(LISTED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LISTED {
        text.push_str(&format!(" and {} more", items.len() - LISTED));
    }
    text
}
