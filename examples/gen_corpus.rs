//! Deterministic benchmark corpus: N briefs of ~1,000 words in communique's format, or the same
//! briefs as a Hugo site for side-by-side timing.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- --briefs 10000 --out target/bench/c10000
//! cargo run --release --example gen_corpus -- --briefs 10000 --out target/bench/h10000 --format hugo
//! cargo run --release --example gen_corpus -- --briefs 10000 --translate 10 --out target/bench/c10000-ar
//! ```
//!
//! `--translate P` (communique only) adds an Arabic translation (`brief-00001.ar.md`) of P% of
//! the briefs, and `[languages.ar]` with `fallback = true`, as links lead to untranslated briefs.
//!
//! Each brief: ~8 KB, 5 sections of prose, a list, a table, 2–4 footnotes, links to 3 other briefs,
//! 2 topics and 2 actors, a summary and 3 key points. The communique corpus uses the built-in
//! default theme (no templates/ folder); the Hugo corpus gets minimal layouts of equivalent work.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// SplitMix64: small, fast, and the same sequence everywhere.
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

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "security",
    "coalition",
    "advisers",
    "timeline",
    "government",
    "forces",
    "commission",
    "partnership",
    "economic",
    "cultural",
    "exchange",
    "dialogue",
    "threat",
    "capability",
    "regional",
    "tension",
    "mission",
    "drawdown",
    "sovereignty",
    "parliament",
    "strategy",
    "training",
    "intelligence",
    "logistics",
    "budget",
    "reform",
    "border",
    "province",
    "ministry",
    "agreement",
    "transition",
    "presence",
    "operations",
    "assessment",
    "stability",
    "investment",
    "energy",
    "water",
    "governance",
    "elections",
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "for",
    "on",
    "with",
    "that",
    "is",
    "as",
    "by",
    "its",
    "their",
    "could",
    "would",
    "remains",
    "requires",
    "suggests",
    "depends",
    "shapes",
    "limits",
    "supports",
];
const TOPICS: &[&str] = &[
    "security",
    "diplomacy",
    "economy",
    "energy",
    "governance",
    "elections",
    "water",
    "borders",
    "counter-terrorism",
    "regional tensions",
    "culture",
    "education",
    "health",
    "migration",
    "trade",
    "investment",
    "justice",
    "human rights",
    "media",
    "technology",
    "agriculture",
    "climate",
    "infrastructure",
    "finance",
    "oil",
    "gas",
    "reconstruction",
    "youth",
    "women",
    "minorities",
];
const ACTORS: &[&str] = &[
    "Iraqi government",
    "United States",
    "Global Coalition",
    "Iraqi Security Forces",
    "ISIS",
    "armed factions",
    "Kurdistan Regional Government",
    "parliament",
    "Iran",
    "Turkey",
    "Syria",
    "Jordan",
    "Saudi Arabia",
    "European Union",
    "United Nations",
    "NATO",
    "World Bank",
    "IMF",
    "civil society",
    "tribal leaders",
    "Peshmerga",
    "Ministry of Defence",
    "Ministry of Interior",
    "central bank",
    "oil ministry",
    "provincial councils",
    "courts",
    "media",
    "universities",
    "donors",
];
const SECTIONS: usize = 10;

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        let w = rng.pick(WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(first) = c.next() {
                s.extend(first.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

fn paragraph(rng: &mut Rng, sentences: usize) -> String {
    (0..sentences)
        .map(|_| {
            let words = 8 + rng.below(8);
            sentence(rng, words)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct Brief {
    section: usize,
    index: usize,
    title: String,
    date: String,
    topics: [&'static str; 2],
    actors: [&'static str; 2],
    links: Vec<usize>,
    notes: usize,
}

fn plan(n: usize, seed: u64) -> (Vec<Brief>, Rng) {
    let mut rng = Rng(seed);
    let briefs = (0..n)
        .map(|index| {
            let t1 = rng.below(TOPICS.len());
            let t2 = (t1 + 1 + rng.below(TOPICS.len() - 1)) % TOPICS.len();
            let a1 = rng.below(ACTORS.len());
            let a2 = (a1 + 1 + rng.below(ACTORS.len() - 1)) % ACTORS.len();
            Brief {
                section: index % SECTIONS,
                index,
                title: format!(
                    "Brief {index}: {}",
                    sentence(&mut rng, 5).trim_end_matches('.')
                ),
                date: format!(
                    "{}-{:02}-{:02}",
                    2015 + rng.below(11),
                    1 + rng.below(12),
                    1 + rng.below(28)
                ),
                topics: [TOPICS[t1], TOPICS[t2]],
                actors: [ACTORS[a1], ACTORS[a2]],
                links: (0..3).map(|_| rng.below(n)).collect(),
                notes: 2 + rng.below(3),
            }
        })
        .collect();
    (briefs, rng)
}

fn body(rng: &mut Rng, brief: &Brief, briefs: &[Brief], link: impl Fn(&Brief) -> String) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n\n<!-- more -->\n", paragraph(rng, 4));
    for s in 1..=5 {
        let _ = writeln!(
            out,
            "## Section {s}: {}\n",
            sentence(rng, 4).trim_end_matches('.')
        );
        for p in 0..3 {
            let mut text = paragraph(rng, 4);
            if s == 1 && p == 0 {
                for (k, &target) in brief.links.iter().enumerate() {
                    let _ = write!(text, " See [related brief {k}]({}).", link(&briefs[target]));
                }
            }
            if s <= brief.notes && p == 1 {
                let _ = write!(text, " This is contested.[^{s}]");
            }
            let _ = writeln!(out, "{text}\n");
        }
        if s == 2 {
            for _ in 0..4 {
                let _ = writeln!(out, "- {}", sentence(rng, 7));
            }
            out.push('\n');
        }
        if s == 3 {
            out.push_str("| Indicator | Baseline | Latest |\n|---|---|---|\n");
            for _ in 0..3 {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    rng.pick(WORDS),
                    rng.below(100),
                    rng.below(100)
                );
            }
            out.push('\n');
        }
    }
    for s in 1..=brief.notes {
        let _ = writeln!(out, "[^{s}]: {}", sentence(rng, 10));
    }
    out
}

fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn communique(out: &Path, n: usize, seed: u64, translate_percent: usize) {
    let languages = if translate_percent > 0 {
        "\n[languages.ar]\ntitle = \"موجزات\"\nfallback = true\n"
    } else {
        ""
    };
    write(
        &out.join("communique.toml"),
        &format!(
            "title = \"Benchmark briefs\"\nbase_url = \"https://bench.example.org\"\nlanguage = \"en\"\npaginate_by = 20\ntaxonomies = [\"topics\", \"actors\"]\n\n[feed]\nenabled = true\nfilename = \"atom.xml\"\nlimit = 20\n{languages}"
        ),
    );
    write(
        &out.join("content/_index.md"),
        "+++\ntitle = \"Benchmark briefs\"\nsort_by = \"date\"\n+++\n",
    );
    for s in 0..SECTIONS {
        write(
            &out.join(format!("content/section-{s:02}/_index.md")),
            &format!("+++\ntitle = \"Section {s}\"\nsort_by = \"date\"\npaginate_by = 20\n+++\n"),
        );
    }
    let (briefs, mut rng) = plan(n, seed);
    let link = |b: &Brief| format!("@/section-{:02}/brief-{:05}.md", b.section, b.index);
    for brief in &briefs {
        let key_points: Vec<String> = (0..3).map(|_| sentence(&mut rng, 12)).collect();
        let recommendations: Vec<String> = (0..2).map(|_| sentence(&mut rng, 12)).collect();
        let text = format!(
            "+++\ntitle = \"{}\"\ndate = {}\ndescription = \"{}\"\nauthors = [\"Analyst {}\"]\ntopics = [{}]\nactors = [{}]\nkey_points = [{}]\nrecommendations = [{}]\n+++\n\n{}",
            brief.title,
            brief.date,
            sentence(&mut rng, 18),
            brief.index % 37,
            quote_list(&brief.topics),
            quote_list(&brief.actors),
            quote_list(&key_points.iter().map(String::as_str).collect::<Vec<_>>()),
            quote_list(
                &recommendations
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
            ),
            body(&mut rng, brief, &briefs, link)
        );
        let file = format!(
            "content/section-{:02}/brief-{:05}",
            brief.section, brief.index
        );
        // Every hundredth brief from 0 up to P: the same P% whatever the corpus size.
        if brief.index % 100 < translate_percent {
            let title = format!("title = \"{}\"", brief.title);
            let arabic = text.replacen(&title, &format!("title = \"ترجمة: {}\"", brief.title), 1);
            write(&out.join(format!("{file}.ar.md")), &arabic);
        }
        write(&out.join(format!("{file}.md")), &text);
    }
}

fn hugo(out: &Path, n: usize, seed: u64) {
    write(
        &out.join("hugo.toml"),
        "baseURL = \"https://bench.example.org/\"\ntitle = \"Benchmark briefs\"\npaginate = 20\ndisableKinds = [\"RSS\"]\n[taxonomies]\ntopic = \"topics\"\nactor = \"actors\"\n[outputs]\nhome = [\"HTML\", \"RSS\"]\n[markup.goldmark.renderer]\nunsafe = true\n",
    );
    write(
        &out.join("content/_index.md"),
        "+++\ntitle = \"Benchmark briefs\"\n+++\n",
    );
    for s in 0..SECTIONS {
        write(
            &out.join(format!("content/section-{s:02}/_index.md")),
            &format!("+++\ntitle = \"Section {s}\"\n+++\n"),
        );
    }
    let layouts = [
        (
            "_default/baseof.html",
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body>{{ block \"main\" . }}{{ end }}</body></html>",
        ),
        (
            "_default/single.html",
            "{{ define \"main\" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format \"2 January 2006\" }} · {{ .ReadingTime }} min</p><ul>{{ range .Params.key_points }}<li>{{ . | markdownify }}</li>{{ end }}</ul><nav>{{ .TableOfContents }}</nav>{{ .Content }}<ol>{{ range .Params.recommendations }}<li>{{ . | markdownify }}</li>{{ end }}</ol>{{ range .GetTerms \"topics\" }}<a href=\"{{ .RelPermalink }}\">{{ .LinkTitle }}</a>{{ end }}</article>{{ end }}",
        ),
        (
            "_default/list.html",
            "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = where .Site.RegularPages \"Type\" \"!=\" \"\" }}{{ end }}{{ $p := .Paginate $pages }}{{ range $p.Pages }}<article><h2><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></h2><p>{{ .Date.Format \"2 January 2006\" }}</p>{{ .Summary }}</article>{{ end }}{{ with $p.Next }}<a href=\"{{ .URL }}\">next</a>{{ end }}{{ end }}",
        ),
        (
            "_default/terms.html",
            "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.Alphabetical }}<li><a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}",
        ),
        (
            "_default/rss.xml",
            "<rss version=\"2.0\"><channel><title>{{ .Site.Title }}</title>{{ range first 20 .Site.RegularPages }}<item><title>{{ .Title }}</title><link>{{ .Permalink }}</link><description>{{ .Content | html }}</description></item>{{ end }}</channel></rss>",
        ),
    ];
    for (name, text) in layouts {
        write(&out.join("layouts").join(name), text);
    }
    let (briefs, mut rng) = plan(n, seed);
    let link = |b: &Brief| format!("/section-{:02}/brief-{:05}/", b.section, b.index);
    for brief in &briefs {
        let key_points: Vec<String> = (0..3).map(|_| sentence(&mut rng, 12)).collect();
        let recommendations: Vec<String> = (0..2).map(|_| sentence(&mut rng, 12)).collect();
        let text = format!(
            "+++\ntitle = \"{}\"\ndate = {}\ndescription = \"{}\"\nauthors = [\"Analyst {}\"]\ntopics = [{}]\nactors = [{}]\nkey_points = [{}]\nrecommendations = [{}]\n+++\n\n{}",
            brief.title,
            brief.date,
            sentence(&mut rng, 18),
            brief.index % 37,
            quote_list(&brief.topics),
            quote_list(&brief.actors),
            quote_list(&key_points.iter().map(String::as_str).collect::<Vec<_>>()),
            quote_list(
                &recommendations
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
            ),
            body(&mut rng, brief, &briefs, link)
        );
        write(
            &out.join(format!(
                "content/section-{:02}/brief-{:05}.md",
                brief.section, brief.index
            )),
            &text,
        );
    }
}

fn main() {
    let mut briefs = 1000;
    let mut out: Option<PathBuf> = None;
    let mut format = "communique".to_string();
    let mut seed = 42;
    let mut translate = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--briefs" => briefs = value().parse().expect("--briefs takes a number"),
            "--out" => out = Some(PathBuf::from(value())),
            "--format" => format = value(),
            "--seed" => seed = value().parse().expect("--seed takes a number"),
            "--translate" => {
                translate = value()
                    .parse()
                    .ok()
                    .filter(|p| *p <= 100)
                    .expect("--translate takes a percentage, 0 to 100")
            }
            other => panic!(
                "unknown argument {other}; usage: gen_corpus --briefs N --out DIR [--format communique|hugo] [--seed N] [--translate PERCENT]"
            ),
        }
    }
    let out = out.expect("--out DIR is required");
    if out.exists()
        && fs::read_dir(&out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
    {
        panic!("{} exists and is not empty", out.display());
    }
    match format.as_str() {
        "communique" => communique(&out, briefs, seed, translate),
        "hugo" => hugo(&out, briefs, seed),
        other => panic!("unknown format {other}"),
    }
    println!("wrote {briefs} briefs ({format}) to {}", out.display());
}
