//! Checkpoints of the workspace's notebooks on the desk: saved from the
//! file as it is, and put back into an open notebook, which then shows it
//! (see [`crate::workspace`]'s checkpoints for where they are kept).

use super::error::DeskError;
use super::notebooks::rfc3339;
use super::open::{Desk, blocking};
use super::views::NotebookDoc;

impl Desk {
    /// Saves a checkpoint of the notebook `path` as its file is now (the
    /// window saves first); returns when, as RFC 3339.
    pub async fn save_checkpoint(&self, path: &str) -> Result<String, DeskError> {
        let workspace = self.workspace()?;
        let name = path.to_string();
        let at = blocking(move || Ok(workspace.save_checkpoint(&name)?)).await?;
        Ok(rfc3339(at))
    }

    /// When the notebook `path`'s checkpoint was saved, if it has one.
    pub async fn checkpoint(&self, path: &str) -> Result<Option<String>, DeskError> {
        let workspace = self.workspace()?;
        let name = path.to_string();
        let at = blocking(move || Ok(workspace.checkpoint(&name)?)).await?;
        Ok(at.map(rfc3339))
    }

    /// Puts the checkpoint of the open notebook `path` back in its file and
    /// gives the notebook as it now is (its kernel and variables stay).
    pub async fn revert_to_checkpoint(&self, path: &str) -> Result<NotebookDoc, DeskError> {
        let workspace = self.workspace()?;
        let name = path.to_string();
        blocking(move || Ok(workspace.restore_checkpoint(&name)?)).await?;
        self.reload_notebook(path).await
    }
}
