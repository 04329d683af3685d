//! What can go wrong in a workspace.

use std::io;
use std::path::PathBuf;

use crate::error_code::ErrorCode;
use crate::notebook::NotebookError;

/// A failure of a workspace operation. Names are the ones the user gave.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// The workspace folder is missing or is not a folder.
    #[error("{} does not exist or is not a folder", path.display())]
    NotAFolder { path: PathBuf },
    /// The folder must never be mounted into a kernel (the whole disk,
    /// SageDesk's data folder); nothing was done.
    #[error("{} cannot be a workspace: {reason}; choose a folder of your notebooks", path.display())]
    NotAllowed { path: PathBuf, reason: &'static str },
    /// The name cannot be a notebook's name in a workspace; nothing was done.
    #[error("\"{name}\" is not a valid notebook name: {reason}")]
    InvalidName { name: String, reason: &'static str },
    /// The name leads out of the workspace through a symbolic link; nothing
    /// was done.
    #[error("\"{name}\" leads outside the workspace (to {}); nothing was done", target.display())]
    OutsideWorkspace { name: String, target: PathBuf },
    #[error("there is no notebook \"{name}\" in the workspace")]
    NotFound { name: String },
    #[error("\"{name}\" already exists in the workspace")]
    AlreadyExists { name: String },
    #[error("\"{name}\" has no checkpoint: save one first")]
    NoCheckpoint { name: String },
    /// A path the workspace needs (its `.trash`, a folder on the way to a
    /// notebook) is there but is not a folder.
    #[error("{} should be a folder but is not; nothing was done", path.display())]
    NotAFolderInside { path: PathBuf },
    /// A file the notebook shows as an image cannot be one.
    #[error("\"{name}\" cannot be shown as an image: {reason}")]
    NotAnImage { name: String, reason: &'static str },
    #[error(transparent)]
    Notebook(#[from] NotebookError),
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl WorkspaceError {
    /// A stable name for the kind of failure, for the UI to branch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            WorkspaceError::NotAFolder { .. } => ErrorCode::WorkspaceMissing,
            WorkspaceError::NotAllowed { .. } => ErrorCode::WorkspaceNotAllowed,
            WorkspaceError::InvalidName { .. } => ErrorCode::InvalidName,
            WorkspaceError::OutsideWorkspace { .. } => ErrorCode::OutsideWorkspace,
            WorkspaceError::NotFound { .. } => ErrorCode::NotFound,
            WorkspaceError::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            WorkspaceError::NoCheckpoint { .. } => ErrorCode::NotFound,
            WorkspaceError::NotAFolderInside { .. } => ErrorCode::Io,
            WorkspaceError::NotAnImage { .. } => ErrorCode::NotAnImage,
            WorkspaceError::Notebook(err) => err.code(),
            WorkspaceError::Io { .. } => ErrorCode::Io,
        }
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        WorkspaceError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
