//! The error every command returns, as the UI receives it.

use serde::Serialize;
use ts_rs::TS;

/// A command's failure.
///
/// It reaches the UI serialised as an [`ErrorBody`],
/// `{ "code": ..., "message": ... }`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The core did not answer within the time the shell allows a command, so
    /// the UI can offer a retry instead of waiting forever.
    #[error("{what} did not finish within {seconds} s")]
    Timeout { what: &'static str, seconds: u64 },
    /// No workspace is open yet.
    #[error("open a workspace folder first")]
    NoWorkspace,
    /// The notebook is not open in this window.
    #[error("the notebook {0} is not open")]
    NotOpen(String),
    /// A failure the core explains; `code` is the core's.
    #[error("{message}")]
    Core { code: &'static str, message: String },
}

impl Error {
    /// The stable code the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Timeout { .. } => "timeout",
            Error::NoWorkspace => "no_workspace",
            Error::NotOpen(_) => "notebook_not_open",
            Error::Core { code, .. } => code,
        }
    }
}

impl From<sagedesk::workspace::WorkspaceError> for Error {
    fn from(err: sagedesk::workspace::WorkspaceError) -> Self {
        Error::Core {
            code: err.code(),
            message: err.to_string(),
        }
    }
}

impl From<sagedesk::notebook::NotebookError> for Error {
    fn from(err: sagedesk::notebook::NotebookError) -> Self {
        Error::Core {
            code: err.code(),
            message: err.to_string(),
        }
    }
}

impl From<sagedesk::engine::EngineError> for Error {
    fn from(err: sagedesk::engine::EngineError) -> Self {
        Error::Core {
            code: err.code(),
            message: format!("{err}. {}", err.fix()),
        }
    }
}

impl From<sagedesk::session::SessionError> for Error {
    fn from(err: sagedesk::session::SessionError) -> Self {
        use sagedesk::session::SessionError as E;
        let code = match &err {
            E::Engine(e) => e.code(),
            E::Kernel(_) => "kernel_error",
            E::ImageMissing(_) => "image_missing",
            E::NoKernelLabel(_) => "image_without_kernel",
            E::Dead(_) | E::Closed => "kernel_dead",
        };
        Error::Core {
            code,
            message: err.to_string(),
        }
    }
}

/// What a failed command rejects with, in the UI.
#[derive(Serialize, TS)]
pub struct ErrorBody {
    /// Stable and snake_case: what the UI branches on.
    pub code: &'static str,
    /// For people.
    pub message: String,
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaches_the_ui_as_code_and_message() {
        let error = Error::Timeout {
            what: "The engine check",
            seconds: 30,
        };
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            serde_json::json!({
                "code": "timeout",
                "message": "The engine check did not finish within 30 s",
            })
        );
    }
}
