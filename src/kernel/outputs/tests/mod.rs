//! The folding of a cell's outputs, tested through [`CellOutputs`]: what
//! the outputs become (`folding`), that they stay within their bounds
//! (`bounds`), that the updates bring a listener to the same outputs
//! (`updates`), and that a file's stored outputs are shown within the same
//! bounds (`stored`).

mod bounds;
mod folding;
mod recorded;
mod stored;
mod updates;

use jupyter_protocol::{
    ClearOutput, DisplayData, ErrorOutput, ExecuteResult, ExecutionCount, JupyterMessageContent,
    Media, MediaType, StreamContent, Transient, UpdateDisplayData,
};
use serde_json::{Value, json};

use super::cell::{Body, CellOutputs};
use super::update::{OutputUpdate, apply_update};
use crate::notebook::limits::{ceil_char_boundary, floor_char_boundary, output_size};
use crate::notebook::{MimeBundle, Output, OutputLimits};

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
