//! communique's own search index: a few compact JSON files that a small script (in
//! `templates/search.html`) reads in the browser. The format is described in docs/templates.md
//! ("Search"); docs/performance.md gives the figures that made us write it instead of using
//! Pagefind.
//!
//! ```text
//! index.json          the manifest: version, brief count, chunk size, word shards present,
//!                     common words, filter values with their counts
//! w/<hex>.json        the words starting with the two characters <hex> (their UTF-8, in hex):
//!                     {"word": [id gap, weight, id gap, weight, …]}
//! c/<hex>.json        a common word's postings alone (the whole word's UTF-8, in hex):
//!                     [id gap, weight, …]
//! d/<n>.json          briefs n·chunk … n·chunk+chunk−1: [[url, title, date, type, excerpt], …]
//! f/<filter>/<i>.json the briefs with value i of a filter, as id gaps: [3, 1, 7, …]
//! ```
//!
//! Briefs are numbered newest first, so "newest first" is "by id". A word's weight in a brief
//! is how often it occurs, plus [`TITLE_WEIGHT`] for each time it is in the title.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde_json::{Value, json};

use super::records::Record;

/// The version of the format, in the manifest: a script for another version refuses it.
pub const FORMAT_VERSION: u32 = 2;

/// Briefs per file of metadata: a page of hits loads at most one file per hit.
const DOCS_PER_CHUNK: usize = 25;

/// A word in more than this share of the briefs (of a site of at least [`COMMON_MIN_DOCS`]) is
/// a common word, with a file of its own: in its shard it would make every query for a word
/// with the same first letters download its long list. It is still searchable: on a site about
/// Iraq, "Iraq" is in most briefs and is what readers type.
const COMMON_SHARE: f64 = 0.4;
const COMMON_MIN_DOCS: usize = 20;

/// What a word in the title counts for, against one occurrence in the text.
const TITLE_WEIGHT: u32 = 10;

/// The longest word indexed, in characters (longer ones are cut).
const LONGEST_WORD: usize = 40;

/// The filters, in the order the search page shows them.
pub const FILTERS: [&str; 3] = ["topic", "type", "year"];

/// The words of `text` as the index and the search script see them: runs of letters and
/// digits (Unicode `Alphabetic` and `Numeric`), lower-cased and normalised (see [`normalise`]),
/// at least two characters long.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphabetic() && !c.is_numeric())
        .map(normalise)
        .filter(|w| w.chars().nth(1).is_some())
        .map(|w| match w.char_indices().nth(LONGEST_WORD) {
            Some((cut, _)) => w[..cut].to_string(),
            None => w,
        })
}

/// A word as it is indexed and looked up: lower-cased, and with Arabic spelling variants made
/// one, so that a word typed without diacritics finds it written with them:
/// - hamza and madda forms of alef and alef wasla (أ إ آ ٱ) are bare alef (ا);
/// - alef maqsura (ى) is yeh (ي), and taa marbuta (ة) is heh (ه);
/// - tatweel (ـ), the harakat (U+064B–U+0652) and superscript alef (U+0670) are removed.
///
/// Applied to every language's text alike (it changes Arabic letters only); the search script
/// in `templates/search.html` does the same, letter for letter.
pub fn normalise(word: &str) -> String {
    let lower = word.to_lowercase();
    // Arabic letters are U+0600–U+06FF: UTF-8 lead bytes 0xD8–0xDB. Most words have none.
    if !lower.bytes().any(|b| (0xD8..=0xDB).contains(&b)) {
        return lower;
    }
    lower
        .chars()
        .filter_map(|c| match c {
            '\u{0622}' | '\u{0623}' | '\u{0625}' | '\u{0671}' => Some('\u{0627}'),
            '\u{0649}' => Some('\u{064A}'),
            '\u{0629}' => Some('\u{0647}'),
            '\u{0640}' | '\u{064B}'..='\u{0652}' | '\u{0670}' => None,
            other => Some(other),
        })
        .collect()
}

/// The index of `records`, as (path inside the index folder, bytes).
pub fn build(mut records: Vec<Record>) -> Vec<(String, Vec<u8>)> {
    let date = |r: &Record| r.meta.get("date").cloned().unwrap_or_default();
    records.sort_by(|a, b| date(b).cmp(&date(a)).then_with(|| a.url.cmp(&b.url)));
    let weighted: Vec<Vec<(String, u32)>> = records.par_iter().map(weigh).collect();

    let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
    for (id, words) in weighted.into_iter().enumerate() {
        let id = u32::try_from(id).unwrap_or(u32::MAX);
        for (word, weight) in words {
            postings.entry(word).or_default().extend([id, weight]);
        }
    }
    let count = records.len();
    let common_at = (count >= COMMON_MIN_DOCS).then_some((count as f64 * COMMON_SHARE) as usize);
    let mut common: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut shards: BTreeMap<String, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
    for (word, list) in postings {
        if common_at.is_some_and(|at| list.len() / 2 > at) {
            common.insert(word, gaps(list, 2));
            continue;
        }
        shards
            .entry(shard_of(&word))
            .or_default()
            .insert(word, gaps(list, 2));
    }

    let mut files = Vec::new();
    let mut manifest_filters = serde_json::Map::new();
    for name in FILTERS {
        let (values, value_files) = filter_files(&records, name);
        if !values.is_empty() {
            manifest_filters.insert(name.to_string(), Value::from(values));
            files.extend(value_files);
        }
    }
    let manifest = json!({
        "version": FORMAT_VERSION,
        "docs": count,
        "chunk": DOCS_PER_CHUNK,
        "shards": shards.keys().collect::<Vec<_>>(),
        "common": common.keys().collect::<Vec<_>>(),
        "filters": manifest_filters,
    });
    files.push(("index.json".to_string(), manifest.to_string().into_bytes()));
    files.extend(
        shards
            .into_par_iter()
            .map(|(key, words)| (format!("w/{key}.json"), to_json(&words)))
            .collect::<Vec<_>>(),
    );
    files.extend(
        common
            .iter()
            .map(|(word, list)| (format!("c/{}.json", hex(word)), to_json(list))),
    );
    files.extend(
        records
            .chunks(DOCS_PER_CHUNK)
            .enumerate()
            .map(|(n, chunk)| {
                let docs: Vec<[&str; 5]> = chunk.iter().map(doc_row).collect();
                (format!("d/{n}.json"), to_json(&docs))
            }),
    );
    files
}

/// A record's words with their weights, sorted by word.
fn weigh(record: &Record) -> Vec<(String, u32)> {
    let mut weights: HashMap<String, u32> = HashMap::new();
    for word in words(&record.content) {
        *weights.entry(word).or_default() += 1;
    }
    let title = record.meta.get("title").map_or("", String::as_str);
    for word in words(title) {
        *weights.entry(word).or_default() += TITLE_WEIGHT;
    }
    let mut sorted: Vec<(String, u32)> = weights.into_iter().collect();
    sorted.sort_unstable();
    sorted
}

/// The shard a word is in: its first two characters, as the hex of their UTF-8 (a safe file
/// name in any script).
pub fn shard_of(word: &str) -> String {
    let end = word.char_indices().nth(2).map_or(word.len(), |(i, _)| i);
    hex(&word[..end])
}

/// The hex of `text`'s UTF-8: a safe file name in any script.
fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// `list` (ids in increasing order, each followed by `stride − 1` values) with each id replaced
/// by its gap from the one before: small numbers, short JSON.
fn gaps(mut list: Vec<u32>, stride: usize) -> Vec<u32> {
    let mut previous = 0;
    for id in list.iter_mut().step_by(stride) {
        let gap = *id - previous;
        previous = *id;
        *id = gap;
    }
    list
}

fn doc_row(record: &Record) -> [&str; 5] {
    let field = |name: &str| record.meta.get(name).map_or("", String::as_str);
    [
        record.url.as_str(),
        field("title"),
        field("date"),
        field("type"),
        field("excerpt"),
    ]
}

/// A filter's values with their counts (`[[value, count], …]`, sorted; years newest first),
/// and a file of the briefs that have each.
fn filter_files(records: &[Record], name: &str) -> (Vec<Value>, Vec<(String, Vec<u8>)>) {
    let mut by_value: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (id, record) in records.iter().enumerate() {
        let id = u32::try_from(id).unwrap_or(u32::MAX);
        for value in record.filters.get(name).into_iter().flatten() {
            let ids = by_value.entry(value.as_str()).or_default();
            if ids.last() != Some(&id) {
                ids.push(id);
            }
        }
    }
    let mut values: Vec<(&str, Vec<u32>)> = by_value.into_iter().collect();
    if name == "year" {
        values.reverse();
    }
    let listed = values
        .iter()
        .map(|(value, ids)| json!([value, ids.len()]))
        .collect();
    let files = values
        .into_iter()
        .enumerate()
        .map(|(i, (_, ids))| (format!("f/{name}/{i}.json"), to_json(&gaps(ids, 1))))
        .collect();
    (listed, files)
}

fn to_json(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(url: &str, date: &str, title: &str, content: &str, topic: &str) -> Record {
        Record {
            url: url.into(),
            content: content.into(),
            meta: BTreeMap::from([
                ("title".into(), title.into()),
                ("date".into(), date.into()),
                ("excerpt".into(), format!("About {title}")),
            ]),
            filters: BTreeMap::from([
                ("topic".into(), vec![topic.into()]),
                ("year".into(), vec![date[..4].into()]),
            ]),
        }
    }

    fn file(files: &[(String, Vec<u8>)], path: &str) -> Value {
        let (_, bytes) = files.iter().find(|(p, _)| p == path).expect(path);
        serde_json::from_slice(bytes).unwrap()
    }

    #[test]
    fn words_are_lower_cased_runs_of_letters_and_digits() {
        let found: Vec<String> = words("Iraq's US-led 2,500 troops: Ürün a Ω لقاء").collect();
        assert_eq!(
            found,
            ["iraq", "us", "led", "500", "troops", "ürün", "لقاء"]
        );
        assert_eq!(shard_of("ürün"), "c3bc72");
        assert_eq!(shard_of("us"), "7573");
    }

    #[test]
    fn arabic_spelling_variants_and_diacritics_are_made_one() {
        // "the agreement" with harakat, and a variant with hamza on the alef.
        let written: Vec<String> = words("الاتِّفَاقِيَّةُ إتفاقية أمن آمنة ٱلعراق").collect();
        assert_eq!(written, ["الاتفاقيه", "اتفاقيه", "امن", "امنه", "العراق"]);
        assert_eq!(normalise("مستشفى"), "مستشفي", "alef maqsura is yeh");
        assert_eq!(normalise("بغـــداد"), "بغداد", "tatweel is removed");
        assert_eq!(normalise("هٰذا"), "هذا", "superscript alef is removed");
        assert_eq!(normalise("Iraq"), "iraq");
        // A letter with only diacritics around it is one letter: not a word.
        assert_eq!(words("وَ بِ").count(), 0);
        assert_eq!(
            words("الاتِّفَاقِيَّةُ").next(),
            words("الاتفاقية").next(),
            "typed without diacritics, found with them"
        );
    }

    #[test]
    fn briefs_are_numbered_newest_first_with_words_filters_and_rows() {
        let files = build(vec![
            record(
                "/old/",
                "2023-01-02",
                "Old",
                "Talks talks on bases",
                "Security",
            ),
            record(
                "/new/",
                "2024-05-06",
                "New talks",
                "Budget lines",
                "Economy",
            ),
        ]);
        let manifest = file(&files, "index.json");
        assert_eq!(manifest["docs"], json!(2));
        assert_eq!(
            manifest["filters"]["year"],
            json!([["2024", 1], ["2023", 1]])
        );
        assert_eq!(
            manifest["filters"]["topic"],
            json!([["Economy", 1], ["Security", 1]])
        );
        // "talks": brief 0 (new) once in the title; brief 1 (old) twice in the text.
        let ta = file(&files, &format!("w/{}.json", shard_of("talks")));
        assert_eq!(ta["talks"], json!([0, 10, 1, 2]));
        assert_eq!(
            file(&files, "d/0.json"),
            json!([
                ["/new/", "New talks", "2024-05-06", "", "About New talks"],
                ["/old/", "Old", "2023-01-02", "", "About Old"]
            ])
        );
        assert_eq!(
            file(&files, "f/topic/1.json"),
            json!([1]),
            "Security: brief 1"
        );
    }

    #[test]
    fn a_word_in_most_briefs_has_a_file_of_its_own() {
        let records: Vec<Record> = (0..30)
            .map(|i| {
                let text = if i < 5 { "the rare word" } else { "the" };
                record(&format!("/{i}/"), "2024-01-01", "T", text, "X")
            })
            .collect();
        let files = build(records);
        assert_eq!(file(&files, "index.json")["common"], json!(["the"]));
        // Every brief has it: ids 0..30, each one after the other, once each.
        let the = file(&files, &format!("c/{}.json", hex("the")));
        assert_eq!(the.as_array().map(Vec::len), Some(60), "{the}");
        assert_eq!(the[0], json!(0));
        assert_eq!(the[2], json!(1));
        let shard = format!("w/{}.json", shard_of("the"));
        assert!(
            !files.iter().any(|(path, _)| *path == shard),
            "not in a shard too (it was the only word of its shard)"
        );
        let rare = file(&files, &format!("w/{}.json", shard_of("rare")));
        assert!(rare["rare"].is_array());
    }

    #[test]
    fn indexing_grows_linearly() {
        crate::test_support::assert_near_linear(
            "search index",
            400,
            |n| {
                (0..n)
                    .map(|i| {
                        record(
                            &format!("/{i}/"),
                            "2024-01-01",
                            "Title",
                            &format!("talks word{i} on bases {}", "text ".repeat(50)),
                            "X",
                        )
                    })
                    .collect::<Vec<_>>()
            },
            |records| {
                std::hint::black_box(build(records.clone()));
            },
        );
    }
}
