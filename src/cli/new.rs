//! `sagedesk new`: an empty Sage notebook in a workspace.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sagedesk::engine::BuildContext;
use sagedesk::workspace::{Workspace, WorkspaceError};

/// `sagedesk new NAME --workspace DIR`: creates `DIR/NAME.ipynb`, an empty
/// Sage notebook (the folder is created if needed). Refuses names that
/// leave `DIR` and existing files. Returns the notebook's path.
pub fn new_notebook(workspace: &Path, name: &str) -> Result<PathBuf, WorkspaceError> {
    let sage_version = BuildContext::embedded().sage_version();
    Workspace::open_or_create(workspace)?.new_notebook(name, &sage_version)
}

/// Runs `sagedesk new` and says what it created.
pub fn run(workspace: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let path = new_notebook(workspace, name)?;
    println!("created {}", path.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_command_creates_the_workspace_and_a_sage_notebook() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("fresh/ws");
        let path = new_notebook(&dir, "first").unwrap();
        assert_eq!(path, dir.canonicalize().unwrap().join("first.ipynb"));
        let file = sagedesk::notebook::NotebookFile::open(&path).unwrap();
        let spec = file.notebook().kernelspec().unwrap();
        assert_eq!(
            (spec.name.as_str(), spec.language.as_deref()),
            ("sagemath", Some("sage"))
        );
        assert!(
            spec.display_name.starts_with("SageMath 10."),
            "{}",
            spec.display_name
        );
        assert_eq!(file.notebook().cells.len(), 1);
        assert_eq!(
            new_notebook(&dir, "first").unwrap_err().code(),
            "already_exists"
        );
        assert_eq!(
            Workspace::open(&tmp.path().join("none"))
                .unwrap_err()
                .code(),
            "workspace_missing"
        );
    }

    #[cfg(unix)]
    #[test]
    fn names_that_leave_the_workspace_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (root, outside) = (tmp.path().join("ws"), tmp.path().join("outside"));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("out")).unwrap();
        for (name, code) in [
            ("../x", "invalid_name"),
            ("/tmp/x", "invalid_name"),
            ("out/x", "outside_workspace"),
        ] {
            let err = new_notebook(&root, name).unwrap_err();
            assert_eq!(err.code(), code, "{name}: {err}");
        }
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    }
}
