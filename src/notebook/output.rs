//! A cell's outputs as nbformat 4.5 stores them, and the lines that stand
//! for what a bounded cell left out.
//!
//! An output whose middle was left out keeps its ends: a stream keeps its
//! first lines in `text` and its last ones in `tail`, and
//! [`Output::to_nbformat`] renders the cut as one line between them,
//! `… 999,000 lines (6.9 MB) not kept …`: the number of line breaks left
//! out and their bytes (decimal units). A cut inside one very long line
//! says `… 6.9 MB of one line not kept …`. Outputs left out of a cell's list
//! are stood for by one `stderr` stream, [`omitted_outputs_marker`].

use serde::Serialize;
use serde_json::{Map, Value, json};

/// A MIME bundle (`data`) or an output's `metadata`, as nbformat stores them.
pub type MimeBundle = Map<String, Value>;

/// One output of a cell, as nbformat 4.5 stores it.
///
/// `Serialize` gives the nbformat shape (`output_type` tag, snake_case
/// fields), except that a cut stream carries its kept end in `tail` (so a
/// listener can keep appending to it) and `display_id` is not written (nbformat
/// has no field for it). Notebooks are written with [`Output::to_nbformat`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "output_type", rename_all = "snake_case")]
pub enum Output {
    Stream {
        /// `stdout` or `stderr`.
        name: String,
        /// All the text, or its kept start when `tail` is set.
        text: String,
        /// Set once the middle of the stream has been left out.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        tail: Option<StreamTail>,
    },
    DisplayData {
        #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
        data: MimeBundle,
        #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
        metadata: MimeBundle,
        /// `transient.display_id`, the target of later `update_display_data`.
        #[serde(skip)]
        display_id: Option<String>,
    },
    ExecuteResult {
        execution_count: usize,
        #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
        data: MimeBundle,
        #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
        metadata: MimeBundle,
    },
    Error {
        ename: String,
        evalue: String,
        traceback: Vec<String>,
    },
}

/// The kept end of a stream whose middle was left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StreamTail {
    /// Line breaks (`\n`) in the text left out.
    pub omitted_lines: u64,
    /// Bytes (UTF-8) of the text left out.
    pub omitted_bytes: u64,
    /// The end of the stream, appended to as it grows.
    pub text: String,
}

impl Output {
    /// The output as nbformat 4.5 JSON; a cut stream gets its marker line.
    pub fn to_nbformat(&self) -> Value {
        match self {
            Output::Stream { name, text, tail } => {
                let text = match tail {
                    None => text.clone(),
                    Some(tail) => {
                        let marker = omitted_text_marker(tail.omitted_lines, tail.omitted_bytes);
                        let mut all =
                            String::with_capacity(text.len() + marker.len() + tail.text.len() + 2);
                        all.push_str(text);
                        if !text.is_empty() && !text.ends_with('\n') {
                            all.push('\n');
                        }
                        all.push_str(&marker);
                        all.push('\n');
                        all.push_str(&tail.text);
                        all
                    }
                };
                json!({ "output_type": "stream", "name": name, "text": text })
            }
            Output::DisplayData { data, metadata, .. } => {
                json!({ "output_type": "display_data", "data": data, "metadata": metadata })
            }
            Output::ExecuteResult {
                execution_count,
                data,
                metadata,
            } => json!({
                "output_type": "execute_result",
                "execution_count": execution_count,
                "data": data,
                "metadata": metadata,
            }),
            Output::Error {
                ename,
                evalue,
                traceback,
            } => json!({
                "output_type": "error",
                "ename": ename,
                "evalue": evalue,
                "traceback": traceback,
            }),
        }
    }
}

/// The line that stands for the left-out middle of a stream.
fn omitted_text_marker(lines: u64, bytes: u64) -> String {
    match lines {
        0 => format!("… {} of one line not kept …", crate::size::decimal(bytes)),
        1 => format!("… 1 line ({}) not kept …", crate::size::decimal(bytes)),
        n => format!(
            "… {} lines ({}) not kept …",
            group_digits(n),
            crate::size::decimal(bytes)
        ),
    }
}

/// The text of the `stderr` stream output that stands for `count` outputs
/// left out of a cell.
pub fn omitted_outputs_marker(count: u64) -> String {
    match count {
        1 => "… 1 output not kept …\n".to_owned(),
        n => format!("… {} outputs not kept …\n", group_digits(n)),
    }
}

/// `999000` → `999,000`.
fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_people_write_them() {
        assert_eq!(group_digits(999_000), "999,000");
        assert_eq!(group_digits(1_000_000), "1,000,000");
        assert_eq!(group_digits(12), "12");
        assert_eq!(omitted_outputs_marker(1), "… 1 output not kept …\n");
        assert_eq!(
            omitted_outputs_marker(19_000),
            "… 19,000 outputs not kept …\n"
        );
    }

    #[test]
    fn a_cut_stream_gets_its_marker_line_between_head_and_tail() {
        let cut = |head: &str, omitted_lines, omitted_bytes| Output::Stream {
            name: "stdout".into(),
            text: head.into(),
            tail: Some(StreamTail {
                omitted_lines,
                omitted_bytes,
                text: "999500\n".into(),
            }),
        };
        assert_eq!(
            cut("499\n", 999_000, 6_883_500).to_nbformat(),
            json!({ "output_type": "stream", "name": "stdout",
                    "text": "499\n… 999,000 lines (6.9 MB) not kept …\n999500\n" })
        );
        assert_eq!(
            cut("4", 1, 12).to_nbformat()["text"],
            "4\n… 1 line (12 bytes) not kept …\n999500\n"
        );
        assert_eq!(
            cut("", 0, 1800).to_nbformat()["text"],
            "… 1.8 kB of one line not kept …\n999500\n"
        );
    }
}
