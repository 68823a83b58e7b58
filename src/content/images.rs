//! The pixel sizes of the local images Markdown shows, so pages can reserve their space
//! (`<img width height>`) and do not jump while images load.
//!
//! An image written `/images/map.png` is the file `static/images/map.png`; one written
//! `chart.png` in a folder page (`content/briefs/x/index.md`) is the file beside it. Anything
//! else (another host, a path out of the site) has no known size. Raster headers are read with
//! the `imagesize` crate; an SVG's size comes from its root element's `width` and `height`, or
//! else its `viewBox`. Each file is read once per build (cached by path, length and
//! modification time); a file that cannot be read is a warning, and the image keeps its tag
//! without a size.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::diagnostics::{Diagnostic, Location};

/// An image's size in CSS pixels.
pub type Size = (u32, u32);

/// How many bytes of an SVG are searched for its root element.
const SVG_HEAD: u64 = 16 * 1024;

/// Reads and remembers image sizes for one build.
#[derive(Debug, Default)]
pub struct ImageProbe {
    /// Where the site's files are; `None` reads nothing (content without a site).
    dirs: Option<ProbeDirs>,
    cache: Mutex<HashMap<PathBuf, Probed>>,
    warnings: Mutex<Vec<Diagnostic>>,
}

#[derive(Debug)]
struct ProbeDirs {
    root: PathBuf,
    content: PathBuf,
    static_dir: PathBuf,
}

#[derive(Debug, Clone)]
struct Probed {
    len: u64,
    modified: Option<SystemTime>,
    size: Option<Size>,
}

impl ImageProbe {
    /// A probe for the site at `root` (its content in `content_dir`).
    pub fn new(content_dir: &Path, root: &Path) -> ImageProbe {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        ImageProbe {
            dirs: Some(ProbeDirs {
                static_dir: root.join("static"),
                content: content_dir.to_path_buf(),
                root,
            }),
            ..ImageProbe::default()
        }
    }

    /// The size of the image `src` as written in the Markdown of the page at `page_rel`
    /// (relative to `content/`), if it is a local image whose header could be read.
    pub fn size_of(&self, src: &str, page_rel: &str) -> Option<Size> {
        let file = self.file_of(src, page_rel)?;
        self.size_of_file(&file)
    }

    /// The warnings of this build's reads (unreadable or corrupt images), each once.
    pub fn warnings(&self) -> Vec<Diagnostic> {
        // Sorted later with the build's other warnings.
        self.warnings.lock().map(|w| w.clone()).unwrap_or_default()
    }

    /// The file an image URL names, when it is a file of the site.
    fn file_of(&self, src: &str, page_rel: &str) -> Option<PathBuf> {
        let dirs = self.dirs.as_ref()?;
        let path = src.split(['?', '#']).next().unwrap_or_default();
        if path.is_empty() || path.starts_with("//") || has_scheme(path) {
            return None;
        }
        let path = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .ok()?;
        let rel = Path::new(path.trim_start_matches('/'));
        // `..`, a drive or a root would leave the folder: such an image has no known size.
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return None;
        }
        if path.starts_with('/') {
            return Some(dirs.static_dir.join(rel));
        }
        // A relative image is beside its page only in a folder page (`x/index.md`).
        let bundle = super::translation::page_folder(page_rel)?;
        Some(dirs.content.join(bundle).join(rel))
    }

    fn size_of_file(&self, file: &Path) -> Option<Size> {
        let dirs = self.dirs.as_ref()?;
        // Never read through a link out of the site.
        let real = file.canonicalize().ok()?;
        if !real.starts_with(&dirs.root) {
            return None;
        }
        let meta = std::fs::metadata(&real).ok().filter(|m| m.is_file())?;
        let (len, modified) = (meta.len(), meta.modified().ok());
        if let Some(known) = self.cache.lock().ok()?.get(&real)
            && known.len == len
            && known.modified == modified
        {
            return known.size;
        }
        let size = match read_size(&real) {
            Ok(size) => Some(size),
            Err(why) => {
                self.warn(&real, &dirs.root, &why);
                None
            }
        };
        let probed = Probed {
            len,
            modified,
            size,
        };
        self.cache.lock().ok()?.insert(real, probed);
        size
    }

    fn warn(&self, file: &Path, root: &Path, why: &str) {
        let display = crate::diagnostics::relative_to(file, root);
        let warning = Diagnostic::warning(format!("cannot read the size of this image: {why}"))
            .at(Location::file(display))
            .hint("the image is published without width and height; check that the file is a complete PNG, JPEG, GIF, WebP or SVG");
        if let Ok(mut warnings) = self.warnings.lock()
            && !warnings.contains(&warning)
        {
            warnings.push(warning);
        }
    }
}

/// Whether `path` names an image file whose size Markdown may show (by its extension).
pub fn is_image_file(path: &Path) -> bool {
    const EXTENSIONS: [&str; 11] = [
        "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "bmp", "ico", "tif", "tiff",
    ];
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Whether a URL starts with a scheme (`https:`, `data:`).
fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && !scheme.contains('/')
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// An image file's size, from its header.
fn read_size(file: &Path) -> Result<Size, String> {
    let is_svg = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if is_svg {
        let mut head = Vec::new();
        std::fs::File::open(file)
            .and_then(|f| f.take(SVG_HEAD).read_to_end(&mut head))
            .map_err(|e| e.to_string())?;
        return svg_size(&String::from_utf8_lossy(&head))
            .ok_or_else(|| "its <svg> element has no width and height nor viewBox".to_string());
    }
    let size = imagesize::size(file).map_err(|e| e.to_string())?;
    let fits = |n: usize| u32::try_from(n).ok().filter(|&n| n > 0);
    fits(size.width)
        .zip(fits(size.height))
        .ok_or_else(|| format!("its header gives {}×{}", size.width, size.height))
}

/// The size an SVG's root element declares: `width` and `height` in pixels, else the
/// `viewBox`'s.
pub fn svg_size(text: &str) -> Option<Size> {
    let start = text.find("<svg")?;
    let tag = &text[start + 4..];
    let tag = &tag[..tag.find('>')?];
    let pixels = |name: &str| {
        let value = attribute(tag, name)?;
        let number = value.trim().strip_suffix("px").unwrap_or(value.trim());
        to_pixels(number.parse().ok()?)
    };
    if let (Some(width), Some(height)) = (pixels("width"), pixels("height")) {
        return Some((width, height));
    }
    let view_box = attribute(tag, "viewBox")?;
    let numbers: Vec<f64> = view_box
        .split([' ', ',', '\t', '\n', '\r'])
        .filter(|n| !n.is_empty())
        .filter_map(|n| n.parse().ok())
        .collect();
    match numbers[..] {
        [_, _, width, height] => Some((to_pixels(width)?, to_pixels(height)?)),
        _ => None,
    }
}

/// A length rounded to whole pixels, when it is a sensible one.
fn to_pixels(length: f64) -> Option<u32> {
    (length.is_finite() && length >= 0.5 && length < f64::from(u32::MAX))
        .then(|| length.round() as u32)
}

/// The value of attribute `name` in the inside of a start tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(found) = rest.find(name) {
        let before = rest[..found].chars().next_back();
        let after = rest[found + name.len()..].trim_start();
        rest = &rest[found + name.len()..];
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let quote = value.chars().next()?;
        if quote != '"' && quote != '\'' {
            continue;
        }
        let value = &value[1..];
        return value.find(quote).map(|end| &value[..end]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_sizes_come_from_width_and_height_or_the_view_box() {
        assert_eq!(
            svg_size(r#"<?xml?><svg xmlns="x" width="640" height="480px">"#),
            Some((640, 480))
        );
        assert_eq!(
            svg_size(r#"<svg width="100%" viewBox="0 0 300.4 150">"#),
            Some((300, 150))
        );
        assert_eq!(
            svg_size("<svg\n  stroke-width='2' viewBox='0,0,24,24'>"),
            Some((24, 24))
        );
        assert_eq!(svg_size(r#"<svg width="10em" height="3em">"#), None);
        assert_eq!(svg_size("<svg>"), None);
        assert_eq!(svg_size("no svg here"), None);
    }

    #[test]
    fn only_site_files_are_looked_for() {
        let probe = ImageProbe::new(Path::new("/site/content"), Path::new("/site"));
        let file = |src: &str, page: &str| probe.file_of(src, page);
        assert_eq!(
            file("/img/a%20b.png?v=1", "briefs/x.md"),
            Some(PathBuf::from("/site/static/img/a b.png"))
        );
        assert_eq!(
            file("chart.png", "briefs/x/index.md"),
            Some(PathBuf::from("/site/content/briefs/x/chart.png"))
        );
        for (src, page) in [
            ("chart.png", "briefs/x.md"),
            ("https://example.org/a.png", "briefs/x/index.md"),
            ("//example.org/a.png", "briefs/x/index.md"),
            ("data:image/png;base64,AAAA", "briefs/x/index.md"),
            ("../../secret.png", "briefs/x/index.md"),
            ("/img/../../etc/passwd", "briefs/x.md"),
        ] {
            assert_eq!(file(src, page), None, "{src}");
        }
    }

    #[test]
    fn svg_reading_is_near_linear() {
        crate::test_support::assert_near_linear(
            "svg_size",
            20_000,
            |n| format!("<svg {} width=\"3\" height=\"4\">", "a=\"b\" ".repeat(n)),
            |text| {
                assert_eq!(svg_size(text), Some((3, 4)));
            },
        );
    }
}
