//! How much of a cell's output is kept, and what one output costs.

use serde_json::Value;

use crate::notebook::{MimeBundle, Output};

/// How much of a cell's output is kept.
///
/// The defaults keep what a person reads, the start (where setup messages and
/// the first error are) and the end (the latest state), and keep what the
/// webview has to render and the `.ipynb` has to hold small:
///
/// - 500 lines and 256 KiB at each end of a stream: ~20 screens in all, and a
///   text node the webview lays out quickly. Lines bound short lines, bytes
///   bound long ones.
/// - 1,000 outputs (first 500, last 500): a loop calling `show()` 10^5 times
///   would otherwise build 10^5 images in the page.
/// - 50 MB for all outputs of a cell: hundreds of Sage plots (a PNG is
///   50–200 KB of base64, a 3D scene a few MB), while the app, the UI's
///   mirror of it and the saved notebook each stay far below what a laptop
///   and a notebook file can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputLimits {
    /// Lines kept at the start of a stream.
    pub stream_head_lines: usize,
    /// Bytes kept at the start of a stream.
    pub stream_head_bytes: usize,
    /// Complete lines kept at the end of a stream, besides the line being written.
    pub stream_tail_lines: usize,
    /// Bytes kept at the end of a stream.
    pub stream_tail_bytes: usize,
    /// Outputs kept at the start of a cell's outputs.
    pub head_outputs: usize,
    /// Latest outputs kept once there are too many.
    pub tail_outputs: usize,
    /// Retained bytes of all outputs of the cell together.
    pub max_bytes: usize,
}

impl Default for OutputLimits {
    fn default() -> Self {
        Self {
            stream_head_lines: 500,
            stream_head_bytes: 256 * 1024,
            stream_tail_lines: 500,
            stream_tail_bytes: 256 * 1024,
            head_outputs: 500,
            tail_outputs: 500,
            max_bytes: 50_000_000,
        }
    }
}

/// The output, or a notice in its place when it alone exceeds `max` bytes;
/// with its size.
pub(super) fn within_budget(output: Output, max: usize) -> (Output, usize) {
    let size = output_size(&output);
    if size <= max || matches!(output, Output::Stream { .. }) {
        return (output, size);
    }
    let what = match &output {
        Output::DisplayData { data, .. } | Output::ExecuteResult { data, .. } => data
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        _ => "error".to_owned(),
    };
    let notice = format!(
        "… output not kept: {} of {what} is more than the {} a cell keeps …",
        crate::size::decimal(size as u64),
        crate::size::decimal(max as u64)
    );
    let plain =
        |notice: String| MimeBundle::from_iter([("text/plain".to_owned(), Value::String(notice))]);
    let output = match output {
        Output::DisplayData { display_id, .. } => Output::DisplayData {
            data: plain(notice),
            metadata: MimeBundle::new(),
            display_id,
        },
        Output::ExecuteResult {
            execution_count, ..
        } => Output::ExecuteResult {
            execution_count,
            data: plain(notice),
            metadata: MimeBundle::new(),
        },
        Output::Error { ename, .. } => Output::Error {
            ename: ename.chars().take(200).collect(),
            evalue: notice,
            traceback: Vec::new(),
        },
        stream => stream,
    };
    let size = output_size(&output);
    (output, size)
}

pub(super) fn output_size(output: &Output) -> usize {
    match output {
        Output::Stream { text, tail, .. } => {
            text.len() + tail.as_ref().map_or(0, |tail| tail.text.len())
        }
        Output::DisplayData { data, metadata, .. }
        | Output::ExecuteResult { data, metadata, .. } => map_size(data) + map_size(metadata),
        Output::Error {
            ename,
            evalue,
            traceback,
        } => ename.len() + evalue.len() + traceback.iter().map(String::len).sum::<usize>(),
    }
}

fn map_size(map: &MimeBundle) -> usize {
    map.iter()
        .map(|(key, value)| key.len() + json_size(value))
        .sum()
}

/// About the bytes a JSON value takes, as text.
fn json_size(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len() + 2,
        Value::Array(items) => 2 + items.iter().map(|v| json_size(v) + 1).sum::<usize>(),
        Value::Object(map) => 2 + map_size(map) + 4 * map.len(),
        _ => 8,
    }
}
