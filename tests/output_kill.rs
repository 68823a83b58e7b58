//! `kill -9` at random moments of `communique build`, first builds and rebuilds alike, on a
//! generated corpus large enough that the commit takes measurable time. After each kill:
//!
//! - no file is torn: each is byte for byte its old version or its new one;
//! - the output is the complete old site, the complete new one, or (killed during the commit) a
//!   mix of whole files with the commit's journal present, which the next build completes;
//! - the manifest is whole and lists every file the killed build put in place;
//! - the next build (to completion) equals a clean build byte for byte, and leaves no stage.
//!
//! Slow (minutes in a debug build), so ignored by default:
//!
//! ```sh
//! cargo test --release --test output_kill -- --ignored --nocapture
//! ```
//!
//! `COMMUNIQUE_KILL_BRIEFS` (default 3000), `COMMUNIQUE_KILL_TRIALS` (20) and
//! `COMMUNIQUE_KILL_SEED` (random; printed) change the run.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{communique, files_under};

const BASE_A: &str = "https://a.example.org";
const BASE_B: &str = "https://b.example.org";

/// Each file of an output folder by a hash of its bytes (the manifest left out).
type Hashes = BTreeMap<String, u64>;

fn hashes(dir: &Path) -> Hashes {
    files_under(dir)
        .into_iter()
        .map(|(rel, path)| {
            let mut hasher = DefaultHasher::new();
            fs::read(&path)
                .unwrap_or_else(|e| panic!("{rel}: {e}"))
                .hash(&mut hasher);
            (rel, hasher.finish())
        })
        .collect()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// SplitMix64: enough randomness for kill times, reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A fraction in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Generates the benchmark corpus with examples/gen_corpus.rs, built in this test's profile.
fn corpus(briefs: u64, dir: &Path) {
    let mut build = Command::new(env!("CARGO"));
    build
        .args(["build", "--quiet", "--example", "gen_corpus"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    assert!(build.status().unwrap().success(), "building gen_corpus");
    let generator = Path::new(env!("CARGO_BIN_EXE_communique"))
        .with_file_name("examples")
        .join("gen_corpus");
    let made = Command::new(generator)
        .args(["--briefs", &briefs.to_string(), "--out"])
        .arg(dir)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success(), "generating the corpus");
}

struct Corpus {
    root: PathBuf,
    output: PathBuf,
}

impl Corpus {
    fn build(&self, base: &str, output: &Path) -> Command {
        let mut command = communique();
        command
            .arg("--root")
            .arg(&self.root)
            .args(["build", "-q", "--base-url", base, "--output-dir"])
            .arg(output)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    }

    /// A build to completion; returns how long it took.
    fn build_ok(&self, base: &str, output: &Path) -> Duration {
        let started = Instant::now();
        let out = self.build(base, output).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        started.elapsed()
    }

    /// Runs a build to completion, watching for its journal; returns how long it took and
    /// how long its commit (from the journal's appearance) took.
    fn build_watching_commit(&self, base: &str) -> (Duration, Option<Duration>) {
        let started = Instant::now();
        let mut child = self.build(base, &self.output).spawn().unwrap();
        let mut journaled = None;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "the build failed");
                break;
            }
            if journaled.is_none() && self.journal_present() {
                journaled = Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        (started.elapsed(), journaled.map(|t| t.elapsed()))
    }

    /// Waits until a running build has journaled its commit (or exited).
    fn wait_for_commit(&self, child: &mut std::process::Child) -> bool {
        loop {
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            if self.journal_present() {
                return true;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    fn stage(&self) -> PathBuf {
        self.output.with_file_name(".public.communique-stage")
    }

    fn journal_present(&self) -> bool {
        self.stage().join("journal").is_file()
    }
}

/// What a killed build left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Old,
    New,
    Mixed,
}

/// Checks the output a killed build left, going from `old` (`None`: no output) to `new`.
fn check_after_kill(corpus: &Corpus, old: Option<&Hashes>, new: &Hashes) -> Outcome {
    let out = &corpus.output;
    if !out.exists() {
        assert!(old.is_none(), "the output folder vanished");
        return Outcome::Old;
    }
    let now = hashes(out);
    let manifest = communique::output::Manifest::load(out)
        .expect("the manifest is whole")
        .expect("there is a manifest");
    let empty = Hashes::new();
    let was = old.unwrap_or(&empty);
    for (rel, hash) in &now {
        assert!(
            was.get(rel) == Some(hash) || new.get(rel) == Some(hash),
            "{rel} is torn: neither its old nor its new bytes"
        );
        if was.get(rel) != Some(hash) {
            assert!(
                manifest.files.contains_key(rel),
                "{rel} was put in place but the manifest does not list it"
            );
        }
    }
    if &now == was {
        Outcome::Old
    } else if &now == new {
        Outcome::New
    } else {
        assert!(
            corpus.journal_present(),
            "a mixed output without a journal for the next build to complete"
        );
        Outcome::Mixed
    }
}

#[test]
#[ignore = "minutes long: cargo test --release --test output_kill -- --ignored"]
fn a_build_killed_at_any_moment_leaves_a_site_the_next_build_completes() {
    let briefs = env_number("COMMUNIQUE_KILL_BRIEFS", 3000);
    let trials = env_number("COMMUNIQUE_KILL_TRIALS", 20);
    let seed = env_number(
        "COMMUNIQUE_KILL_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    );
    println!("seed {seed} (COMMUNIQUE_KILL_SEED), {briefs} briefs, {trials} trials");
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    corpus(briefs, &root);
    let corpus = Corpus {
        output: root.join("public"),
        root,
    };
    // Clean builds of both versions: the references, and how long each kind of build takes.
    let reference = |base: &str| {
        let out = dir.path().join(format!("ref-{}", &base[8..9]));
        let took = corpus.build_ok(base, &out);
        (hashes(&out), took)
    };
    let (ref_a, first_a) = reference(BASE_A);
    let (ref_b, first_b) = reference(BASE_B);
    let changed = ref_b
        .iter()
        .filter(|(p, h)| ref_a.get(*p) != Some(*h))
        .count();
    corpus.build_ok(BASE_A, &corpus.output);
    let (rebuild, commit) = corpus.build_watching_commit(BASE_B);
    let commit = commit.unwrap_or(Duration::from_millis(1));
    let first = first_a.max(first_b);
    println!(
        "{} files, {changed} differ between the versions; first build {} ms, rebuild {} ms \
         of which the commit {} ms",
        ref_a.len(),
        first.as_millis(),
        rebuild.as_millis(),
        commit.as_millis()
    );

    let mut current = Some(BASE_B);
    let mut tally: BTreeMap<(&str, Outcome), usize> = BTreeMap::new();
    let mut in_commit = 0;
    for trial in 0..trials {
        let first_build = trial % 4 == 0 || trial % 4 == 2;
        if first_build && corpus.output.exists() {
            fs::remove_dir_all(&corpus.output).unwrap();
            current = None;
        }
        let target = if current == Some(BASE_A) {
            BASE_B
        } else {
            BASE_A
        };
        let mut child = corpus.build(target, &corpus.output).spawn().unwrap();
        // Kills anywhere in the build, near its end, and (every fourth, a rebuild) inside its
        // commit: once the journal appears, at a random moment of the commit's measured length.
        let (when, fraction) = match trial % 4 {
            3 => {
                let fraction = rng.unit() * 1.1;
                let started = corpus.wait_for_commit(&mut child);
                std::thread::sleep(commit.mul_f64(fraction));
                (if started { "commit" } else { "after" }, fraction)
            }
            2 => {
                let fraction = 0.7 + rng.unit() * 0.4;
                std::thread::sleep(first.mul_f64(fraction));
                ("end", fraction)
            }
            _ => {
                let full = if first_build { first } else { rebuild };
                let fraction = rng.unit() * 1.05;
                std::thread::sleep(full.mul_f64(fraction));
                ("any", fraction)
            }
        };
        // SIGKILL on Unix; an error means the build had already finished.
        let _ = child.kill();
        let _ = child.wait();
        if corpus.journal_present() {
            in_commit += 1;
        }
        let refs = |base: Option<&str>| match base {
            Some(BASE_A) => Some(&ref_a),
            Some(_) => Some(&ref_b),
            None => None,
        };
        let outcome = check_after_kill(&corpus, refs(current), refs(Some(target)).unwrap());
        let kind = if first_build {
            "first build"
        } else {
            "rebuild"
        };
        println!(
            "trial {trial:2}: {kind:11} killed {:3.0}% into {when:6}: {outcome:?}",
            fraction * 100.0
        );
        *tally.entry((kind, outcome)).or_default() += 1;

        // The next build completes whatever was left, then builds what it is asked to: usually
        // the same version, every fourth trial the other one.
        let next = match (trial % 4, current) {
            (3, Some(previous)) => previous,
            _ => target,
        };
        corpus.build_ok(next, &corpus.output);
        let expected = refs(Some(next)).unwrap();
        assert_eq!(
            &hashes(&corpus.output),
            expected,
            "trial {trial}: the next build equals a clean build"
        );
        let manifest = communique::output::Manifest::load(&corpus.output)
            .unwrap()
            .unwrap();
        assert_eq!(
            manifest.files.len(),
            expected.len(),
            "the manifest lists the site"
        );
        assert!(!corpus.stage().exists(), "no stage left");
        current = Some(next);
    }
    println!("outcomes: {tally:?}; {in_commit} kills fell inside the commit (journal present)");
}
