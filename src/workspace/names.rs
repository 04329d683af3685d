//! Notebook names, and the paths they lead to, kept inside the workspace.
//!
//! A name is a relative path with `/` between folders (`ch1/limits.ipynb`).
//! Absolute paths, `.` and `..`, hidden parts (`.trash`, `.sagedesk`) and
//! backslashes are refused outright; then every part that exists on disk is
//! resolved, and a symbolic link leading out of the workspace is refused.
//!
//! A link swapped in between the check and the use is not caught; that
//! needs a writer already inside the user's folder.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::error::WorkspaceError;

/// The extension every notebook has.
pub const EXTENSION: &str = ".ipynb";

/// Whether a file name ends with `.ipynb`, in any case.
pub fn has_notebook_extension(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= EXTENSION.len()
        && bytes[bytes.len() - EXTENSION.len()..].eq_ignore_ascii_case(EXTENSION.as_bytes())
}

/// A name that passed the checks that need no disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// As given, with `.ipynb` added when it was missing.
    pub text: String,
    /// The folders, then the file name.
    pub parts: Vec<String>,
}

/// Checks a notebook's name; `.ipynb` is added when missing.
pub fn notebook_name(name: &str) -> Result<Name, WorkspaceError> {
    let invalid = |reason| WorkspaceError::InvalidName {
        name: name.to_owned(),
        reason,
    };
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    if trimmed != name {
        return Err(invalid("it starts or ends with spaces"));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("it holds control characters"));
    }
    if name.starts_with('/') || Path::new(name).has_root() || Path::new(name).is_absolute() {
        return Err(invalid(
            "absolute paths are not allowed; give a name inside the workspace",
        ));
    }
    if name.contains('\\') {
        return Err(invalid("use / between folders, not \\"));
    }
    let mut text = name.to_owned();
    if !has_notebook_extension(&text) {
        text.push_str(EXTENSION);
    }
    let mut parts = Vec::new();
    for part in text.split('/') {
        match part {
            "" => return Err(invalid("it has an empty folder name (// or a final /)")),
            "." | ".." => return Err(invalid("\".\" and \"..\" are not allowed")),
            _ if part.starts_with('.') => {
                return Err(invalid("names starting with \".\" are hidden and reserved"));
            }
            _ if part.len() > 255 => return Err(invalid("a part is longer than 255 bytes")),
            _ => {}
        }
        // Whatever the platform reads as more than a plain name (a drive
        // prefix on Windows) is refused too.
        let mut components = Path::new(part).components();
        if !matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(_)), None)
        ) {
            return Err(invalid("it is not a plain file name"));
        }
        parts.push(part.to_owned());
    }
    Ok(Name { text, parts })
}

/// What to do with folders of the name that do not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folders {
    /// The name must lead to existing folders.
    Existing,
    /// Missing folders are created (inside the workspace).
    Create,
}

/// Where a name leads.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The path, through real folders inside the workspace.
    pub path: PathBuf,
    /// Whether something (a file, a folder, a link) is there.
    pub exists: bool,
}

/// Resolves `name` under `root` (a canonical path): every existing folder on
/// the way, and the final entry when it is a symbolic link, must lead to a
/// place inside `root`.
pub fn resolve(root: &Path, name: &Name, folders: Folders) -> Result<Resolved, WorkspaceError> {
    let outside = |target: PathBuf| WorkspaceError::OutsideWorkspace {
        name: name.text.clone(),
        target,
    };
    let (file, dirs) = name.parts.split_last().expect("a name has a file part");
    let mut current = root.to_path_buf();
    for dir in dirs {
        let next = current.join(dir);
        match fs::symlink_metadata(&next) {
            Ok(_) => {
                let real = fs::canonicalize(&next)
                    .map_err(|err| WorkspaceError::io("resolve", &next, err))?;
                if !real.starts_with(root) {
                    return Err(outside(real));
                }
                if !real.is_dir() {
                    return Err(WorkspaceError::NotAFolderInside { path: next });
                }
                current = real;
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => match folders {
                Folders::Existing => {
                    return Err(WorkspaceError::NotFound {
                        name: name.text.clone(),
                    });
                }
                Folders::Create => {
                    match fs::create_dir(&next) {
                        Ok(()) => {}
                        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                        Err(err) => {
                            return Err(WorkspaceError::io("create the folder", &next, err));
                        }
                    }
                    // Checked again: something may have appeared meanwhile.
                    let real = fs::canonicalize(&next)
                        .map_err(|err| WorkspaceError::io("resolve", &next, err))?;
                    if !real.starts_with(root) {
                        return Err(outside(real));
                    }
                    current = real;
                }
            },
            Err(err) => return Err(WorkspaceError::io("resolve", &next, err)),
        }
    }
    let path = current.join(file);
    let exists = match fs::symlink_metadata(&path) {
        Ok(meta) => {
            if meta.file_type().is_symlink() {
                match fs::canonicalize(&path) {
                    Ok(real) if real.starts_with(root) => {}
                    Ok(real) => return Err(outside(real)),
                    // A link to nothing: where it would lead is unknown.
                    Err(_) => return Err(outside(fs::read_link(&path).unwrap_or_default())),
                }
            }
            true
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => false,
        Err(err) => return Err(WorkspaceError::io("resolve", &path, err)),
    };
    Ok(Resolved { path, exists })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(name: &str) -> &'static str {
        match notebook_name(name) {
            Err(WorkspaceError::InvalidName { reason, .. }) => reason,
            other => panic!("{name:?} gave {other:?}"),
        }
    }

    #[test]
    fn names_are_checked_before_the_disk() {
        assert_eq!(notebook_name("a").unwrap().text, "a.ipynb");
        assert_eq!(
            notebook_name("ch 1/b.ipynb").unwrap().parts,
            ["ch 1", "b.ipynb"]
        );
        assert_eq!(notebook_name("Ü.IPYNB").unwrap().text, "Ü.IPYNB");
        assert!(reason("").contains("empty"));
        assert!(reason("/etc/passwd").contains("absolute"));
        assert!(reason("../x").contains(".."));
        assert!(reason("a/../../x").contains(".."));
        assert!(reason("a/./x").contains(".."));
        assert!(reason(".trash/x").contains("hidden"));
        assert!(reason("a//b").contains("empty folder"));
        assert!(reason("a\\..\\b").contains("/"));
        assert!(reason("a\0b").contains("control"));
        assert!(reason(".ipynb").contains("hidden"));
        assert!(reason("x/.ipynb").contains("hidden"));
    }
}
