//! Machine-readable outputs: the Atom feed, the sitemap and robots.txt.

use std::fmt::Write;

use crate::diagnostics::escape_html as escape;
use crate::site::{SiteModel, Urls};

/// The Atom 1.0 feed of the newest pages.
pub fn atom(model: &SiteModel) -> String {
    let config = &model.config;
    let urls = &model.urls;
    let newest: Vec<usize> = model.sections[0]
        .pages
        .iter()
        .copied()
        .take(config.feed.limit)
        .collect();
    let mut by_date = newest.clone();
    crate::site::sort_pages(&mut by_date, &model.pages, crate::content::SortBy::Date);
    let updated = by_date
        .iter()
        .map(|&i| {
            let m = model.pages[i].meta();
            m.updated.as_ref().unwrap_or(&m.date).clone()
        })
        .max()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| d.rfc3339());
    let feed_url = urls.permalink(&format!("/{}", config.feed.filename));
    let mut out = String::with_capacity(4096 + by_date.len() * 4096);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(
        out,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">",
        escape(&config.language)
    );
    let _ = writeln!(out, "  <title>{}</title>", escape(&config.title));
    if let Some(d) = &config.description {
        let _ = writeln!(out, "  <subtitle>{}</subtitle>", escape(d));
    }
    let _ = writeln!(
        out,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        escape(&feed_url)
    );
    let _ = writeln!(
        out,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        escape(&urls.permalink("/"))
    );
    let _ = writeln!(out, "  <id>{}</id>", escape(&feed_url));
    let _ = writeln!(out, "  <updated>{updated}</updated>");
    let _ = writeln!(out, "  <generator>communique</generator>");
    let site_author = config
        .author
        .as_deref()
        .or(config.organization.as_deref())
        .unwrap_or(&config.title);
    for &i in &by_date {
        let page = &model.pages[i];
        let m = page.meta();
        let link = urls.permalink(&page.path);
        out.push_str("  <entry>\n");
        let _ = writeln!(out, "    <title>{}</title>", escape(&m.title));
        let _ = writeln!(
            out,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            escape(&link)
        );
        let _ = writeln!(out, "    <id>{}</id>", escape(&link));
        let _ = writeln!(out, "    <published>{}</published>", m.date.rfc3339());
        let _ = writeln!(
            out,
            "    <updated>{}</updated>",
            m.updated.as_ref().unwrap_or(&m.date).rfc3339()
        );
        if page.authors.is_empty() {
            let _ = writeln!(
                out,
                "    <author><name>{}</name></author>",
                escape(site_author)
            );
        }
        // Resolved authors: a brief may name one by id (see site::authors).
        for author in page.authors.iter().map(|&a| &model.authors[a]) {
            let _ = writeln!(
                out,
                "    <author><name>{}</name></author>",
                escape(&author.name)
            );
        }
        for name in &config.taxonomies {
            for term in m.taxonomies.get(name).into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "    <category term=\"{}\" label=\"{}\" scheme=\"{}\"/>",
                    escape(&crate::site::slugify(term)),
                    escape(term),
                    escape(&urls.permalink(&Urls::taxonomy(name)))
                );
            }
        }
        if let Some(d) = &m.description {
            let _ = writeln!(out, "    <summary>{}</summary>", escape(d));
        }
        let _ = writeln!(
            out,
            "    <content type=\"html\" xml:base=\"{}\">{}</content>",
            escape(&link),
            escape(&page.rendered.html)
        );
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// `sitemap.xml` listing every page, section, pager page and taxonomy page.
pub fn sitemap(model: &SiteModel, paths: &[(String, Option<String>)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (path, lastmod) in paths {
        let _ = write!(
            out,
            "  <url>\n    <loc>{}</loc>\n",
            escape(&model.urls.permalink(path))
        );
        if let Some(lastmod) = lastmod {
            let _ = writeln!(out, "    <lastmod>{lastmod}</lastmod>");
        }
        out.push_str("  </url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// `robots.txt` allowing everything and pointing at the sitemap.
pub fn robots(model: &SiteModel) -> String {
    format!(
        "User-agent: *\nAllow: /\nSitemap: {}\n",
        model.urls.permalink("/sitemap.xml")
    )
}
