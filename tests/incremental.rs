//! Differential test of incremental rebuilds: after every random edit, the files the preview
//! server would serve must be byte-identical to a fresh full build of the same tree.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use communique::render::Contents;
use communique::serve::rebuild::Rebuilder;
use communique::serve::watch::InputKind;
use communique::{BuildOptions, SiteDirs, build_site};

const BASE: &str = r#"<!DOCTYPE html><html lang="{{ lang }}"><head><title>{% block title %}{{ config.title }}{% endblock %}</title><link rel="stylesheet" href="{{ get_url(path='style.css') }}"></head><body>{% block content %}{% endblock %}</body></html>"#;
const BRIEF: &str = r#"{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1><p>{{ page.date | date(format="%-d %B %Y") }} · {{ page.word_count }} words</p>{% for t in page.taxonomies.topics %}<a href="{{ t.path }}">{{ t.name }}</a>{% endfor %}{{ page.content }}{% for r in page.related %}<a href="{{ r.path }}">{{ r.title }}</a>{% endfor %}{% set first = get_page(path="one/b0.md") %}<footer>{{ first.title }}</footer>{% endblock %}"#;
const SECTION: &str = r#"{% extends "base.html" %}{% block content %}<h1>{{ section.title }}</h1><p>{{ section.pages | length }} in all</p>{% for p in paginator.pages %}<a href="{{ p.path }}">{{ p.title }}</a>{{ p.summary }}{% endfor %}{% if paginator.next %}<a href="{{ paginator.next }}">next</a>{% endif %}{% endblock %}"#;
const INDEX: &str = r#"{% extends "base.html" %}{% block content %}<h1>{{ section.title }}</h1>{% for p in paginator.pages %}<a href="{{ p.path }}">{{ p.title }}</a> {{ p.reading_time }}{% endfor %}{% endblock %}"#;
const LIST: &str = r#"{% extends "base.html" %}{% block content %}{% for t in taxonomy.terms %}<a href="{{ t.path }}">{{ t.name }} {{ t.page_count }}</a>{% endfor %}{% endblock %}"#;
const TERM: &str = r#"{% extends "base.html" %}{% block content %}<h1>{{ term.name }}</h1>{% for p in paginator.pages %}<a href="{{ p.path }}">{{ p.title }}</a>{% endfor %}{% endblock %}"#;
const NOT_FOUND: &str =
    r#"{% extends "base.html" %}{% block content %}<h1>Not found</h1>{% endblock %}"#;

/// A small deterministic random number generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const TOPICS: &[&str] = &["security", "economy", "diplomacy", "culture"];

struct Brief {
    title: String,
    day: u32,
    topics: Vec<&'static str>,
    draft: bool,
    body: String,
    slug: Option<String>,
}

impl Brief {
    fn text(&self, related: &str) -> String {
        let topics: Vec<String> = self.topics.iter().map(|t| format!("\"{t}\"")).collect();
        let slug = self
            .slug
            .as_ref()
            .map(|s| format!("slug = \"{s}\"\n"))
            .unwrap_or_default();
        format!(
            "+++\ntitle = \"{}\"\ndate = 2024-01-{:02}\ntopics = [{}]\ndraft = {}\n{slug}related = [{related}]\n+++\n\n{}\n",
            self.title,
            self.day,
            topics.join(", "),
            self.draft,
            self.body
        )
    }
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

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

#[test]
fn incremental_rebuilds_match_full_builds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write(
        &root.join("communique.toml"),
        "title = \"Diff\"\nbase_url = \"https://x.org\"\npaginate_by = 3\ntaxonomies = [\"topics\"]\n",
    );
    write(
        &root.join("content/_index.md"),
        "+++\ntitle = \"Home\"\n+++\nWelcome.\n",
    );
    write(
        &root.join("content/one/_index.md"),
        "+++\ntitle = \"One\"\npaginate_by = 2\n+++\n",
    );
    write(
        &root.join("content/two/_index.md"),
        "+++\ntitle = \"Two\"\nsort_by = \"title\"\n+++\n",
    );
    for (name, text) in [
        ("base.html", BASE),
        ("brief.html", BRIEF),
        ("section.html", SECTION),
        ("index.html", INDEX),
        ("taxonomy_list.html", LIST),
        ("taxonomy_term.html", TERM),
        ("404.html", NOT_FOUND),
    ] {
        write(&root.join("templates").join(name), text);
    }
    write(&root.join("static/style.css"), "body { color: black }\n");

    let mut rng = Rng(7);
    // Brief files by path relative to content/. b0 stays in one/ so get_page always finds it.
    let mut briefs: BTreeMap<String, Brief> = BTreeMap::new();
    for i in 0..10 {
        let section = if i % 2 == 0 { "one" } else { "two" };
        briefs.insert(
            format!("{section}/b{i}.md"),
            Brief {
                title: format!("Brief {i}"),
                day: 1 + i,
                topics: vec![TOPICS[i as usize % 4]],
                draft: false,
                body: format!("Summary {i}.\n\n<!-- more -->\n\n## Part\n\nText of brief {i}. See [home](@/_index.md)."),
                slug: None,
            },
        );
    }
    let related_of = |rel: &str| {
        if rel == "one/b0.md" {
            String::new()
        } else {
            "\"@/one/b0.md\"".to_string()
        }
    };
    for (rel, brief) in &briefs {
        write(
            &root.join("content").join(rel),
            &brief.text(&related_of(rel)),
        );
    }

    let dirs = SiteDirs::new(&root, None);
    let options = BuildOptions::default();
    let mut rebuilder = Rebuilder::new(dirs.clone(), options.clone());
    let mut served: BTreeMap<String, Contents> = BTreeMap::new();
    for f in rebuilder.full().expect("first build").files {
        served.insert(f.path, f.contents);
    }

    let mut next_id = 100;
    for step in 0..60 {
        let mut changed: BTreeSet<(InputKind, PathBuf)> = BTreeSet::new();
        let keys: Vec<String> = briefs.keys().cloned().collect();
        let pick = keys[rng.below(keys.len())].clone();
        let action = rng.below(11);
        let description;
        match action {
            0 => {
                let b = briefs.get_mut(&pick).unwrap();
                b.body.push_str(&format!("\n\nMore words at step {step}."));
                description = format!("body of {pick}");
            }
            1 => {
                briefs.get_mut(&pick).unwrap().title = format!("Retitled {step}");
                description = format!("title of {pick}");
            }
            2 => {
                briefs.get_mut(&pick).unwrap().day = 1 + rng.below(27) as u32;
                description = format!("date of {pick}");
            }
            3 => {
                briefs.get_mut(&pick).unwrap().topics =
                    vec![TOPICS[rng.below(4)], TOPICS[rng.below(4)]];
                description = format!("topics of {pick}");
            }
            4 if pick != "one/b0.md" => {
                let b = briefs.get_mut(&pick).unwrap();
                b.draft = !b.draft;
                description = format!("draft flag of {pick}");
            }
            5 => {
                let rel = format!(
                    "{}/n{next_id}.md",
                    if rng.below(2) == 0 { "one" } else { "two" }
                );
                next_id += 1;
                briefs.insert(
                    rel.clone(),
                    Brief {
                        title: format!("New {step}"),
                        day: 1 + rng.below(27) as u32,
                        topics: vec![TOPICS[rng.below(4)]],
                        draft: false,
                        body: format!("New summary {step}.\n\n## Section\n\nBody."),
                        slug: None,
                    },
                );
                description = format!("add {rel}");
                let brief = &briefs[&rel];
                write(
                    &root.join("content").join(&rel),
                    &brief.text(&related_of(&rel)),
                );
                changed.insert((InputKind::Content, root.join("content").join(&rel)));
            }
            6 if pick != "one/b0.md" => {
                briefs.remove(&pick);
                fs::remove_file(root.join("content").join(&pick)).unwrap();
                changed.insert((InputKind::Content, root.join("content").join(&pick)));
                description = format!("delete {pick}");
            }
            7 if pick != "one/b0.md" => {
                let (section, name) = pick.split_once('/').unwrap();
                let target = format!("{}/{name}", if section == "one" { "two" } else { "one" });
                if briefs.contains_key(&target) {
                    continue;
                }
                let brief = briefs.remove(&pick).unwrap();
                fs::rename(
                    root.join("content").join(&pick),
                    root.join("content").join(&target),
                )
                .unwrap();
                changed.insert((InputKind::Content, root.join("content").join(&pick)));
                changed.insert((InputKind::Content, root.join("content").join(&target)));
                briefs.insert(target.clone(), brief);
                description = format!("move {pick} to {target}");
            }
            8 => {
                briefs.get_mut(&pick).unwrap().slug = Some(format!("slug-{step}"));
                description = format!("slug of {pick}");
            }
            9 => {
                let path = root.join("templates/brief.html");
                let text = BRIEF.replace("<footer>", &format!("<footer data-step=\"{step}\">"));
                write(&path, &text);
                changed.insert((InputKind::Template, path));
                description = "template edit".to_string();
            }
            10 => {
                let path = root.join("static/style.css");
                write(
                    &path,
                    &format!("body {{ color: #{:06x} }}\n", rng.next() & 0xffffff),
                );
                changed.insert((InputKind::Static, path));
                description = "static edit".to_string();
            }
            _ => continue,
        }
        if matches!(action, 0..=4 | 8) {
            let brief = &briefs[&pick];
            let path = root.join("content").join(&pick);
            write(&path, &brief.text(&related_of(&pick)));
            changed.insert((InputKind::Content, path));
        }

        let update = rebuilder
            .rebuild(&changed)
            .unwrap_or_else(|e| panic!("step {step} ({description}): rebuild failed:\n{e}"));
        if update.complete {
            served.clear();
        }
        if action == 0 {
            // Proportional cost: a body edit renders its page and the listings showing it,
            // not the site.
            assert!(
                update.rendered * 2 < served.len(),
                "step {step} ({description}): rendered {} of {} files",
                update.rendered,
                served.len()
            );
        }
        for path in &update.removed {
            served.remove(path);
        }
        for f in update.files {
            served.insert(f.path, f.contents);
        }

        let full = build_site(&dirs, &options)
            .unwrap_or_else(|e| panic!("step {step}: full build failed:\n{e}"));
        let expected: BTreeMap<String, Contents> = full
            .files()
            .into_iter()
            .map(|f| (f.path, f.contents))
            .collect();
        let (got, want) = (snapshot_of(&served), snapshot_of(&expected));
        let got_paths: BTreeSet<&String> = got.keys().collect();
        let want_paths: BTreeSet<&String> = want.keys().collect();
        assert_eq!(
            got_paths, want_paths,
            "step {step} ({description}): different files"
        );
        for (path, bytes) in &want {
            assert!(
                got[path] == *bytes,
                "step {step} ({description}): {path} differs\n--- incremental\n{}\n--- full\n{}",
                String::from_utf8_lossy(&got[path]),
                String::from_utf8_lossy(bytes)
            );
        }
    }
}
