//! The error every command returns, as the UI receives it.

use sagedesk::desk::DeskError;
use sagedesk::error_code::ErrorCode;
use serde::Serialize;
use ts_rs::TS;

/// A command's failure: the desk's, reaching the UI as an [`ErrorBody`].
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(#[from] pub DeskError);

/// What a failed command rejects with, in the UI.
#[derive(Serialize, TS)]
pub struct ErrorBody {
    /// What the UI branches on.
    pub code: ErrorCode,
    /// For people: what went wrong.
    pub message: String,
    /// For people: what to do about it, when there is more to do than
    /// trying again.
    pub fix: Option<String>,
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorBody {
            code: self.0.code(),
            message: self.0.to_string(),
            fix: self.0.fix(),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaches_the_ui_as_code_message_and_fix() {
        let error = Error(DeskError::Timeout {
            what: "The engine check",
            seconds: 30,
        });
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            serde_json::json!({
                "code": "timeout",
                "message": "The engine check did not finish within 30 s",
                "fix": null,
            })
        );
    }
}
