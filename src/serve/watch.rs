//! Watching the site's inputs: file events → batches of changed paths.
//!
//! We watch folders, not files (editors replace files on save), ignore editors' temporary files,
//! and let the debouncer fold a burst of events (an atomic save, a `git checkout` of a hundred
//! files) into one batch, so one save gives one rebuild.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use crate::SiteDirs;
use crate::content::discover::is_ignored_name;

/// How long the debouncer waits for a burst of events to end. Short: saves show up at once;
/// long enough that an editor's write-then-rename arrives as one batch.
pub const DEBOUNCE: Duration = Duration::from_millis(10);

/// What a changed path is to the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputKind {
    /// The configuration file.
    Config,
    /// A file under `content/`.
    Content,
    /// A file under `templates/`.
    Template,
    /// A file under `static/`.
    Static,
    /// No file: the time of a brief's publication came (see `site::embargo`).
    Clock,
}

/// Classifies a path, or `None` for paths that are not site inputs (editor files, output).
pub fn classify(dirs: &SiteDirs, path: &Path) -> Option<InputKind> {
    if path == dirs.config_file {
        return Some(InputKind::Config);
    }
    // Catalogs are read with the configuration (see `crate::i18n`).
    let (kind, rel) = [
        (InputKind::Config, dirs.i18n()),
        (InputKind::Content, dirs.content()),
        (InputKind::Template, dirs.templates()),
        (InputKind::Static, dirs.static_dir()),
    ]
    .into_iter()
    .find_map(|(kind, dir)| {
        path.strip_prefix(&dir)
            .ok()
            .map(|rel| (kind, rel.to_path_buf()))
    })?;
    let ignored = rel
        .components()
        .any(|c| is_ignored_name(&c.as_os_str().to_string_lossy()));
    (!ignored).then_some(kind)
}

/// Batches of changed inputs.
pub type Batches = mpsc::Receiver<BTreeSet<(InputKind, PathBuf)>>;

/// The running watcher; dropping it stops watching.
pub type Watcher = notify_debouncer_full::Debouncer<
    notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// Starts watching; each debounced batch of relevant paths is sent on the returned channel.
pub fn watch(dirs: &SiteDirs) -> notify::Result<(Watcher, Batches)> {
    let (tx, rx) = mpsc::channel();
    let handler_dirs = dirs.clone();
    let mut debouncer = new_debouncer(
        DEBOUNCE,
        Some(Duration::from_millis(5)),
        move |result: DebounceEventResult| {
            let Ok(events) = result else { return };
            let batch: BTreeSet<(InputKind, PathBuf)> = events
                .iter()
                .filter(|e| changes_contents(&e.event.kind))
                .flat_map(|e| e.event.paths.iter())
                .filter_map(|p| classify(&handler_dirs, p).map(|k| (k, p.clone())))
                .collect();
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
        },
    )?;
    for dir in [
        dirs.content(),
        dirs.templates(),
        dirs.static_dir(),
        dirs.i18n(),
    ] {
        if dir.is_dir() {
            debouncer.watch(&dir, RecursiveMode::Recursive)?;
        }
    }
    // The config is watched through its folder so a replace-on-save is seen.
    let config_dir = dirs
        .config_file
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    debouncer.watch(&config_dir, RecursiveMode::NonRecursive)?;
    Ok((debouncer, rx))
}

/// Whether an event can change what a file holds. Reads (our own builds read every input)
/// and metadata changes must not trigger rebuilds, or a build would trigger the next one.
fn changes_contents(kind: &notify::EventKind) -> bool {
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        // A file closed after writing: some editors' saves show up only as this.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Other | EventKind::Any => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_inputs_and_ignores_editor_files() {
        let dirs = SiteDirs::new("/site", None);
        let c = |p: &str| classify(&dirs, Path::new(p));
        assert_eq!(c("/site/communique.toml"), Some(InputKind::Config));
        assert_eq!(c("/site/content/briefs/x.md"), Some(InputKind::Content));
        assert_eq!(c("/site/templates/base.html"), Some(InputKind::Template));
        assert_eq!(c("/site/static/style.css"), Some(InputKind::Static));
        assert_eq!(c("/site/i18n/ar.toml"), Some(InputKind::Config));
        assert_eq!(c("/site/i18n/.ar.toml.swp"), None);
        assert_eq!(c("/site/content/briefs/.x.md.swp"), None);
        assert_eq!(c("/site/content/briefs/x.md~"), None);
        assert_eq!(c("/site/content/briefs/4913"), None);
        assert_eq!(c("/site/content/.#x.md"), None);
        assert_eq!(c("/site/public/index.html"), None);
    }
}
