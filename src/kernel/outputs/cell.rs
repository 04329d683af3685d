//! [`CellOutputs`]: the outputs of one cell, folded from its iopub
//! messages within their bounds, and the updates its listener has not
//! taken yet.

use std::collections::{HashSet, VecDeque};

use jupyter_protocol::{JupyterMessageContent, Media, Stdio};
use serde_json::Value;

use super::stream::{StreamBuf, StreamSnap};
use super::update::OutputUpdate;
use crate::notebook::limits::{leave_out_middle, within_budget};
use crate::notebook::{MimeBundle, Output, OutputLimits, omitted_outputs_marker};

/// The outputs of one cell, folded from its iopub messages (see the module
/// documentation), and the updates not yet taken by its listener.
#[derive(Debug)]
pub struct CellOutputs {
    limits: OutputLimits,
    /// The kept first outputs; all of them while nothing was left out.
    pub(super) head: Vec<Slot>,
    /// The stderr stream standing for the `dropped` outputs left out.
    pub(super) marker: Option<Slot>,
    pub(super) dropped: u64,
    /// The latest outputs, once something was left out.
    pub(super) tail: VecDeque<Slot>,
    /// Retained bytes of the outputs (the marker aside).
    pub(super) bytes: usize,
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
pub(super) struct Slot {
    /// Unique in the cell, never reused: how the listener's list is matched.
    id: u64,
    /// Bumped at every change.
    version: u64,
    size: usize,
    pub(super) body: Body,
}

#[derive(Debug)]
pub(super) enum Body {
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
    /// within limits ([`leave_out_middle`]), and has the marker say how many
    /// are left out in all.
    fn enforce_limits(&mut self) {
        let dropped = leave_out_middle(
            &self.limits,
            &mut self.head,
            &mut self.tail,
            self.marker.is_some(),
            &mut self.bytes,
            |slot| slot.size,
        );
        if dropped == 0 {
            return;
        }
        self.dropped += dropped;
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

/// The outputs, as [`CellOutputs::outputs`] gives them: what a notebook
/// cell takes with [`Cell::set_outputs`](crate::notebook::Cell::set_outputs).
impl IntoIterator for &CellOutputs {
    type Item = Output;
    type IntoIter = std::vec::IntoIter<Output>;

    fn into_iter(self) -> Self::IntoIter {
        self.outputs().into_iter()
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
