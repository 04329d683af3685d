//! A cell's outputs: how the iopub messages of its executions fold into
//! nbformat 4 outputs (the notebook's [`Output`]) the way Jupyter's output
//! area folds them, kept within bounds, and turned into incremental updates
//! for one listener (the UI).
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
//!
//! # Where each part lives
//!
//! `cell.rs` folds ([`CellOutputs`]); `stream.rs` is the terminal-like
//! buffer of one stream output; `update.rs` the updates a listener applies.
//! The output model itself, the lines that stand for what was left out, and
//! the bounds with what an output costs are the notebook's
//! (`crate::notebook`): they are what a notebook file stores, and a file's
//! stored outputs are shown within the same bounds.

mod cell;
mod stream;
#[cfg(test)]
mod tests;
mod update;

pub use crate::notebook::{MimeBundle, Output, OutputLimits, StreamTail};
pub use cell::CellOutputs;
pub use update::{OutputUpdate, UpdateError, apply_update};
