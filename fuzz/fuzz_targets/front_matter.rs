//! Front matter: splitting a content file, parsing TOML or YAML front matter, checking every
//! field into typed page or section metadata, and printing the errors found (their snippets
//! and caret columns are computed from the same text).

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use communique::Config;
use communique::content::discover::{Found, Kind};
use communique::content::front_matter::{self, PublishDate};
use communique::content::{self, Loaded};
use communique::diagnostics::Diagnostic;
use communique_fuzz::ContentFile;
use libfuzzer_sys::fuzz_target;

const CONFIG: &str = "title = \"Fuzz\"\nbase_url = \"https://fuzz.example\"\ntaxonomies = [\"topics\", \"actors\"]\n";

fn config() -> &'static Config {
    static CONFIG_CELL: OnceLock<Config> = OnceLock::new();
    CONFIG_CELL.get_or_init(
        || match Config::parse(CONFIG, Path::new("communique.toml")) {
            Ok(config) => config,
            Err(e) => panic!("the fuzz harness's own configuration is invalid: {e}"),
        },
    )
}

/// Renders a diagnostic both ways, as a build or `serve` would show it.
fn show(diagnostic: &Diagnostic) {
    let _ = diagnostic.render_terminal(true);
    let _ = diagnostic.render_html();
}

fuzz_target!(|data: &[u8]| {
    let file = ContentFile::from_fuzz(data);
    let (rel, kind) = if file.is_section() {
        ("briefs/_index.md", Kind::Section)
    } else {
        ("briefs/fuzz.md", Kind::Page)
    };
    let display = PathBuf::from("content").join(rel);
    let text = file.text();

    // The splitter and key lookup on their own, for every key a page can have.
    let normalised = front_matter::normalise(&text);
    if let Ok(split) = front_matter::split(&normalised, &display) {
        for key in content::PAGE_FIELDS {
            let _ = front_matter::key_location(&split, &display, key);
        }
        let _ = PublishDate::parse(split.front_matter.trim());
    }

    let found = Found {
        rel: rel.to_string(),
        abs: display.clone(),
        kind,
        assets: Vec::new(),
    };
    match content::parse_file(&found, &display, &text, config()) {
        Ok(Loaded::Page(page)) => {
            let _ = page.meta.date.rfc3339();
            show(&page.error_in_body(page.body().len(), "end of body"));
            show(&page.error_at_field("title", "fuzz"));
            // A build keeps only the front matter once the body is rendered; errors found
            // later must still quote it correctly.
            let mut page = std::sync::Arc::unwrap_or_clone(page);
            page.release_body();
            show(&page.error_at_field("date", "fuzz"));
        }
        Ok(Loaded::Section(section)) => {
            show(&section.error_at_field("title", "fuzz"));
        }
        Err(errors) => errors.iter().for_each(show),
    }
});
