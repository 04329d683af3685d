//! The folders that may never be a workspace. A workspace is mounted
//! read-write into every kernel, so it must not be the file system's root
//! (the kernel could write wherever its user may) or SageDesk's own data
//! folder, or a folder in it (the records there hold the keys of the
//! kernels left running: a notebook could take them over).
//!
//! A folder is judged by where it really is: links are followed as far as
//! the path exists, and `..` after that, so that a link or a path that does
//! not exist yet cannot lead into a refused folder.

use std::fs;
use std::path::{Component, Path, PathBuf};

use super::error::WorkspaceError;

/// Why `dir` may not be a workspace, as an error; `Ok` when it may.
/// `app_data` is SageDesk's data folder (it need not exist).
pub fn check_allowed(dir: &Path, app_data: &Path) -> Result<(), WorkspaceError> {
    let real = resolved(dir);
    check_not_root(dir, &real)?;
    if real.starts_with(resolved(app_data)) {
        return Err(WorkspaceError::NotAllowed {
            path: dir.to_owned(),
            reason: "it is SageDesk's own data folder",
        });
    }
    Ok(())
}

/// Refuses the file system's root: `root` is where `dir` really is.
pub(super) fn check_not_root(dir: &Path, root: &Path) -> Result<(), WorkspaceError> {
    if root.parent().is_none() {
        return Err(WorkspaceError::NotAllowed {
            path: dir.to_owned(),
            reason: "it is the whole disk",
        });
    }
    Ok(())
}

/// Where `path` really is: its longest existing part made canonical, then
/// the rest, with `..` taken lexically.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    let mut real = loop {
        if let Ok(real) = fs::canonicalize(existing) {
            break real;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => break absolute.clone(),
        }
    };
    for component in rest.into_iter().rev() {
        match component {
            Component::ParentDir => {
                real.pop();
            }
            Component::Normal(name) => real.push(name),
            _ => {}
        }
    }
    real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disk_and_the_data_folder_are_refused_and_others_allowed() {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join(".local/share/sagedesk");
        fs::create_dir_all(data.join("sessions")).unwrap();
        let refused = |dir: &Path| {
            matches!(
                check_allowed(dir, &data),
                Err(WorkspaceError::NotAllowed { .. })
            )
        };
        assert!(refused(Path::new("/")));
        assert!(refused(Path::new("/tmp/..")));
        assert!(refused(&data));
        assert!(refused(&data.join("sessions")));
        // Not there yet: judged by where it would be.
        assert!(refused(&data.join("notebooks")));
        assert!(refused(&home.path().join("new/../.local/share/sagedesk")));
        #[cfg(unix)]
        {
            let link = home.path().join("maths");
            std::os::unix::fs::symlink(&data, &link).unwrap();
            assert!(refused(&link));
            assert!(refused(&link.join("week 1")));
        }
        // The home folder holds the data folder; it is the user's choice.
        assert!(check_allowed(home.path(), &data).is_ok());
        assert!(check_allowed(&home.path().join("SageDesk"), &data).is_ok());
        assert!(check_allowed(&home.path().join(".local/share/sagedesk-notes"), &data).is_ok());
        let err = check_allowed(&data, &data).unwrap_err();
        assert!(err.to_string().contains("data folder"), "{err}");
    }
}
