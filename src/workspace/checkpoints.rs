//! Checkpoints, as Jupyter keeps them: a copy of a notebook as it was saved
//! at a moment the person chose ("Save checkpoint"), in the
//! `.ipynb_checkpoints` folder beside it, named `NAME-checkpoint.ipynb`, so
//! that Jupyter finds SageDesk's and the other way round. "Revert to
//! checkpoint" puts that copy back. Like every file operation of the
//! workspace, through the folder opened once: never through a link out.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::notebook::atomic::Replace;

use super::error::WorkspaceError;
use super::folder::Workspace;

/// The folder, beside a notebook, where its checkpoint is kept.
pub const CHECKPOINTS: &str = ".ipynb_checkpoints";

impl Workspace {
    /// Where the checkpoint of the notebook `name` is, in the folder.
    fn checkpoint_of(&self, name: &str) -> Result<(PathBuf, PathBuf), WorkspaceError> {
        let notebook = self.existing(name)?.name;
        let stem = notebook
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a checked name is UTF-8");
        let dir = notebook.parent().unwrap_or(Path::new("")).join(CHECKPOINTS);
        let checkpoint = dir.join(format!("{stem}-checkpoint.ipynb"));
        Ok((notebook, checkpoint))
    }

    /// Copies the notebook `name` as it is on disk to its checkpoint,
    /// replacing the one before. Returns when the copy was made.
    pub fn save_checkpoint(&self, name: &str) -> Result<SystemTime, WorkspaceError> {
        let (notebook, checkpoint) = self.checkpoint_of(name)?;
        let io = |what: &'static str, path: &Path, err: io::Error| {
            WorkspaceError::io(what, self.folder.join(path), err)
        };
        let bytes = self
            .folder
            .read(&notebook)
            .map_err(|err| io("read", &notebook, err))?;
        let dir = checkpoint.parent().expect("in a folder");
        self.folder
            .create_dir_all(dir)
            .map_err(|err| io("create", dir, err))?;
        self.folder
            .write_atomic(&checkpoint, &bytes, Replace::Replace)
            .map_err(|err| io("write the checkpoint", &checkpoint, err))?;
        self.checkpoint(name)?.ok_or_else(|| {
            io(
                "find the checkpoint",
                &checkpoint,
                io::ErrorKind::NotFound.into(),
            )
        })
    }

    /// When the checkpoint of the notebook `name` was made, if it has one.
    pub fn checkpoint(&self, name: &str) -> Result<Option<SystemTime>, WorkspaceError> {
        let (_, checkpoint) = self.checkpoint_of(name)?;
        Ok(self
            .folder
            .metadata(&checkpoint)
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .map(cap_std::time::SystemTime::into_std))
    }

    /// Puts the checkpoint of the notebook `name` back in its place.
    pub fn restore_checkpoint(&self, name: &str) -> Result<(), WorkspaceError> {
        let (notebook, checkpoint) = self.checkpoint_of(name)?;
        let bytes = self.folder.read(&checkpoint).map_err(|err| {
            if err.kind() == io::ErrorKind::NotFound {
                WorkspaceError::NoCheckpoint {
                    name: name.to_string(),
                }
            } else {
                WorkspaceError::io("read the checkpoint", self.folder.join(&checkpoint), err)
            }
        })?;
        self.folder
            .write_atomic(&notebook, &bytes, Replace::Replace)
            .map_err(|err| WorkspaceError::io("write", self.folder.join(&notebook), err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_is_kept_where_jupyter_keeps_it_and_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = Workspace::open(dir.path()).unwrap();
        workspace.new_notebook("ch1/a.ipynb", "10.8").ok();
        workspace.new_notebook("a.ipynb", "10.8").unwrap();
        assert_eq!(workspace.checkpoint("a.ipynb").unwrap(), None);
        let first = std::fs::read(dir.path().join("a.ipynb")).unwrap();
        workspace.save_checkpoint("a.ipynb").unwrap();
        let kept = dir.path().join(".ipynb_checkpoints/a-checkpoint.ipynb");
        assert_eq!(std::fs::read(&kept).unwrap(), first);
        assert!(workspace.checkpoint("a.ipynb").unwrap().is_some());
        std::fs::write(dir.path().join("a.ipynb"), b"{\"changed\": true}").unwrap();
        workspace.restore_checkpoint("a.ipynb").unwrap();
        assert_eq!(std::fs::read(dir.path().join("a.ipynb")).unwrap(), first);
        // Not a notebook of the workspace: listed notebooks skip the folder.
        assert_eq!(
            workspace
                .notebooks()
                .unwrap()
                .iter()
                .filter(|n| n.name.contains("checkpoint"))
                .count(),
            0
        );
        assert!(matches!(
            workspace.restore_checkpoint("ch1/a.ipynb"),
            Err(WorkspaceError::NoCheckpoint { .. }) | Err(WorkspaceError::NotFound { .. })
        ));
    }
}
