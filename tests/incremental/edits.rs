//! The random edits of the differential test: to a brief's (or a translation's) text and
//! front matter, adding and deleting translations, to the site's and a brief's bibliography,
//! to author files, templates and static files.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use communique::serve::watch::InputKind;

use super::fixture::{BRIEF, arabic_body};
use super::site::{
    Author, BibEntry, Brief, FIRST, INLINE_NAMES, Publish, Rng, Site, TOPICS, TYPES, original_of,
    translation_of, write,
};

/// Kinds of edit [`random_edit`] makes.
pub const ACTIONS: usize = 28;

/// One random edit, already written to disk.
pub struct Edit {
    pub action: usize,
    pub description: String,
    pub changed: BTreeSet<(InputKind, PathBuf)>,
    /// The bibliography to write back after checking that both builds fail (an entry still
    /// cited was removed).
    pub restore: Option<Vec<BibEntry>>,
}

/// Author file ids the test may create.
const AUTHOR_IDS: &[&str] = &["lhassan", "jdoe", "tom-reed", "amal-saad", "mkhan"];

/// The id an entry of `authors` names (a table's is its `name`'s).
fn author_slug(entry: &str) -> String {
    let name = match entry.split_once("name = \"") {
        Some((_, rest)) => rest.split('"').next().unwrap_or(rest),
        None => entry,
    };
    name.to_lowercase().replace(' ', "-")
}

/// Makes one random edit to `site` (`None` when the drawn edit does not apply).
pub fn random_edit(
    site: &mut Site,
    rng: &mut Rng,
    step: usize,
    next_id: &mut usize,
) -> Option<Edit> {
    let keys: Vec<String> = site.briefs.keys().cloned().collect();
    let pick = rng.pick(&keys).clone();
    let action = rng.below(ACTIONS);
    let mut edit = Edit {
        action,
        description: String::new(),
        changed: BTreeSet::new(),
        restore: None,
    };
    let mut rewrite_brief = true;
    let brief = site.briefs.get_mut(&pick).unwrap();
    let description = match action {
        0 if pick != original_of(&pick) => {
            brief.body.push_str(&format!(
                "\n\nكلمات أخرى [^{step}].\n\n[^{step}]: خطوة {step}."
            ));
            format!("body of {pick}")
        }
        0 => {
            brief
                .body
                .push_str(&format!("\n\nMore words at step {step}."));
            format!("body of {pick}")
        }
        1 => {
            brief.title = match pick == original_of(&pick) {
                true => format!("Retitled {step}"),
                false => format!("عنوان {step}"),
            };
            format!("title of {pick}")
        }
        2 => {
            brief.day = 1 + rng.below(27) as u32;
            format!("date of {pick}")
        }
        3 => {
            brief.topics = vec![*rng.pick(TOPICS), *rng.pick(TOPICS)];
            format!("topics of {pick}")
        }
        4 if pick != FIRST => {
            brief.draft = !brief.draft;
            format!("draft flag of {pick}")
        }
        // The first brief's URL is linked from bios, sections, events and summaries.
        8 if rng.below(2) == 0 => {
            let first = site.briefs.get_mut(FIRST).unwrap();
            first.slug = Some(format!("slug-{step}"));
            edit.changed
                .insert((InputKind::Content, site.write_brief(FIRST)));
            rewrite_brief = false;
            "slug of the first brief".to_string()
        }
        8 => {
            brief.slug = Some(format!("slug-{step}"));
            format!("slug of {pick}")
        }
        15 => {
            let mut available: Vec<String> = site.bib.iter().map(|e| e.key.clone()).collect();
            if brief.own_bib {
                available.push("ownkey".to_string());
            }
            let mut cites: Vec<String> = (0..rng.below(3))
                .map(|_| rng.pick(&available).clone())
                .collect();
            cites.dedup();
            brief.cites = cites;
            format!("citations of {pick}: {:?}", brief.cites)
        }
        16 => {
            brief.own_bib = !brief.own_bib;
            if brief.own_bib {
                brief.cites.push("ownkey".to_string());
            } else {
                let site_keys: BTreeSet<&str> = site.bib.iter().map(|e| e.key.as_str()).collect();
                brief.cites.retain(|k| site_keys.contains(k.as_str()));
            }
            format!("own bibliography of {pick}: {}", brief.own_bib)
        }
        21 => {
            let mut names: Vec<String> = site.authors.keys().cloned().collect();
            names.extend(INLINE_NAMES.iter().map(|n| n.to_string()));
            let mut chosen: Vec<String> = Vec::new();
            for _ in 0..rng.below(3) {
                let name = rng.pick(&names).clone();
                // One author twice in a brief is an error: `Tom Reed` is `tom-reed` if it has a file.
                if !chosen.iter().any(|c| author_slug(c) == author_slug(&name)) {
                    chosen.push(name);
                }
            }
            brief.authors = chosen;
            format!("authors of {pick}: {:?}", brief.authors)
        }
        22 => {
            let what = if brief.events.is_empty() {
                0
            } else {
                rng.below(3)
            };
            let i = rng.below(brief.events.len().max(1));
            match what {
                0 => brief
                    .events
                    .push((1 + rng.below(27) as u32, format!("Event {step}"))),
                1 => brief.events[i].0 = 1 + rng.below(27) as u32,
                _ => {
                    brief.events.remove(i);
                }
            }
            format!("events of {pick} ({})", ["add", "date", "remove"][what])
        }
        23 => {
            brief.kind = (rng.below(3) > 0).then(|| *rng.pick(TYPES));
            format!("type of {pick}: {:?}", brief.kind)
        }
        24 => {
            brief.region = (rng.below(3) > 0).then(|| format!("Region {step}"));
            format!("region of {pick}")
        }
        25 => {
            brief.whats_new =
                (rng.below(3) > 0).then(|| format!("News *{step}* on [the first](@/{FIRST})"));
            format!("summary of {pick}")
        }
        26 if pick != FIRST => {
            brief.publish = *rng.pick(&[None, Some(Publish::Past), Some(Publish::Future)]);
            format!("publish_date of {pick}")
        }
        _ => {
            rewrite_brief = false;
            site_edit(site, rng, step, next_id, &pick, &mut edit)?
        }
    };
    if rewrite_brief {
        edit.changed
            .insert((InputKind::Content, site.write_brief(&pick)));
    }
    edit.description = description;
    Some(edit)
}

/// The edits of [`random_edit`] that are not to one brief's front matter or body.
/// Returns its description; `edit` gets the files changed.
fn site_edit(
    site: &mut Site,
    rng: &mut Rng,
    step: usize,
    next_id: &mut usize,
    pick: &str,
    edit: &mut Edit,
) -> Option<String> {
    let changed = &mut edit.changed;
    let content = |path: PathBuf| (InputKind::Content, path);
    let root = site.root.clone();
    let description = match edit.action {
        // A translation of a brief that has none (its text, in Arabic, links to the first).
        5 if rng.below(3) == 0 => {
            let original = original_of(pick);
            let rel = translation_of(&original);
            if site.briefs.contains_key(&rel) || !site.briefs.contains_key(&original) {
                return None;
            }
            let mut translation = site.briefs[&original].clone();
            translation.title = format!("ترجمة {step}");
            translation.body = arabic_body(&translation.title);
            site.briefs.insert(rel.clone(), translation);
            changed.insert(content(site.write_brief(&rel)));
            format!("translate {original} as {rel}")
        }
        5 => {
            let rel = format!("{}/n{next_id}.md", *rng.pick(&["one", "two"]));
            *next_id += 1;
            let body = format!("New summary {step}.\n\n## Section\n\nBody.");
            let day = 1 + rng.below(27) as u32;
            let topic = TOPICS[rng.below(TOPICS.len())];
            let brief = Brief::new(format!("New {step}"), day, topic, body);
            site.briefs.insert(rel.clone(), brief);
            changed.insert(content(site.write_brief(&rel)));
            format!("add {rel}")
        }
        6 if pick != FIRST => {
            site.briefs.remove(pick);
            fs::remove_file(site.content(pick)).unwrap();
            changed.insert(content(site.content(pick)));
            format!("delete {pick}")
        }
        7 if pick != FIRST => {
            let (section, name) = pick.split_once('/').unwrap();
            let target = format!("{}/{name}", if section == "one" { "two" } else { "one" });
            if site.briefs.contains_key(&target) {
                return None;
            }
            let brief = site.briefs.remove(pick).unwrap();
            fs::rename(site.content(pick), site.content(&target)).unwrap();
            changed.insert(content(site.content(pick)));
            changed.insert(content(site.content(&target)));
            site.briefs.insert(target.clone(), brief);
            format!("move {pick} to {target}")
        }
        9 => {
            let path = root.join("templates/brief.html");
            let text = BRIEF.replace("<footer>", &format!("<footer data-step=\"{step}\">"));
            write(&path, &text);
            changed.insert((InputKind::Template, path));
            "template edit".to_string()
        }
        10 => {
            let path = root.join("static/style.css");
            let color = rng.next() & 0xffffff;
            write(&path, &format!("body {{ color: #{color:06x} }}\n"));
            changed.insert((InputKind::Static, path));
            "static edit".to_string()
        }
        11 => {
            let i = rng.below(site.bib.len());
            let entry = &mut site.bib[i];
            if rng.below(2) == 0 {
                entry.title = format!("Revised {step}");
            } else {
                entry.year = 2000 + rng.below(25) as u32;
            }
            let key = entry.key.clone();
            changed.insert(content(site.write_bib()));
            format!("bibliography entry {key} edited")
        }
        12 => {
            let key = format!("n{next_id}");
            *next_id += 1;
            site.bib.push(BibEntry::new(
                &key,
                "Saad, Amal",
                &format!("Added {step}"),
                2023,
            ));
            changed.insert(content(site.write_bib()));
            format!("bibliography entry {key} added")
        }
        13 => {
            let uncited: Vec<String> = site
                .bib
                .iter()
                .map(|e| e.key.clone())
                .filter(|k| !site.briefs.values().any(|b| b.cites.contains(k)))
                .collect();
            if uncited.is_empty() {
                return None;
            }
            let key = rng.pick(&uncited).clone();
            site.bib.retain(|e| e.key != key);
            changed.insert(content(site.write_bib()));
            format!("uncited bibliography entry {key} removed")
        }
        14 => {
            let cited: Vec<String> = site
                .bib
                .iter()
                .map(|e| e.key.clone())
                .filter(|k| site.cited_visibly(k))
                .collect();
            if cited.is_empty() {
                return None;
            }
            let key = rng.pick(&cited).clone();
            edit.restore = Some(site.bib.clone());
            site.bib.retain(|e| e.key != key);
            let path = site.write_bib();
            if rng.below(3) == 0 {
                // An entry left unclosed: the file does not parse.
                let text = fs::read_to_string(&path).unwrap();
                write(
                    &path,
                    &format!("{text}@report{{{key},\n  title = {{Unclosed,\n"),
                );
                changed.insert(content(path));
                return Some(format!("references.bib broken at {key}"));
            }
            changed.insert(content(path));
            format!("cited bibliography entry {key} removed")
        }
        17 => {
            let entry = rng.below(site.own.len());
            site.own[entry].title = format!("Own revised {step}");
            changed.extend(site.write_own_bibs().into_iter().map(content));
            format!("own bibliography entry {} edited", site.own[entry].key)
        }
        18 => {
            let ids: Vec<String> = site.authors.keys().cloned().collect();
            if ids.is_empty() {
                return None;
            }
            let id = rng.pick(&ids).clone();
            let author = site.authors.get_mut(&id).unwrap();
            let what = rng.below(3);
            match what {
                0 => author.name = format!("Renamed {step}"),
                1 => author.affiliation = (rng.below(3) > 0).then(|| format!("Programme {step}")),
                _ => author.bio = format!("A new bio at step {step}."),
            }
            changed.insert(content(site.write_author(&id)));
            format!("author {id}: {}", ["name", "affiliation", "bio"][what])
        }
        19 => {
            let missing: Vec<&str> = AUTHOR_IDS
                .iter()
                .copied()
                .filter(|id| !site.authors.contains_key(*id))
                .collect();
            if missing.is_empty() {
                return None;
            }
            let id = rng.pick(&missing).to_string();
            let author = Author {
                name: format!("Author {step}"),
                affiliation: None,
                bio: format!("Joined at step {step}."),
            };
            site.authors.insert(id.clone(), author);
            changed.insert(content(site.write_author(&id)));
            format!("author file {id} added")
        }
        20 => {
            let unused: Vec<String> = site
                .authors
                .keys()
                .filter(|id| !site.names_author(id))
                .cloned()
                .collect();
            if unused.is_empty() {
                return None;
            }
            let id = rng.pick(&unused).clone();
            site.authors.remove(&id);
            let path = site.content(&format!("authors/{id}.md"));
            fs::remove_file(&path).unwrap();
            changed.insert(content(path));
            format!("author file {id} deleted")
        }
        // A site without a bibliography keeps `[@key]` as text; with one again, it cites.
        27 => {
            let path = site.content("references.bib");
            if path.exists() {
                fs::remove_file(&path).unwrap();
            } else {
                site.write_bib();
            }
            changed.insert(content(path));
            "references.bib removed or put back".to_string()
        }
        _ => return None,
    };
    Some(description)
}
