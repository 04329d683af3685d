//! What a client takes from a kernel: the limits on what it reads, and
//! what an execution is told of a message that did not reach it whole.

use jupyter_protocol::media::MediaType;
use jupyter_protocol::messaging::{DisplayData, JupyterMessageContent};

use super::outputs::OutputLimits;

/// The most a client takes from a kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageLimits {
    /// The longest frame (one part of a message) read from the kernel: a
    /// longer one is refused at its header, before a byte of it is held
    /// (see `guard.rs`).
    pub max_frame: u64,
    /// The largest output (its content and metadata, as sent) parsed: a
    /// larger one is read but not parsed, and a notice stands in its place,
    /// as the cell would cut it anyway. Streams are not cut here: all that
    /// a cell prints is kept in a file beside its outputs.
    pub max_output: usize,
}

/// The default longest frame: 256 MiB, five times what a cell keeps of
/// all its outputs, and far below what a laptop can hold a few times over
/// (the user's settings may set another, `maxMessageBytes`).
pub const MAX_FRAME: u64 = 256 << 20;

impl Default for MessageLimits {
    fn default() -> Self {
        MessageLimits {
            max_frame: MAX_FRAME,
            max_output: OutputLimits::default().max_bytes,
        }
    }
}

/// A message for an execution that did not reach it whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotKept {
    /// A frame longer than [`MessageLimits::max_frame`], refused at its
    /// header: the message it belonged to was never read.
    Refused { bytes: u64, limit: u64 },
    /// An output of `msg_type` (display_data, execute_result, …) larger
    /// than [`MessageLimits::max_output`]: read, its signature checked,
    /// not parsed.
    TooLarge {
        msg_type: String,
        bytes: u64,
        limit: u64,
    },
}

impl NotKept {
    /// What a person is told in the cell, worded as the cell's own cuts
    /// are (`notebook/limits.rs`).
    pub fn notice(&self) -> String {
        match self {
            NotKept::Refused { bytes, limit } => format!(
                "… output not kept: the kernel sent a message of {}, more than the {} SageDesk accepts from a kernel …",
                crate::size::decimal(*bytes),
                super::guard::limit(*limit)
            ),
            NotKept::TooLarge {
                msg_type,
                bytes,
                limit,
            } => format!(
                "… output not kept: {} of {msg_type} is more than the {} a cell keeps …",
                crate::size::decimal(*bytes),
                crate::size::decimal(*limit)
            ),
        }
    }

    /// The output standing in the cell for what was not kept: plain text
    /// displayed.
    pub fn to_output(&self) -> JupyterMessageContent {
        DisplayData::new(MediaType::Plain(self.notice()).into()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_name_the_size_and_the_limit() {
        let refused = NotKept::Refused {
            bytes: 400_000_021,
            limit: MAX_FRAME,
        };
        assert_eq!(
            refused.notice(),
            "… output not kept: the kernel sent a message of 400 MB, more than the 256 MiB SageDesk accepts from a kernel …"
        );
        let too_large = NotKept::TooLarge {
            msg_type: "display_data".into(),
            bytes: 200_000_100,
            limit: 50_000_000,
        };
        assert_eq!(
            too_large.notice(),
            "… output not kept: 200 MB of display_data is more than the 50.0 MB a cell keeps …"
        );
        let JupyterMessageContent::DisplayData(display) = too_large.to_output() else {
            panic!("a display");
        };
        assert_eq!(
            serde_json::to_value(&display.data).unwrap()["text/plain"],
            too_large.notice()
        );
    }
}
