//! Functions and filters available to templates.

use std::sync::Arc;

use tera::{Error, Kwargs, State, Tera, Value};

use super::limit::check;
use super::views::Views;
use crate::content::PublishDate;
use crate::site::{ContentRef, SiteModel, Urls, slugify};

/// The data template functions read.
pub struct Lookup {
    /// The site.
    pub model: Arc<SiteModel>,
    /// Its shared views.
    pub views: Arc<Views>,
}

/// Registers what needs no site data: the `date` and `slugify` filters, and `range` in place of
/// Tera's own, so that loops over it check the time limit (see [`super::limit`]).
pub fn register_filters(tera: &mut Tera) {
    tera.register_filter("date", date_filter);
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

fn date_filter(value: &str, kwargs: Kwargs, _: &State) -> Result<String, Error> {
    check()?;
    let format = kwargs.get::<&str>("format")?.unwrap_or("%-d %B %Y");
    let date = PublishDate::parse(value).ok_or_else(|| {
        Error::message(format!(
            "the `date` filter cannot read \"{value}\" as a date"
        ))
    })?;
    let zoned = date.timestamp.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let mut out = String::new();
    jiff::fmt::strtime::format(format, &zoned)
        .map(|s| out.push_str(&s))
        .map_err(|e| Error::message(format!("bad date format \"{format}\": {e}")))?;
    Ok(out)
}

fn content_ref<'a>(lookup: &'a Lookup, path: &str) -> Option<&'a ContentRef> {
    let rel = path
        .strip_prefix("@/")
        .unwrap_or(path)
        .trim_start_matches('/');
    lookup.model.by_rel.get(rel)
}

/// Registers `get_url`, `get_page`, `get_section`, `get_taxonomy_url` and `markdown`.
pub fn register_functions(tera: &mut Tera, lookup: Arc<Lookup>) {
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
            Ok(format!(
                "{}{rest}",
                model
                    .urls
                    .href(&format!("/{}", file.trim_start_matches('/')))
            ))
        },
    );
    let l = lookup.clone();
    tera.register_function("get_page", move |kwargs: Kwargs, _: &State| -> Result<Value, Error> {
        check()?;
        let path = kwargs.must_get::<&str>("path")?;
        match content_ref(&l, path) {
            Some(ContentRef::Page(i)) => {
                super::deps::record(super::deps::Read::PageFull(l.model.pages[*i].source.rel.clone()));
                Ok(l.views.full_page(&l.model, *i))
            }
            _ => Err(Error::message(format!("get_page: no page at \"{path}\" (paths are relative to content/, e.g. \"briefs/x.md\")"))),
        }
    });
    let l = lookup.clone();
    tera.register_function(
        "get_section",
        move |kwargs: Kwargs, _: &State| -> Result<Value, Error> {
            check()?;
            let path = kwargs.must_get::<&str>("path")?;
            match content_ref(&l, path) {
                Some(ContentRef::Section(i)) => {
                    super::deps::record(super::deps::Read::Section(
                        l.model.sections[*i].source.rel.clone(),
                    ));
                    Ok(l.views.sections[*i].clone())
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
        move |kwargs: Kwargs, _: &State| -> Result<String, Error> {
            check()?;
            let kind = kwargs.must_get::<&str>("kind")?;
            let name = kwargs.must_get::<&str>("name")?;
            if !l.model.config.taxonomies.iter().any(|t| t == kind) {
                return Err(Error::message(format!(
                    "get_taxonomy_url: no taxonomy \"{kind}\" in the config"
                )));
            }
            Ok(l.model.urls.href(&Urls::term(kind, &slugify(name))))
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
    for name in ["get_url", "get_page", "get_section", "get_taxonomy_url"] {
        tera.register_function(name, |_: Kwargs, _: &State| Value::none());
    }
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
