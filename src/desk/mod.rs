//! The desk: what the app has open and everything it does with it, behind
//! one type, [`Desk`]. The desktop shell and the tests call only this; each
//! of the shell's commands is a few lines over one of its operations.
//!
//! - The workspace and its notebooks ([`notebooks`]): open a workspace;
//!   list, create, open, reload, save, rename and delete notebooks. A
//!   notebook opened twice is the same open notebook, so a cell's outputs
//!   always end in the right file.
//! - Their kernels ([`kernels`]): started or taken back when a notebook
//!   opens; cells run with their outputs saved into the notebook as each
//!   ends; interrupt, restart, input, completion, help; the quit policy.
//! - Exports ([`export`]): a notebook, open or not, as an HTML
//!   page or a script.
//! - The way to a first kernel ([`setup`]): the engine's report, the image
//!   pulled or built, a kernel tried, the engine watched (kernels that died
//!   with it start again when it is back), orphans collected.
//!
//! The desk takes what reaches outside the process as [`DeskOptions`] (the
//! engine, the records of kernels left running, the cache, the settings'
//! store, a clock), and reports what happens by itself as [`DeskEvent`]s to
//! one subscriber.

mod cells;
mod checkpoints;
mod error;
mod events;
mod export;
mod kernels;
mod links;
mod notebooks;
mod open;
mod setup;
mod spare;
mod views;
mod watch;
mod widgets;

pub use error::DeskError;
pub use events::{DeskEvent, Subscriber};
pub use kernels::{CellDone, CellEnd, QUIT_BUDGET};
pub use links::{HelpTopic, web_link};
pub use open::{
    Clock, Desk, DeskOptions, KernelLife, NoSettingsStore, SettingsFile, SettingsStore,
};
pub use setup::ENGINE_STATUS_BUDGET;
pub use views::{
    Completions, Help, ImageData, KernelCheck, KernelDefaults, NotebookDoc, NotebookItem, Saved,
    SettingsView, Trashed, WorkspaceInfo,
};
pub use widgets::{CommWire, CommWireKind, WidgetEvent};
