//! Differential test of incremental rebuilds: after every random edit, the files the preview
//! server would serve must be byte-identical to a fresh full build of the same tree.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use communique::render::Contents;
use communique::serve::rebuild::{Rebuilder, Update};
use communique::serve::watch::InputKind;
use communique::{BuildOptions, Diagnostics, SiteDirs, build_site};

#[path = "incremental/edits.rs"]
mod edits;
#[path = "incremental/fixture.rs"]
mod fixture;
#[path = "incremental/site.rs"]
mod site;

use edits::random_edit;
use fixture::{fixed_now, fixture};
use site::{BibEntry, FIRST, Rng, Site, bib_text, write};

/// What a served site holds: output path → bytes.
fn snapshot_of(files: &BTreeMap<String, Contents>) -> BTreeMap<String, Vec<u8>> {
    files
        .iter()
        .map(|(path, contents)| {
            let bytes = match contents {
                Contents::Bytes(b) => b.clone(),
                Contents::Copy(source) => fs::read(source).unwrap(),
            };
            (path.clone(), bytes)
        })
        .collect()
}

/// Random edits per run: enough to meet every kind of edit a few times.
const STEPS: usize = 80;

/// The seed of this run: `INCREMENTAL_SEED` replays a failure; otherwise each run differs.
fn seed() -> u64 {
    match std::env::var("INCREMENTAL_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("INCREMENTAL_SEED={text} is not a number")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(7, |d| d.as_nanos() as u64),
    }
}

/// Checks that what the rebuilder serves is what a full build makes.
fn assert_served_matches_full(
    context: &str,
    served: &BTreeMap<String, Contents>,
    dirs: &SiteDirs,
    options: &BuildOptions,
) {
    let full =
        build_site(dirs, options).unwrap_or_else(|e| panic!("{context}: full build failed:\n{e}"));
    let expected: BTreeMap<String, Contents> = full
        .files()
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    let (got, want) = (snapshot_of(served), snapshot_of(&expected));
    let got_paths: BTreeSet<&String> = got.keys().collect();
    let want_paths: BTreeSet<&String> = want.keys().collect();
    assert_eq!(got_paths, want_paths, "{context}: different files");
    for (path, bytes) in &want {
        assert!(
            got[path] == *bytes,
            "{context}: {path} differs\n--- incremental\n{}\n--- full\n{}",
            String::from_utf8_lossy(&got[path]),
            String::from_utf8_lossy(bytes)
        );
    }
}

/// The fixture's templates show what the edits change: otherwise a stale part could not differ.
fn assert_fixture_shows_everything(served: &BTreeMap<String, Contents>) {
    let text = |path: &str| {
        let bytes = snapshot_of(served).remove(path);
        String::from_utf8(bytes.unwrap_or_else(|| panic!("no {path}")))
            .unwrap()
            .to_lowercase()
    };
    let cites = text("two/b1/index.html");
    assert!(
        cites.contains("work 1") && cites.contains("ref-k1"),
        "{cites}"
    );
    let own = text("one/b6/index.html");
    assert!(
        own.contains("own work") && own.contains("shadowing work"),
        "{own}"
    );
    let bylines = text("one/b4/index.html");
    assert!(
        bylines.contains("/authors/jdoe/") && bylines.contains("tom reed"),
        "{bylines}"
    );
    let chronology = text("two/b5/index.html");
    for shown in [
        "report",
        "middle east",
        "a timeline",
        "2024-02-03",
        "talks close",
    ] {
        assert!(chronology.contains(shown), "{shown}: {chronology}");
    }
    let author = text("authors/lhassan/index.html");
    assert!(author.contains("layla hassan writes briefs"), "{author}");
    let listing = text("two/index.html");
    assert!(
        listing.contains("middle east") && listing.contains("(hassan"),
        "{listing}"
    );
}

/// Applies an update to the files served.
fn serve(served: &mut BTreeMap<String, Contents>, update: Update) {
    if update.complete {
        served.clear();
    }
    for path in &update.removed {
        served.remove(path);
    }
    for f in update.files {
        served.insert(f.path, f.contents);
    }
}

#[test]
fn incremental_rebuilds_match_full_builds() {
    let seed = seed();
    eprintln!("incremental: seed {seed} (replay with INCREMENTAL_SEED={seed})");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut site = fixture(&root);
    let mut rng = Rng(seed);

    let dirs = SiteDirs::new(&root, None);
    let options = BuildOptions {
        now: Some(fixed_now()),
        ..BuildOptions::default()
    };
    let mut rebuilder = Rebuilder::new(dirs.clone(), options.clone());
    let mut served: BTreeMap<String, Contents> = BTreeMap::new();
    serve(&mut served, rebuilder.full().expect("first build"));
    assert_served_matches_full("first build", &served, &dirs, &options);
    assert_fixture_shows_everything(&served);

    let (mut next_id, mut failures) = (100, 0);
    // Whether the last rebuild succeeded: only then is there a model to patch a body into.
    let mut last_ok = true;
    let (mut translation_edits, mut patched) = (0, 0);
    for step in 0..STEPS {
        let Some(mut edit) = random_edit(&mut site, &mut rng, step, &mut next_id) else {
            continue;
        };
        // The watcher batches what changed together: now and then, two edits at once.
        if edit.restore.is_none()
            && rng.below(4) == 0
            && let Some(second) = random_edit(&mut site, &mut rng, step, &mut next_id)
        {
            edit.description = format!("{} and {}", edit.description, second.description);
            edit.changed.extend(second.changed);
            edit.restore = second.restore;
            edit.action = usize::MAX;
        }
        let context = format!(
            "seed {seed} (INCREMENTAL_SEED={seed} replays it), step {step} ({})",
            edit.description
        );
        if edit.description.contains(".ar.md") {
            translation_edits += 1;
        }
        let mut result = rebuilder.rebuild(&edit.changed);
        if let Some(bib) = edit.restore {
            // A cited entry is gone: the rebuild fails as a full build does, then recovers.
            assert!(result.is_err(), "{context}: the rebuild did not fail");
            assert_fails_like_full(&context, result, &dirs, &options);
            site.bib = bib;
            let restored = BTreeSet::from([(InputKind::Content, site.write_bib())]);
            result = rebuilder.rebuild(&restored);
        }
        let update = match result {
            Ok(update) => update,
            // Other edits may break the site too (a brief citing a key that is no longer
            // there, say): the error must be a full build's, and later steps repair it.
            Err(e) => {
                assert_fails_like_full(&context, Err(e), &dirs, &options);
                failures += 1;
                last_ok = false;
                continue;
            }
        };
        // A body edit of a brief or a translation in the site patches the kept model.
        let shown = |rel: &str| site.briefs.get(rel).is_some_and(|b| !b.hidden());
        if edit.action == 0
            && last_ok
            && let Some(rel) = edit.description.strip_prefix("body of ")
            && shown(rel)
        {
            assert!(update.bodies_only, "{context}: the model was rebuilt");
            patched += 1;
        }
        last_ok = true;
        if edit.action == 0 && !edit.description.ends_with(FIRST) {
            // Proportional cost: a body edit renders its page and the listings showing
            // it, not the site (but every page reads the first brief through `get_page`).
            assert!(
                update.rendered * 2 < served.len(),
                "{context}: rendered {} of {} files",
                update.rendered,
                served.len()
            );
        }
        serve(&mut served, update);
        assert_served_matches_full(&context, &served, &dirs, &options);
    }
    eprintln!(
        "incremental: {failures} of {STEPS} steps failed alike in both builds; {translation_edits} edited translations; {patched} body edits patched the model"
    );
}

/// Checks that a failed rebuild reports what a full build does.
fn assert_fails_like_full(
    context: &str,
    result: Result<Update, Diagnostics>,
    dirs: &SiteDirs,
    options: &BuildOptions,
) {
    let incremental = result.err().map(|e| e.to_string());
    let full = build_site(dirs, options).err().map(|e| e.to_string());
    assert_eq!(incremental, full, "{context}: different failures");
}

/// A rebuilder over a fresh fixture, with what its first build serves.
fn first_build(
    root: &Path,
) -> (
    Rebuilder,
    BTreeMap<String, Contents>,
    SiteDirs,
    BuildOptions,
) {
    let dirs = SiteDirs::new(root, None);
    let options = BuildOptions {
        now: Some(fixed_now()),
        ..BuildOptions::default()
    };
    let mut rebuilder = Rebuilder::new(dirs.clone(), options.clone());
    let mut served = BTreeMap::new();
    serve(&mut served, rebuilder.full().expect("first build"));
    (rebuilder, served, dirs, options)
}

/// Regression: bios, section texts and the text of the authors listing link to the first
/// brief; when its URL moved, their pages kept the old link, because the signatures hashed
/// their Markdown, not the HTML its `@/` links resolve into. (Section two does not list the
/// first brief, and bios are first written without links, so that nothing else re-renders
/// those pages.)
#[test]
fn moving_a_link_target_rerenders_bios_section_texts_and_the_authors_listing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut site = fixture(&root);
    let bios: Vec<(String, String)> = site
        .authors
        .iter_mut()
        .map(|(id, a)| {
            (
                id.clone(),
                std::mem::replace(&mut a.bio, "A bio.".to_string()),
            )
        })
        .collect();
    for id in site.authors.keys() {
        site.write_author(id);
    }
    let (mut rebuilder, mut served, dirs, options) = first_build(&root);
    let move_first = |site: &mut Site, rebuilder: &mut Rebuilder, served: &mut _, slug: &str| {
        site.briefs.get_mut(FIRST).unwrap().slug = Some(slug.to_string());
        let changed = BTreeSet::from([(InputKind::Content, site.write_brief(FIRST))]);
        serve(served, rebuilder.rebuild(&changed).expect("rebuild"));
        assert_served_matches_full(slug, served, &dirs, &options);
    };
    move_first(&mut site, &mut rebuilder, &mut served, "moved");
    // Now the bios link to it too.
    let mut changed = BTreeSet::new();
    for (id, bio) in bios {
        site.authors.get_mut(&id).unwrap().bio = bio;
        changed.insert((InputKind::Content, site.write_author(&id)));
    }
    serve(&mut served, rebuilder.rebuild(&changed).expect("rebuild"));
    move_first(&mut site, &mut rebuilder, &mut served, "moved-again");
}

/// A bibliography edit re-renders the briefs citing a changed entry and nothing else.
#[test]
fn a_bibliography_edit_rerenders_exactly_the_briefs_citing_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    // No feed (it carries whole briefs), and citations after the summary (which listings show).
    write(
        &root.join("communique.toml"),
        "title = \"Cites\"\nbase_url = \"https://x.org\"\n[feed]\nenabled = false\n",
    );
    let bib = |title: &str| {
        let entries: Vec<BibEntry> = (1..=3)
            .map(|i| BibEntry::new(&format!("k{i}"), "Reed, Tom", &format!("{title} {i}"), 2020))
            .collect();
        write(&root.join("content/references.bib"), &bib_text(&entries));
        entries
    };
    bib("Work");
    for (name, cites) in [
        ("a", "[@k1]"),
        ("b", "[@k1; @k2]"),
        ("c", "[@k2]"),
        ("d", ""),
    ] {
        write(
            &root.join(format!("content/briefs/{name}.md")),
            &format!(
                "+++\ntitle = \"{name}\"\ndate = 2024-01-02\n+++\nSummary.\n\n<!-- more -->\n\nText {cites}.\n"
            ),
        );
    }
    let (mut rebuilder, mut served, dirs, options) = first_build(&root);
    let path = root.join("content/references.bib");
    let changed = BTreeSet::from([(InputKind::Content, path.clone())]);
    let mut rerendered = |entries: &[BibEntry], what: &str| {
        write(&path, &bib_text(entries));
        let update = rebuilder.rebuild(&changed).expect("rebuild");
        // The rendered files come first, then the copies (the theme's static files).
        let rendered: BTreeSet<String> = update.files[..update.rendered]
            .iter()
            .map(|f| f.path.clone())
            .collect();
        serve(&mut served, update);
        assert_served_matches_full(what, &served, &dirs, &options);
        rendered
    };
    let mut entries = bib("Work");
    entries[0].title = "Revised".to_string();
    let pages = |names: &[&str]| -> BTreeSet<String> {
        names
            .iter()
            .map(|n| format!("briefs/{n}/index.html"))
            .collect()
    };
    assert_eq!(rerendered(&entries, "k1 retitled"), pages(&["a", "b"]));
    entries[1].year = 2001;
    assert_eq!(rerendered(&entries, "k2 redated"), pages(&["b", "c"]));
    entries[2].title = "Uncited".to_string();
    assert_eq!(rerendered(&entries, "k3 retitled"), pages(&[]));
    entries.push(BibEntry::new("k4", "Saad, Amal", "New", 2024));
    assert_eq!(rerendered(&entries, "k4 added"), pages(&[]));
    entries.retain(|e| e.key != "k3");
    assert_eq!(rerendered(&entries, "k3 removed"), pages(&[]));
}

/// The HTML and XML files an update rendered (its copies are the theme's static files).
fn rendered_pages(update: &Update) -> BTreeSet<String> {
    update.files[..update.rendered]
        .iter()
        .map(|f| f.path.clone())
        .filter(|p| p.ends_with(".html") || p.ends_with(".xml"))
        .collect()
}

/// Of the files rendered, those outside the Arabic edition (the sitemap lists every address).
fn english(rendered: &BTreeSet<String>) -> Vec<String> {
    rendered
        .iter()
        .filter(|p| !p.starts_with("ar/") && *p != "sitemap.xml")
        .cloned()
        .collect()
}

/// A bilingual fixture: four English briefs, the first two translated into Arabic (the second
/// translation links to the first, with a footnote and a callout in its language's words).
fn bilingual_site(root: &Path) {
    write(
        &root.join("communique.toml"),
        "title = \"T\"\nbase_url = \"https://x.org\"\ntaxonomies = [\"topics\"]\n[languages.ar]\ntitle = \"ت\"\n",
    );
    write(
        &root.join("content/_index.md"),
        "+++\ntitle = \"Home\"\n+++\n",
    );
    for i in 1..=4 {
        write(
            &root.join(format!("content/briefs/b{i}.md")),
            &bilingual_brief(&format!("Brief {i}"), "Text.", "Security"),
        );
    }
    write(
        &root.join("content/briefs/b1.ar.md"),
        &bilingual_brief("موجز", "نص.", "الأمن"),
    );
    write(
        &root.join("content/briefs/b2.ar.md"),
        &bilingual_brief("موجز ٢", "انظر [الأول](@/briefs/b1.md).", "الأمن"),
    );
}

fn bilingual_brief(title: &str, body: &str, topic: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = 2024-01-02\ntopics = [\"{topic}\"]\n+++\n\n{body}\n")
}

/// Translations: a body edit of `brief.ar.md` takes the fast path and re-renders the Arabic
/// pages that show it, and no English file; a title edit re-renders the English page too
/// (its switcher and `hreflang` links name the translation), never an English listing. Every
/// step serves what a full build makes.
#[test]
fn translation_edits_rerender_their_language_and_the_translated_page() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    bilingual_site(&root);
    let arabic = root.join("content/briefs/b1.ar.md");
    let (mut rebuilder, mut served, dirs, options) = first_build(&root);
    assert_served_matches_full("first build", &served, &dirs, &options);
    let total = served.len();
    // What was rendered, whether by the fast path, and the Arabic page after the edit.
    let mut edit = |text: String, context: &str| -> (BTreeSet<String>, bool, String) {
        write(&arabic, &text);
        let changed = BTreeSet::from([(InputKind::Content, arabic.clone())]);
        let update = rebuilder.rebuild(&changed).expect("rebuild");
        let (rendered, fast) = (rendered_pages(&update), update.bodies_only);
        serve(&mut served, update);
        assert_served_matches_full(context, &served, &dirs, &options);
        let bytes = snapshot_of(&served).remove("ar/briefs/b1/index.html");
        let page = String::from_utf8(bytes.unwrap_or_default()).unwrap();
        (rendered, fast, page)
    };
    // A body edit: the Arabic page and the Arabic listings and feeds showing it. Its link
    // leads to the Arabic version of b2, and its note and callout use Arabic words (the
    // comparison with a full build checks both).
    let body = "نص جديد[^1]، انظر [الثاني](@/briefs/b2.md).\n\n> [!NOTE]\n> ملاحظة.\n\n[^1]: حاشية.";
    let (rendered, fast, page) = edit(bilingual_brief("موجز", body, "الأمن"), "arabic body");
    assert!(fast, "a body edit of a translation rebuilt the model");
    assert!(rendered.contains("ar/briefs/b1/index.html"), "{rendered:?}");
    assert!(english(&rendered).is_empty(), "{rendered:?}");
    assert!(!rendered.contains("sitemap.xml"), "{rendered:?}");
    assert!(
        rendered.len() * 3 < total,
        "{} of {total}: {rendered:?}",
        rendered.len()
    );
    assert!(page.contains("/ar/briefs/b2/"), "{page}");
    // A body edit that only the page shows (after its summary): the page alone.
    let longer = format!("{body}\n\n<!-- more -->\n\nالمزيد.");
    edit(bilingual_brief("موجز", &longer, "الأمن"), "arabic summary");
    // (The same number of words: listings show the reading time.)
    let (rendered, fast, _) = edit(
        bilingual_brief("موجز", &longer.replace("المزيد", "الكثير"), "الأمن"),
        "arabic text after the summary",
    );
    assert!(fast);
    let pages: Vec<&String> = rendered.iter().filter(|p| !p.ends_with(".xml")).collect();
    assert_eq!(pages, ["ar/briefs/b1/index.html"], "{rendered:?}");
    // A title edit: the English page too, whose switcher and alternates name it.
    let (rendered, ..) = edit(
        bilingual_brief("موجز معدل", &longer, "الأمن"),
        "arabic title",
    );
    assert!(rendered.contains("ar/briefs/b1/index.html"), "{rendered:?}");
    assert!(rendered.contains("ar/index.html"), "{rendered:?}");
    assert_eq!(english(&rendered), ["briefs/b1/index.html"], "{rendered:?}");
    // A new slug moves it: the English page's switcher, the Arabic listings and the Arabic
    // brief linking to it follow.
    let moved = "+++\ntitle = \"موجز معدل\"\nslug = \"jadid\"\ndate = 2024-01-02\ntopics = [\"الأمن\"]\n+++\n\nنص.\n";
    let (rendered, ..) = edit(moved.to_string(), "arabic slug");
    for path in [
        "ar/briefs/jadid/index.html",
        "ar/briefs/b2/index.html",
        "ar/index.html",
        "ar/topics/الأمن/index.html",
    ] {
        assert!(rendered.contains(path), "{path}: {rendered:?}");
    }
    assert_eq!(english(&rendered), ["briefs/b1/index.html"], "{rendered:?}");
    assert!(!served.contains_key("ar/briefs/b1/index.html"));
}

/// Adding a translation and deleting it again: the English page gains and loses its switcher
/// link, the Arabic listings their entry, and both steps serve what a full build makes.
#[test]
fn adding_and_deleting_a_translation_match_full_builds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    bilingual_site(&root);
    let (mut rebuilder, mut served, dirs, options) = first_build(&root);
    let path = root.join("content/briefs/b3.ar.md");
    let changed = BTreeSet::from([(InputKind::Content, path.clone())]);
    write(
        &path,
        &bilingual_brief("موجز ٣", "نص [^1].\n\n[^1]: حاشية.", "الأمن"),
    );
    let update = rebuilder.rebuild(&changed).expect("rebuild after adding");
    let rendered = rendered_pages(&update);
    serve(&mut served, update);
    assert_served_matches_full("translation added", &served, &dirs, &options);
    assert!(rendered.contains("ar/briefs/b3/index.html"), "{rendered:?}");
    assert!(rendered.contains("ar/index.html"), "{rendered:?}");
    assert_eq!(english(&rendered), ["briefs/b3/index.html"], "{rendered:?}");

    fs::remove_file(&path).unwrap();
    let update = rebuilder.rebuild(&changed).expect("rebuild after deleting");
    let rendered = rendered_pages(&update);
    assert!(
        update
            .removed
            .contains(&"ar/briefs/b3/index.html".to_string())
    );
    serve(&mut served, update);
    assert_served_matches_full("translation deleted", &served, &dirs, &options);
    assert!(rendered.contains("ar/index.html"), "{rendered:?}");
    assert_eq!(english(&rendered), ["briefs/b3/index.html"], "{rendered:?}");
}
