//! The syntax of a citation marker: what lies between `[` and `]` (`see @key, p. 12; @other`).

/// What kind of place in a work a locator names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocatorKind {
    /// `p. 12`, `pp. 3–4`, or a bare number.
    Page,
    /// `chap. 2`.
    Chapter,
    /// `sec. 3`, `§ 3`.
    Section,
    /// `para. 4`, `¶ 4`.
    Paragraph,
    /// `vol. 2`.
    Volume,
    /// `fig. 1`.
    Figure,
    /// `n. 7`.
    Note,
    /// `l. 5`.
    Line,
    /// `tab. 2`.
    Table,
    /// `app. A`.
    Appendix,
    /// `pt. 1`.
    Part,
}

/// Where in a work a citation points: `p. 12`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Locator {
    /// Page, chapter, …
    pub kind: LocatorKind,
    /// `12`, `3–4`.
    pub value: String,
}

/// One work cited.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cite {
    /// The entry's key in the bibliography.
    pub key: String,
    /// Where in the work, if said.
    pub locator: Option<Locator>,
}

/// One citation: the works of one `[…]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Citation {
    /// Words before the first key (`see`), if any.
    pub prefix: Option<String>,
    /// The works, in the order written.
    pub items: Vec<Cite>,
}

/// Parses the text inside `[` and `]`; `None` when it is not a citation (no key, an address
/// such as `a@b.org`, text after a key that is not a locator), an error when it is one written
/// wrong.
pub fn parse_marker(inner: &str) -> Option<Result<Citation, String>> {
    let mut items = Vec::new();
    let mut prefix = None;
    for (i, part) in inner.split(';').enumerate() {
        let (before, key, after) = split_item(part)?;
        if !before.is_empty() {
            if i > 0 {
                return Some(Err(format!(
                    "\"{before}\" before @{key}: only the first work of a citation can have words before it"
                )));
            }
            prefix = Some(before.to_string());
        }
        let after = after.trim();
        let locator = if after.is_empty() {
            None
        } else {
            let text = after.strip_prefix(',')?.trim();
            match parse_locator(text) {
                Some(locator) => Some(locator),
                None => {
                    return Some(Err(format!("\"{text}\" after @{key} is not a locator")));
                }
            }
        };
        items.push(Cite {
            key: key.to_string(),
            locator,
        });
    }
    Some(Ok(Citation { prefix, items }))
}

/// Splits an item into the words before its key, the key and the rest; `None` without a key.
/// The `@` must start the item or follow a space, so `a@b.org` is no key.
fn split_item(part: &str) -> Option<(&str, &str, &str)> {
    let part = part.trim();
    let at = part
        .char_indices()
        .find(|&(i, c)| c == '@' && (i == 0 || part[..i].ends_with(char::is_whitespace)))
        .map(|(i, _)| i)?;
    let rest = &part[at + 1..];
    let key_len = key_length(rest);
    if key_len == 0 {
        return None;
    }
    Some((part[..at].trim(), &rest[..key_len], &rest[key_len..]))
}

/// The length of the key at the start of `text`: a letter, digit or `_`, then those and
/// punctuation (`:.#$%&-+?<>~/`) that is followed by another of the first kind.
fn key_length(text: &str) -> usize {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut end = 0;
    let mut chars = text.char_indices().peekable();
    let Some((_, first)) = chars.peek().copied() else {
        return 0;
    };
    if !is_word(first) {
        return 0;
    }
    while let Some((i, c)) = chars.next() {
        if is_word(c) {
            end = i + c.len_utf8();
        } else if ":.#$%&-+?<>~/".contains(c)
            && chars.peek().is_some_and(|&(_, next)| is_word(next))
        {
            continue;
        } else {
            break;
        }
    }
    end
}

/// `p. 12` → a page locator; a bare number is a page.
pub fn parse_locator(text: &str) -> Option<Locator> {
    const LABELS: &[(&str, LocatorKind)] = &[
        ("pp.", LocatorKind::Page),
        ("pp", LocatorKind::Page),
        ("p.", LocatorKind::Page),
        ("p", LocatorKind::Page),
        ("pages", LocatorKind::Page),
        ("page", LocatorKind::Page),
        ("chap.", LocatorKind::Chapter),
        ("ch.", LocatorKind::Chapter),
        ("chapter", LocatorKind::Chapter),
        ("sec.", LocatorKind::Section),
        ("section", LocatorKind::Section),
        ("§§", LocatorKind::Section),
        ("§", LocatorKind::Section),
        ("para.", LocatorKind::Paragraph),
        ("paragraph", LocatorKind::Paragraph),
        ("¶", LocatorKind::Paragraph),
        ("vol.", LocatorKind::Volume),
        ("volume", LocatorKind::Volume),
        ("fig.", LocatorKind::Figure),
        ("figure", LocatorKind::Figure),
        ("nn.", LocatorKind::Note),
        ("n.", LocatorKind::Note),
        ("note", LocatorKind::Note),
        ("ll.", LocatorKind::Line),
        ("l.", LocatorKind::Line),
        ("line", LocatorKind::Line),
        ("tab.", LocatorKind::Table),
        ("table", LocatorKind::Table),
        ("app.", LocatorKind::Appendix),
        ("appendix", LocatorKind::Appendix),
        ("pt.", LocatorKind::Part),
        ("part", LocatorKind::Part),
    ];
    let text = text.trim();
    let starts_with_digit = |s: &str| s.chars().next().is_some_and(|c| c.is_ascii_digit());
    if starts_with_digit(text) {
        return Some(Locator {
            kind: LocatorKind::Page,
            value: text.to_string(),
        });
    }
    let lower = text.to_lowercase();
    LABELS.iter().find_map(|&(label, kind)| {
        let value = lower.strip_prefix(label)?;
        // The label must end there: `page` is not `p` followed by `age`.
        let starts_value = value.starts_with(char::is_whitespace) || label.ends_with('.');
        let value = text.get(text.len() - value.len()..)?.trim();
        (starts_value && !value.is_empty()).then(|| Locator {
            kind,
            value: value.to_string(),
        })
    })
}
