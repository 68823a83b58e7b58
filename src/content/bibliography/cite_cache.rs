//! "Cite this brief" for every brief of a site, fast.
//!
//! hayagriva takes about a millisecond to format one entry in a large style such as Chicago:
//! ten thousand briefs would add seconds to a build. Yet most of a brief's citation depends
//! on values that repeat from brief to brief (authors, year, publisher, series): hayagriva
//! formats each such combination once, with marks in place of the title, URL and number,
//! and each brief's values are put where the marks are. What the style does to those values
//! is learnt by formatting probes once per style: how it cases titles (the brief's title is
//! then cased by hayagriva's own transform), whether it shows more of the date than the
//! year, whether it writes the number as given. Whatever a probe cannot vouch for (a title
//! with characters hayagriva treats specially, or ending in punctuation a style may merge
//! with its own) is formatted whole, by hayagriva, as before.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hayagriva::lang::{Case, SentenceCase, TitleCase};

use super::CitationStyle;
use super::cite_this::{BriefReference, citation_html};
use crate::diagnostics::escape_html;

/// Stands for the title: digits, which no case transform changes.
const TITLE_MARK: &str = "7305291846";
/// Stands for the URL.
const URL_MARK: &str = "https://cite.invalid/8419273065";
/// Stands for the number in a series: short, as styles label long numbers differently.
const NUMBER_MARK: i64 = 8461;
/// [`NUMBER_MARK`] as written.
const NUMBER_MARK_TEXT: &str = "8461";

/// Stands for the year, when the style shows no more of the date: a year no brief has.
const YEAR_MARK: &str = "1847";

/// How many formatted combinations are kept before the memo starts over (a `serve` session
/// runs for days).
const MEMO_LIMIT: usize = 100_000;

/// What formatting one combination depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    authors: Vec<String>,
    /// The year alone when the style shows no more of the date.
    date: String,
    publisher: String,
    series: Option<String>,
    /// The number itself when the style does not write it as given, else whether there is one.
    number: Option<i64>,
}

/// What the probes learnt about a style.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// The transform the style applies to titles (`NoTransform` when it keeps them).
    title_case: Case,
    /// How much of the date the combinations hold.
    date: DatePart,
    /// The number appears in the citation as written, or not at all.
    number_as_given: bool,
}

/// How much of a brief's date goes into its combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatePart {
    /// None: the style shows the year alone, written as given, so it takes a mark's place.
    YearMarked,
    /// The year: the style shows no more of the date.
    Year,
    /// The whole date.
    Whole,
}

/// Formats the citations of briefs in one style, reusing what hayagriva wrote for briefs
/// that share authors, year, publisher and series.
#[derive(Debug)]
pub struct CiteFormatter {
    style: Arc<CitationStyle>,
    /// `None` when the probes could not vouch for any shortcut: every brief is formatted whole.
    plan: Option<Plan>,
    /// Formatted combinations, split at their marks; `None` when a combination's text lacked
    /// a mark.
    memo: Mutex<HashMap<Key, Option<Arc<Template>>>>,
}

/// A combination's citation split at its marks, once: a brief's citation is then its pieces
/// with the brief's values in the marks' places, a few string pushes (searching the text for
/// the marks again for every brief cost more than the rest of the shortcut together).
#[derive(Debug)]
struct Template {
    pieces: Vec<Piece>,
    /// The length of the literal text, to size a brief's citation.
    literal_len: usize,
}

/// A run of a [`Template`].
#[derive(Debug)]
enum Piece {
    /// Text written as it is.
    Literal(Box<str>),
    /// Where a mark was.
    Mark(Mark),
}

/// The values the marks stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Title,
    Url,
    Number,
    Year,
}

impl Mark {
    const ALL: [Mark; 4] = [Mark::Title, Mark::Url, Mark::Number, Mark::Year];

    fn text(self) -> &'static str {
        match self {
            Mark::Title => TITLE_MARK,
            Mark::Url => URL_MARK,
            Mark::Number => NUMBER_MARK_TEXT,
            Mark::Year => YEAR_MARK,
        }
    }
}

impl Template {
    /// `text` split at every mark, in one pass from the start as [`fill`] goes: the leftmost
    /// mark first, the first of [`Mark::ALL`] where two start at the same place.
    fn split(text: &str) -> Template {
        let mut pieces = Vec::new();
        let mut literal_len = 0;
        let mut rest = text;
        loop {
            let next = Mark::ALL
                .iter()
                .filter_map(|&mark| rest.find(mark.text()).map(|at| (at, mark)))
                .min_by_key(|(at, _)| *at);
            let (literal, after) = match next {
                Some((at, mark)) => (&rest[..at], Some((mark, &rest[at + mark.text().len()..]))),
                None => (rest, None),
            };
            if !literal.is_empty() {
                literal_len += literal.len();
                pieces.push(Piece::Literal(literal.into()));
            }
            match after {
                Some((mark, after)) => {
                    pieces.push(Piece::Mark(mark));
                    rest = after;
                }
                None => {
                    return Template {
                        pieces,
                        literal_len,
                    };
                }
            }
        }
    }

    /// The text with `value(mark)` in each mark's place.
    fn fill<'v>(&self, value: impl Fn(Mark) -> &'v str) -> String {
        let values = Mark::ALL.map(&value);
        let mut out =
            String::with_capacity(self.literal_len + values.iter().map(|v| v.len()).sum::<usize>());
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                // `Mark::ALL` lists the marks in the order they are declared.
                Piece::Mark(mark) => out.push_str(values[*mark as usize]),
            }
        }
        out
    }
}

impl CiteFormatter {
    /// A formatter for `style` (formats a few probes).
    pub fn new(style: Arc<CitationStyle>) -> CiteFormatter {
        let plan = probe(&style);
        CiteFormatter {
            style,
            plan,
            memo: Mutex::new(HashMap::new()),
        }
    }

    /// The style formatted in.
    pub fn style(&self) -> &Arc<CitationStyle> {
        &self.style
    }

    /// The brief's citation as HTML, the same as [`citation_html`] would write.
    pub fn citation_html(&self, brief: &BriefReference) -> Option<String> {
        let Some(plan) = self.plan.filter(|_| substitutable(brief)) else {
            return citation_html(brief, &self.style);
        };
        let key = Key {
            authors: brief.authors.clone(),
            date: match plan.date {
                DatePart::YearMarked => YEAR_MARK.to_string(),
                DatePart::Year => year_of(&brief.date).to_string(),
                DatePart::Whole => brief.date.clone(),
            },
            publisher: brief.publisher.clone(),
            series: brief.series.clone(),
            number: match brief.number {
                Some(_) if plan.number_as_given => Some(NUMBER_MARK),
                other => other,
            },
        };
        let template = match self.memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
            Some(template) => template,
            None => {
                let template = self.format_marked(&key);
                if let Ok(mut memo) = self.memo.lock() {
                    if memo.len() >= MEMO_LIMIT {
                        memo.clear();
                    }
                    memo.insert(key, template.clone());
                }
                template
            }
        };
        let Some(template) = template else {
            return citation_html(brief, &self.style);
        };
        let title = escape_html(&plan.title_case.transform(&brief.title));
        let url = escape_html(&brief.url);
        let number = brief.number.map(|n| n.to_string()).unwrap_or_default();
        Some(template.fill(|mark| match mark {
            Mark::Title => &title,
            Mark::Url => &url,
            Mark::Number => &number,
            Mark::Year => year_of(&brief.date),
        }))
    }

    /// A combination formatted with marks for the title, URL and number; `None` when the
    /// title's or URL's mark is missing from the text (the style treats them unexpectedly).
    fn format_marked(&self, key: &Key) -> Option<Arc<Template>> {
        let marked = BriefReference {
            key: "brief".to_string(),
            title: TITLE_MARK.to_string(),
            authors: key.authors.clone(),
            date: key.date.clone(),
            publisher: key.publisher.clone(),
            series: key.series.clone(),
            number: key.number,
            url: URL_MARK.to_string(),
            language: None,
        };
        let html = citation_html(&marked, &self.style)?;
        let once = |mark: &str| html.matches(mark).count() == 1;
        let number_shown = key.number != Some(NUMBER_MARK) || once(NUMBER_MARK_TEXT);
        let year_shown = key.date != YEAR_MARK || once(YEAR_MARK);
        (once(TITLE_MARK) && html.contains(URL_MARK) && number_shown && year_shown)
            .then(|| Arc::new(Template::split(&html)))
    }
}

/// The year of a `YYYY-MM-DD` date.
fn year_of(date: &str) -> &str {
    date.split('-').next().unwrap_or(date)
}

/// Whether a brief's title and URL can take their marks' places: no characters hayagriva
/// reads as markup (`{` `}` `$` `\`), no quotes (styles turn them typographic and nest them),
/// no punctuation at the end (styles merge it with their own), no spacing it might collapse.
fn substitutable(brief: &BriefReference) -> bool {
    let title = brief.title.as_str();
    let plain_char = |c: char| {
        !c.is_control() && !matches!(c, '{' | '}' | '$' | '\\' | '"' | '\'' | '`') && !is_quote(c)
    };
    let ends_plainly = title
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == ')');
    let url_plain = brief
        .url
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '{' | '}' | '"' | '<' | '>' | '\\'));
    ends_plainly
        && title.trim() == title
        && !title.contains("  ")
        && title.chars().all(plain_char)
        && !title.contains(TITLE_MARK)
        && url_plain
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '‘' | '’' | '‚' | '‛' | '“' | '”' | '„' | '‟' | '«' | '»' | '‹' | '›'
    )
}

/// `template` with each mark replaced by its value, in one pass (a value holding another
/// mark's digits is not replaced again).
fn fill(template: &str, marks: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    loop {
        let next = marks
            .iter()
            .filter_map(|(mark, value)| rest.find(mark).map(|at| (at, *mark, *value)))
            .min_by_key(|(at, ..)| *at);
        match next {
            Some((at, mark, value)) => {
                out.push_str(&rest[..at]);
                out.push_str(value);
                rest = &rest[at + mark.len()..];
            }
            None => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// A brief made for probing a style.
fn probe_brief(title: &str, date: &str, number: Option<i64>) -> BriefReference {
    BriefReference {
        key: "probe".to_string(),
        title: title.to_string(),
        authors: vec!["Ada Probe".to_string(), "Ben Probe".to_string()],
        date: date.to_string(),
        publisher: "Probe Institute".to_string(),
        series: Some("Probe Papers".to_string()),
        number,
        url: "https://probe.invalid/brief/".to_string(),
        language: None,
    }
}

/// Formats probes to learn what the style does to titles, dates and numbers; `None` when a
/// probe gives an answer no shortcut can reproduce.
fn probe(style: &CitationStyle) -> Option<Plan> {
    let format = |title: &str, date: &str, number: Option<i64>| {
        citation_html(&probe_brief(title, date, number), style)
    };
    let titles = [
        "the rise of aid: a Study of IMF loans in the Gulf region",
        "Water and the state over Ten years of talks",
    ];
    let rendered: Vec<String> = titles
        .iter()
        .map(|t| format(t, "2001-02-03", None))
        .collect::<Option<_>>()?;
    let cases = [
        Case::NoTransform,
        Case::Title(TitleCase::default()),
        Case::Sentence(SentenceCase::default()),
        Case::Uppercase,
        Case::Lowercase,
        Case::FirstUpper,
        Case::AllUpper,
    ];
    let title_case = cases.into_iter().find(|case| {
        titles
            .iter()
            .zip(&rendered)
            .all(|(t, html)| html.contains(&escape_html(&case.transform(t))))
    })?;
    let other_day = format(titles[0], "2001-11-24", None)?;
    // The year's mark, once, and a real year where it was, must give what hayagriva gives.
    let date = if other_day != rendered[0] {
        DatePart::Whole
    } else {
        let with_mark = format(titles[0], YEAR_MARK, None)?;
        let marked = with_mark.matches(YEAR_MARK).count() == 1
            && Some(fill(&with_mark, &[(YEAR_MARK, "2001")])) == format(titles[0], "2001", None);
        if marked {
            DatePart::YearMarked
        } else {
            DatePart::Year
        }
    };
    // The number's mark, once, and a real number where it was, must give what hayagriva gives.
    let mark = NUMBER_MARK.to_string();
    let with_mark = format(titles[0], "2001-02-03", Some(NUMBER_MARK))?;
    let number_as_given = with_mark.matches(&mark).count() == 1
        && Some(fill(&with_mark, &[(&mark, "12")])) == format(titles[0], "2001-02-03", Some(12));
    Some(Plan {
        title_case,
        date,
        number_as_given,
    })
}

/// Formatters already made in this process, one per style: probing takes a few milliseconds
/// and the memo is worth keeping between the builds of a `serve` session.
static SHARED: Mutex<Vec<Arc<CiteFormatter>>> = Mutex::new(Vec::new());

/// The formatter for the style `name` in `language`, made once per process; `None` for a
/// style that does not exist (the configuration was checked, so only in tests).
pub fn shared(name: &str, language: &str) -> Option<Arc<CiteFormatter>> {
    let same = |f: &&Arc<CiteFormatter>| f.style.name == name && f.style.language == language;
    // Held while the formatter is made: the other render threads wait for it rather than
    // each load the style and format the probes again.
    let mut made = SHARED.lock().ok()?;
    if let Some(found) = made.iter().find(same) {
        return Some(found.clone());
    }
    let style = super::style::shared(name, language).ok()?;
    let formatter = Arc::new(CiteFormatter::new(style));
    made.push(formatter.clone());
    Some(formatter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brief(title: &str, authors: &[&str], date: &str, number: Option<i64>) -> BriefReference {
        BriefReference {
            key: "b".to_string(),
            title: title.to_string(),
            authors: authors.iter().map(|a| a.to_string()).collect(),
            date: date.to_string(),
            publisher: "Tigris Policy Institute".to_string(),
            series: Some("Policy Briefs".to_string()),
            number,
            url: "https://briefs.example.org/briefs/x/?a=1&b=2".to_string(),
            language: None,
        }
    }

    /// The shortcut writes exactly what hayagriva writes for the whole brief.
    #[test]
    fn shortcut_matches_whole_formatting() {
        let titles = [
            "Brief 12: the talks of the rivers and a tale",
            "IMF loans & the 50% question in Iraq",
            "water, power (and oil) after 2003",
            "Ceasefire talks {draft}",
            "Is the truce holding?",
            "The \"final\" round",
            "Iraq's Kurds and the budget",
            "über die Verhandlungen",
        ];
        let authors: [&[&str]; 4] = [
            &[],
            &["Layla Hassan"],
            &["Layla Hassan", "Tom Reed"],
            &["A B", "C D", "E F", "G H", "I J", "K L", "M N", "O P"],
        ];
        for name in [
            "chicago-author-date",
            "apa",
            "ieee",
            "modern-language-association",
            "chicago-author-date:de",
        ] {
            // A site in another language: its terms, and its rules for casing titles.
            let (name, language) = name.split_once(':').unwrap_or((name, "en-US"));
            let formatter = shared(name, language).unwrap();
            assert!(formatter.plan.is_some(), "{name}: no plan");
            for title in titles {
                for list in authors {
                    for (date, number) in [("2024-01-27", Some(3)), ("2019-11-05", None)] {
                        let b = brief(title, list, date, number);
                        let style = formatter.style();
                        assert_eq!(
                            formatter.citation_html(&b),
                            citation_html(&b, style),
                            "{name}: {title} {list:?} {date}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn one_formatting_serves_briefs_of_the_same_authors() {
        let formatter = CiteFormatter::new(shared("apa", "en-US").unwrap().style().clone());
        assert_eq!(formatter.plan.map(|p| p.date), Some(DatePart::YearMarked));
        for n in 0..20 {
            let b = brief(
                &format!("Brief {n} on talks"),
                &["Layla Hassan"],
                &format!("{}-01-27", 2000 + n),
                Some(n),
            );
            assert!(
                formatter
                    .citation_html(&b)
                    .unwrap()
                    .contains(&format!("Brief {n} on talks"))
            );
        }
        assert_eq!(formatter.memo.lock().unwrap().len(), 1);
    }

    #[test]
    fn long_titles_take_linear_time() {
        let formatter = shared("chicago-author-date", "en-US").unwrap();
        crate::test_support::assert_near_linear(
            "cite this brief",
            4_000,
            |n| {
                brief(
                    "word of talks ".repeat(n / 14).trim_end(),
                    &["A B"],
                    "2024-01-27",
                    None,
                )
            },
            |b| {
                formatter.citation_html(b);
            },
        );
    }

    /// A template split once fills in as the text searched afresh would.
    #[test]
    fn split_templates_fill_as_searching_does() {
        let values = |mark: Mark| match mark {
            Mark::Title => "T 1847 8461",
            Mark::Url => "https://u.example/?a&amp;b",
            Mark::Number => "12",
            Mark::Year => "2003",
        };
        let marks = Mark::ALL.map(|m| (m.text(), values(m)));
        for text in [
            "",
            "plain",
            "Hassan, Layla. 1847. “7305291846.” Policy Briefs 8461. https://cite.invalid/8419273065.",
            "73052918461847https://cite.invalid/84192730658461",
            "18478461 8461 1847 7305291846",
        ] {
            assert_eq!(
                Template::split(text).fill(values),
                fill(text, &marks),
                "{text}"
            );
        }
    }

    #[test]
    fn marks_are_filled_in_one_pass() {
        let out = fill("a X b Y", &[("X", "Y"), ("Y", "Z")]);
        assert_eq!(out, "a Y b Z");
    }
}
