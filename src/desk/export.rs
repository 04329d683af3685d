//! Exporting a notebook of the workspace to HTML or a script
//! ([`crate::export`]), for the window to save where the person chooses.

use std::path::PathBuf;

use crate::export::document::pdf_bytes;
use crate::export::{Format, export};
use crate::id::new_id;
use crate::notebook::atomic::{Replace, write_atomic};

use super::error::DeskError;
use super::open::{DOCUMENTS, Desk, blocking};

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
        not_over_a_notebook(&destination, "an export")?;
        let text = self.export_notebook(path, format).await?;
        write_where_chosen(destination, text.into_bytes()).await
    }

    /// Writes the PDF an output holds (`data`, its base64) to `destination`,
    /// the place the person chose.
    ///
    /// # Errors
    ///
    /// [`DeskError::CannotWrite`] when the data is not a PDF, the
    /// destination is a notebook, or the file cannot be written.
    pub async fn save_output_pdf(&self, data: &str, destination: PathBuf) -> Result<(), DeskError> {
        not_over_a_notebook(&destination, "a document")?;
        let bytes = pdf_bytes(data).map_err(|why| DeskError::CannotWrite {
            file: destination.clone(),
            why: why.to_owned(),
        })?;
        write_where_chosen(destination, bytes).await
    }

    /// The PDF an output holds (`data`, its base64), written readable by
    /// the user alone in the desk's cache for the system's viewer to open.
    /// The files go when the next desk starts.
    ///
    /// # Errors
    ///
    /// [`DeskError::CannotOpen`] when the data is not a PDF or the desk has
    /// no cache; [`DeskError::CannotWrite`] when the file cannot be written.
    pub async fn output_pdf_file(&self, data: &str) -> Result<PathBuf, DeskError> {
        let file = self
            .cache(DOCUMENTS)
            .map(|dir| dir.join(format!("output-{}.pdf", new_id())));
        let refuse = |why: &str| DeskError::CannotOpen {
            file: file.clone().unwrap_or_default(),
            why: why.to_string(),
        };
        let bytes = pdf_bytes(data).map_err(refuse)?;
        let Some(file) = file.clone() else {
            return Err(refuse("there is no cache folder to write it to"));
        };
        blocking(move || {
            let write = || -> std::io::Result<()> {
                use std::io::Write as _;
                if let Some(dir) = file.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                options.open(&file)?.write_all(&bytes)
            };
            write().map_err(|err| DeskError::CannotWrite {
                file: file.clone(),
                why: err.to_string(),
            })?;
            Ok(file)
        })
        .await
    }
}

/// Refuses a destination that is a notebook: what `what` writes never
/// goes over one.
fn not_over_a_notebook(destination: &std::path::Path, what: &str) -> Result<(), DeskError> {
    if destination
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ipynb"))
    {
        return Err(DeskError::CannotWrite {
            file: destination.to_owned(),
            why: format!("{what} never goes over a notebook; choose another name"),
        });
    }
    Ok(())
}

/// Writes `bytes` at `destination`, the place the person chose (replaced
/// whole, atomically).
async fn write_where_chosen(destination: PathBuf, bytes: Vec<u8>) -> Result<(), DeskError> {
    blocking(move || {
        write_atomic(&destination, &bytes, Replace::Replace).map_err(|err| DeskError::CannotWrite {
            file: destination.clone(),
            why: err.to_string(),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::super::open::DeskOptions;
    use super::*;

    const PDF: &str = "JVBERi0xLjQKJeLjz9MK";

    fn desk_with(cache: Option<PathBuf>) -> Desk {
        Desk::new(DeskOptions {
            cache_dir: cache,
            ..DeskOptions::default()
        })
    }

    #[tokio::test]
    async fn an_output_s_pdf_is_saved_and_written_for_the_viewer_alone() {
        let dir = tempfile::tempdir().unwrap();
        let desk = desk_with(Some(dir.path().join("cache")));
        let to = dir.path().join("out.pdf");
        desk.save_output_pdf(PDF, to.clone()).await.unwrap();
        assert_eq!(
            std::fs::read(&to).unwrap(),
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        );

        let file = desk.output_pdf_file(PDF).await.unwrap();
        assert!(file.starts_with(dir.path().join("cache").join(DOCUMENTS)));
        assert_eq!(
            std::fs::read(&file).unwrap(),
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The next desk starts without them.
        let _next = desk_with(Some(dir.path().join("cache")));
        assert!(!file.exists());
    }

    #[tokio::test]
    async fn what_is_not_a_pdf_is_neither_saved_nor_opened() {
        let dir = tempfile::tempdir().unwrap();
        let desk = desk_with(Some(dir.path().join("cache")));
        let to = dir.path().join("out.pdf");
        let html = "PGh0bWw+PC9odG1sPg==";
        let err = desk.save_output_pdf(html, to.clone()).await.unwrap_err();
        assert!(err.to_string().contains("not a PDF"), "{err}");
        assert!(!to.exists());
        assert!(desk.output_pdf_file(html).await.is_err());
        let over = dir.path().join("a.ipynb");
        std::fs::write(&over, "{}").unwrap();
        assert!(desk.save_output_pdf(PDF, over.clone()).await.is_err());
        assert_eq!(std::fs::read(&over).unwrap(), b"{}");
        // Without a cache there is nowhere to put it.
        assert!(desk_with(None).output_pdf_file(PDF).await.is_err());
    }
}
