//! One live Sage session: a container and the kernel in it, owned by an
//! actor that starts it, runs cells one after another, interrupts them,
//! notices when the kernel dies, restarts it (with back-off and a circuit
//! breaker), and stops it. Cells sent while the kernel starts are queued,
//! not lost.

mod actor;
mod record;
mod state;
mod stream;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jupyter_protocol::messaging::{CompleteReply, InspectReply, JupyterMessageContent};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::engine::{Engine, EngineError, Limits};
use crate::kernel::KernelError;

pub use record::{RecordStore, SessionRecord, data_dir};
pub use state::{DeathReason, SessionState};
pub use stream::{CellUpdate, ForwardedRun, forward, forward_keeping};

/// Where [`Session::save_variables`] keeps them, relative to the workspace
/// (Sage adds `.sobj`).
pub const VARIABLES_FILE: &str = ".sagedesk/variables";

/// Settings every session gives its kernel after the image's argv:
/// IPython's input history in memory (its SQLite file would live in the
/// container and go with it; writing it costs about 1 ms a cell), and no
/// 0.5 ms pause before each execute_reply (ipykernel's guard for clients
/// that end a cell at the reply; a session ends it at the idle status,
/// which follows every output on the same socket). A kernel that does not
/// know a setting ignores it with a warning.
pub const KERNEL_SETTINGS: [&str; 2] = [
    "--HistoryManager.hist_file=:memory:",
    "--Kernel._execute_sleep=0",
];

/// What a session is started with.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub image: String,
    /// The kernel's argv, with `{connection_file}` (the image's
    /// `org.sagedesk.kernel` label).
    pub kernel_argv: Vec<String>,
    /// The workspace folder to mount at `/home/sage/work`.
    pub workspace: Option<PathBuf>,
    /// The notebook the kernel serves, as the workspace names it: labelled
    /// on its container, so that `sagedesk ls` can tell its state.
    pub notebook: Option<String>,
    pub limits: Limits,
    /// How long the kernel may take to answer after its container starts.
    pub start_timeout: Duration,
    /// Restart the kernel by itself when it dies.
    pub auto_restart: bool,
}

impl SessionConfig {
    /// The defaults for an image, reading its kernel from its label.
    pub async fn for_image(engine: &Engine, image: &str) -> Result<SessionConfig, SessionError> {
        let info = engine
            .image(image)
            .await?
            .ok_or_else(|| SessionError::ImageMissing(image.to_string()))?;
        let kernel_argv = info
            .kernel_argv
            .ok_or_else(|| SessionError::NoKernelLabel(image.to_string()))?
            .into_iter()
            .chain(KERNEL_SETTINGS.map(String::from))
            .collect();
        Ok(SessionConfig {
            image: image.to_string(),
            kernel_argv,
            workspace: None,
            notebook: None,
            limits: Limits::default(),
            start_timeout: Duration::from_secs(120),
            auto_restart: true,
        })
    }
}

/// What can go wrong asking a session to do something.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Kernel(#[from] KernelError),
    #[error("the image {0} is not on this machine")]
    ImageMissing(String),
    #[error("the image {0} has no org.sagedesk.kernel label naming its kernel")]
    NoKernelLabel(String),
    #[error("the session has ended: {}", .0.describe())]
    Dead(DeathReason),
    #[error("the session has ended")]
    Closed,
}

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
    /// The cell called `input()`: answer with [`Session::input_reply`].
    InputRequest { prompt: String, password: bool },
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

pub(crate) enum Command {
    Execute {
        code: String,
        events: mpsc::UnboundedSender<CellEvent>,
    },
    InputReply {
        value: String,
    },
    Interrupt {
        reply: oneshot::Sender<InterruptOutcome>,
    },
    Restart {
        reply: oneshot::Sender<()>,
    },
    Complete {
        code: String,
        cursor_pos: usize,
        reply: oneshot::Sender<Result<CompleteReply, SessionError>>,
    },
    Inspect {
        code: String,
        cursor_pos: usize,
        reply: oneshot::Sender<Result<InspectReply, SessionError>>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
    Detach {
        reply: oneshot::Sender<Option<SessionRecord>>,
    },
}

/// A handle on a live session. Dropping it lets the actor stop the kernel
/// and remove its container in the background (its command channel
/// closes); [`Session::shutdown`] does the same and waits for it.
pub struct Session {
    name: String,
    resumed: Arc<AtomicBool>,
    commands: mpsc::UnboundedSender<Command>,
    state: watch::Receiver<SessionState>,
    task: Option<JoinHandle<()>>,
}

impl Session {
    /// Starts a session: returns at once, in [`SessionState::Starting`].
    /// Cells may be sent straight away; they run when the kernel is ready.
    pub fn start(engine: Engine, config: SessionConfig) -> Session {
        let name = format!("sagedesk-{}", &crate::id::new_id()[..12]);
        Session::spawn(engine, config, name, None)
    }

    /// Reattaches to a kernel left running ([`Session::detach`]), with the
    /// variables it holds. When that container is gone or no longer
    /// matches, a fresh kernel starts instead; [`Session::resumed`] tells
    /// which happened once the session is ready.
    pub fn resume(engine: Engine, record: SessionRecord) -> Session {
        let config = SessionConfig {
            image: record.image,
            kernel_argv: record.kernel_argv,
            workspace: record.workspace,
            notebook: record.notebook,
            limits: record.limits,
            start_timeout: Duration::from_secs(120),
            auto_restart: true,
        };
        Session::spawn(engine, config, record.name, Some(record.key))
    }

    fn spawn(engine: Engine, config: SessionConfig, name: String, key: Option<String>) -> Session {
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (state_tx, state) = watch::channel(SessionState::Starting);
        let resumed = Arc::new(AtomicBool::new(false));
        let actor = actor::Actor::new(engine, config, name.clone(), key, resumed.clone(), state_tx);
        let task = tokio::spawn(actor.run(commands_rx));
        Session {
            name,
            resumed,
            commands,
            state,
            task: Some(task),
        }
    }

    /// Whether the kernel in use was reattached rather than started anew.
    pub fn resumed(&self) -> bool {
        self.resumed.load(Ordering::Relaxed)
    }

    /// Lets go of the kernel without stopping it (the "leave kernels
    /// running" setting on quit) and returns what it takes to reattach;
    /// `None` when no kernel was up.
    pub async fn detach(&self) -> Option<SessionRecord> {
        let (reply, rx) = oneshot::channel();
        self.commands.send(Command::Detach { reply }).ok()?;
        rx.await.ok().flatten()
    }

    /// The name of the session's container (kept across restarts).
    pub fn container_name(&self) -> String {
        self.name.clone()
    }

    /// The state now.
    pub fn state(&self) -> SessionState {
        self.state.borrow().clone()
    }

    /// A receiver that sees every change of state.
    pub fn watch_state(&self) -> watch::Receiver<SessionState> {
        self.state.clone()
    }

    /// Waits until the kernel is ready for a first cell (or is dead).
    pub async fn ready(&self) -> Result<(), SessionError> {
        let mut state = self.state.clone();
        let state = state
            .wait_for(|s| {
                matches!(
                    s,
                    SessionState::Idle | SessionState::Busy | SessionState::Dead { .. }
                )
            })
            .await
            .map_err(|_| SessionError::Closed)?
            .clone();
        match state {
            SessionState::Dead { reason } => Err(SessionError::Dead(reason)),
            _ => Ok(()),
        }
    }

    /// Queues `code` to run after the cells sent before it.
    pub fn execute(&self, code: &str) -> Result<CellRun, SessionError> {
        let (events, events_rx) = mpsc::unbounded_channel();
        self.send(Command::Execute {
            code: code.to_string(),
            events,
        })?;
        Ok(CellRun { events: events_rx })
    }

    /// Answers the running cell's `input()` prompt.
    pub fn input_reply(&self, value: &str) -> Result<(), SessionError> {
        self.send(Command::InputReply {
            value: value.to_string(),
        })
    }

    /// Stops the running cell without losing the kernel's variables if at
    /// all possible: the kernel's own interrupt first, then SIGINT, and
    /// only then [`InterruptOutcome::NeedsRestart`]. Queued cells are
    /// dropped (they end as aborted).
    pub async fn interrupt(&self) -> Result<InterruptOutcome, SessionError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Interrupt { reply })?;
        rx.await.map_err(|_| SessionError::Closed)
    }

    /// Replaces the kernel with a fresh one (variables are lost).
    pub async fn restart(&self) -> Result<(), SessionError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Restart { reply })?;
        rx.await.map_err(|_| SessionError::Closed)
    }

    pub async fn complete(
        &self,
        code: &str,
        cursor_pos: usize,
    ) -> Result<CompleteReply, SessionError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Complete {
            code: code.to_string(),
            cursor_pos,
            reply,
        })?;
        rx.await.map_err(|_| SessionError::Closed)?
    }

    pub async fn inspect(
        &self,
        code: &str,
        cursor_pos: usize,
    ) -> Result<InspectReply, SessionError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Inspect {
            code: code.to_string(),
            cursor_pos,
            reply,
        })?;
        rx.await.map_err(|_| SessionError::Closed)?
    }

    /// Saves the kernel's variables with Sage's `save_session()` into the
    /// workspace's `.sagedesk/` folder (see [`VARIABLES_FILE`]), for
    /// [`Session::restore_variables`] in a later kernel. Needs a workspace.
    pub async fn save_variables(&self) -> Result<(), SessionError> {
        self.run_quietly(
            "save variables",
            &format!(
                "import os as _sd_os; _sd_os.makedirs({dir:?}, exist_ok=True); save_session({file:?}); del _sd_os",
                dir = format!("{}/.sagedesk", crate::engine::WORKSPACE_MOUNT),
                file = format!("{}/{VARIABLES_FILE}", crate::engine::WORKSPACE_MOUNT),
            ),
        )
        .await
    }

    /// Loads the variables saved by [`Session::save_variables`] with Sage's
    /// `load_session()`.
    pub async fn restore_variables(&self) -> Result<(), SessionError> {
        self.run_quietly(
            "restore variables",
            &format!(
                "load_session({:?})",
                format!("{}/{VARIABLES_FILE}", crate::engine::WORKSPACE_MOUNT)
            ),
        )
        .await
    }

    /// Runs housekeeping code as a cell and reports its error, if any.
    async fn run_quietly(&self, what: &str, code: &str) -> Result<(), SessionError> {
        let mut run = self.execute(code)?;
        let mut error = None;
        while let Some(event) = run.events.recv().await {
            match event {
                CellEvent::Output(JupyterMessageContent::ErrorOutput(e)) => {
                    error = Some(format!("{}: {}", e.ename, e.evalue));
                }
                CellEvent::Finished {
                    status: CellStatus::Ok,
                    ..
                } => return Ok(()),
                CellEvent::Finished { .. } => {
                    return Err(SessionError::Kernel(KernelError::Reply {
                        what: what.into(),
                        message: error.unwrap_or_else(|| "it did not complete".into()),
                    }));
                }
                CellEvent::KernelDied { reason, .. } => return Err(SessionError::Dead(reason)),
                _ => {}
            }
        }
        Err(SessionError::Closed)
    }

    /// Stops the kernel and removes its container, and waits for both.
    pub async fn shutdown(mut self) {
        self.stop().await;
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// [`Session::shutdown`] through a shared handle: the kernel is stopped
    /// and its container removed when this returns; the handle can then
    /// only report that the session has ended.
    pub async fn stop(&self) {
        let (reply, rx) = oneshot::channel();
        if self.commands.send(Command::Shutdown { reply }).is_ok() {
            let _ = rx.await;
        }
    }

    fn send(&self, command: Command) -> Result<(), SessionError> {
        self.commands
            .send(command)
            .map_err(|_| SessionError::Closed)
    }
}
