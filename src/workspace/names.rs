//! Notebook names, and the paths they lead to, kept inside the workspace.
//!
//! A name is a relative path with `/` between folders (`ch1/limits.ipynb`).
//! Absolute paths, `.` and `..`, hidden parts (`.trash`, `.sagedesk`) and
//! backslashes are refused outright; then every part that exists on disk is
//! resolved through the workspace's open [`Folder`], and a symbolic link
//! leading out of the workspace is refused.
//!
//! A link swapped in between the check and the use (a kernel can write in
//! the workspace at any moment) is caught too: reads and writes go through
//! the same folder, which never follows a link out.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::error::WorkspaceError;
use crate::notebook::folder::{Folder, is_escape};

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
    /// The name below the workspace, through real folders inside it.
    pub name: PathBuf,
    /// The same as the rest of the system names it.
    pub path: PathBuf,
    /// Whether something (a file, a folder, a link) is there.
    pub exists: bool,
}

/// Resolves `name` in the workspace's open `folder`: every existing folder
/// on the way, and the final entry when it is a symbolic link, must lead to
/// a place inside. The folder resolves each step against its open handle,
/// so what is checked here is what later reads and writes through the same
/// folder find (they refuse a link leading out, whenever it appeared).
pub fn resolve(folder: &Folder, name: &Name, folders: Folders) -> Result<Resolved, WorkspaceError> {
    let outside = |at: &Path| WorkspaceError::OutsideWorkspace {
        name: name.text.clone(),
        // Where the link points, for the message only.
        target: fs::read_link(folder.join(at)).unwrap_or_else(|_| folder.join(at)),
    };
    let (file, dirs) = name.parts.split_last().expect("a name has a file part");
    let mut current = PathBuf::new();
    for dir in dirs {
        current.push(dir);
        match folder.symlink_metadata(&current) {
            Ok(meta) => {
                if meta.is_symlink() && folder.canonicalize(&current).is_err() {
                    return Err(outside(&current));
                }
                if !folder.metadata(&current).is_ok_and(|m| m.is_dir()) {
                    return Err(WorkspaceError::NotAFolderInside {
                        path: folder.join(&current),
                    });
                }
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => match folders {
                Folders::Existing => {
                    return Err(WorkspaceError::NotFound {
                        name: name.text.clone(),
                    });
                }
                Folders::Create => folder.create_dir(&current).map_err(|err| {
                    if is_escape(&err) {
                        outside(&current)
                    } else {
                        WorkspaceError::io("create the folder", folder.join(&current), err)
                    }
                })?,
            },
            Err(err) if is_escape(&err) => return Err(outside(&current)),
            Err(err) => return Err(WorkspaceError::io("resolve", folder.join(&current), err)),
        }
    }
    current.push(file);
    let exists = match folder.symlink_metadata(&current) {
        Ok(meta) => {
            if meta.is_symlink() && folder.canonicalize(&current).is_err() {
                return Err(outside(&current));
            }
            true
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => false,
        Err(err) if is_escape(&err) => return Err(outside(&current)),
        Err(err) => return Err(WorkspaceError::io("resolve", folder.join(&current), err)),
    };
    Ok(Resolved {
        path: folder.join(&current),
        name: current,
        exists,
    })
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
