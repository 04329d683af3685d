//! What can go wrong asking the desk for something.

use crate::engine::EngineError;
use crate::error_code::ErrorCode;
use crate::notebook::NotebookError;
use crate::session::SessionError;
use crate::workspace::WorkspaceError;

/// A failed desk operation. The front ends show [`DeskError`]'s message,
/// branch on [`DeskError::code`], and offer [`DeskError::fix`] when there
/// is one.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// No workspace is open yet.
    #[error("open a workspace folder first")]
    NoWorkspace,
    /// The notebook is not open on this desk.
    #[error("the notebook {0} is not open")]
    NotOpen(String),
    /// An operation did not finish within the time the desk allows it, so
    /// that a front end can offer a retry instead of waiting forever.
    #[error("{what} did not finish within {seconds} s")]
    Timeout { what: &'static str, seconds: u64 },
    /// Everything a cell printed is not kept (it was not cut, it ran before
    /// this launch, or the file was given up).
    #[error("this cell's whole output is not kept any more: run the cell again")]
    NoWholeOutput,
    /// The system's viewer could not show a file the desk kept.
    #[error("the file could not be opened ({why}); it is in {}", .file.display())]
    CannotOpen {
        file: std::path::PathBuf,
        why: String,
    },
    /// An export could not be written where the person chose.
    #[error("{} could not be written: {why}", .file.display())]
    CannotWrite {
        file: std::path::PathBuf,
        why: String,
    },
    #[error("these settings cannot be used: {0}")]
    InvalidSettings(String),
    #[error("the settings could not be saved: {0}")]
    SettingsNotSaved(String),
    /// The kernel tried at setup died before it answered.
    #[error("{0}")]
    KernelDied(String),
    /// The kernel tried at setup started but gave no answer.
    #[error("the kernel started but did not answer version()")]
    KernelNoAnswer,
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Notebook(#[from] NotebookError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Session(#[from] SessionError),
    /// A task of the desk's failed in a way it should not (a panic).
    #[error("internal error: {0}")]
    Internal(String),
}

impl DeskError {
    /// The stable code front ends branch on.
    pub fn code(&self) -> ErrorCode {
        use crate::session::SessionError as S;
        match self {
            DeskError::NoWorkspace => ErrorCode::NoWorkspace,
            DeskError::NotOpen(_) => ErrorCode::NotebookNotOpen,
            DeskError::Timeout { .. } => ErrorCode::Timeout,
            DeskError::NoWholeOutput => ErrorCode::NoWholeOutput,
            DeskError::CannotOpen { .. } => ErrorCode::CannotOpen,
            DeskError::CannotWrite { .. } => ErrorCode::CannotWrite,
            DeskError::InvalidSettings(_) => ErrorCode::InvalidSettings,
            DeskError::SettingsNotSaved(_) => ErrorCode::SettingsNotSaved,
            DeskError::KernelDied(_) => ErrorCode::KernelDead,
            DeskError::KernelNoAnswer => ErrorCode::KernelError,
            DeskError::Workspace(err) => err.code(),
            DeskError::Notebook(err) => err.code(),
            DeskError::Engine(err) => err.code(),
            DeskError::Session(err) => match err {
                S::Engine(e) => e.code(),
                S::Kernel(_) => ErrorCode::KernelError,
                S::ImageMissing(_) => ErrorCode::ImageMissing,
                S::NoKernelLabel(_) => ErrorCode::ImageWithoutKernel,
                S::Dead(_) | S::Closed => ErrorCode::KernelDead,
            },
            DeskError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What the person can do about it, when there is something beyond
    /// trying again.
    pub fn fix(&self) -> Option<String> {
        match self {
            DeskError::Engine(err) | DeskError::Session(SessionError::Engine(err)) => {
                Some(err.fix())
            }
            DeskError::Session(SessionError::ImageMissing(_)) => {
                Some("Set SageMath up from the setup screen (or `sagedesk image build`).".into())
            }
            _ => None,
        }
    }
}
