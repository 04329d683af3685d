//! Notebooks as Jupyter keeps them: `.ipynb` files in nbformat 4.5, with
//! cell ids and the Sage kernelspec.
//!
//! - [`Notebook`] is the model. Keys, metadata and outputs SageDesk does not
//!   interpret are kept as they were, and multi-line strings keep the form
//!   they had in the file, so a notebook loaded and saved unchanged is
//!   unchanged; notebooks in format 4.0–4.4 only gain cell ids (and the
//!   version 4.5). New text is written as Jupyter writes it.
//! - [`Output`] is one output as a run produces it, written into a cell with
//!   [`Cell::set_outputs`]; a cell whose output was bounded ([`OutputLimits`])
//!   says what it left out in the output itself.
//! - The outputs a file stores are shown as [`Output`]s too
//!   ([`stored_outputs`]): whatever the file holds, missing fields filled,
//!   unknown types named, within the same limits. The file's JSON stays as
//!   it was.
//! - Files are written in Jupyter's own layout ([`json`]), so a notebook
//!   Jupyter saved is byte for byte the same after SageDesk saves it.
//! - [`NotebookFile`] saves atomically ([`atomic`]), and refuses to save over
//!   a file another program changed ([`NotebookError::Conflict`]). A file
//!   that is not a notebook is never written to.

pub mod atomic;
mod doc;
mod error;
mod file;
pub mod folder;
pub mod json;
pub(crate) mod limits;
mod lines;
mod model;
mod output;
mod parse;
mod stored;
mod times;
mod widgets;

pub use doc::{CellEdit, CellView};
pub use error::{ConflictKind, FormatError, NotebookError};
pub use file::{DiskState, NotebookFile, SaveOutcome};
pub use limits::OutputLimits;
pub use lines::{MultilineString, joined_text, split_lines, split_output};
pub use model::{Cell, CellKind, KernelSpec, NBFORMAT, NBFORMAT_MINOR, Notebook, is_valid_cell_id};
pub use output::{MimeBundle, Output, StreamTail, omitted_outputs_marker};
pub use parse::{Changes, Parsed, from_slice, from_value};
pub use stored::{stored_output, stored_outputs};
pub use times::RunTimes;
pub use widgets::{MAX_WIDGET_STATE_BYTES, WIDGET_STATE_MIME, WidgetStateError};
