//! The first hour with communique (issue 9): extending the built-in theme without forking it,
//! what `init` writes, `communique theme`, and a command line that explains itself.

mod common;

use std::fs;

use common::*;

/// A site with no templates of its own: config, a home page and one brief.
fn themeless_site() -> Site {
    let site = Site::empty();
    site.write(
        "communique.toml",
        "title = \"Plain\"\nbase_url = \"https://plain.example\"\norganization = \"Org\"\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Plain\"\n+++\n");
    site.write(
        "content/briefs/one.md",
        "+++\ntitle = \"One\"\ndate = 2024-01-01\n+++\n\nBody.\n",
    );
    site
}

// ---------------------------------------------------------------------------------------------
// Theme extension (item 4)

#[test]
fn a_three_line_base_adds_a_stylesheet_to_every_page() {
    let site = themeless_site();
    site.write(
        "templates/base.html",
        "{% extends \"builtin/base.html\" %}\n{% block extra_head %}<link rel=\"stylesheet\" href=\"/x.css\">{% endblock %}\n",
    );
    site.build_ok(&[]);
    for page in ["index.html", "briefs/one/index.html", "404.html"] {
        let html = site.html(page);
        let sheets = hrefs(&html, "head link[rel=stylesheet]");
        assert_eq!(sheets, ["/style.css", "/x.css"], "{page}");
        // The rest of the built-in frame is still there.
        assert_eq!(select(&html, "header.site-header").len(), 1, "{page}");
        assert!(text(one(&html, "footer.site-footer")).contains("Org"), "{page}");
    }
    assert_eq!(
        text(one(&site.html("briefs/one/index.html"), "h1")),
        "One",
        "the built-in brief template fills the site's base"
    );
}

#[test]
fn a_three_line_base_replaces_the_footer() {
    let site = themeless_site();
    site.write(
        "templates/base.html",
        "{% extends \"builtin/base.html\" %}\n{% block footer %}<footer class=\"mine\">Ours</footer>{% endblock footer %}\n",
    );
    site.build_ok(&[]);
    let html = site.html("briefs/one/index.html");
    assert_eq!(text(one(&html, "body > footer")), "Ours");
    assert_eq!(select(&html, "footer.mine").len(), 1);
    assert!(select(&html, "footer.site-footer").is_empty());
}

#[test]
fn every_documented_block_can_be_filled() {
    let site = themeless_site();
    let mut base = String::from("{% extends \"builtin/base.html\" %}\n");
    for block in [
        "head",
        "extra_head",
        "header",
        "nav",
        "main",
        "footer",
        "extra_body",
    ] {
        base.push_str(&format!(
            "{{% block {block} %}}{{{{ super() }}}}<meta name=\"block-{block}\">{{% endblock {block} %}}\n"
        ));
    }
    site.write("templates/base.html", &base);
    let out = site.build(&[]);
    assert_success(&out);
    let page = site.read_output("briefs/one/index.html");
    for block in ["head", "extra_head", "nav", "header", "main", "footer", "extra_body"] {
        assert!(
            page.contains(&format!("<meta name=\"block-{block}\">")),
            "block {block} in:\n{page}"
        );
    }
}

#[test]
fn a_base_extending_itself_gets_a_hint_to_the_builtin_name() {
    let site = themeless_site();
    site.write(
        "templates/base.html",
        "{% extends \"base.html\" %}\n{% block extra_head %}<link rel=\"stylesheet\" href=\"/x.css\">{% endblock %}\n",
    );
    let out = site.build(&[]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("{% extends \"builtin/base.html\" %}"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_site_base_without_the_builtin_blocks_still_builds() {
    // A site that replaces base.html wholesale (as before blocks existed) is not affected by
    // the built-in templates it does not extend.
    let site = themeless_site();
    site.write(
        "templates/base.html",
        "<!DOCTYPE html><html lang=\"en\"><head><title>{% block title %}{% endblock %}</title><meta name=\"description\" content=\"{% block description %}{% endblock %}\"></head><body>{% block content %}{% endblock %}</body></html>\n",
    );
    site.build_ok(&[]);
    assert_eq!(text(one(&site.html("briefs/one/index.html"), "h1")), "One");
}
