//! Folders communique never writes into, whatever the options.

use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;

/// Refuses output folders that communique must never write into, even with `--force`: the file
/// system root, the home folder and any folder containing it, the site root and any folder
/// containing it, and the site's sources.
pub fn check_output_dir(root: &Path, output: &Path, config_file: &Path) -> Result<(), Diagnostic> {
    let (root, output, config) = (resolve(root), resolve(output), resolve(config_file));
    let refuse = |why: &str| {
        Err(Diagnostic::error(format!(
            "refusing to use {} as the output folder: {why}",
            output.display()
        ))
        .hint("choose a folder of its own, such as `public`, with --output-dir"))
    };
    if output.parent().is_none() {
        return refuse("it is the root of the file system");
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    if home.is_some_and(|home| resolve(Path::new(&home)).starts_with(&output)) {
        return refuse("it is your home folder or contains it");
    }
    if output == root || root.starts_with(&output) {
        return refuse("it is the site root or contains it");
    }
    if output.join("content").is_dir()
        || output.join("communique.toml").is_file()
        || config.starts_with(&output)
    {
        return refuse("it contains a site's content or configuration");
    }
    for source in ["content", "templates", "static"] {
        if output.starts_with(root.join(source)) {
            return refuse(&format!("it is inside the site's {source}/ folder"));
        }
    }
    if output.exists() && !output.is_dir() {
        return refuse("it exists and is not a folder");
    }
    Ok(())
}

/// `path` made absolute, without `.` and `..`, and with symbolic links resolved as far as the
/// path exists (an output folder that is a link to `content/` is `content/`).
fn resolve(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let absolute = normalise(&absolute);
    let mut existing = absolute.as_path();
    let mut missing = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return missing
                .iter()
                .rev()
                .fold(real, |path, part| path.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn refuses_dangerous_output_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("content")).unwrap();
        let config = root.join("communique.toml");
        assert!(check_output_dir(root, root, &config).is_err());
        assert!(check_output_dir(root, &root.join("content/x"), &config).is_err());
        assert!(check_output_dir(root, root.parent().unwrap(), &config).is_err());
        assert!(check_output_dir(root, Path::new("/"), &config).is_err());
        assert!(check_output_dir(root, &root.join("public"), &config).is_ok());
        // A link to a source folder is that folder.
        std::os::unix::fs::symlink(root.join("content"), root.join("public")).unwrap();
        assert!(check_output_dir(root, &root.join("public"), &config).is_err());
    }
}
