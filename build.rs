//! Embeds the default theme (templates/ and static/ of this repository) in the binary, so
//! `communique init` can scaffold a site and a site without a template falls back to ours.

use std::fmt::Write;
use std::path::Path;

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
            continue;
        }
        if path.is_dir() {
            collect(&path, base, out);
        } else {
            let rel = path.strip_prefix(base).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect::<Vec<_>>()
                .join("/");
            out.push((
                rel,
                path.canonicalize().unwrap_or(path).display().to_string(),
            ));
        }
    }
}

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&root);
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=static");
    let mut generated = String::new();
    for (dir, name, kind) in [
        ("templates", "TEMPLATES", "str"),
        ("static", "STATIC", "[u8]"),
    ] {
        let mut files = Vec::new();
        collect(&root.join(dir), &root.join(dir), &mut files);
        let include = if kind == "str" {
            "include_str!"
        } else {
            "include_bytes!"
        };
        let _ = writeln!(
            generated,
            "/// Files of the default theme's `{dir}/`: (path, contents)."
        );
        let _ = writeln!(generated, "pub const {name}: &[(&str, &{kind})] = &[");
        for (rel, abs) in files {
            let _ = writeln!(generated, "    ({rel:?}, {include}({abs:?})),");
        }
        let _ = writeln!(generated, "];");
    }
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let _ = std::fs::write(Path::new(&out).join("theme_files.rs"), generated);
}
