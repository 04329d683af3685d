//! Exporting a notebook of the workspace to HTML or a script
//! ([`crate::export`]), for the window to save where the person chooses.

use std::path::PathBuf;

use crate::export::{Format, export};
use crate::notebook::atomic::{Replace, write_atomic};

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

    /// [`Desk::export_notebook`], written to `destination` (the place the
    /// person chose; replaced whole, atomically). A notebook is never
    /// written over: the destination may not be an `.ipynb` file.
    ///
    /// # Errors
    ///
    /// Those of [`Desk::export_notebook`], and [`DeskError::CannotWrite`].
    pub async fn export_notebook_to(
        &self,
        path: &str,
        format: Format,
        destination: PathBuf,
    ) -> Result<(), DeskError> {
        let refuse = |why: &str| DeskError::CannotWrite {
            file: destination.clone(),
            why: why.to_string(),
        };
        if destination
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("ipynb"))
        {
            return Err(refuse(
                "an export never goes over a notebook; choose another name",
            ));
        }
        let text = self.export_notebook(path, format).await?;
        let file = destination.clone();
        blocking(move || {
            write_atomic(&file, text.as_bytes(), Replace::Replace).map_err(|err| {
                DeskError::CannotWrite {
                    file: file.clone(),
                    why: err.to_string(),
                }
            })
        })
        .await
    }
}
