//! Every code an error carries to a front end, in one enum: what the window
//! branches on. It crosses to TypeScript as a union of its snake_case names
//! (generated like the other bindings), so the UI can handle only codes the
//! core sends, and its test shell can fail only with them.
//!
//! Each module's error names its code (`EngineError::code`, …); add a code
//! here only when a front end tells it apart.

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// A stable, snake_case name for what went wrong.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ErrorCode {
            $($(#[doc = $doc])* #[serde(rename = $name)] $variant,)*
        }

        impl ErrorCode {
            /// Every code.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code's name, as it crosses to the UI.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    // The engine.
    /// No container engine is installed.
    EngineNotInstalled = "engine_not_installed",
    /// An engine is installed, or named, but nothing answers.
    EngineNotRunning = "engine_not_running",
    EnginePermissionDenied = "engine_permission_denied",
    EngineNotResponding = "engine_not_responding",
    EngineTooOld = "engine_too_old",
    EngineUnsupported = "engine_unsupported",
    EngineTimeout = "engine_timeout",
    /// A build or pull made no progress for too long.
    EngineStalled = "engine_stalled",
    /// The engine went away during a request.
    EngineLost = "engine_lost",
    /// The engine refused a request.
    EngineError = "engine_error",
    BaseImageUnavailable = "base_image_unavailable",
    ImageBuildFailed = "image_build_failed",
    /// The SageMath image is not on the engine.
    ImageMissing = "image_missing",
    ImageWithoutKernel = "image_without_kernel",
    // Kernels.
    /// The kernel is gone (and a new one is not there yet).
    KernelDead = "kernel_dead",
    /// The kernel answered with an error, or not at all.
    KernelError = "kernel_error",
    // Notebooks and workspaces.
    /// The file is not a notebook.
    NotebookInvalid = "notebook_invalid",
    /// The file changed on disk since it was read.
    NotebookConflict = "notebook_conflict",
    DiskFull = "disk_full",
    AlreadyExists = "already_exists",
    NotFound = "not_found",
    InvalidName = "invalid_name",
    OutsideWorkspace = "outside_workspace",
    WorkspaceMissing = "workspace_missing",
    /// The folder may not be a workspace: the whole disk, or SageDesk's
    /// own data folder.
    WorkspaceNotAllowed = "workspace_not_allowed",
    Io = "io",
    /// A file a notebook shows as an image is not one, or is too large.
    NotAnImage = "not_an_image",
    // The desk.
    NoWorkspace = "no_workspace",
    NotebookNotOpen = "notebook_not_open",
    NoWholeOutput = "no_whole_output",
    CannotOpen = "cannot_open",
    /// An export could not be written where the person chose.
    CannotWrite = "cannot_write",
    InvalidSettings = "invalid_settings",
    SettingsNotSaved = "settings_not_saved",
    /// An operation did not finish within the time allowed it.
    Timeout = "timeout",
    Internal = "internal",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lets tests and callers compare with a code's name.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_crosses_as_its_name() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::String(code.as_str().into())
            );
            assert!(seen.insert(code.as_str()), "{code} twice");
            let back: ErrorCode = serde_json::from_value(code.as_str().into()).unwrap();
            assert_eq!(back, *code);
        }
    }
}
