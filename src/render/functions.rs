//! Functions and filters available to templates.

use std::sync::Arc;

use tera::{Error, Kwargs, State, Tera, Value};

use super::data::DataRoot;
use super::limit::check;
use super::views::Views;
use crate::diagnostics::did_you_mean;
use crate::site::{ContentRef, SiteModel, Taxonomy, Term, slugify};

/// The data template functions read.
pub struct Lookup {
    /// The site.
    pub model: Arc<SiteModel>,
    /// Its shared views.
    pub views: Arc<Views>,
    /// Where `load_data` reads from: the site root, when the templates came from one.
    pub data: Option<DataRoot>,
    /// Hashes of static files (`get_url(cachebust=true)`, fingerprinted names).
    pub assets: Arc<super::assets::Assets>,
}

/// Registers what needs no site data: the filters of [`super::filters`], `slugify`, and `range`
/// in place of Tera's own, so that loops over it check the time limit (see [`super::limit`]).
pub fn register_filters(tera: &mut Tera) {
    super::filters::register(tera);
    tera.register_filter(
        "slugify",
        |text: &str, _: Kwargs, _: &State| -> Result<String, Error> {
            check()?;
            Ok(slugify(text))
        },
    );
    tera.register_function("range", range);
}

/// The most elements `range` makes, as in Tera.
const MAX_RANGE_LEN: i128 = 100_000;

/// Tera's `range(end, start=0, step_by=1)`, with the same results and errors, that first checks
/// the time limit: nested loops over `range` call it once per outer iteration.
fn range(kwargs: Kwargs, _: &State) -> Result<Vec<i128>, Error> {
    check()?;
    let start = kwargs.get::<i128>("start")?.unwrap_or(0);
    let end = kwargs.must_get::<i128>("end")?;
    let step = kwargs.get::<i128>("step_by")?.unwrap_or(1);
    if step == 0 {
        return Err(Error::message(
            "Function `range` was called with a `step_by` argument of 0",
        ));
    }
    if step > 0 && start > end {
        return Err(Error::message(
            "Function `range` was called with a `start` argument greater than the `end` one",
        ));
    }
    let overflow =
        || Error::message("Function `range` was called with arguments that overflow i128");
    // Elements: the distance covered, divided by the step and rounded up; none when the step
    // points away from `end`.
    let (distance, stride) = if step > 0 {
        (end.checked_sub(start), Some(step))
    } else if start > end {
        (start.checked_sub(end), step.checked_neg())
    } else {
        (Some(0), Some(1))
    };
    let (distance, stride) = distance.zip(stride).ok_or_else(overflow)?;
    let len = distance.checked_add(stride - 1).ok_or_else(overflow)? / stride;
    if len > MAX_RANGE_LEN {
        return Err(Error::message(format!(
            "Function `range` would produce {len} elements, which exceeds the limit of {MAX_RANGE_LEN}"
        )));
    }
    Ok((0..len).map(|i| start + i * step).collect())
}

/// The taxonomy `kind` of language `lang` (the default language's when `lang` has none, as
/// for a taxonomy no translated brief uses); an error names `function` and suggests a close name.
fn taxonomy_named<'a>(
    lookup: &'a Lookup,
    kind: &str,
    lang: usize,
    function: &str,
) -> Result<&'a Taxonomy, Error> {
    let taxonomies = &lookup.model.taxonomies;
    let found = taxonomies
        .iter()
        .find(|t| t.name == kind && t.lang == lang)
        .or_else(|| taxonomies.iter().find(|t| t.name == kind && t.lang == 0))
        .or_else(|| taxonomies.iter().find(|t| t.name == kind));
    if let Some(taxonomy) = found {
        super::deps::record(super::deps::Read::Taxonomy(taxonomy.name.clone()));
        return Ok(taxonomy);
    }
    // Each language has its own taxonomies by the same names: name each once.
    let mut names: Vec<&str> = Vec::new();
    for taxonomy in taxonomies {
        if !names.contains(&taxonomy.name.as_str()) {
            names.push(&taxonomy.name);
        }
    }
    let hint = match did_you_mean(kind, names.iter().copied()) {
        Some(close) => format!("did you mean \"{close}\"?"),
        None if taxonomies.is_empty() => {
            "the config declares none: add `taxonomies = [\"topics\"]` to communique.toml"
                .to_string()
        }
        None => format!("the config declares {}", quoted_list(names.into_iter())),
    };
    Err(Error::message(format!(
        "{function}: no taxonomy \"{kind}\" in the config; {hint}"
    )))
}

/// The language a lookup is for, as an index into `Config::languages`, and whether the
/// template asked for it: `lang=` when given (an error for a language the site does not
/// have), else the language of the page being rendered (the `lang` every template sees),
/// else the default.
fn lookup_language(
    lookup: &Lookup,
    kwargs: &Kwargs,
    state: &State,
    function: &str,
) -> Result<(usize, bool), Error> {
    let config = &lookup.model.config;
    let index = |code: &str| {
        config
            .language_index(code)
            .or_else(|| (code == config.language).then_some(0))
    };
    if let Some(code) = kwargs.get::<&str>("lang")? {
        return match index(code) {
            Some(lang) => Ok((lang, true)),
            None => {
                let mut known: Vec<&str> =
                    config.languages.iter().map(|l| l.code.as_str()).collect();
                if known.is_empty() {
                    known.push(&config.language);
                }
                Err(Error::message(format!(
                    "{function}: lang=\"{code}\" is not one of the site's languages ({})",
                    quoted_list(known.into_iter())
                )))
            }
        };
    }
    let current = state.get::<String>("lang").ok().flatten();
    Ok((current.as_deref().and_then(index).unwrap_or(0), false))
}

/// The version in language `lang` of the page or section `named` whose versions are
/// `translations` (empty without any), or `named` itself when there is none in `lang`.
/// Unless `explicit`, only a name of the default language's file is taken to another
/// language: `get_page(path="briefs/x.ar.md")` means that file wherever it is asked.
fn version_in(
    named: usize,
    translations: &[usize],
    lang_of: impl Fn(usize) -> usize,
    lang: usize,
    explicit: bool,
) -> usize {
    if !explicit && lang_of(named) != 0 {
        return named;
    }
    translations
        .iter()
        .copied()
        .find(|&t| lang_of(t) == lang)
        .unwrap_or(named)
}

/// The term of `taxonomy` whose slug `name` has (as its pages spell it or not), or an error
/// that suggests the closest existing term, as Zola does for a term no page uses.
fn term_named<'a>(taxonomy: &'a Taxonomy, name: &str) -> Result<&'a Term, Error> {
    let slug = slugify(name);
    if let Some(term) = taxonomy.terms.iter().find(|t| t.slug == slug) {
        return Ok(term);
    }
    let names = taxonomy.terms.iter().map(|t| t.name.as_str());
    let hint = match did_you_mean(name, names.clone()) {
        Some(close) => format!("did you mean \"{close}\"?"),
        None if taxonomy.terms.is_empty() => "no page uses any yet".to_string(),
        None => format!("its terms are {}", quoted_list(names.take(10))),
    };
    Err(Error::message(format!(
        "get_taxonomy_url: no page has the {} term \"{name}\"; {hint}",
        taxonomy.name
    )))
}

fn quoted_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The taxonomy's view with each term's pages (light views) added, as `get_taxonomy` returns it.
fn taxonomy_with_pages(lookup: &Lookup, taxonomy: &Taxonomy) -> Value {
    let index = lookup
        .model
        .taxonomies
        .iter()
        .position(|t| std::ptr::eq(t, taxonomy));
    let Some(mut view) = index
        .and_then(|i| lookup.views.taxonomies.get(i))
        .and_then(|v| v.clone().into_map())
    else {
        return Value::none();
    };
    let terms = taxonomy.terms.iter().map(|term| {
        let mut fields = super::views::term_view(&lookup.model, taxonomy, term)
            .into_map()
            .unwrap_or_default();
        let pages = term
            .pages
            .iter()
            .filter_map(|&p| lookup.views.pages.get(p).cloned())
            .collect::<Vec<_>>();
        fields.insert("pages".into(), Value::from(pages));
        Value::from(fields)
    });
    view.insert("terms".into(), Value::from(terms.collect::<Vec<_>>()));
    Value::from(view)
}

/// The environment variable that sets what `now()` returns (RFC 3339, e.g.
/// `2024-01-27T09:30:00Z`), so that builds and tests can be reproduced.
pub const NOW_VARIABLE: &str = "COMMUNIQUE_NOW";

/// The build's "now": [`NOW_VARIABLE`] when set, else the clock, read once per build so that
/// every page of a build sees the same instant.
fn build_now() -> Result<jiff::Timestamp, String> {
    now_from(std::env::var(NOW_VARIABLE).ok())
}

/// The time `now()` gives when [`NOW_VARIABLE`] holds `setting`.
fn now_from(setting: Option<String>) -> Result<jiff::Timestamp, String> {
    match setting {
        Some(text) => crate::content::PublishDate::parse(&text)
            .map(|d| d.timestamp)
            .ok_or_else(|| {
                format!(
                    "now: {NOW_VARIABLE}=\"{text}\" is not a date (write e.g. 2024-01-27T09:30:00Z)"
                )
            }),
        None => Ok(jiff::Timestamp::now()),
    }
}

/// `now(timestamp=false, timezone="UTC")`: the build's time as RFC 3339 text, or as a Unix
/// timestamp.
fn register_now(tera: &mut Tera, now: Result<jiff::Timestamp, String>) {
    tera.register_function("now", move |kwargs: Kwargs, _: &State| -> Result<Value, Error> {
        check()?;
        let now = now.clone().map_err(Error::message)?;
        super::deps::record(super::deps::Read::Now(now.as_nanosecond()));
        if kwargs.get::<bool>("timestamp")?.unwrap_or(false) {
            return Ok(Value::from(now.as_second()));
        }
        match kwargs.get::<&str>("timezone")? {
            None | Some("UTC") => Ok(Value::from(now.to_string())),
            Some(zone) => {
                let tz = jiff::tz::TimeZone::get(zone).map_err(|_| {
                    Error::message(format!("now: unknown time zone \"{zone}\" (use an IANA name such as \"Europe/Paris\")"))
                })?;
                Ok(Value::from(now.to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()))
            }
        }
    });
}

fn content_ref<'a>(lookup: &'a Lookup, path: &str) -> Option<&'a ContentRef> {
    let rel = path
        .strip_prefix("@/")
        .unwrap_or(path)
        .trim_start_matches('/');
    lookup.model.by_rel.get(rel)
}

/// The name a static file is published under (fingerprinted when `[assets] fingerprint` is
/// on) and, for `cachebust`, the hash to add as a query; an error when `cachebust` names no
/// static file. A hashed site file is recorded as read, so `serve` re-renders on its change.
fn static_file_url(
    assets: &super::assets::Assets,
    file: &str,
    cachebust: bool,
) -> Result<(String, Option<String>), Error> {
    if let Some(name) = assets.published_name(file) {
        if let Some((_, Some(source))) = assets.hash_of(file) {
            super::deps::record(super::deps::Read::File(source));
        }
        return Ok((name, None));
    }
    if !cachebust {
        return Ok((file.to_string(), None));
    }
    match assets.hash_of(file) {
        Some((hash, source)) => {
            if let Some(source) = source {
                super::deps::record(super::deps::Read::File(source));
            }
            Ok((file.to_string(), Some(hash)))
        }
        None => Err(Error::message(format!(
            "get_url: cachebust=true, but there is no file \"{file}\" in static/ to hash; \
             cachebust hashes files of static/, e.g. get_url(path=\"style.css\", cachebust=true)"
        ))),
    }
}

/// Registers `get_url`, `get_page`, `get_section`, `get_taxonomy_url`, `get_taxonomy`, `now`,
/// `load_data` and `markdown`. Each first checks the render time limit (see [`super::limit`]).
pub fn register_functions(tera: &mut Tera, lookup: Arc<Lookup>) {
    super::i18n::register(tera, lookup.model.config.i18n.clone());
    let l = lookup.clone();
    tera.register_function(
        "get_url",
        move |kwargs: Kwargs, _: &State| -> Result<String, Error> {
            check()?;
            let path = kwargs.must_get::<&str>("path")?;
            let model = &l.model;
            if path.starts_with("@/") {
                let (target, anchor) = path
                    .split_once('#')
                    .map_or((path, None), |(t, a)| (t, Some(a)));
                let site_path = match content_ref(&l, target) {
                    Some(ContentRef::Page(i)) => &model.pages[*i].path,
                    Some(ContentRef::Section(i)) => &model.sections[*i].path,
                    None => {
                        return Err(Error::message(format!("get_url: no content at \"{path}\"")));
                    }
                };
                super::deps::record(super::deps::Read::Url(
                    target.trim_start_matches("@/").to_string(),
                ));
                let href = model.urls.href(site_path);
                return Ok(match anchor {
                    Some(a) => format!("{href}#{a}"),
                    None => href,
                });
            }
            if path.contains("://") {
                return Ok(path.to_string());
            }
            // A file's path as it is on disk, encoded; a query or fragment is kept as written.
            let (file, rest) = path.split_at(path.find(['?', '#']).unwrap_or(path.len()));
            let cachebust = kwargs.get::<bool>("cachebust")?.unwrap_or(false);
            let (file, hash) = static_file_url(&l.assets, file.trim_start_matches('/'), cachebust)?;
            let href = model.urls.href(&format!("/{file}"));
            Ok(match hash {
                None => format!("{href}{rest}"),
                Some(hash) => match rest.strip_prefix('?') {
                    Some(query) => format!("{href}?h={hash}&{query}"),
                    None => format!("{href}?h={hash}{rest}"),
                },
            })
        },
    );
    let l = lookup.clone();
    tera.register_function(
        "get_page",
        move |kwargs: Kwargs, state: &State| -> Result<Value, Error> {
            check()?;
            let path = kwargs.must_get::<&str>("path")?;
            let (lang, explicit) = lookup_language(&l, &kwargs, state, "get_page")?;
            let pages = &l.model.pages;
            match content_ref(&l, path) {
                Some(ContentRef::Page(i)) => {
                    let i = version_in(*i, &pages[*i].translations, |p| pages[p].lang, lang, explicit);
                    super::deps::record(super::deps::Read::PageFull(pages[i].source.rel.clone()));
                    Ok(l.views.full_page(&l.model, i))
                }
                _ => Err(Error::message(format!("get_page: no page at \"{path}\" (paths are relative to content/, e.g. \"briefs/x.md\")"))),
            }
        },
    );
    let l = lookup.clone();
    tera.register_function(
        "get_section",
        move |kwargs: Kwargs, state: &State| -> Result<Value, Error> {
            check()?;
            let path = kwargs.must_get::<&str>("path")?;
            let (lang, explicit) = lookup_language(&l, &kwargs, state, "get_section")?;
            let sections = &l.model.sections;
            match content_ref(&l, path) {
                Some(ContentRef::Section(i)) => {
                    let i = version_in(
                        *i,
                        &sections[*i].translations,
                        |s| sections[s].lang,
                        lang,
                        explicit,
                    );
                    super::deps::record(super::deps::Read::Section(sections[i].source.rel.clone()));
                    Ok(l.views.sections[i].clone())
                }
                _ => Err(Error::message(format!(
                    "get_section: no section at \"{path}\" (e.g. \"briefs/_index.md\")"
                ))),
            }
        },
    );
    let l = lookup.clone();
    tera.register_function(
        "get_taxonomy_url",
        move |kwargs: Kwargs, state: &State| -> Result<String, Error> {
            check()?;
            let kind = kwargs.must_get::<&str>("kind")?;
            let name = kwargs.must_get::<&str>("name")?;
            let (lang, explicit) = lookup_language(&l, &kwargs, state, "get_taxonomy_url")?;
            let taxonomy = taxonomy_named(&l, kind, lang, "get_taxonomy_url")?;
            // A term of the default language named on another language's page (without
            // `lang=`) still links to its listing, as before languages existed.
            let term = match term_named(taxonomy, name) {
                Err(_) if !explicit && taxonomy.lang != 0 => {
                    let default = taxonomy_named(&l, kind, 0, "get_taxonomy_url")?;
                    term_named(default, name).map(|term| (default, term))
                }
                found => found.map(|term| (taxonomy, term)),
            };
            let (taxonomy, term) = term?;
            Ok(l.model.urls.href(&taxonomy.term_path(&term.slug)))
        },
    );
    let l = lookup.clone();
    tera.register_function(
        "get_taxonomy",
        move |kwargs: Kwargs, state: &State| -> Result<Value, Error> {
            check()?;
            let kind = kwargs.must_get::<&str>("kind")?;
            let (lang, _) = lookup_language(&l, &kwargs, state, "get_taxonomy")?;
            let taxonomy = taxonomy_named(&l, kind, lang, "get_taxonomy")?;
            Ok(taxonomy_with_pages(&l, taxonomy))
        },
    );
    register_now(tera, build_now());
    let l = lookup.clone();
    tera.register_function(
        "load_data",
        move |kwargs: Kwargs, _: &State| -> Result<Value, Error> {
            check()?;
            let path = kwargs.must_get::<&str>("path")?;
            let format = kwargs.get::<&str>("format")?;
            let data = l.data.as_ref().ok_or_else(|| {
                Error::message("load_data: this build has no site folder to read from")
            })?;
            let (file, value) = data.load(path, format)?;
            super::deps::record(super::deps::Read::File(file));
            Ok(value)
        },
    );
    let l = lookup;
    tera.register_filter(
        "markdown",
        move |text: &str, kwargs: Kwargs, _: &State| -> Result<Value, Error> {
            check()?;
            let inline = kwargs.get::<bool>("inline")?.unwrap_or(false);
            struct NoLinks;
            impl crate::markdown::LinkResolver for NoLinks {
                fn resolve(&self, _: &str) -> Option<String> {
                    None
                }
            }
            let config = &l.model.config.markdown;
            let html = if inline {
                crate::markdown::render_inline(text, config, &NoLinks)
            } else {
                crate::markdown::render(text, config, &NoLinks).map(|r| r.html)
            }
            .map_err(|e| Error::message(e.first().map_or(String::new(), |e| e.message.clone())))?;
            Ok(Value::safe_string(&html))
        },
    );
}

/// Registers functions with the same names as [`register_functions`] but no site behind them,
/// so templates can be compiled (and their syntax checked) before the site model exists.
pub fn register_stubs(tera: &mut Tera) {
    for name in [
        "get_url",
        "get_page",
        "get_section",
        "get_taxonomy_url",
        "get_taxonomy",
        "load_data",
        "now",
        "trans",
        "icu_locale",
    ] {
        tera.register_function(name, |_: Kwargs, _: &State| Value::none());
    }
    tera.register_filter("number", |value: Value, _: Kwargs, _: &State| value);
    tera.register_filter("markdown", |text: &str, _: Kwargs, _: &State| {
        text.to_string()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders `source` with Tera's own `range`, and with ours.
    fn both(source: &str) -> (Result<String, String>, Result<String, String>) {
        let render = |tera: &mut Tera| {
            let mut context = tera::Context::new();
            context.insert("min", &i128::MIN);
            context.insert("max", &i128::MAX);
            tera.add_raw_template("t", source)
                .and_then(|()| tera.render("t", &context))
                .map_err(|e| format!("{e:?}"))
        };
        let mut theirs = Tera::new();
        let mut ours = Tera::new();
        register_filters(&mut ours);
        (render(&mut theirs), render(&mut ours))
    }

    #[test]
    fn now_reads_the_build_time_once_from_communique_now() {
        let mut tera = Tera::new();
        register_now(&mut tera, now_from(Some("2024-06-01T12:00:00Z".into())));
        let source = "{{ now() }} {{ now(timestamp=true) }} {{ now(timezone='Asia/Baghdad') }}";
        let out = tera
            .add_raw_template("t", source)
            .and_then(|()| tera.render("t", &tera::Context::new()));
        assert_eq!(
            out.ok().as_deref(),
            Some("2024-06-01T12:00:00Z 1717243200 2024-06-01T15:00:00+03:00"),
            "the value read when the build started, not the clock"
        );
        let mut tera = Tera::new();
        register_now(&mut tera, now_from(Some("tomorrow".into())));
        let out = tera
            .add_raw_template("t", "{{ now() }}")
            .and_then(|()| tera.render("t", &tera::Context::new()));
        let message = format!("{:?}", out.err());
        assert!(message.contains("COMMUNIQUE_NOW"), "{message}");
    }

    #[test]
    fn our_range_behaves_as_teras() {
        let calls = [
            "end=5",
            "start=2, end=5",
            "end=10, step_by=3",
            "start=10, end=0, step_by=-3",
            "start=0, end=10, step_by=-1",
            "start=5, end=5",
            "start=5, end=2",
            "end=5, step_by=0",
            "end=100000",
            "end=100001",
            "start=-100000, end=0",
            "start=min, end=max",
            "start=max, end=-1, step_by=-1",
            "start=max, end=min, step_by=-1",
            "start=min, end=max, step_by=max",
        ];
        for call in calls {
            let source = format!("{{% for i in range({call}) %}}{{{{ i }}}},{{% endfor %}}");
            let (theirs, ours) = both(&source);
            match (&theirs, &ours) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "range({call})"),
                (Err(a), Err(b)) => {
                    let message = |e: &str| e.split("Function").nth(1).map(str::to_string);
                    assert!(message(a).is_some(), "range({call}): {a}");
                    assert_eq!(message(a), message(b), "range({call})")
                }
                _ => panic!("range({call}): Tera gives {theirs:?}, ours {ours:?}"),
            }
        }
    }
}
