//! What can go wrong reading, checking and saving a notebook.

use crate::error_code::ErrorCode;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why some bytes are not a notebook SageDesk can open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The bytes are not JSON (or not UTF-8); `line` and `column` count from 1.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but not shaped like a Jupyter notebook; `problem` names the
    /// place (`cells[3].source`) and what is wrong there.
    #[error("not a Jupyter notebook: {problem}")]
    NotANotebook { problem: String },
    /// A notebook in a format version other than 4.
    #[error(
        "a notebook in format {major}.{minor}, which SageDesk cannot open: it opens format 4{}",
        if *major < 4 { " (Jupyter converts older notebooks when it saves them)" } else { "" }
    )]
    Unsupported { major: u64, minor: u64 },
}

impl FormatError {
    pub(crate) fn not_a_notebook(problem: impl Into<String>) -> Self {
        FormatError::NotANotebook {
            problem: problem.into(),
        }
    }
}

/// Why the file on disk is no longer the one SageDesk loaded or saved last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// Another program wrote different content to it.
    Modified,
    /// It was removed or renamed away.
    Removed,
}

impl fmt::Display for ConflictKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConflictKind::Modified => "changed on disk by another program",
            ConflictKind::Removed => "removed or renamed by another program",
        })
    }
}

/// A failure to open or save a notebook file. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum NotebookError {
    /// The file's content is not a notebook SageDesk can open. It was not
    /// and will not be written to.
    #[error("{}: {source}", path.display())]
    Format {
        path: PathBuf,
        #[source]
        source: FormatError,
    },
    /// The file changed since SageDesk loaded or saved it: nothing was
    /// written. Reload it, or save again with `overwrite` to keep this
    /// version.
    #[error(
        "{} was {kind} since SageDesk opened it; nothing was saved (reload it, or save to overwrite it)",
        path.display()
    )]
    Conflict { path: PathBuf, kind: ConflictKind },
    /// The disk (or the user's quota) is full. The file on disk is as it
    /// was before the save.
    #[error(
        "the disk holding {} is full: the notebook was not saved (the file on disk is unchanged)",
        path.display()
    )]
    DiskFull { path: PathBuf },
    /// The notebook's name, or a folder on the way to it, is a link leading
    /// out of the folder it was opened in: it is not read or written through.
    #[error(
        "{} is a link leading out of the workspace (something replaced the notebook with it); SageDesk neither reads nor writes through it",
        path.display()
    )]
    LeadsOut { path: PathBuf },
    /// `create` found a file already there.
    #[error("{} already exists", path.display())]
    AlreadyExists { path: PathBuf },
    /// Any other failure of the file system; `action` says what was being done.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl NotebookError {
    /// A stable name for the kind of failure, for the UI to branch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            NotebookError::Format { .. } => ErrorCode::NotebookInvalid,
            NotebookError::Conflict { .. } => ErrorCode::NotebookConflict,
            NotebookError::DiskFull { .. } => ErrorCode::DiskFull,
            NotebookError::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            NotebookError::LeadsOut { .. } => ErrorCode::OutsideWorkspace,
            NotebookError::Io { .. } => ErrorCode::Io,
        }
    }

    /// Maps an I/O failure while writing `path`: a full disk or quota gets
    /// its own variant.
    pub(crate) fn write(action: &'static str, path: PathBuf, source: io::Error) -> Self {
        if is_disk_full(&source) {
            NotebookError::DiskFull { path }
        } else {
            NotebookError::Io {
                action,
                path,
                source,
            }
        }
    }
}

pub(crate) fn is_disk_full(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}
