//! [`Session`], the handle on a live session: each call is a [`Command`]
//! sent to the session's actor (`actor.rs`), which owns everything else.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jupyter_protocol::messaging::{CommInfoReply, CompleteReply, InspectReply};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::actor;
use super::cell::{CellEvent, CellRun, InterruptOutcome};
use super::config::SessionConfig;
use super::error::SessionError;
use super::record::SessionRecord;
use super::state::SessionState;
use crate::engine::Engine;
use crate::kernel::{CommMessage, KernelEvent, MessageLimits};

pub(crate) enum Command {
    Execute {
        code: String,
        /// What the caller knows the run by (a cell id), to take it out of
        /// the queue.
        tag: Option<String>,
        events: mpsc::UnboundedSender<CellEvent>,
    },
    Unqueue {
        tag: String,
        reply: oneshot::Sender<bool>,
    },
    Serve {
        notebook: String,
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
    Subscribe {
        events: mpsc::UnboundedSender<SessionEvent>,
    },
    SendComm {
        message: CommMessage,
        reply: oneshot::Sender<Result<String, SessionError>>,
    },
    CommInfo {
        target_name: Option<String>,
        reply: oneshot::Sender<Result<CommInfoReply, SessionError>>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
    Detach {
        reply: oneshot::Sender<Option<SessionRecord>>,
    },
}

/// What a session's kernels publish outside any cell's run, in order,
/// across restarts.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    Kernel(KernelEvent),
    /// The kernel went (it died, was restarted or stopped), and every comm
    /// it had with it: widgets shown for it do nothing now. Why, as a
    /// sentence.
    KernelGone {
        why: String,
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
    dropped: watch::Receiver<u64>,
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
        Session::resume_with(engine, record, MessageLimits::default())
    }

    /// [`Session::resume`], the kernel's client taking what `messages`
    /// allows (the record does not keep it: a setting of this launch).
    pub fn resume_with(engine: Engine, record: SessionRecord, messages: MessageLimits) -> Session {
        let config = SessionConfig {
            image: record.image,
            kernel_argv: record.kernel_argv,
            workspace: record.workspace,
            notebook: record.notebook,
            network: record.network,
            limits: record.limits,
            start_timeout: Duration::from_secs(120),
            auto_restart: true,
            give_up_silent_after: None,
            messages,
            // As the kernel was started, so that its configuration matches.
            alone_stop_after: record.alone_stop_after_secs.map(Duration::from_secs),
            spare: false,
        };
        Session::spawn(engine, config, record.name, Some(record.key))
    }

    fn spawn(engine: Engine, config: SessionConfig, name: String, key: Option<String>) -> Session {
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (state_tx, state) = watch::channel(SessionState::Starting);
        let (dropped_tx, dropped) = watch::channel(0);
        let resumed = Arc::new(AtomicBool::new(false));
        let actor = actor::Actor::new(
            engine,
            config,
            name.clone(),
            key,
            resumed.clone(),
            state_tx,
            dropped_tx,
        );
        let task = tokio::spawn(actor.run(commands_rx));
        Session {
            name,
            resumed,
            commands,
            state,
            dropped,
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

    /// How many messages on the kernel's sockets were dropped, never acted
    /// on, for a signature that does not verify or a bad framing: forged by
    /// something other than the kernel, or corrupt. Counted across restarts.
    pub fn dropped_messages(&self) -> u64 {
        *self.dropped.borrow()
    }

    /// A receiver that sees [`Session::dropped_messages`] change; it closes
    /// when the session ends.
    pub fn watch_dropped(&self) -> watch::Receiver<u64> {
        self.dropped.clone()
    }

    /// Waits until the kernel is ready for a first cell (or is dead).
    pub async fn ready(&self) -> Result<(), SessionError> {
        let mut state = self.state.clone();
        let state = state
            .wait_for(|s| {
                matches!(
                    s,
                    SessionState::Idle
                        | SessionState::Busy
                        | SessionState::NotResponding { .. }
                        | SessionState::Dead { .. }
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
        self.queue(code, None)
    }

    /// [`Session::execute`], the run known by `tag` (a cell id) so that it
    /// can be taken out of the queue ([`Session::unqueue`]).
    pub fn execute_tagged(&self, code: &str, tag: &str) -> Result<CellRun, SessionError> {
        self.queue(code, Some(tag.to_string()))
    }

    fn queue(&self, code: &str, tag: Option<String>) -> Result<CellRun, SessionError> {
        let (events, events_rx) = mpsc::unbounded_channel();
        self.send(Command::Execute {
            code: code.to_string(),
            tag,
            events,
        })?;
        Ok(CellRun { events: events_rx })
    }

    /// Takes the runs tagged `tag` that wait in the queue out of it: each
    /// ends as aborted, and the others run as they would have. Returns
    /// whether there was one (a run the kernel has begun is interrupted,
    /// not taken out).
    pub async fn unqueue(&self, tag: &str) -> Result<bool, SessionError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Unqueue {
            tag: tag.to_string(),
            reply,
        })?;
        rx.await.map_err(|_| SessionError::Closed)
    }

    /// A spare kernel now serves the notebook `notebook`: a kernel that
    /// replaces it (a restart) is made for that notebook, and the record of
    /// a detach names it.
    pub fn serve(&self, notebook: &str) -> Result<(), SessionError> {
        self.send(Command::Serve {
            notebook: notebook.to_string(),
        })
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

    /// What the session's kernels publish outside cells' runs from now on
    /// ([`SessionEvent`]). One subscriber at a time: a new one replaces
    /// the last, whose receiver then ends.
    pub fn subscribe(&self) -> Result<mpsc::UnboundedReceiver<SessionEvent>, SessionError> {
        let (events, rx) = mpsc::unbounded_channel();
        self.send(Command::Subscribe { events })?;
        Ok(rx)
    }

    /// Sends a comm message to the kernel (a widget's change, a click);
    /// returns its message id. Refused while no kernel is up.
    pub async fn send_comm(&self, message: CommMessage) -> Result<String, SessionError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::SendComm { message, reply })?;
        rx.await.map_err(|_| SessionError::Closed)?
    }

    /// The kernel's open comms, of the target `target_name` or all.
    pub async fn comm_info(
        &self,
        target_name: Option<&str>,
    ) -> Result<CommInfoReply, SessionError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::CommInfo {
            target_name: target_name.map(str::to_owned),
            reply,
        })?;
        rx.await.map_err(|_| SessionError::Closed)?
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
