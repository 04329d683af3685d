//! How much of a cell's output is kept, what one output costs, and the
//! rules that keep outputs within bounds. A run's outputs are bounded as
//! they arrive (`kernel::outputs`), the outputs a notebook file stores when
//! they are shown ([`super::stored`]): both apply these rules, so the window
//! never gets more of a file's outputs than a run could have given it.

use std::collections::VecDeque;

use serde_json::Value;

use super::output::{MimeBundle, Output, StreamTail};

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
pub(crate) fn within_budget(output: Output, max: usize) -> (Output, usize) {
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

pub(crate) fn output_size(output: &Output) -> usize {
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

/// Leaves outputs out of the middle of a cell's list until the count and
/// the bytes are within `limits`; returns how many it left out.
///
/// The list is `head` then `tail`; `split` says whether something was left
/// out before (then new outputs go to `tail`, and the marker standing for
/// what was left out sits between the two). Over the count: the oldest after
/// the first `head_outputs` go. Over the bytes: the oldest of the latest ones
/// while they are not fewer than the first ones kept, else the newest of the
/// first ones. The last output always stays. `bytes` is the sum of `size`
/// over the list, kept up to date.
pub(crate) fn leave_out_middle<T>(
    limits: &OutputLimits,
    head: &mut Vec<T>,
    tail: &mut VecDeque<T>,
    mut split: bool,
    bytes: &mut usize,
    size: impl Fn(&T) -> usize,
) -> u64 {
    let max_outputs = limits.head_outputs + limits.tail_outputs;
    let mut dropped = 0;
    loop {
        let over_count = head.len() + tail.len() > max_outputs;
        if !over_count && *bytes <= limits.max_bytes {
            break;
        }
        if !split {
            let len = head.len();
            if len < 2 {
                break;
            }
            let at = if over_count {
                limits.head_outputs
            } else {
                len / 2
            };
            *tail = head.drain(at.min(len - 2)..).collect();
        }
        let from_tail = tail.len() > 1 && (over_count || tail.len() >= head.len());
        let victim = if from_tail {
            tail.pop_front()
        } else {
            head.pop()
        };
        let Some(victim) = victim else { break };
        *bytes -= size(&victim);
        dropped += 1;
        split = true;
    }
    dropped
}

/// Whether a stream's text of `lines` line breaks and `bytes` bytes is more
/// than its two ends keep, so its middle is left out.
pub(crate) fn stream_over(limits: &OutputLimits, lines: usize, bytes: usize) -> bool {
    lines > limits.stream_head_lines + limits.stream_tail_lines
        || bytes > limits.stream_head_bytes + limits.stream_tail_bytes
}

/// Where the kept start of a stream's `text` ends, and the line breaks in
/// it: whole lines, as many as the limits allow; the start of the first line
/// when that alone is longer than the head's bytes.
pub(crate) fn stream_head(limits: &OutputLimits, text: &str) -> (usize, usize) {
    let (mut end, mut lines) = (0, 0);
    while lines < limits.stream_head_lines {
        match text[end..].find('\n') {
            Some(i) if end + i < limits.stream_head_bytes => {
                end += i + 1;
                lines += 1;
            }
            _ => break,
        }
    }
    if lines == 0 && limits.stream_head_lines > 0 {
        let first = text.find('\n').map_or(text.len(), |i| i + 1);
        if first > limits.stream_head_bytes {
            end = floor_char_boundary(text, limits.stream_head_bytes);
        }
    }
    (end, lines)
}

/// A whole stream's text within `limits`, as a run that wrote it in one
/// piece keeps it: its start, the count of what was left out, its end.
pub(crate) fn bound_stream(limits: &OutputLimits, name: String, text: String) -> Output {
    let mut lines = text.bytes().filter(|&b| b == b'\n').count();
    if !stream_over(limits, lines, text.len()) {
        return Output::Stream {
            name,
            text,
            tail: None,
        };
    }
    let (end, head_lines) = stream_head(limits, &text);
    lines -= head_lines;
    // The end: whole lines dropped from its front while there are too many
    // or they are too long, then the start of a last line longer than the
    // whole tail.
    let (mut from, mut omitted_lines, mut omitted_bytes) = (end, 0u64, 0u64);
    loop {
        let over = (text.len() - from).saturating_sub(limits.stream_tail_bytes);
        if lines > limits.stream_tail_lines || (over > 0 && lines > 0) {
            let Some(i) = text[from..].find('\n') else {
                break;
            };
            lines -= 1;
            omitted_lines += 1;
            omitted_bytes += i as u64 + 1;
            from += i + 1;
        } else if over > 0 {
            let len = ceil_char_boundary(&text[from..], over);
            omitted_bytes += len as u64;
            from += len;
        } else {
            break;
        }
    }
    Output::Stream {
        name,
        text: text[..end].to_owned(),
        tail: Some(StreamTail {
            omitted_lines,
            omitted_bytes,
            text: text[from..].to_owned(),
        }),
    }
}

/// The largest char boundary of `s` at or below `at`.
pub(crate) fn floor_char_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The smallest char boundary of `s` at or above `at`.
pub(crate) fn ceil_char_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at += 1;
    }
    at
}
