//! A cell's run as a session reports it: its events, how it ended, and
//! how an interrupt of it ended.

use jupyter_protocol::messaging::JupyterMessageContent;
use serde::Serialize;
use tokio::sync::mpsc;

use super::payload::Payload;
use super::state::DeathReason;

/// How a cell's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum CellStatus {
    Ok,
    Error,
    /// Not run, because an earlier cell failed or was interrupted.
    Aborted,
}

/// What a cell's run produces, in order.
#[derive(Debug, Clone)]
pub enum CellEvent {
    /// The kernel began running the cell (it was queued until now).
    Started,
    /// An iopub output message for the cell.
    Output(JupyterMessageContent),
    /// The cell called `input()`: answer with
    /// [`Session::input_reply`](super::Session::input_reply).
    InputRequest { prompt: String, password: bool },
    /// What the kernel's reply asks of the front end (help, a next cell,
    /// exit), just before the run ends.
    Payload(Payload),
    /// The run ended.
    Finished {
        status: CellStatus,
        execution_count: Option<usize>,
    },
    /// The kernel died under the cell (or before it could run); `message`
    /// says what happened and what was lost. Always the last event.
    KernelDied {
        reason: DeathReason,
        message: String,
    },
}

/// A cell sent to the session: its events arrive on `events`.
pub struct CellRun {
    pub events: mpsc::UnboundedReceiver<CellEvent>,
}

/// How an interrupt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum InterruptOutcome {
    /// Nothing was running.
    NothingRunning,
    /// The kernel stopped the cell when asked on its control channel.
    Interrupted,
    /// It did not; SIGINT sent to the kernel process did.
    Signalled,
    /// Neither worked: only a restart will free the kernel (variables are
    /// lost).
    NeedsRestart,
}
