//! The whole build of a one-page site: the default theme from `communique init`, one section
//! and one brief made from the fuzz input, through content loading, Markdown, the site model,
//! taxonomies, the feed and every template (in memory: nothing is written to `public/`).
//!
//! Besides not panicking, every output path must stay inside the output folder.

#![no_main]

use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use communique::{BuildOptions, SiteDirs};
use communique_fuzz::ContentFile;
use libfuzzer_sys::fuzz_target;

const SECTION: &str = "+++\ntitle = \"Briefs\"\nsort_by = \"date\"\n+++\n";
const BRIEF: &str = "+++\ntitle = \"Fixed brief\"\ndate = 2024-01-01\n+++\n\nA fixed brief.\n";

/// A site made once per process, reused for every input (only the fuzzed files change).
fn site_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        // libFuzzer exits without running destructors, and fork mode starts a new process
        // every few seconds, so the sites are kept under fuzz/target/ rather than the system's
        // temporary folder (`cargo clean` there removes them).
        let sites = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/build_page-sites");
        if let Err(e) = std::fs::create_dir_all(&sites) {
            panic!("cannot make {}: {e}", sites.display());
        }
        let dir = match tempfile::Builder::new().prefix("site-").tempdir_in(&sites) {
            Ok(dir) => dir.keep(),
            Err(e) => panic!("cannot make the fuzz site folder: {e}"),
        };
        if let Err(e) = communique::scaffold::init(&dir, "2024-01-01", Default::default()) {
            panic!("cannot scaffold the fuzz site: {e}");
        }
        if let Err(e) = std::fs::remove_file(dir.join("content/briefs/welcome.md")) {
            panic!("cannot remove the sample brief: {e}");
        }
        dir
    })
}

fn write(path: &Path, bytes: &[u8]) {
    if let Err(e) = std::fs::write(path, bytes) {
        panic!("cannot write {}: {e}", path.display());
    }
}

/// Whether an output path, joined to the output folder, stays inside it.
fn stays_inside(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

fuzz_target!(|data: &[u8]| {
    let file = ContentFile::from_fuzz(data);
    let root = site_root();
    let briefs = root.join("content/briefs");
    if file.is_section() {
        write(&briefs.join("_index.md"), &file.bytes);
        write(&briefs.join("fuzz.md"), BRIEF.as_bytes());
    } else {
        write(&briefs.join("_index.md"), SECTION.as_bytes());
        write(&briefs.join("fuzz.md"), &file.bytes);
    }
    let dirs = SiteDirs::new(root, None);
    let options = BuildOptions {
        drafts: file.drafts(),
        base_url: None,
    };
    match communique::build_site(&dirs, &options) {
        Ok(site) => {
            for output in site.files() {
                assert!(
                    stays_inside(&output.path),
                    "output path {:?} leaves the output folder",
                    output.path
                );
            }
            site.warnings.iter().for_each(|w| {
                let _ = w.render_html();
            });
        }
        Err(errors) => {
            let _ = errors.to_string();
            errors.iter().for_each(|e| {
                let _ = e.render_html();
            });
        }
    }
});
