//! The differential test's starting site: templates that show every field the edits change,
//! configuration, sections, briefs, author files and bibliographies.

use std::collections::BTreeMap;
use std::path::Path;

use super::site::{Author, BibEntry, Brief, FIRST, Site, TOPICS, translation_of, write};

pub const BASE: &str = r#"<!DOCTYPE html><html lang="{{ lang }}"><head><title>{% block title %}{{ config.title }}{% endblock %}</title><meta name="description" content="{% block description %}{% endblock %}"><link rel="stylesheet" href="{{ get_url(path='style.css') }}"></head><body>{% block content %}{% endblock %}</body></html>"#;
pub const BRIEF: &str = r#"{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1><p>{{ page.date | date(format="%-d %B %Y") }} · {{ page.word_count }} words</p>{% for t in page.taxonomies.topics %}<a href="{{ t.path }}">{{ t.name }}</a>{% endfor %}{% if page.type_label %}<p>{{ page.type_label }}{% if page.region %} · {{ page.region }}{% endif %}</p>{% endif %}{% if page.structured_summary %}<p>{{ page.structured_summary.whats_new }}</p>{% endif %}{% for e in page.events %}<time datetime="{{ e.date }}">{{ e.date_display }}</time> {{ e.title }}{% if e.link %}<a href="{{ e.link }}">link</a>{% endif %}{% endfor %}{% for a in page.authors %}<a href="{{ a.path }}">{{ a.name }}</a>{% if a.affiliation %} {{ a.affiliation }}{% endif %}{% endfor %}{{ page.content }}{% for r in page.related %}<a href="{{ r.path }}">{{ r.title }}</a>{% endfor %}{% set first = get_page(path="one/b0.md") %}<footer>{{ first.title }}</footer>{% endblock %}"#;
pub const SECTION: &str = r#"{% extends "base.html" %}{% block content %}<h1>{{ section.title }}</h1>{{ section.content }}<p>{{ section.pages | length }} in all</p>{% for p in paginator.pages %}<a href="{{ p.path }}">{{ p.title }}</a>{{ p.summary }}{% if p.type_label %}{{ p.type_label }}{% endif %}{% if p.region %}{{ p.region }}{% endif %}{% if p.structured_summary %}{{ p.structured_summary.whats_new }}{% endif %}{% for e in p.events %}{{ e.date }}{% endfor %}{% for a in p.authors %}{{ a.name }}{% endfor %}{% endfor %}{% if paginator.next %}<a href="{{ paginator.next }}">next</a>{% endif %}{% endblock %}"#;
pub const INDEX: &str = r#"{% extends "base.html" %}{% block content %}<h1>{{ section.title }}</h1>{% for p in paginator.pages %}<a href="{{ p.path }}">{{ p.title }}</a> {{ p.reading_time }}{% endfor %}{% endblock %}"#;
pub const LIST: &str = r#"{% extends "base.html" %}{% block content %}{% for t in taxonomy.terms %}<a href="{{ t.path }}">{{ t.name }} {{ t.page_count }}</a>{% endfor %}{% endblock %}"#;
pub const TERM: &str = r#"{% extends "base.html" %}{% block content %}<h1>{{ term.name }}</h1>{% for p in paginator.pages %}<a href="{{ p.path }}">{{ p.title }}</a>{% endfor %}{% endblock %}"#;
pub const NOT_FOUND: &str =
    r#"{% extends "base.html" %}{% block content %}<h1>Not found</h1>{% endblock %}"#;

/// The time builds publish at: `publish_date`s in 2020 are past, in 2099 to come.
pub fn fixed_now() -> jiff::Timestamp {
    "2025-06-01T12:00:00Z".parse().unwrap()
}

fn write_site_files(root: &Path) {
    write(
        &root.join("communique.toml"),
        "title = \"Diff\"\nbase_url = \"https://x.org\"\npaginate_by = 3\ntaxonomies = [\"topics\"]\n[languages.ar]\ntitle = \"ت\"\nfallback = true\n",
    );
    write(
        &root.join("content/_index.md"),
        "+++\ntitle = \"Home\"\n+++\nWelcome.\n",
    );
    write(
        &root.join("content/one/_index.md"),
        "+++\ntitle = \"One\"\npaginate_by = 2\n+++\nStart with [the first brief](@/one/b0.md).\n",
    );
    write(
        &root.join("content/two/_index.md"),
        "+++\ntitle = \"Two\"\nsort_by = \"title\"\n+++\nCompare [the first brief](@/one/b0.md).\n",
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
    write(
        &root.join("content/authors/_index.md"),
        "+++\ntitle = \"Our authors\"\n+++\nThey wrote [the first brief](@/one/b0.md).\n",
    );
    write(&root.join("static/style.css"), "body { color: black }\n");
}

/// The body of a translation: a summary, a note, a callout and links to the first brief and
/// to an untranslated section.
pub fn arabic_body(title: &str) -> String {
    format!(
        "ملخص {title}[^1].\n\n<!-- more -->\n\n## قسم\n\n> [!NOTE]\n> ملاحظة.\n\nانظر [الأول](@/{FIRST}) و[الصفحة](@/_index.md).\n\n[^1]: حاشية."
    )
}

/// The starting site: ten briefs in two sections, three of them translated, some citing, some with authors, events,
/// a type, a region and a structured summary; two author files; the site's bibliography and a
/// brief's own.
pub fn fixture(root: &Path) -> Site {
    write_site_files(root);
    let mut briefs: BTreeMap<String, Brief> = BTreeMap::new();
    for i in 0..10u32 {
        let section = if i % 2 == 0 { "one" } else { "two" };
        let body = format!(
            "Summary {i}.\n\n<!-- more -->\n\n## Part\n\nText of brief {i}. See [home](@/_index.md)."
        );
        let brief = Brief::new(format!("Brief {i}"), 1 + i, TOPICS[i as usize % 4], body);
        briefs.insert(format!("{section}/b{i}.md"), brief);
    }
    let mut edit = |rel: &str, f: &dyn Fn(&mut Brief)| f(briefs.get_mut(rel).unwrap());
    edit("two/b1.md", &|b| b.cites = vec!["k1".into()]);
    edit("one/b2.md", &|b| b.cites = vec!["k2".into(), "k3".into()]);
    edit("two/b3.md", &|b| b.authors = vec!["lhassan".into()]);
    edit("one/b4.md", &|b| {
        b.authors = vec!["Tom Reed".into(), "jdoe".into()];
    });
    edit("two/b5.md", &|b| {
        b.events = vec![(3, "Talks open".into()), (9, "Talks close".into())];
        b.kind = Some("report");
        b.region = Some("Middle East".into());
        b.whats_new = Some("A timeline".into());
    });
    edit("one/b6.md", &|b| {
        b.own_bib = true;
        b.cites = vec!["ownkey".into(), "k0".into()];
    });
    // Three translations: of the first brief, of one that cites and of one with events. Their
    // links lead to the Arabic version where there is one (the first brief's), else (with
    // `fallback`) to the English one; footnotes and callouts take Arabic words.
    for rel in [FIRST, "two/b1.md", "two/b5.md"] {
        let mut translation = briefs[rel].clone();
        translation.title = format!("ترجمة {}", translation.title);
        translation.body = arabic_body(&translation.title);
        briefs.insert(translation_of(rel), translation);
    }
    let mut authors = BTreeMap::new();
    for (id, name) in [("lhassan", "Layla Hassan"), ("jdoe", "Jo Doe")] {
        let author = Author {
            name: name.to_string(),
            affiliation: Some("Security Programme".to_string()),
            bio: format!("{name} writes briefs, such as [the first](@/one/b0.md)."),
        };
        authors.insert(id.to_string(), author);
    }
    let bib = (0..5)
        .map(|i| {
            BibEntry::new(
                &format!("k{i}"),
                "Hassan, Layla",
                &format!("Work {i}"),
                2020 + i,
            )
        })
        .collect();
    let own = vec![
        BibEntry::new("ownkey", "Reed, Tom", "Own work", 2019),
        BibEntry::new("k0", "Reed, Tom", "Shadowing work", 2018),
    ];
    let site = Site {
        root: root.to_path_buf(),
        briefs,
        authors,
        bib,
        own,
    };
    for rel in site.briefs.keys() {
        site.write_brief(rel);
    }
    for id in site.authors.keys() {
        site.write_author(id);
    }
    site.write_bib();
    site.write_own_bibs();
    site
}
