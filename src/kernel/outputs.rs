//! A cell's outputs: how the iopub messages of its executions fold into
//! nbformat 4 outputs the way Jupyter's output area folds them, kept within
//! bounds, and turned into incremental updates for one listener (the UI).
//!
//! # Folding ([`CellOutputs::apply`])
//!
//! - A `stream` message extends the last output when that is a stream of the
//!   same name, else it starts a new output.
//! - `\r` returns to the start of the current line and what follows overwrites
//!   it character by character; `\r\n` is a line break. This is Jupyter's
//!   `fixCarriageReturn`, so a progress bar ends as its last state.
//!   `\x08` (backspace) erases the character before it when the line is being
//!   written at its end (Jupyter's `fixBackspace`), and moves back one
//!   character after a `\r`; at the start of a line it is dropped.
//! - `clear_output` clears at once; with `wait: true` it clears when the next
//!   output arrives, so the old outputs stay until they are replaced.
//! - `update_display_data` replaces the data and metadata of every output that
//!   was displayed with the same `display_id`; it does not set off a pending
//!   clear (JupyterLab's output area does the same).
//!
//! # Bounds ([`OutputLimits`])
//!
//! A cell that prints a million lines keeps its memory flat:
//!
//! - A stream keeps its first lines (head) and its last lines (tail); the
//!   middle is counted, not kept. [`Output::to_nbformat`] renders the cut as
//!   one line between head and tail, `… 999,000 lines (6.9 MB) not kept …`:
//!   the number of line breaks left out and their bytes (decimal units). A cut
//!   inside one very long line says `… 6.9 MB of one line not kept …`.
//! - The number of outputs is capped: the first ones are kept, then one
//!   `stderr` stream saying `… 99,000 outputs not kept …` (stderr, like
//!   Jupyter's own notices), then the latest ones.
//! - The retained bytes of all outputs together are capped; outputs are left
//!   out of the middle, so about as many first ones as latest ones stay, and
//!   the last one always does. One output larger than the whole budget is
//!   replaced by a `text/plain` notice saying so.
//!
//! # Updates ([`CellOutputs::take_updates`])
//!
//! The listener holds a `Vec<Output>` and applies each [`OutputUpdate`] with
//! [`apply_update`] (the UI mirrors that function): the updates taken since
//! the listener started bring its list to exactly [`CellOutputs::outputs`].
//! Stream text travels as appended text, so a big stream costs its new bytes
//! only; a `\r` rewrite resends the current line only.

use std::collections::{HashSet, VecDeque};

use jupyter_protocol::{JupyterMessageContent, Media, Stdio};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// A MIME bundle (`data`) or an output's `metadata`, as nbformat stores them.
pub type MimeBundle = Map<String, Value>;

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

/// The text of the stream output that stands for left-out outputs.
fn omitted_outputs_marker(count: u64) -> String {
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

/// The outputs of one cell, folded from its iopub messages (see the module
/// documentation), and the updates not yet taken by its listener.
#[derive(Debug)]
pub struct CellOutputs {
    limits: OutputLimits,
    /// The kept first outputs; all of them while nothing was left out.
    head: Vec<Slot>,
    /// The stderr stream standing for the `dropped` outputs left out.
    marker: Option<Slot>,
    dropped: u64,
    /// The latest outputs, once something was left out.
    tail: VecDeque<Slot>,
    /// Retained bytes of the outputs (the marker aside).
    bytes: usize,
    pending_clear: bool,
    next_id: u64,
    clears: u64,
    /// Something changed since the last `take_updates`.
    changed: bool,
    /// What the listener holds: the updates taken so far, applied.
    sent: Vec<Sent>,
    sent_clears: u64,
}

#[derive(Debug)]
struct Slot {
    /// Unique in the cell, never reused: how the listener's list is matched.
    id: u64,
    /// Bumped at every change.
    version: u64,
    size: usize,
    body: Body,
}

#[derive(Debug)]
enum Body {
    Stream(Box<StreamBuf>),
    /// Rich outputs, errors, and the marker (a stream that never coalesces).
    Fixed(Output),
}

impl Slot {
    fn output(&self) -> Output {
        match &self.body {
            Body::Stream(stream) => stream.to_output(),
            Body::Fixed(output) => output.clone(),
        }
    }
}

/// The listener's copy of one output, as far as diffs need it.
#[derive(Debug)]
struct Sent {
    id: u64,
    version: u64,
    stream: Option<StreamSnap>,
}

impl Sent {
    fn of(slot: &Slot) -> Self {
        let stream = match &slot.body {
            Body::Stream(stream) => Some(stream.snap()),
            Body::Fixed(_) => None,
        };
        Self {
            id: slot.id,
            version: slot.version,
            stream,
        }
    }
}

impl CellOutputs {
    pub fn new(limits: OutputLimits) -> Self {
        Self {
            limits,
            head: Vec::new(),
            marker: None,
            dropped: 0,
            tail: VecDeque::new(),
            bytes: 0,
            pending_clear: false,
            next_id: 0,
            clears: 0,
            changed: false,
            sent: Vec::new(),
            sent_clears: 0,
        }
    }

    /// Folds one iopub message of the cell's execution in; other messages
    /// (status, execute_input, comms…) are ignored.
    pub fn apply(&mut self, content: &JupyterMessageContent) {
        match content {
            JupyterMessageContent::StreamContent(stream) => {
                self.clear_if_pending();
                let name = match stream.name {
                    Stdio::Stdout => "stdout",
                    Stdio::Stderr => "stderr",
                };
                self.write_stream(name, &stream.text);
            }
            JupyterMessageContent::DisplayData(display) => {
                self.clear_if_pending();
                self.push(Output::DisplayData {
                    data: bundle(&display.data),
                    metadata: display.metadata.clone(),
                    display_id: display
                        .transient
                        .as_ref()
                        .and_then(|t| t.display_id.clone()),
                });
            }
            JupyterMessageContent::ExecuteResult(result) => {
                self.clear_if_pending();
                self.push(Output::ExecuteResult {
                    execution_count: result.execution_count.0,
                    data: bundle(&result.data),
                    metadata: result.metadata.clone(),
                });
            }
            JupyterMessageContent::ErrorOutput(error) => {
                self.clear_if_pending();
                self.push(Output::Error {
                    ename: error.ename.clone(),
                    evalue: error.evalue.clone(),
                    traceback: error.traceback.clone(),
                });
            }
            JupyterMessageContent::ClearOutput(clear) if clear.wait => self.pending_clear = true,
            JupyterMessageContent::ClearOutput(_) => self.clear(),
            JupyterMessageContent::UpdateDisplayData(update) => {
                if let Some(id) = &update.transient.display_id {
                    self.update_display(id, &update.data, &update.metadata);
                }
            }
            _ => {}
        }
    }

    /// Replaces data and metadata of every output displayed with
    /// `display_id`; false if there is none. Applying an
    /// `update_display_data` message to a cell does this, so a session can
    /// apply one to every cell, as Jupyter updates displays across cells.
    pub fn update_display(
        &mut self,
        display_id: &str,
        data: &Media,
        metadata: &MimeBundle,
    ) -> bool {
        let data = bundle(data);
        let max = self.limits.max_bytes;
        let mut found = false;
        for slot in self.head.iter_mut().chain(self.tail.iter_mut()) {
            let Body::Fixed(Output::DisplayData {
                display_id: Some(id),
                ..
            }) = &slot.body
            else {
                continue;
            };
            if id != display_id {
                continue;
            }
            let output = Output::DisplayData {
                data: data.clone(),
                metadata: metadata.clone(),
                display_id: Some(display_id.to_owned()),
            };
            let (output, size) = within_budget(output, max);
            self.bytes = self.bytes - slot.size + size;
            slot.size = size;
            slot.body = Body::Fixed(output);
            slot.version += 1;
            found = true;
        }
        if found {
            self.changed = true;
            self.enforce_limits();
        }
        found
    }

    /// Removes every output now (a new run of the cell); the listener gets
    /// [`OutputUpdate::Clear`].
    pub fn clear(&mut self) {
        self.head.clear();
        self.marker = None;
        self.dropped = 0;
        self.tail.clear();
        self.bytes = 0;
        self.pending_clear = false;
        self.clears += 1;
        self.changed = true;
    }

    /// The outputs, as a listener that applied every update holds them.
    pub fn outputs(&self) -> Vec<Output> {
        self.slots().map(Slot::output).collect()
    }

    /// The outputs as nbformat 4.5 JSON, for the notebook file.
    pub fn to_nbformat(&self) -> Vec<Value> {
        self.slots()
            .map(|slot| slot.output().to_nbformat())
            .collect()
    }

    /// The number of outputs, the marker for left-out ones included.
    pub fn len(&self) -> usize {
        self.head.len() + usize::from(self.marker.is_some()) + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of text and data kept, what [`OutputLimits::max_bytes`]
    /// bounds (a stream's buffer may hold up to 4 KiB, or as much again as
    /// its kept end, of spent text besides).
    pub fn retained_bytes(&self) -> usize {
        self.bytes
    }

    /// Whether something changed since the last [`take_updates`](Self::take_updates).
    pub fn has_updates(&self) -> bool {
        self.changed
    }

    /// The updates that bring the listener's list from what the previous
    /// calls gave it to the current outputs, coalesced: text appended many
    /// times to a stream comes as one `AppendText`, outputs added and left out
    /// in between never come at all.
    pub fn take_updates(&mut self) -> Vec<OutputUpdate> {
        let mut updates = Vec::new();
        if !self.changed {
            return updates;
        }
        self.changed = false;
        if self.sent_clears != self.clears {
            self.sent_clears = self.clears;
            if !self.sent.is_empty() {
                updates.push(OutputUpdate::Clear);
                self.sent.clear();
            }
        }

        // Left-out outputs go first, from the back so indices hold.
        let kept: HashSet<u64> = self.slots().map(|slot| slot.id).collect();
        let mut end = self.sent.len();
        while end > 0 {
            if kept.contains(&self.sent[end - 1].id) {
                end -= 1;
                continue;
            }
            let mut start = end - 1;
            while start > 0 && !kept.contains(&self.sent[start - 1].id) {
                start -= 1;
            }
            updates.push(OutputUpdate::Remove {
                index: start,
                count: end - start,
            });
            self.sent.drain(start..end);
            end = start;
        }

        // The listener's list is now a subsequence of ours, in the same order.
        let slots = self
            .head
            .iter()
            .chain(self.marker.iter())
            .chain(self.tail.iter());
        for (index, slot) in slots.enumerate() {
            match self.sent.get_mut(index) {
                Some(sent) if sent.id == slot.id => {
                    if sent.version != slot.version {
                        match (&slot.body, &sent.stream) {
                            (Body::Stream(stream), Some(snap)) => {
                                stream.diff(index, snap, &mut updates)
                            }
                            _ => updates.push(OutputUpdate::Replace {
                                index,
                                output: slot.output(),
                            }),
                        }
                        *sent = Sent::of(slot);
                    }
                }
                _ => {
                    updates.push(OutputUpdate::Insert {
                        index,
                        output: slot.output(),
                    });
                    self.sent.insert(index, Sent::of(slot));
                }
            }
        }
        for slot in self.head.iter_mut().chain(self.tail.iter_mut()) {
            if let Body::Stream(stream) = &mut slot.body {
                stream.rewritten_from = None;
            }
        }
        updates
    }

    fn slots(&self) -> impl Iterator<Item = &Slot> {
        self.head
            .iter()
            .chain(self.marker.iter())
            .chain(self.tail.iter())
    }

    fn clear_if_pending(&mut self) {
        if self.pending_clear {
            self.clear();
        }
    }

    fn new_slot(&mut self, size: usize, body: Body) -> Slot {
        self.next_id += 1;
        Slot {
            id: self.next_id,
            version: 0,
            size,
            body,
        }
    }

    fn write_stream(&mut self, name: &str, text: &str) {
        let limits = self.limits;
        let last = match self.marker {
            Some(_) => self.tail.back_mut(),
            None => self.head.last_mut(),
        };
        if let Some(slot) = last
            && let Body::Stream(stream) = &mut slot.body
            && stream.name == name
        {
            stream.write(text);
            stream.bound(&limits);
            let size = stream.size();
            self.bytes = self.bytes - slot.size + size;
            slot.size = size;
            slot.version += 1;
        } else {
            let mut stream = StreamBuf::new(name);
            stream.write(text);
            stream.bound(&limits);
            let size = stream.size();
            let slot = self.new_slot(size, Body::Stream(Box::new(stream)));
            self.push_slot(slot);
        }
        self.changed = true;
        self.enforce_limits();
    }

    fn push(&mut self, output: Output) {
        let (output, size) = within_budget(output, self.limits.max_bytes);
        let slot = self.new_slot(size, Body::Fixed(output));
        self.push_slot(slot);
        self.changed = true;
        self.enforce_limits();
    }

    fn push_slot(&mut self, slot: Slot) {
        self.bytes += slot.size;
        match self.marker {
            Some(_) => self.tail.push_back(slot),
            None => self.head.push(slot),
        }
    }

    /// Leaves outputs out of the middle until the count and the bytes are
    /// within limits. Over the count: the oldest after the first
    /// `head_outputs`. Over the bytes: the oldest of the latest ones while
    /// they are not fewer than the first ones kept, else the newest of the
    /// first ones. The last output always stays.
    fn enforce_limits(&mut self) {
        let max_outputs = self.limits.head_outputs + self.limits.tail_outputs;
        loop {
            let over_count = self.head.len() + self.tail.len() > max_outputs;
            if !over_count && self.bytes <= self.limits.max_bytes {
                break;
            }
            if self.marker.is_none() {
                let len = self.head.len();
                if len < 2 {
                    break;
                }
                let at = if over_count {
                    self.limits.head_outputs
                } else {
                    len / 2
                };
                self.tail = self.head.drain(at.min(len - 2)..).collect();
            }
            let from_tail =
                self.tail.len() > 1 && (over_count || self.tail.len() >= self.head.len());
            let victim = if from_tail {
                self.tail.pop_front()
            } else {
                self.head.pop()
            };
            let Some(victim) = victim else { break };
            self.bytes -= victim.size;
            self.dropped += 1;
            let marker = Output::Stream {
                name: "stderr".to_owned(),
                text: omitted_outputs_marker(self.dropped),
                tail: None,
            };
            match &mut self.marker {
                Some(slot) => {
                    slot.body = Body::Fixed(marker);
                    slot.version += 1;
                }
                None => self.marker = Some(self.new_slot(0, Body::Fixed(marker))),
            }
        }
    }
}

/// The MIME bundle of a message as nbformat stores it: a map from MIME type
/// to a string (text, base64) or JSON.
fn bundle(media: &Media) -> MimeBundle {
    match serde_json::to_value(media) {
        Ok(Value::Object(map)) => map,
        _ => MimeBundle::new(),
    }
}

/// The output, or a notice in its place when it alone exceeds `max` bytes;
/// with its size.
fn within_budget(output: Output, max: usize) -> (Output, usize) {
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

fn output_size(output: &Output) -> usize {
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

/// The text of one stream output, bounded.
///
/// Before the first cut the live text (`buf[start..]`) is the whole text;
/// after it, `head` holds the kept start and the live text the kept end.
/// Offsets called absolute count bytes ever placed in the live text, so they
/// survive dropping its front; `base` is the absolute offset of `buf[0]`.
#[derive(Debug)]
struct StreamBuf {
    name: String,
    head: String,
    cut: bool,
    omitted_lines: u64,
    omitted_bytes: u64,
    buf: String,
    start: usize,
    base: u64,
    /// Complete lines (`\n`) in the live text.
    lines: usize,
    /// Absolute offset where the unterminated last line starts.
    open_abs: u64,
    /// After a `\r`: the byte offset in the last line the next character
    /// overwrites. `None`: writing at the end.
    cursor: Option<usize>,
    /// Bumped when the live text changes in a way a listener cannot follow
    /// by lines: the first cut, and cuts inside a line.
    epoch: u64,
    /// Complete lines dropped from the front of the live text, ever.
    trimmed_lines: u64,
    /// The lowest absolute offset rewritten since the last batch.
    rewritten_from: Option<u64>,
}

/// Where a listener's copy of a stream stands.
#[derive(Debug)]
struct StreamSnap {
    epoch: u64,
    abs_start: u64,
    abs_end: u64,
    open_abs: u64,
    trimmed_lines: u64,
}

impl StreamBuf {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            head: String::new(),
            cut: false,
            omitted_lines: 0,
            omitted_bytes: 0,
            buf: String::new(),
            start: 0,
            base: 0,
            lines: 0,
            open_abs: 0,
            cursor: None,
            epoch: 0,
            trimmed_lines: 0,
            rewritten_from: None,
        }
    }

    fn live(&self) -> &str {
        &self.buf[self.start..]
    }

    fn abs_start(&self) -> u64 {
        self.base + self.start as u64
    }

    fn abs_end(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// Index in `buf` where the last line starts (its kept part, if its
    /// start was cut).
    fn open_index(&self) -> usize {
        (self.open_abs.max(self.abs_start()) - self.base) as usize
    }

    fn size(&self) -> usize {
        self.head.len() + self.buf.len() - self.start
    }

    fn to_output(&self) -> Output {
        let live = self.live().to_owned();
        if self.cut {
            Output::Stream {
                name: self.name.clone(),
                text: self.head.clone(),
                tail: Some(StreamTail {
                    omitted_lines: self.omitted_lines,
                    omitted_bytes: self.omitted_bytes,
                    text: live,
                }),
            }
        } else {
            Output::Stream {
                name: self.name.clone(),
                text: live,
                tail: None,
            }
        }
    }

    fn snap(&self) -> StreamSnap {
        StreamSnap {
            epoch: self.epoch,
            abs_start: self.abs_start(),
            abs_end: self.abs_end(),
            open_abs: self.open_abs.max(self.abs_start()),
            trimmed_lines: self.trimmed_lines,
        }
    }

    /// The updates from a listener's copy at `snap` to now. Complete lines
    /// never change and rewrites stay within the last line, so the copy
    /// needs: its front lines dropped, then its last line redone or text
    /// appended; anything else resends the output.
    fn diff(&self, index: usize, snap: &StreamSnap, updates: &mut Vec<OutputUpdate>) {
        let abs_start = self.abs_start();
        if self.epoch != snap.epoch || abs_start > snap.open_abs {
            updates.push(OutputUpdate::Replace {
                index,
                output: self.to_output(),
            });
            return;
        }
        if abs_start > snap.abs_start {
            updates.push(OutputUpdate::TrimText {
                index,
                lines: self.trimmed_lines - snap.trimmed_lines,
                omitted_lines: self.omitted_lines,
                omitted_bytes: self.omitted_bytes,
            });
        }
        let live = self.live();
        if self.rewritten_from.is_some_and(|at| at < snap.abs_end) {
            let from = (snap.open_abs - abs_start) as usize;
            updates.push(OutputUpdate::RewriteLine {
                index,
                text: live[from..].to_owned(),
            });
        } else {
            let from = (snap.abs_end - abs_start) as usize;
            if from < live.len() {
                updates.push(OutputUpdate::AppendText {
                    index,
                    text: live[from..].to_owned(),
                });
            }
        }
    }

    fn write(&mut self, text: &str) {
        if self.cursor.is_none() && !text.contains(['\r', '\x08']) {
            self.push_text(text);
            return;
        }
        for piece in text.split_inclusive(['\n', '\r', '\x08']) {
            let (body, control) = match piece.as_bytes().last() {
                Some(&b @ (b'\n' | b'\r' | 0x08)) => (&piece[..piece.len() - 1], Some(b)),
                _ => (piece, None),
            };
            self.put(body);
            match control {
                Some(b'\n') => {
                    self.cursor = None;
                    self.push_text("\n");
                }
                Some(b'\r') => {
                    self.cursor = Some(0);
                    self.settle_cursor();
                }
                Some(_) => self.backspace(),
                None => {}
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        self.buf.push_str(text);
        if let Some(last) = text.rfind('\n') {
            self.lines += text.bytes().filter(|&b| b == b'\n').count();
            self.open_abs = self.abs_end() - (text.len() - last - 1) as u64;
        }
    }

    /// Writes text with no control character at the cursor.
    fn put(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let Some(cursor) = self.cursor else {
            self.push_text(text);
            return;
        };
        let at = self.open_index() + cursor;
        let rest = &self.buf[at..];
        let end = at
            + rest
                .char_indices()
                .nth(text.chars().count())
                .map_or(rest.len(), |(i, _)| i);
        self.buf.replace_range(at..end, text);
        self.rewritten(at);
        self.cursor = Some(cursor + text.len());
        self.settle_cursor();
    }

    fn backspace(&mut self) {
        let open = self.open_index();
        match self.cursor {
            None => {
                if let Some((i, _)) = self.buf[open..].char_indices().next_back() {
                    self.buf.truncate(open + i);
                    self.rewritten(open + i);
                }
            }
            Some(cursor) => {
                let back = self.buf[open..open + cursor].char_indices().next_back();
                self.cursor = Some(back.map_or(0, |(i, _)| i));
            }
        }
    }

    fn rewritten(&mut self, index: usize) {
        let at = self.base + index as u64;
        self.rewritten_from = Some(self.rewritten_from.map_or(at, |from| from.min(at)));
    }

    /// A cursor at the end of the line is writing at the end.
    fn settle_cursor(&mut self) {
        if let Some(cursor) = self.cursor
            && self.open_index() + cursor >= self.buf.len()
        {
            self.cursor = None;
        }
    }

    /// Moves the start of the live text `len` bytes on, keeping the cursor
    /// on the same character when that is still kept.
    fn advance(&mut self, len: usize) {
        let open = self.open_index();
        self.start += len;
        let moved = self.open_index() - open;
        if let Some(cursor) = self.cursor {
            self.cursor = Some(cursor.saturating_sub(moved));
            self.settle_cursor();
        }
    }

    fn bound(&mut self, limits: &OutputLimits) {
        if !self.cut
            && (self.lines > limits.stream_head_lines + limits.stream_tail_lines
                || self.live().len() > limits.stream_head_bytes + limits.stream_tail_bytes)
        {
            self.cut_head(limits);
        }
        if self.cut {
            self.trim_front(limits);
        }
    }

    /// The first cut: the kept start moves to `head`, whole lines if any fit.
    fn cut_head(&mut self, limits: &OutputLimits) {
        let live = self.live();
        let (mut end, mut lines) = (0, 0);
        while lines < limits.stream_head_lines {
            match live[end..].find('\n') {
                Some(i) if end + i < limits.stream_head_bytes => {
                    end += i + 1;
                    lines += 1;
                }
                _ => break,
            }
        }
        if lines == 0 && limits.stream_head_lines > 0 {
            let first = live.find('\n').map_or(live.len(), |i| i + 1);
            if first > limits.stream_head_bytes {
                end = floor_char_boundary(live, limits.stream_head_bytes);
            }
        }
        self.head = live[..end].to_owned();
        self.lines -= lines;
        self.cut = true;
        self.epoch += 1;
        self.advance(end);
    }

    /// Drops the front of the live text into the omitted counts until it is
    /// within the tail limits: whole lines, and the start of a last line
    /// longer than the whole tail.
    fn trim_front(&mut self, limits: &OutputLimits) {
        loop {
            let live = self.live();
            let over = live.len().saturating_sub(limits.stream_tail_bytes);
            if self.lines > limits.stream_tail_lines || (over > 0 && self.lines > 0) {
                let Some(i) = live.find('\n') else { break };
                self.lines -= 1;
                self.trimmed_lines += 1;
                self.omitted_lines += 1;
                self.omitted_bytes += i as u64 + 1;
                self.advance(i + 1);
            } else if over > 0 {
                let len = ceil_char_boundary(live, over);
                self.omitted_bytes += len as u64;
                self.epoch += 1;
                self.advance(len);
            } else {
                break;
            }
        }
        // Spent text is dropped once it is half the buffer: amortised O(1) a byte.
        if self.start >= 4096 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.base += self.start as u64;
            self.start = 0;
            if self.buf.capacity() > 4 * self.buf.len().max(4096) {
                self.buf.shrink_to(2 * self.buf.len());
            }
        }
    }
}

/// The largest char boundary of `s` at or below `at`.
fn floor_char_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The smallest char boundary of `s` at or above `at`.
fn ceil_char_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::{
        ClearOutput, DisplayData, ErrorOutput, ExecuteResult, ExecutionCount, MediaType,
        StreamContent, Transient, UpdateDisplayData,
    };

    fn out(text: &str) -> JupyterMessageContent {
        JupyterMessageContent::StreamContent(StreamContent::stdout(text))
    }

    fn err(text: &str) -> JupyterMessageContent {
        JupyterMessageContent::StreamContent(StreamContent::stderr(text))
    }

    fn plain(text: &str) -> Media {
        Media::new(vec![MediaType::Plain(text.to_owned())])
    }

    fn display(text: &str, id: Option<&str>) -> JupyterMessageContent {
        JupyterMessageContent::DisplayData(DisplayData {
            data: plain(text),
            metadata: MimeBundle::new(),
            transient: id.map(|id| Transient {
                display_id: Some(id.to_owned()),
            }),
        })
    }

    fn update(text: &str, id: &str) -> JupyterMessageContent {
        JupyterMessageContent::UpdateDisplayData(UpdateDisplayData::new(plain(text), id))
    }

    fn clear(wait: bool) -> JupyterMessageContent {
        JupyterMessageContent::ClearOutput(ClearOutput { wait })
    }

    fn fold_with(limits: OutputLimits, messages: &[JupyterMessageContent]) -> CellOutputs {
        let mut cell = CellOutputs::new(limits);
        for message in messages {
            cell.apply(message);
        }
        cell
    }

    fn fold(messages: &[JupyterMessageContent]) -> CellOutputs {
        fold_with(OutputLimits::default(), messages)
    }

    /// What each output shows, from its nbformat JSON: a stream's text, a
    /// display's or result's text/plain, an error's ename.
    fn shown(cell: &CellOutputs) -> Vec<String> {
        let shown = |nb: &Value| {
            let value = match nb["output_type"].as_str() {
                Some("stream") => &nb["text"],
                Some("error") => &nb["ename"],
                _ => &nb["data"]["text/plain"],
            };
            value.as_str().expect("a string").to_owned()
        };
        cell.to_nbformat().iter().map(shown).collect()
    }

    /// Takes the pending updates and applies them to a listener's list.
    fn replay(cell: &mut CellOutputs, listener: &mut Vec<Output>) -> Vec<OutputUpdate> {
        let updates = cell.take_updates();
        for update in &updates {
            apply_update(listener, update).expect("updates fit the listener's list");
        }
        updates
    }

    /// A small deterministic generator (splitmix64), so the random tests
    /// need no dependency and fail the same way every time.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % n as u64) as usize
        }

        fn text(&mut self, pieces: &[&str], max: usize) -> String {
            (0..self.below(max + 1))
                .map(|_| pieces[self.below(pieces.len())])
                .collect()
        }
    }

    mod folding {
        use super::*;

        #[test]
        fn streams_of_one_name_coalesce_until_another_output() {
            let cell = fold(&[
                out("a"),
                out("b\n"),
                err("oops\n"),
                out("c\n"),
                out("d\n"),
                display("x", None),
                out("e"),
            ]);
            assert_eq!(shown(&cell), ["ab\n", "oops\n", "c\nd\n", "x", "e"]);
        }

        #[test]
        fn carriage_return_leaves_a_progress_bar_at_its_last_state() {
            let cell = fold(&[
                err("  0%|          |\r"),
                err(" 50%|#####     |\r"),
                err("100%|##########|"),
                err("\n"),
                err("done\n"),
            ]);
            assert_eq!(shown(&cell), ["100%|##########|\ndone\n"]);
            // A shorter text overwrites its own width only, as in a terminal and in Jupyter.
            assert_eq!(shown(&fold(&[out("abcdef\r12")])), ["12cdef"]);
            assert_eq!(shown(&fold(&[out("line\r\nnext\n")])), ["line\nnext\n"]);
            assert_eq!(
                shown(&fold(&[out("abc\r"), out("x"), out("\rxy\nz")])),
                ["xyc\nz"]
            );
        }

        /// Jupyter's `fixCarriageReturn` on the whole text, as it shows.
        fn fix_carriage_return(text: &str) -> String {
            let mut shown = String::new();
            for line in text.split_inclusive('\n') {
                let body = line.strip_suffix('\n');
                let mut kept: Vec<char> = Vec::new();
                for part in body.unwrap_or(line).split('\r') {
                    for (i, c) in part.chars().enumerate() {
                        match kept.get_mut(i) {
                            Some(old) => *old = c,
                            None => kept.push(c),
                        }
                    }
                }
                shown.extend(kept);
                if body.is_some() {
                    shown.push('\n');
                }
            }
            shown
        }

        #[test]
        fn carriage_returns_fold_as_in_jupyter_whatever_the_message_boundaries() {
            let mut rng = Rng(7);
            for _ in 0..2000 {
                let text = rng.text(&["a", "b", "é", "\n", "\r", "\r\n"], 30);
                let mut messages = Vec::new();
                let mut rest = text.as_str();
                while !rest.is_empty() {
                    let at = floor_char_boundary(rest, 1 + rng.below(rest.len()));
                    let at = if at == 0 {
                        ceil_char_boundary(rest, 1)
                    } else {
                        at
                    };
                    messages.push(out(&rest[..at]));
                    rest = &rest[at..];
                }
                let cell = fold(&messages);
                let expected: Vec<String> = if text.is_empty() {
                    vec![]
                } else {
                    vec![fix_carriage_return(&text)]
                };
                assert_eq!(shown(&cell), expected, "{text:?}");
            }
        }

        #[test]
        fn backspace_erases_the_character_before_it() {
            assert_eq!(shown(&fold(&[out("abc\x08\x08d\n")])), ["ad\n"]);
            assert_eq!(
                shown(&fold(&[out("abc"), out("\x08"), out("é\x08x")])),
                ["abx"]
            );
            assert_eq!(shown(&fold(&[out("abc\rX\x08Y")])), ["Ybc"]);
            assert_eq!(shown(&fold(&[out("a\n\x08b")])), ["a\nb"]);
        }

        #[test]
        fn clear_output_without_wait_clears_at_once() {
            let mut cell = fold(&[out("old\n"), display("plot", None)]);
            cell.apply(&clear(false));
            assert!(cell.is_empty());
            cell.apply(&out("new\n"));
            assert_eq!(shown(&cell), ["new\n"]);
        }

        #[test]
        fn clear_output_with_wait_keeps_the_old_outputs_until_the_next_one() {
            let mut cell = fold(&[out("frame 1\n"), display("plot 1", Some("p"))]);
            let mut listener = Vec::new();
            replay(&mut cell, &mut listener);

            cell.apply(&clear(true));
            assert_eq!(shown(&cell), ["frame 1\n", "plot 1"]);
            assert_eq!(cell.take_updates(), []);
            // An update of a display is not an output: the old ones still stay.
            cell.apply(&update("plot 1b", "p"));
            assert_eq!(shown(&cell), ["frame 1\n", "plot 1b"]);
            replay(&mut cell, &mut listener);

            cell.apply(&out("frame 2\n"));
            assert_eq!(shown(&cell), ["frame 2\n"]);
            // The listener swaps them in one batch, with no empty state between.
            let expected = [
                OutputUpdate::Clear,
                OutputUpdate::Insert {
                    index: 0,
                    output: Output::Stream {
                        name: "stdout".into(),
                        text: "frame 2\n".into(),
                        tail: None,
                    },
                },
            ];
            assert_eq!(replay(&mut cell, &mut listener), expected);
        }

        #[test]
        fn update_display_data_replaces_every_output_with_its_display_id() {
            let mut cell = fold(&[
                display("v1", Some("d")),
                out("between\n"),
                display("other", Some("e")),
                display("v1 again", Some("d")),
            ]);
            let metadata = MimeBundle::from_iter([("isolated".to_owned(), json!(true))]);
            cell.apply(&JupyterMessageContent::UpdateDisplayData(
                UpdateDisplayData {
                    data: plain("v2"),
                    metadata: metadata.clone(),
                    transient: Transient {
                        display_id: Some("d".into()),
                    },
                },
            ));
            assert_eq!(shown(&cell), ["v2", "between\n", "other", "v2"]);
            let nb = cell.to_nbformat();
            assert_eq!(nb[3]["output_type"], "display_data");
            assert_eq!(nb[3]["metadata"], json!({ "isolated": true }));
            assert!(cell.update_display("e", &plain("e2"), &MimeBundle::new()));
            assert!(!cell.update_display("missing", &plain("x"), &MimeBundle::new()));
            assert_eq!(shown(&cell), ["v2", "between\n", "e2", "v2"]);
        }

        #[test]
        fn nbformat_shape_of_each_output_type() {
            let png = "iVBORw0KGgo=";
            let cell = fold(&[
                out("1\n"),
                JupyterMessageContent::ExecuteResult(ExecuteResult::new(
                    ExecutionCount::new(3),
                    Media::new(vec![
                        MediaType::Plain("x^2".into()),
                        MediaType::Latex("$x^2$".into()),
                    ]),
                )),
                JupyterMessageContent::DisplayData(DisplayData {
                    data: Media::new(vec![
                        MediaType::Png(png.into()),
                        MediaType::Plain("Graphics object".into()),
                    ]),
                    metadata: MimeBundle::from_iter([(
                        "image/png".to_owned(),
                        json!({ "width": 400 }),
                    )]),
                    transient: Some(Transient {
                        display_id: Some("plot".into()),
                    }),
                }),
                JupyterMessageContent::ErrorOutput(ErrorOutput {
                    ename: "ZeroDivisionError".into(),
                    evalue: "rational division by zero".into(),
                    traceback: vec![
                        "\u{1b}[0;31m----\u{1b}[0m".into(),
                        "ZeroDivisionError: rational division by zero".into(),
                    ],
                }),
            ]);
            let expected = vec![
                json!({ "output_type": "stream", "name": "stdout", "text": "1\n" }),
                json!({
                    "output_type": "execute_result",
                    "execution_count": 3,
                    "data": { "text/plain": "x^2", "text/latex": "$x^2$" },
                    "metadata": {},
                }),
                // No display_id: nbformat's display_data has no field for it.
                json!({
                    "output_type": "display_data",
                    "data": { "image/png": png, "text/plain": "Graphics object" },
                    "metadata": { "image/png": { "width": 400 } },
                }),
                json!({
                    "output_type": "error",
                    "ename": "ZeroDivisionError",
                    "evalue": "rational division by zero",
                    "traceback": ["\u{1b}[0;31m----\u{1b}[0m", "ZeroDivisionError: rational division by zero"],
                }),
            ];
            assert_eq!(cell.to_nbformat(), expected);
            for (output, nb) in cell.outputs().iter().zip(&expected) {
                assert_eq!(
                    &serde_json::to_value(output).unwrap(),
                    nb,
                    "Serialize is the nbformat shape"
                );
            }
        }

        #[test]
        fn mime_bundles_keep_json_as_json_and_text_as_text() {
            let media: Media = serde_json::from_value(json!({
                "text/plain": ["a\n", "b"],
                "application/json": { "k": [1, 2] },
                "application/x-sage+json": { "z": 1 },
            }))
            .unwrap();
            let cell = fold(&[JupyterMessageContent::DisplayData(DisplayData::new(media))]);
            assert_eq!(
                cell.to_nbformat()[0]["data"],
                json!({ "text/plain": "a\nb", "application/json": { "k": [1, 2] }, "application/x-sage+json": { "z": 1 } })
            );
        }

        #[test]
        fn other_messages_change_nothing() {
            let mut cell = fold(&[out("x")]);
            cell.take_updates();
            cell.apply(&JupyterMessageContent::Status(
                jupyter_protocol::Status::busy(),
            ));
            assert!(!cell.has_updates());
            assert_eq!(shown(&cell), ["x"]);
        }
    }

    mod bounds {
        use super::*;

        /// A stream's buffer holds at most 4 KiB, or as much as its kept
        /// end, of text already dropped.
        fn spent_text_is_bounded(cell: &CellOutputs) -> bool {
            cell.head
                .iter()
                .chain(&cell.tail)
                .all(|slot| match &slot.body {
                    Body::Stream(stream) => {
                        stream.start <= 4096 || stream.start <= stream.live().len()
                    }
                    Body::Fixed(_) => true,
                })
        }

        #[test]
        fn a_million_lines_keep_memory_flat() {
            let limits = OutputLimits::default();
            let mut cell = CellOutputs::new(limits);
            // ipykernel sends stdout every 0.2 s: ten messages of 100,000 lines.
            let mut written = 0;
            for chunk in 0..10 {
                let text: String = (chunk * 100_000..(chunk + 1) * 100_000)
                    .map(|i| format!("{i}\n"))
                    .collect();
                written += text.len() as u64;
                cell.apply(&out(&text));
                assert!(
                    cell.retained_bytes() <= limits.stream_head_bytes + limits.stream_tail_bytes
                );
            }
            let outputs = cell.outputs();
            let [
                Output::Stream {
                    text: head,
                    tail: Some(tail),
                    ..
                },
            ] = outputs.as_slice()
            else {
                panic!("one cut stream: {outputs:?}");
            };
            assert_eq!(head.lines().count(), 500);
            assert!(head.starts_with("0\n1\n2\n") && head.ends_with("\n499\n"));
            assert_eq!(tail.text.lines().count(), 500);
            assert!(tail.text.starts_with("999500\n") && tail.text.ends_with("\n999999\n"));
            assert_eq!(
                tail.omitted_lines, 999_000,
                "exactly the lines between 499 and 999500"
            );
            assert_eq!(
                tail.omitted_bytes,
                written - head.len() as u64 - tail.text.len() as u64
            );
            assert!(spent_text_is_bounded(&cell));
            let text = cell.to_nbformat()[0]["text"].as_str().unwrap().to_owned();
            assert!(text.contains("\n499\n… 999,000 lines (6.9 MB) not kept …\n999500\n"));
        }

        #[test]
        fn a_line_per_message_stays_cheap_once_cut() {
            let mut cell = CellOutputs::new(OutputLimits::default());
            let mut listener = Vec::new();
            let (mut written, mut sent) = (0, 0);
            // The 1,001st line (i = 1000) makes the first cut, which resends
            // the output once; after it only new text travels.
            for i in 0..=20_000 {
                let line = format!("{i}\n");
                cell.apply(&out(&line));
                if i > 1000 {
                    written += line.len();
                }
                if i % 10 == 0 {
                    for update in replay(&mut cell, &mut listener) {
                        match update {
                            OutputUpdate::AppendText { text, .. } if i > 1000 => sent += text.len(),
                            OutputUpdate::TrimText { .. } => {}
                            other => assert!(i <= 1000, "line {i}: {other:?}"),
                        }
                    }
                }
            }
            assert_eq!(sent, written, "the text went over once");
            assert_eq!(listener, cell.outputs());
            assert!(spent_text_is_bounded(&cell));
        }

        #[test]
        fn a_progress_bar_after_much_text_resends_its_line_only() {
            let mut cell = CellOutputs::new(OutputLimits::default());
            let mut listener = Vec::new();
            cell.apply(&out(&"log line\n".repeat(900)));
            replay(&mut cell, &mut listener);
            cell.apply(&out("\r 10%"));
            assert_eq!(
                replay(&mut cell, &mut listener),
                [OutputUpdate::AppendText {
                    index: 0,
                    text: " 10%".into()
                }]
            );
            cell.apply(&out("\r 20%"));
            cell.apply(&out("\r 30%"));
            assert_eq!(
                replay(&mut cell, &mut listener),
                [OutputUpdate::RewriteLine {
                    index: 0,
                    text: " 30%".into()
                }]
            );
            assert_eq!(listener, cell.outputs());
        }

        #[test]
        fn one_huge_line_keeps_its_start_and_end() {
            let limits = OutputLimits {
                stream_head_bytes: 100,
                stream_tail_bytes: 100,
                ..Default::default()
            };
            let cell = fold_with(limits, &[out(&"é".repeat(1000)), out("\rdone")]);
            let outputs = cell.outputs();
            let [
                Output::Stream {
                    text,
                    tail: Some(tail),
                    ..
                },
            ] = outputs.as_slice()
            else {
                panic!("one cut stream");
            };
            assert_eq!(text, &"é".repeat(50));
            assert_eq!(tail.omitted_lines, 0);
            assert_eq!(tail.omitted_bytes, 1800);
            // The \r rewrote the start of what is kept of the line.
            assert_eq!(tail.text, format!("done{}", "é".repeat(46)));
            let nb = cell.to_nbformat()[0]["text"].as_str().unwrap().to_owned();
            assert!(
                nb.contains("é\n… 1.8 kB of one line not kept …\ndone"),
                "{nb}"
            );
        }

        #[test]
        fn a_loop_of_displays_keeps_the_first_and_the_latest_outputs() {
            let mut cell = CellOutputs::new(OutputLimits::default());
            for i in 0..20_000 {
                cell.apply(&display(&i.to_string(), None));
            }
            let shown = shown(&cell);
            assert_eq!(shown.len(), 1001);
            assert_eq!((shown[0].as_str(), shown[499].as_str()), ("0", "499"));
            assert_eq!(shown[500], "… 19,000 outputs not kept …\n");
            assert_eq!(
                (shown[501].as_str(), shown[1000].as_str()),
                ("19500", "19999")
            );
            assert_eq!(cell.to_nbformat()[500]["name"], "stderr");
        }

        #[test]
        fn rich_outputs_stay_within_the_byte_budget() {
            let limits = OutputLimits {
                max_bytes: 10_000,
                ..Default::default()
            };
            let image = |i: usize, bytes: usize, id: Option<&str>| {
                JupyterMessageContent::DisplayData(DisplayData {
                    data: Media::new(vec![
                        MediaType::Png("A".repeat(bytes)),
                        MediaType::Plain(i.to_string()),
                    ]),
                    metadata: MimeBundle::new(),
                    transient: id.map(|id| Transient {
                        display_id: Some(id.to_owned()),
                    }),
                })
            };
            let mut cell = CellOutputs::new(limits);
            for i in 0..10 {
                cell.apply(&image(i, 3000, None));
            }
            assert!(cell.retained_bytes() <= 10_000);
            let kept = shown(&cell);
            assert_eq!(
                (kept[0].as_str(), kept.last().unwrap().as_str()),
                ("0", "9")
            );
            assert_eq!(
                kept[kept.len() / 2],
                format!("… {} outputs not kept …\n", 11 - kept.len())
            );

            // One output larger than the budget becomes a notice, still updatable.
            cell.apply(&image(10, 20_000, Some("big")));
            let nb = cell.to_nbformat();
            let notice = nb.last().unwrap()["data"]["text/plain"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(
                notice.contains("not kept: 20.0 kB of image/png, text/plain"),
                "{notice}"
            );
            assert!(cell.retained_bytes() <= 10_000);
            assert!(cell.update_display("big", &plain("small now"), &MimeBundle::new()));
            assert_eq!(shown(&cell).last().unwrap(), "small now");
        }

        #[test]
        fn counts_read_as_people_write_them() {
            assert_eq!(group_digits(999_000), "999,000");
            assert_eq!(group_digits(1_000_000), "1,000,000");
            assert_eq!(group_digits(12), "12");
        }
    }

    mod updates {
        use super::*;

        fn random_message(rng: &mut Rng) -> JupyterMessageContent {
            let pieces = ["a", "bc", "é", "\n", "\r", "\x08", "\r\n", "xyz\n"];
            let id = [None, Some("p"), Some("q")][rng.below(3)];
            match rng.below(20) {
                0..=6 => out(&rng.text(&pieces, 8)),
                7..=10 => err(&rng.text(&pieces, 8)),
                11..=13 => display(&rng.text(&["x", "yz"], 40), id),
                14 => update(&rng.text(&["u", "vw"], 40), id.unwrap_or("p")),
                15 => JupyterMessageContent::ExecuteResult(ExecuteResult::new(
                    ExecutionCount::new(rng.below(9)),
                    plain(&rng.text(&["r"], 20)),
                )),
                16 => JupyterMessageContent::ErrorOutput(ErrorOutput {
                    ename: "E".into(),
                    evalue: rng.text(&["v"], 10),
                    traceback: vec![rng.text(&["t"], 10)],
                }),
                17 => clear(false),
                _ => clear(true),
            }
        }

        /// The limits hold after every message, and the byte count is exact.
        fn check_limits(cell: &CellOutputs, limits: &OutputLimits) {
            let mut bytes = 0;
            for slot in cell.head.iter().chain(&cell.tail) {
                match &slot.body {
                    Body::Stream(stream) => {
                        let (live, lines) = (stream.live(), stream.lines);
                        assert_eq!(lines, live.matches('\n').count());
                        if stream.cut {
                            assert!(stream.head.matches('\n').count() <= limits.stream_head_lines);
                            assert!(stream.head.len() <= limits.stream_head_bytes);
                            assert!(
                                lines <= limits.stream_tail_lines
                                    && live.len() <= limits.stream_tail_bytes
                            );
                        } else {
                            assert!(lines <= limits.stream_head_lines + limits.stream_tail_lines);
                            assert!(
                                live.len() <= limits.stream_head_bytes + limits.stream_tail_bytes
                            );
                        }
                        bytes += stream.head.len() + live.len();
                    }
                    Body::Fixed(output) => bytes += output_size(output),
                }
            }
            assert_eq!(bytes, cell.bytes);
            let kept = cell.head.len() + cell.tail.len();
            assert!(kept <= limits.head_outputs + limits.tail_outputs);
            assert!(
                cell.bytes <= limits.max_bytes || kept == 1,
                "{} bytes",
                cell.bytes
            );
            assert_eq!(cell.marker.is_some(), cell.dropped > 0);
        }

        #[test]
        fn replaying_the_updates_gives_the_same_outputs() {
            for seed in 0..400 {
                let mut rng = Rng(seed);
                let limits = OutputLimits {
                    stream_head_lines: rng.below(4),
                    stream_head_bytes: rng.below(30),
                    stream_tail_lines: rng.below(4),
                    stream_tail_bytes: rng.below(30),
                    head_outputs: rng.below(4),
                    tail_outputs: 1 + rng.below(4),
                    max_bytes: 40 + rng.below(400),
                };
                let mut cell = CellOutputs::new(limits);
                let mut listener = Vec::new();
                for step in 0..200 {
                    cell.apply(&random_message(&mut rng));
                    check_limits(&cell, &limits);
                    if rng.below(3) == 0 {
                        replay(&mut cell, &mut listener);
                        assert_eq!(listener, cell.outputs(), "seed {seed}, step {step}");
                    }
                }
                replay(&mut cell, &mut listener);
                assert_eq!(listener, cell.outputs(), "seed {seed}");
                assert_eq!(cell.take_updates(), []);
            }
        }

        #[test]
        fn replaying_matches_with_room_to_spare_too() {
            for seed in 0..200 {
                let mut rng = Rng(seed);
                let mut cell = CellOutputs::new(OutputLimits::default());
                let mut listener = Vec::new();
                for _ in 0..300 {
                    cell.apply(&random_message(&mut rng));
                    if rng.below(4) == 0 {
                        replay(&mut cell, &mut listener);
                    }
                }
                replay(&mut cell, &mut listener);
                assert_eq!(listener, cell.outputs(), "seed {seed}");
            }
        }

        #[test]
        fn coalesced_text_comes_as_one_append() {
            let mut cell = fold(&[out("a")]);
            let mut listener = Vec::new();
            replay(&mut cell, &mut listener);
            for text in ["b", "c\n", "d"] {
                cell.apply(&out(text));
            }
            assert_eq!(
                replay(&mut cell, &mut listener),
                [OutputUpdate::AppendText {
                    index: 0,
                    text: "bc\nd".into()
                }]
            );
        }

        #[test]
        fn a_listener_starting_late_gets_everything() {
            let mut cell = fold(&[out("a\n"), display("b", None)]);
            let updates = cell.take_updates();
            assert!(matches!(
                updates.as_slice(),
                [
                    OutputUpdate::Insert { index: 0, .. },
                    OutputUpdate::Insert { index: 1, .. }
                ]
            ));
            assert!(!cell.has_updates());
        }

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
}
