//! Site configuration: `communique.toml` → [`Config`].

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Location, did_you_mean, line_col};

pub mod languages;
pub use languages::{Direction, Language, LanguageTable, NavItem};

/// The site configuration, validated.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site title.
    pub title: String,
    /// Absolute URL the site is published under, e.g. `https://briefs.example.org`.
    pub base_url: String,
    /// One-sentence description, used in feeds and `<meta>`.
    #[serde(default)]
    pub description: Option<String>,
    /// BCP 47 language tag of the site's default language (published at the root).
    #[serde(default = "default_language")]
    pub language: String,
    /// `[languages.<code>]`: further languages (and options of the default one), as written;
    /// see [`Config::languages`] for them resolved.
    #[serde(default, rename = "languages")]
    pub language_tables: BTreeMap<String, LanguageTable>,
    /// Every language of the site, default first: set by [`Config::parse`] from `language`
    /// and `[languages.*]`.
    #[serde(skip)]
    pub languages: Vec<Language>,
    /// The publishing organisation.
    #[serde(default)]
    pub organization: Option<String>,
    /// Default author, for feeds.
    #[serde(default)]
    pub author: Option<String>,
    /// Taxonomies: each becomes a front matter list and a set of term pages.
    #[serde(default = "default_taxonomies")]
    pub taxonomies: Vec<String>,
    /// Brief types beyond the built-in ones (briefing, report, qa, commentary).
    #[serde(default)]
    pub types: Vec<String>,
    /// Pages per listing page; 0 turns pagination off.
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    /// Seconds a page's template may take to render before the build fails (see
    /// [`Config::template_time_limit`]).
    #[serde(
        default = "default_template_time_limit",
        rename = "template_time_limit"
    )]
    pub template_time_limit_seconds: f64,
    /// The Atom feed.
    #[serde(default)]
    pub feed: FeedConfig,
    /// Markdown options.
    #[serde(default)]
    pub markdown: MarkdownConfig,
    /// The words Markdown and templates write in the site's language, from its catalog (see
    /// [`crate::i18n`]); not a key (`[strings]` is the deprecated one below).
    #[serde(skip)]
    pub strings: Strings,
    /// `[strings]`: keys of [`Strings`] over the built-in catalog of the site's language.
    /// Deprecated for `i18n/<lang>.toml`, with a warning; still honoured.
    #[serde(default, rename = "strings")]
    pub legacy_strings: BTreeMap<String, String>,
    /// Every language's interface strings and formats: the built-in catalogs, `[strings]`, and
    /// (after [`Config::use_catalogs`]) the site's `i18n/` folder.
    #[serde(skip)]
    pub i18n: Arc<crate::i18n::Catalogs>,
    /// Warnings about the configuration (deprecated keys), reported with the build's.
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
    /// The CSL style citations are formatted in: a name of a style bundled with hayagriva.
    #[serde(default = "default_citation_style")]
    pub citation_style: String,
    /// Free-form table for templates.
    #[serde(default)]
    pub extra: BTreeMap<String, toml::Value>,
    /// `[deploy]`: target, endpoint, region and cache rules for `communique deploy`; never
    /// credentials (refused).
    #[serde(default)]
    pub deploy: crate::deploy::DeployConfig,
    /// How `communique check --external` checks links to other sites (`[check]`).
    #[serde(default)]
    pub check: CheckConfig,
    /// Build a search index and the `/search/` page (see docs/content.md, "Search").
    #[serde(default = "default_search")]
    pub search: bool,
    /// Minify HTML pages (with their inline CSS) and CSS files (see `render::minify`).
    #[serde(default)]
    pub minify: bool,
    /// Static assets (`[assets]`).
    #[serde(default)]
    pub assets: AssetsConfig,
    /// Extra files for hosts (`[output]`).
    #[serde(default)]
    pub output: OutputConfig,
    /// Whether briefs get a typeset PDF (a brief's own `pdf` field wins; see [`crate::pdf`]).
    #[serde(default)]
    pub pdf: bool,
    /// Seconds one PDF may take to typeset before the build stops waiting for it (see
    /// [`Config::pdf_time_limit`]).
    #[serde(default = "default_pdf_time_limit", rename = "pdf_time_limit")]
    pub pdf_time_limit_seconds: f64,
}

/// `[check]`: how `check --external` asks other sites.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckConfig {
    /// Hosts never asked (their subdomains neither), e.g. sites that refuse automated requests.
    pub skip_domains: Vec<String>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests in flight to one host.
    pub per_host: usize,
    /// Seconds one request may take.
    pub timeout_seconds: f64,
    /// Further tries after a timeout, a failed connection, 429 or 5xx.
    pub retries: u32,
    /// Hours a link that worked is trusted without asking again.
    pub cache_hours: f64,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            skip_domains: Vec::new(),
            concurrency: 8,
            per_host: 2,
            timeout_seconds: 10.0,
            retries: 2,
            cache_hours: 24.0,
        }
    }
}

fn default_search() -> bool {
    true
}

/// `[assets]`: how static files are published.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssetsConfig {
    /// Publish static CSS and JS files under names carrying a hash of their bytes
    /// (`style.3f2a9c1b.css`), which `get_url` returns, so hosts may cache them forever.
    pub fingerprint: bool,
}

/// `[output]`: files that configure a host (Netlify, Cloudflare Pages) rather than pages.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Write `_redirects`: a 301 from each page alias to its page.
    pub redirects_file: bool,
    /// Write `_headers`: cache rules (long for fingerprinted assets, short for HTML).
    pub headers_file: bool,
}

/// Atom feed settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// Whether to write a feed at all.
    pub enabled: bool,
    /// File name of the feed at the site root.
    pub filename: String,
    /// How many of the newest pages the feed carries.
    pub limit: usize,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            enabled: true,
            filename: "atom.xml".to_string(),
            limit: 20,
        }
    }
}

/// How Markdown is rendered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownConfig {
    /// Curly quotes, dashes and ellipses.
    pub smart_punctuation: bool,
    /// What to do with raw HTML in Markdown.
    pub raw_html: RawHtml,
    /// Hosts an `<iframe>` may load from in `sanitize` mode, e.g. `www.youtube-nocookie.com`.
    pub iframe_hosts: Vec<String>,
    /// Put the base URL's path in front of root-relative link and image URLs (`/images/x.png`
    /// becomes `/policy/images/x.png` under `base_url = "https://example.org/policy"`).
    pub rewrite_root_links: bool,
    /// The base URL's path (`/policy`, or empty): not a key, set from `base_url`.
    #[serde(skip)]
    pub base_path: String,
    /// The site's `[strings]`, for the words Markdown writes (callout labels, note back-links);
    /// not a key of `[markdown]`: [`Config::parse`] shares the top-level table here.
    #[serde(skip)]
    pub strings: Arc<Strings>,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            smart_punctuation: true,
            raw_html: RawHtml::Allow,
            iframe_hosts: Vec::new(),
            rewrite_root_links: true,
            base_path: String::new(),
            strings: Arc::default(),
        }
    }
}

/// The interface words Rust code writes in one language (callout labels, note back-links,
/// heading anchor titles, the timeline's title), built from that language's catalog (see
/// [`crate::i18n::Catalogs::strings_for`]); each field is the catalog key of the same name.
/// Templates read every key with `trans(key=…, lang=lang)`, and these also as `config.strings`.
/// `{n}` and `{title}` are replaced where the description says so.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Strings {
    /// Label of a `> [!NOTE]` callout.
    pub alert_note: String,
    /// Label of a `> [!TIP]` callout.
    pub alert_tip: String,
    /// Label of a `> [!IMPORTANT]` callout.
    pub alert_important: String,
    /// Label of a `> [!WARNING]` callout.
    pub alert_warning: String,
    /// Label of a `> [!CAUTION]` callout.
    pub alert_caution: String,
    /// Accessible name of a table's scrolling box; `{n}` is the table's number in the page.
    pub table_label: String,
    /// Heading of the notes section.
    pub footnotes: String,
    /// Accessible name of a note's link back to its reference; `{n}` is the note's number.
    pub footnote_back: String,
    /// Accessible name of a heading's self-link; `{title}` is the heading's text.
    pub heading_anchor: String,
    /// Heading of a brief's structured summary.
    pub summary: String,
    /// Structured summary: what is new.
    pub whats_new: String,
    /// Structured summary: why it matters.
    pub why_it_matters: String,
    /// Structured summary: what should be done.
    pub what_should_be_done: String,
    /// Heading of a brief's key points.
    pub key_points: String,
    /// Heading of a brief's recommendations.
    pub recommendations: String,
    /// Heading of a brief's own events.
    pub events: String,
    /// Heading of the ready-to-copy citation of a brief.
    pub cite_this: String,
    /// Heading of a brief's reference list.
    pub references: String,
    /// Accessible name of a reference's link back to a citation; `{n}` is its number.
    pub back_to_citation: String,
    /// Title of the timeline page.
    pub timeline: String,
    /// Heading of a brief's authors.
    pub authors: String,
    /// Banner of an embargoed brief, before its publication time.
    pub embargoed: String,
    /// Banner of a draft.
    pub draft: String,
    /// How the language writes the numbers Markdown writes (note and table numbers); not a
    /// key: the catalog's `[format]`. Latin digits when there is none.
    #[serde(skip)]
    pub numbers: Option<Arc<crate::i18n::Format>>,
}

impl Strings {
    /// `n` in the language's digits (`٣` where `[format] digits = "arab"`), for the numbers
    /// readers see; ids and links keep ASCII digits.
    pub fn number(&self, n: usize) -> String {
        match &self.numbers {
            Some(format) => format.number(i64::try_from(n).unwrap_or(i64::MAX)),
            None => n.to_string(),
        }
    }

    /// The catalog keys the fields are read from (the fields' names).
    pub const KEYS: [&'static str; 23] = [
        "alert_note",
        "alert_tip",
        "alert_important",
        "alert_warning",
        "alert_caution",
        "table_label",
        "footnotes",
        "footnote_back",
        "heading_anchor",
        "summary",
        "whats_new",
        "why_it_matters",
        "what_should_be_done",
        "key_points",
        "recommendations",
        "events",
        "cite_this",
        "references",
        "back_to_citation",
        "timeline",
        "authors",
        "embargoed",
        "draft",
    ];
}

impl Default for Strings {
    /// The built-in English words.
    fn default() -> Self {
        static ENGLISH: std::sync::OnceLock<Strings> = std::sync::OnceLock::new();
        ENGLISH
            .get_or_init(
                || match crate::i18n::Catalogs::builtin().strings_for("en") {
                    Ok(strings) => (*strings).clone(),
                    Err(e) => panic!("the built-in English catalog: {}", e.message),
                },
            )
            .clone()
    }
}

/// Raw HTML policy (docs/safety.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHtml {
    /// Pass raw HTML through, and every URL as written: for a trusted team.
    Allow,
    /// Show raw HTML as text; neutralise script and data URLs.
    Escape,
    /// Keep raw HTML that briefs need (tables, figures, details, iframes from
    /// [`MarkdownConfig::iframe_hosts`]) and drop the rest; neutralise script URLs.
    Sanitize,
}

impl MarkdownConfig {
    /// The first iframe host that is not a plain host name.
    fn bad_iframe_host(&self) -> Option<&str> {
        self.iframe_hosts.iter().map(String::as_str).find(|host| {
            host.is_empty()
                || !host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        })
    }
}

fn default_citation_style() -> String {
    crate::content::bibliography::style::DEFAULT_STYLE.to_string()
}

fn default_language() -> String {
    "en".to_string()
}

fn default_taxonomies() -> Vec<String> {
    vec!["topics".to_string(), "actors".to_string()]
}

fn default_paginate_by() -> usize {
    10
}

fn default_template_time_limit() -> f64 {
    5.0
}

fn default_pdf_time_limit() -> f64 {
    60.0
}

/// The longest `template_time_limit` (and `pdf_time_limit`) accepted, in seconds.
const MAX_TEMPLATE_TIME_LIMIT: f64 = 3600.0;

/// Why `name` cannot name a taxonomy, if it cannot. Any lowercase word will do (`tags`,
/// `categories`) except a page field, whose front matter key it would take, and `page`, whose
/// URL `/page/2/` is the home page's second listing page.
fn taxonomy_name_problem(name: &str) -> Option<String> {
    let word = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !word {
        return Some(
            "taxonomy names are lowercase words (a-z, 0-9, _), e.g. \"tags\" or \"topics\""
                .to_string(),
        );
    }
    if crate::content::is_page_field(name) {
        return Some(format!(
            "\"{name}\" is a page field, so front matter could not list its terms; choose another name, e.g. \"{name}_terms\""
        ));
    }
    if name == "page" {
        return Some(
            "/page/2/ is the URL of the home page's second listing page; choose another name"
                .to_string(),
        );
    }
    None
}

/// Whether `name` can name a brief type (it becomes part of URLs).
fn is_type_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl Config {
    /// Parses and validates the configuration text. `file` names it in diagnostics.
    pub fn parse(text: &str, file: &Path) -> Result<Config, Diagnostic> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        crate::deploy::config::refuse_credentials(text, file)?;
        let mut config: Config =
            toml::from_str(text).map_err(|e| toml_diagnostic(&e, text, file))?;
        config.validate(text, file)?;
        config.check_legacy_strings(text, file)?;
        let catalogs =
            crate::i18n::Catalogs::builtin_with_legacy(&config.language, &config.legacy_strings);
        // The site's own catalogs come later (`use_catalogs`); until then a language without a
        // built-in one writes English.
        let strings = catalogs
            .strings_for(&config.language)
            .or_else(|_| catalogs.strings_for("en"))
            .unwrap_or_default();
        config.strings = (*strings).clone();
        config.markdown.strings = strings;
        config.i18n = Arc::new(catalogs);
        config.languages = languages::resolve(
            languages::LanguageInputs {
                default: &config.language,
                title: &config.title,
                description: config.description.as_deref(),
                tables: &config.language_tables,
                strings: &config.markdown.strings,
            },
            text,
            file,
        )?;
        config.set_base_url(config.base_url.clone());
        Ok(config)
    }

    /// Takes the site's catalogs (see [`crate::i18n::Catalogs::load`]): the site language's
    /// words become [`Config::strings`] and Markdown's. An error when the site's language has
    /// no catalog, or its catalog lacks words Markdown needs.
    pub fn use_catalogs(&mut self, catalogs: crate::i18n::Catalogs) -> Result<(), Diagnostic> {
        let strings = catalogs.strings_for(&self.language)?;
        self.strings = (*strings).clone();
        self.markdown.strings = strings;
        // Each further language writes its Markdown's words from its own catalog.
        for language in &mut self.languages {
            language.strings = catalogs.strings_for(&language.code)?;
        }
        self.i18n = Arc::new(catalogs);
        Ok(())
    }

    /// `[strings]` names keys of [`Strings`] only; using it at all is worth a warning that
    /// points at the catalog the keys belong in.
    fn check_legacy_strings(&mut self, text: &str, file: &Path) -> Result<(), Diagnostic> {
        if self.legacy_strings.is_empty() {
            return Ok(());
        }
        let place = |needle: &str| {
            let offset = text.find(needle).unwrap_or(0);
            let (line, column) = line_col(text, offset);
            Location::at(file, line, column)
        };
        if let Some(unknown) = self
            .legacy_strings
            .keys()
            .find(|k| !Strings::KEYS.contains(&k.as_str()))
        {
            let hint = match did_you_mean(unknown, Strings::KEYS.iter().copied()) {
                Some(s) => format!("did you mean \"{s}\"?"),
                None => format!("known keys here: {}", Strings::KEYS.join(", ")),
            };
            return Err(Diagnostic::error(format!("unknown key \"{unknown}\""))
                .at(place(unknown))
                .hint(hint)
                .with_snippet_from(text));
        }
        let lang = &self.language;
        let lines: Vec<String> = self
            .legacy_strings
            .iter()
            .map(|(k, v)| format!("{k} = {}", toml::Value::String(v.clone())))
            .collect();
        self.warnings.push(
            Diagnostic::warning(format!(
                "[strings] is deprecated: interface words now live in i18n/{lang}.toml"
            ))
            .at(place("[strings]"))
            .hint(format!(
                "move these lines to i18n/{lang}.toml and remove [strings] (see docs/content.md, \"Interface strings\"): {}",
                lines.join("; ")
            ))
            .with_snippet_from(text),
        );
        Ok(())
    }

    /// Sets the base URL, and the path Markdown puts in front of root-relative links.
    pub fn set_base_url(&mut self, base_url: String) {
        self.markdown.base_path = crate::site::Urls::new(&base_url).prefix().to_string();
        self.base_url = base_url;
    }

    fn validate(&self, text: &str, file: &Path) -> Result<(), Diagnostic> {
        let at_key = |key: &str| {
            let offset = text.find(key).unwrap_or(0);
            let (line, column) = line_col(text, offset);
            Location::at(file, line, column)
        };
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(Diagnostic::error(format!(
                "base_url \"{}\" is not an absolute http(s) URL",
                self.base_url
            ))
            .at(at_key("base_url"))
            .hint("write it in full, e.g. base_url = \"https://briefs.example.org\"")
            .with_snippet_from(text));
        }
        let feed_file = &self.feed.filename;
        if feed_file.is_empty() || feed_file.contains(['/', '\\']) || feed_file.starts_with('.') {
            return Err(Diagnostic::error(format!(
                "feed filename \"{feed_file}\" must be a plain file name"
            ))
            .at(at_key("filename"))
            .hint("e.g. filename = \"atom.xml\"; the feed is written at the site root")
            .with_snippet_from(text));
        }
        if let Some(host) = self.markdown.bad_iframe_host() {
            return Err(Diagnostic::error(format!(
                "iframe host \"{host}\" is not a plain host name"
            ))
            .at(at_key("iframe_hosts"))
            .hint("name the host alone, without scheme or path, e.g. iframe_hosts = [\"www.youtube-nocookie.com\"]")
            .with_snippet_from(text));
        }
        for name in &self.taxonomies {
            if let Some(why) = taxonomy_name_problem(name) {
                return Err(
                    Diagnostic::error(format!("taxonomy name \"{name}\" cannot be used"))
                        .at(at_key("taxonomies"))
                        .hint(why)
                        .with_snippet_from(text),
                );
            }
        }
        if let Some(name) = self.types.iter().find(|t| !is_type_name(t)) {
            return Err(
                Diagnostic::error(format!("brief type \"{name}\" cannot be used"))
                    .at(at_key("types"))
                    .hint("type names are lowercase words (a-z, 0-9, -, _), e.g. \"policy-memo\"")
                    .with_snippet_from(text),
            );
        }
        if let Err(unknown) =
            crate::content::bibliography::style::CitationStyle::check_name(&self.citation_style)
        {
            return Err(
                Diagnostic::error(format!("unknown citation_style \"{}\"", unknown.name))
                    .at(at_key("citation_style"))
                    .hint(unknown.hint())
                    .with_snippet_from(text),
            );
        }
        let limit = self.template_time_limit_seconds;
        if !(limit > 0.0 && limit <= MAX_TEMPLATE_TIME_LIMIT) {
            return Err(Diagnostic::error(format!(
                "template_time_limit {limit} is not a number of seconds between 0 and {MAX_TEMPLATE_TIME_LIMIT}"
            ))
            .at(at_key("template_time_limit"))
            .hint("e.g. template_time_limit = 5 (the default), or 0.5")
            .with_snippet_from(text));
        }
        let limit = self.pdf_time_limit_seconds;
        if !(limit > 0.0 && limit <= MAX_TEMPLATE_TIME_LIMIT) {
            return Err(Diagnostic::error(format!(
                "pdf_time_limit {limit} is not a number of seconds between 0 and {MAX_TEMPLATE_TIME_LIMIT}"
            ))
            .at(at_key("pdf_time_limit"))
            .hint("e.g. pdf_time_limit = 60 (the default)")
            .with_snippet_from(text));
        }
        self.deploy.validate(text, file)?;
        Ok(())
    }

    /// How long one PDF may take to typeset (see [`crate::pdf::world::compile`]).
    pub fn pdf_time_limit(&self) -> std::time::Duration {
        let seconds = self.pdf_time_limit_seconds;
        std::time::Duration::try_from_secs_f64(seconds.clamp(0.0, MAX_TEMPLATE_TIME_LIMIT))
            .unwrap_or(std::time::Duration::from_secs(60))
    }

    /// How long one page's template may take to render.
    pub fn template_time_limit(&self) -> std::time::Duration {
        let seconds = self.template_time_limit_seconds;
        std::time::Duration::try_from_secs_f64(seconds.clamp(0.0, MAX_TEMPLATE_TIME_LIMIT))
            .unwrap_or(std::time::Duration::from_secs(5))
    }

    /// Whether the site has more than one language.
    pub fn is_multilingual(&self) -> bool {
        self.languages.len() > 1
    }

    /// The language with this code, by its position in [`Config::languages`].
    pub fn language_index(&self, code: &str) -> Option<usize> {
        self.languages.iter().position(|l| l.code == code)
    }

    /// The base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// Turns a TOML error into a diagnostic with a place and, for unknown keys, a suggestion.
pub(crate) fn toml_diagnostic(error: &toml::de::Error, text: &str, file: &Path) -> Diagnostic {
    let message = error.message().trim().to_string();
    let mut diagnostic = Diagnostic::error(message.clone());
    if let Some(span) = error.span() {
        let (line, column) = line_col(text, span.start);
        diagnostic = diagnostic
            .at(Location::at(file, line, column))
            .with_snippet_from(text);
    } else {
        diagnostic = diagnostic.at(Location::file(file));
    }
    if let Some((unknown, expected)) = parse_unknown_field(&message) {
        diagnostic.message = format!("unknown key \"{unknown}\"");
        let hint = match did_you_mean(&unknown, expected.iter().map(String::as_str)) {
            Some(s) => format!("did you mean \"{s}\"?"),
            None => format!("known keys here: {}", expected.join(", ")),
        };
        diagnostic = diagnostic.hint(hint);
    } else {
        diagnostic = diagnostic
            .hint("check quotes, commas and brackets on this line; strings need double quotes");
    }
    diagnostic
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`" message.
pub(crate) fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (name, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((name.to_string(), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Diagnostic> {
        Config::parse(text, Path::new("communique.toml"))
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let c = parse("title = \"T\"\nbase_url = \"https://x.org/\"\n").unwrap();
        assert_eq!(c.base_url(), "https://x.org");
        assert_eq!(c.taxonomies, ["topics", "actors"]);
        assert!(c.feed.enabled);
        assert_eq!(c.markdown.raw_html, RawHtml::Allow);
    }

    #[test]
    fn unknown_key_names_line_and_suggests() {
        let e = parse("title = \"T\"\nbase_url = \"https://x.org\"\npaginte_by = 3\n").unwrap_err();
        assert_eq!(e.message, "unknown key \"paginte_by\"");
        assert_eq!(e.location.as_ref().unwrap().line, Some(3));
        assert_eq!(e.hint.as_deref(), Some("did you mean \"paginate_by\"?"));
    }

    #[test]
    fn unknown_key_in_nested_table() {
        let e =
            parse("title = \"T\"\nbase_url = \"https://x.org\"\n[feed]\nlimt = 3\n").unwrap_err();
        assert_eq!(e.location.unwrap().line, Some(4));
        assert_eq!(e.hint.as_deref(), Some("did you mean \"limit\"?"));
    }

    #[test]
    fn feed_files_stay_at_the_root() {
        let e =
            parse("title = \"T\"\nbase_url = \"https://x.org\"\n[feed]\nfilename = \"../x.xml\"\n")
                .unwrap_err();
        assert!(e.message.contains("plain file name"));
    }

    #[test]
    fn sanitize_mode_with_iframe_hosts() {
        let c = parse("title = \"T\"\nbase_url = \"https://x.org\"\n[markdown]\nraw_html = \"sanitize\"\niframe_hosts = [\"www.youtube-nocookie.com\"]\n").unwrap();
        assert_eq!(c.markdown.raw_html, RawHtml::Sanitize);
        assert_eq!(c.markdown.iframe_hosts, ["www.youtube-nocookie.com"]);
        let e = parse("title = \"T\"\nbase_url = \"https://x.org\"\n[markdown]\niframe_hosts = [\"https://evil.example/\"]\n").unwrap_err();
        assert!(e.message.contains("plain host name"), "{}", e.message);
        assert_eq!(e.location.unwrap().line, Some(4));
    }

    #[test]
    fn template_time_limit_is_seconds_within_reason() {
        let base = "title = \"T\"\nbase_url = \"https://x.org\"\n";
        let limit = |line: &str| parse(&format!("{base}{line}")).map(|c| c.template_time_limit());
        assert_eq!(limit("").unwrap(), std::time::Duration::from_secs(5));
        assert_eq!(
            limit("template_time_limit = 2").unwrap(),
            std::time::Duration::from_secs(2)
        );
        assert_eq!(
            limit("template_time_limit = 0.25").unwrap(),
            std::time::Duration::from_millis(250)
        );
        for bad in ["0", "-1", "nan", "inf", "100000"] {
            let e = limit(&format!("template_time_limit = {bad}")).unwrap_err();
            assert!(
                e.message.contains("template_time_limit"),
                "{bad}: {}",
                e.message
            );
            assert_eq!(e.location.unwrap().line, Some(3));
        }
    }

    #[test]
    fn strings_default_to_english_and_reach_markdown() {
        let c = parse(
            "title = \"T\"\nbase_url = \"https://x.org\"\n[strings]\nalert_note = \"Remarque\"\n",
        )
        .unwrap();
        assert_eq!(c.strings.alert_note, "Remarque");
        assert_eq!(c.strings.alert_tip, "Tip");
        assert_eq!(c.markdown.strings.alert_note, "Remarque");
    }

    #[test]
    fn unknown_string_key_names_line_and_suggests() {
        let e = parse(
            "title = \"T\"\nbase_url = \"https://x.org\"\n[strings]\nalert_note = \"N\"\nalert_warnign = \"W\"\n",
        )
        .unwrap_err();
        assert_eq!(e.message, "unknown key \"alert_warnign\"");
        assert_eq!(e.location.as_ref().unwrap().line, Some(5));
        assert_eq!(e.hint.as_deref(), Some("did you mean \"alert_warning\"?"));
    }

    #[test]
    fn types_are_lowercase_words() {
        let base = "title = \"T\"\nbase_url = \"https://x.org\"\n";
        let c = parse(&format!("{base}types = [\"policy-memo\"]\n")).unwrap();
        assert_eq!(c.types, ["policy-memo"]);
        let e = parse(&format!("{base}types = [\"Policy memo\"]\n")).unwrap_err();
        assert!(e.message.contains("Policy memo"), "{}", e.message);
        assert_eq!(e.location.unwrap().line, Some(3));
    }

    #[test]
    fn languages_default_to_the_site_language_and_infer_direction() {
        let base = "title = \"T\"\nbase_url = \"https://x.org\"\nlanguage = \"en-GB\"\n";
        let c = parse(base).unwrap();
        assert_eq!(c.languages.len(), 1);
        assert_eq!(c.languages[0].code, "en-GB");
        assert_eq!(c.languages[0].prefix, "");
        let c = parse(&format!(
            "{base}[languages.ar]\ntitle = \"ع\"\n[languages.fa]\ndirection = \"ltr\"\n"
        ))
        .unwrap();
        let summary: Vec<(&str, &str, &str)> = c
            .languages
            .iter()
            .map(|l| (l.code.as_str(), l.prefix.as_str(), l.direction.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("en-GB", "", "ltr"),
                ("ar", "/ar", "rtl"),
                ("fa", "/fa", "ltr")
            ]
        );
        assert_eq!(c.languages[1].title, "ع");
        assert_eq!(c.languages[2].title, "T");
        let e = parse(&format!("{base}[languages.ar]\ntitel = \"ع\"\n")).unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("did you mean \"title\"?"));
        assert_eq!(e.location.unwrap().line, Some(5));
        let e = parse(&format!("{base}[languages.AR]\n")).unwrap_err();
        assert!(e.message.contains("not a language code"), "{}", e.message);
    }

    #[test]
    fn relative_base_url_is_refused() {
        let e = parse("title = \"T\"\nbase_url = \"/x\"\n").unwrap_err();
        assert!(e.message.contains("base_url"));
    }

    #[test]
    fn taxonomy_names_are_free_but_for_page_fields_and_page() {
        let with = |names: &str| {
            parse(&format!(
                "title = \"T\"\nbase_url = \"https://x.org\"\ntaxonomies = {names}\n"
            ))
        };
        assert!(with(r#"["tags", "categories", "static"]"#).is_ok());
        for (name, why) in [
            ("title", "is a page field"),
            ("lastmod", "is a page field"),
            ("page", "/page/2/"),
            ("Tags", "lowercase"),
        ] {
            let e = with(&format!("[\"{name}\"]")).unwrap_err();
            let hint = e.hint.unwrap_or_default();
            assert!(hint.contains(why), "{name}: {hint}");
        }
    }
}
