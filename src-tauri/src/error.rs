//! The error every command returns, as the UI receives it.

use serde::ser::SerializeStruct;

/// A command's failure.
///
/// It reaches the UI serialised as `{ "code": ..., "message": ... }`: the UI
/// branches on `code` (stable, snake_case) and shows `message` (for people).
/// A variant is added only when the UI has something different to do for it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The core did not answer within the time the shell allows a command, so
    /// the UI can offer a retry instead of waiting forever.
    #[error("{what} did not finish within {seconds} s")]
    Timeout { what: &'static str, seconds: u64 },
}

impl Error {
    /// The stable code the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Timeout { .. } => "timeout",
        }
    }
}

impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut error = serializer.serialize_struct("Error", 2)?;
        error.serialize_field("code", self.code())?;
        error.serialize_field("message", &self.to_string())?;
        error.end()
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
