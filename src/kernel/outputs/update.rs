//! The changes a listener (the UI) receives to keep its copy of a cell's
//! outputs: [`OutputUpdate`], applied with [`apply_update`], which the UI
//! mirrors.

use serde::Serialize;

use crate::notebook::Output;

/// One change to a listener's list of outputs. Apply with [`apply_update`].
///
/// "The live text" of a stream is its `text`, or `tail.text` once cut.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OutputUpdate {
    /// Remove every output.
    Clear,
    /// Insert `output` at `index` (the end of the list, but for the marker
    /// that stands for left-out outputs).
    Insert { index: usize, output: Output },
    /// Replace the output at `index`.
    Replace { index: usize, output: Output },
    /// Remove `count` outputs starting at `index`.
    Remove { index: usize, count: usize },
    /// Append `text` to the live text of the stream at `index`.
    AppendText { index: usize, text: String },
    /// Remove the last, unterminated line of the live text of the stream at
    /// `index` (everything after its last `\n`, or all of it if it has none),
    /// then append `text`.
    RewriteLine { index: usize, text: String },
    /// Remove the first `lines` lines (each through its `\n`) of the tail of
    /// the cut stream at `index`, and set its omitted counts.
    TrimText {
        index: usize,
        lines: u64,
        omitted_lines: u64,
        omitted_bytes: u64,
    },
}

/// Why an update does not fit the list it is applied to: the list is not the
/// one the updates were taken for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    #[error("no output at index {index}: the list has {len}")]
    NoOutput { index: usize, len: usize },
    #[error("output {index} is not a stream with the text this update expects")]
    NotStream { index: usize },
}

/// Applies one update to a listener's list of outputs.
pub fn apply_update(outputs: &mut Vec<Output>, update: &OutputUpdate) -> Result<(), UpdateError> {
    let len = outputs.len();
    let no_output = |index: usize| UpdateError::NoOutput { index, len };
    match update {
        OutputUpdate::Clear => outputs.clear(),
        OutputUpdate::Insert { index, output } => {
            if *index > len {
                return Err(no_output(*index));
            }
            outputs.insert(*index, output.clone());
        }
        OutputUpdate::Replace { index, output } => {
            *outputs.get_mut(*index).ok_or(no_output(*index))? = output.clone();
        }
        OutputUpdate::Remove { index, count } => {
            if index + count > len {
                return Err(no_output(index + count - 1));
            }
            outputs.drain(*index..index + count);
        }
        OutputUpdate::AppendText { index, text } => live_text(outputs, *index)?.push_str(text),
        OutputUpdate::RewriteLine { index, text } => {
            let live = live_text(outputs, *index)?;
            live.truncate(live.rfind('\n').map_or(0, |i| i + 1));
            live.push_str(text);
        }
        OutputUpdate::TrimText {
            index,
            lines,
            omitted_lines,
            omitted_bytes,
        } => {
            let Some(Output::Stream {
                tail: Some(tail), ..
            }) = outputs.get_mut(*index)
            else {
                return Err(UpdateError::NotStream { index: *index });
            };
            let mut cut = 0;
            for _ in 0..*lines {
                let next = tail.text[cut..].find('\n');
                cut += next.ok_or(UpdateError::NotStream { index: *index })? + 1;
            }
            tail.text.drain(..cut);
            tail.omitted_lines = *omitted_lines;
            tail.omitted_bytes = *omitted_bytes;
        }
    }
    Ok(())
}

fn live_text(outputs: &mut [Output], index: usize) -> Result<&mut String, UpdateError> {
    match outputs.get_mut(index) {
        Some(Output::Stream {
            tail: Some(tail), ..
        }) => Ok(&mut tail.text),
        Some(Output::Stream { text, .. }) => Ok(text),
        _ => Err(UpdateError::NotStream { index }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebook::StreamTail;
    use serde_json::json;

    #[test]
    fn updates_serialize_with_a_camel_case_kind() {
        let stream = Output::Stream {
            name: "stdout".into(),
            text: "a".into(),
            tail: None,
        };
        let cases = [
            (OutputUpdate::Clear, json!({ "kind": "clear" })),
            (
                OutputUpdate::Insert {
                    index: 0,
                    output: stream,
                },
                json!({ "kind": "insert", "index": 0, "output": { "output_type": "stream", "name": "stdout", "text": "a" } }),
            ),
            (
                OutputUpdate::AppendText {
                    index: 2,
                    text: "b".into(),
                },
                json!({ "kind": "appendText", "index": 2, "text": "b" }),
            ),
            (
                OutputUpdate::RewriteLine {
                    index: 2,
                    text: "c".into(),
                },
                json!({ "kind": "rewriteLine", "index": 2, "text": "c" }),
            ),
            (
                OutputUpdate::Remove { index: 1, count: 3 },
                json!({ "kind": "remove", "index": 1, "count": 3 }),
            ),
            (
                OutputUpdate::TrimText {
                    index: 0,
                    lines: 2,
                    omitted_lines: 7,
                    omitted_bytes: 70,
                },
                json!({ "kind": "trimText", "index": 0, "lines": 2, "omitted_lines": 7, "omitted_bytes": 70 }),
            ),
        ];
        for (update, expected) in cases {
            assert_eq!(serde_json::to_value(&update).unwrap(), expected);
        }
        let cut = Output::Stream {
            name: "stdout".into(),
            text: "h\n".into(),
            tail: Some(StreamTail {
                omitted_lines: 1,
                omitted_bytes: 2,
                text: "t\n".into(),
            }),
        };
        assert_eq!(
            serde_json::to_value(&cut).unwrap(),
            json!({ "output_type": "stream", "name": "stdout", "text": "h\n",
                    "tail": { "omitted_lines": 1, "omitted_bytes": 2, "text": "t\n" } })
        );
    }

    #[test]
    fn an_update_that_does_not_fit_is_an_error() {
        let mut outputs = vec![Output::Error {
            ename: "E".into(),
            evalue: String::new(),
            traceback: vec![],
        }];
        let append = OutputUpdate::AppendText {
            index: 0,
            text: "x".into(),
        };
        assert_eq!(
            apply_update(&mut outputs, &append),
            Err(UpdateError::NotStream { index: 0 })
        );
        let remove = OutputUpdate::Remove { index: 1, count: 1 };
        assert_eq!(
            apply_update(&mut outputs, &remove),
            Err(UpdateError::NoOutput { index: 1, len: 1 })
        );
    }
}
