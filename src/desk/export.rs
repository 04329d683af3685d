//! Exporting a notebook of the workspace to HTML or a script
//! ([`crate::export`]), for the window to save where the person chooses.

use crate::export::{Format, export};

use super::error::DeskError;
use super::open::{Desk, blocking};

impl Desk {
    /// The notebook `path` of the workspace exported to `format`. An open
    /// notebook is exported as the desk has it: its cells as last saved,
    /// with the outputs of every cell that ran since it opened. A closed
    /// one is exported as its file holds it, and is not opened (no kernel
    /// starts).
    ///
    /// # Errors
    ///
    /// [`DeskError::NoWorkspace`]; [`DeskError::Workspace`] for a name that
    /// is not a notebook of the workspace, or a file that is not a notebook.
    pub async fn export_notebook(&self, path: &str, format: Format) -> Result<String, DeskError> {
        if let Ok(open) = self.open_notebook_of(path) {
            let name = open.name.lock().expect("name lock").clone();
            return blocking(move || {
                let file = open.file.lock().expect("file lock");
                Ok(export(file.notebook(), &name, format))
            })
            .await;
        }
        let workspace = self.workspace()?;
        let name = path.to_string();
        blocking(move || {
            let file = workspace.open_notebook(&name)?;
            Ok(export(file.notebook(), &name, format))
        })
        .await
    }
}
