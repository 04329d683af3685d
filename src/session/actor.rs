//! The task that owns a session: its container, its kernel client, the
//! queue of cells, and the state everybody else only reads.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jupyter_protocol::messaging::ReplyStatus;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::handle::{Command, SessionEvent};
use super::heartbeat::Beat;
use super::live::{Live, News, StartResult, start_kernel};
use super::payload::Payload;
use super::record::SessionRecord;
use super::{
    CellEvent, CellStatus, DeathReason, InterruptOutcome, SessionConfig, SessionError, SessionState,
};
use crate::engine::Engine;
use crate::kernel::{Execution, ExecutionEvent, KernelClient, KernelEvent};

/// Restarts allowed within [`RESTART_WINDOW`] before the breaker opens.
const MAX_RESTARTS: usize = 3;
const RESTART_WINDOW: Duration = Duration::from_secs(60);
/// Waits between automatic restarts: 0.5 s, 1 s, 2 s, …
const BACKOFF_START: Duration = Duration::from_millis(500);
/// How long each step of an interrupt may take before the next is tried.
const INTERRUPT_STEP: Duration = Duration::from_secs(3);
/// The kernel's grace period when stopped.
const STOP_GRACE: Duration = Duration::from_secs(3);

struct Queued {
    code: String,
    tag: Option<String>,
    events: mpsc::UnboundedSender<CellEvent>,
}

/// The cell the kernel runs now.
struct Current {
    execution: Execution,
    events: mpsc::UnboundedSender<CellEvent>,
    status: Option<CellStatus>,
    execution_count: Option<usize>,
    /// Its events still come: false once the kernel's connection broke
    /// (the kernel's news then ends the cell).
    open: bool,
}

pub(crate) struct Actor {
    engine: Engine,
    config: SessionConfig,
    state: watch::Sender<SessionState>,
    /// The container's name, kept across restarts (a restart replaces it).
    name: String,
    live: Option<Live>,
    starting: Option<JoinHandle<StartResult>>,
    queue: VecDeque<Queued>,
    current: Option<Current>,
    restarts: Vec<Instant>,
    interrupt: Option<JoinHandle<()>>,
    /// The key to start the first kernel with: a recorded one when
    /// reattaching to a kernel left running.
    resume_key: Option<String>,
    resumed: Arc<AtomicBool>,
    /// Messages the session's kernels' clients dropped (forged or
    /// malformed), across restarts.
    dropped: watch::Sender<u64>,
    /// The running cell called `exit`: the kernel stops when it ends, and
    /// the session starts a new one, as asked rather than as a crash.
    exit_asked: bool,
    /// What the live kernel publishes outside cells' runs, and who hears it.
    kernel_events: Option<mpsc::UnboundedReceiver<KernelEvent>>,
    subscriber: Option<mpsc::UnboundedSender<SessionEvent>>,
}

impl Actor {
    pub(crate) fn new(
        engine: Engine,
        config: SessionConfig,
        name: String,
        resume_key: Option<String>,
        resumed: Arc<AtomicBool>,
        state: watch::Sender<SessionState>,
        dropped: watch::Sender<u64>,
    ) -> Actor {
        Actor {
            engine,
            config,
            state,
            name,
            resume_key,
            resumed,
            dropped,
            live: None,
            starting: None,
            queue: VecDeque::new(),
            current: None,
            restarts: Vec::new(),
            interrupt: None,
            exit_asked: false,
            kernel_events: None,
            subscriber: None,
        }
    }

    pub(crate) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        self.begin_start(Duration::ZERO);
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Shutdown { reply }) => {
                        self.stop(DeathReason::Stopped).await;
                        let _ = reply.send(());
                        return;
                    }
                    Some(Command::Detach { reply }) => {
                        let _ = reply.send(self.detach());
                        return;
                    }
                    Some(command) => self.command(command).await,
                    // Every handle is gone: nobody can use the kernel.
                    None => {
                        self.stop(DeathReason::Stopped).await;
                        return;
                    }
                },
                started = async { self.starting.as_mut().expect("guarded").await }, if self.starting.is_some() => {
                    self.starting = None;
                    match started {
                        Ok(Ok(live)) => {
                            self.resumed.store(live.container.adopted, Ordering::Relaxed);
                            tokio::spawn(super::dropped::count_dropped(live.client.watch_dropped(), self.dropped.clone()));
                            self.kernel_events = live.client.take_events();
                            self.live = Some(live);
                            self.settle();
                            self.next_cell();
                        }
                        Ok(Err(reason)) => self.died(reason, false).await,
                        Err(_) => self.died(DeathReason::StartFailed { message: "the start-up task failed".into() }, false).await,
                    }
                },
                event = async { self.current.as_mut().expect("guarded").execution.events.recv().await },
                    if self.current.as_ref().is_some_and(|c| c.open) => {
                    self.cell_event(event).await;
                },
                event = async { self.kernel_events.as_mut().expect("guarded").recv().await },
                    if self.kernel_events.is_some() => match event {
                    Some(event) => self.publish(SessionEvent::Kernel(event)),
                    // The client went; the kernel's news says why.
                    None => self.kernel_events = None,
                },
                news = async { self.live.as_mut().expect("guarded").news().await }, if self.live.is_some() => {
                    match news {
                        News::Exited(reason) => self.died(reason, true).await,
                        News::Lost(what) => {
                            let live = self.live.as_mut().expect("guarded");
                            let reason = live.lost(&self.engine, what).await;
                            self.died(reason, true).await;
                        }
                        News::Beat(beat) => self.beat(beat).await,
                    }
                },
            }
        }
    }

    /// Tells the subscriber, if there is one still listening.
    fn publish(&mut self, event: SessionEvent) {
        if let Some(subscriber) = &self.subscriber
            && subscriber.send(event).is_err()
        {
            self.subscriber = None;
        }
    }

    /// The live kernel is going: its comms go with it.
    fn kernel_gone(&mut self, why: &str) {
        if self.kernel_events.take().is_some() || self.live.is_some() {
            self.publish(SessionEvent::KernelGone {
                why: why.to_owned(),
            });
        }
    }

    fn set(&self, state: SessionState) {
        self.state.send_replace(state);
    }

    /// The state of a live kernel: busy while a cell runs, idle otherwise,
    /// unless it has stopped answering its heartbeat.
    fn settle(&self) {
        let silent = self.live.as_ref().and_then(|live| live.silent);
        self.set(match (silent, &self.current) {
            (Some(silent), _) => SessionState::NotResponding {
                silent_secs: silent.as_secs(),
            },
            (None, Some(_)) => SessionState::Busy,
            (None, None) => SessionState::Idle,
        });
    }

    /// What the heartbeat says: not responding (given up on, for sessions
    /// that do after a while), or answering again.
    async fn beat(&mut self, beat: Beat) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        live.silent = match beat {
            Beat::Silent(silent) => Some(silent),
            Beat::Answering => None,
        };
        if let (Some(silent), Some(limit)) = (live.silent, self.config.give_up_silent_after)
            && silent >= limit
        {
            let reason = DeathReason::NotResponding {
                after_secs: limit.as_secs(),
            };
            self.died(reason, true).await;
            return;
        }
        self.settle();
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Execute { code, tag, events } => {
                if let SessionState::Dead { reason } = self.state.borrow().clone() {
                    let _ = events.send(CellEvent::KernelDied {
                        message: format!(
                            "{} Restart the kernel to run this cell.",
                            reason.describe()
                        ),
                        reason,
                    });
                    return;
                }
                self.queue.push_back(Queued { code, tag, events });
                self.next_cell();
            }
            Command::Serve { notebook } => {
                self.config.notebook = Some(notebook);
                self.config.spare = false;
            }
            Command::Unqueue { tag, reply } => {
                let mut found = false;
                self.queue.retain(|cell| {
                    if cell.tag.as_deref() != Some(tag.as_str()) {
                        return true;
                    }
                    found = true;
                    let _ = cell.events.send(CellEvent::Finished {
                        status: CellStatus::Aborted,
                        execution_count: None,
                    });
                    false
                });
                let _ = reply.send(found);
            }
            Command::InputReply { value } => {
                if let (Some(current), Some(live)) = (&self.current, &self.live) {
                    let _ = live.client.input_reply(&current.execution.msg_id, value);
                }
            }
            Command::Interrupt { reply } => self.interrupt(reply),
            Command::Restart { reply } => {
                self.restart().await;
                let _ = reply.send(());
            }
            Command::Complete {
                code,
                cursor_pos,
                reply,
            } => self.ask(reply, move |client| async move {
                client.complete(&code, cursor_pos).await
            }),
            Command::Inspect {
                code,
                cursor_pos,
                reply,
            } => self.ask(reply, move |client| async move {
                client.inspect(&code, cursor_pos).await
            }),
            Command::Subscribe { events } => self.subscriber = Some(events),
            Command::SendComm { message, reply } => {
                let sent = match &self.live {
                    Some(live) => live.client.send_comm(&message).map_err(SessionError::from),
                    None => Err(self.not_ready()),
                };
                let _ = reply.send(sent);
            }
            Command::CommInfo { target_name, reply } => self.ask(reply, move |client| async move {
                client.comm_info(target_name.as_deref()).await
            }),
            Command::Shutdown { .. } | Command::Detach { .. } => {
                unreachable!("handled by the loop")
            }
        }
    }

    /// Asks the live kernel something in a task of its own, so that the
    /// actor goes on routing the running cell's events meanwhile.
    fn ask<T, F>(
        &self,
        reply: oneshot::Sender<Result<T, SessionError>>,
        ask: impl FnOnce(Arc<KernelClient>) -> F + Send + 'static,
    ) where
        T: Send + 'static,
        F: std::future::Future<Output = Result<T, crate::kernel::KernelError>> + Send + 'static,
    {
        match &self.live {
            Some(live) => {
                let client = live.client.clone();
                tokio::spawn(async move {
                    let _ = reply.send(ask(client).await.map_err(SessionError::from));
                });
            }
            None => {
                let _ = reply.send(Err(self.not_ready()));
            }
        }
    }

    fn not_ready(&self) -> SessionError {
        match self.state.borrow().clone() {
            SessionState::Dead { reason } => SessionError::Dead(reason),
            _ => SessionError::Kernel(crate::kernel::KernelError::Closed),
        }
    }

    /// Sends the next queued cell, if the kernel is up and free.
    fn next_cell(&mut self) {
        if self.current.is_some() {
            return;
        }
        let Some(live) = &self.live else { return };
        let Some(cell) = self.queue.pop_front() else {
            return;
        };
        // A cell whose listener went away still runs: the code was sent,
        // and later cells may rely on what it defines.
        match live.client.execute(&cell.code, true) {
            Ok(execution) => {
                let _ = cell.events.send(CellEvent::Started);
                self.current = Some(Current {
                    execution,
                    events: cell.events,
                    status: None,
                    execution_count: None,
                    open: true,
                });
                self.settle();
            }
            // The connection broke: the kernel's news says how, and the
            // cell runs in the kernel that replaces it, or is told.
            Err(_) => self.queue.push_front(cell),
        }
    }

    async fn cell_event(&mut self, event: Option<ExecutionEvent>) {
        let Some(current) = self.current.as_mut() else {
            return;
        };
        match event {
            Some(ExecutionEvent::Busy) => {}
            Some(ExecutionEvent::Output(content)) => {
                let _ = current.events.send(CellEvent::Output(content));
            }
            Some(ExecutionEvent::NotKept(what)) => {
                let _ = current.events.send(CellEvent::Output(what.to_output()));
            }
            Some(ExecutionEvent::InputRequest { prompt, password }) => {
                let _ = current
                    .events
                    .send(CellEvent::InputRequest { prompt, password });
            }
            Some(ExecutionEvent::Reply(reply)) => {
                current.status = Some(match reply.status {
                    ReplyStatus::Ok => CellStatus::Ok,
                    ReplyStatus::Error => CellStatus::Error,
                    ReplyStatus::Aborted => CellStatus::Aborted,
                });
                current.execution_count = Some(reply.execution_count.0);
                for payload in reply.payload.iter().filter_map(Payload::from_wire) {
                    if payload == (Payload::Exit { keep_kernel: false }) {
                        self.exit_asked = true;
                    }
                    let _ = current.events.send(CellEvent::Payload(payload));
                }
            }
            Some(ExecutionEvent::Done) => {
                let current = self.current.take().expect("checked above");
                let status = current.status.unwrap_or(CellStatus::Ok);
                let _ = current.events.send(CellEvent::Finished {
                    status,
                    execution_count: current.execution_count,
                });
                if status != CellStatus::Ok {
                    // As in Jupyter: cells queued behind a failed one do not run.
                    for cell in self.queue.drain(..) {
                        let _ = cell.events.send(CellEvent::Finished {
                            status: CellStatus::Aborted,
                            execution_count: None,
                        });
                    }
                }
                if self.exit_asked {
                    self.exit_asked = false;
                    // The kernel is on its way out: a new one, and the
                    // queued cells run in it.
                    self.restart().await;
                    return;
                }
                self.settle();
                self.next_cell();
            }
            // The connection broke: not polled again (it would answer at
            // once, forever); the kernel's news says how, and ends the cell.
            None => current.open = false,
        }
    }

    /// Interrupts in steps, in a task of its own so that the cell's events
    /// keep flowing meanwhile: the kernel's interrupt_request, then SIGINT
    /// to the kernel process, then the verdict that only a restart helps.
    fn interrupt(&mut self, reply: oneshot::Sender<InterruptOutcome>) {
        for cell in self.queue.drain(..) {
            let _ = cell.events.send(CellEvent::Finished {
                status: CellStatus::Aborted,
                execution_count: None,
            });
        }
        let (Some(live), true) = (&self.live, self.current.is_some()) else {
            let _ = reply.send(InterruptOutcome::NothingRunning);
            return;
        };
        let client = live.client.clone();
        let engine = self.engine.clone();
        let id = live.container.id.clone();
        let mut state = self.state.subscribe();
        if let Some(previous) = self.interrupt.take() {
            previous.abort();
        }
        self.interrupt = Some(tokio::spawn(async move {
            let idle = |state: &mut watch::Receiver<SessionState>| {
                let mut state = state.clone();
                async move {
                    tokio::time::timeout(
                        INTERRUPT_STEP,
                        // Ended: a cell runs on while its kernel is silent.
                        state.wait_for(|s| {
                            !matches!(s, SessionState::Busy | SessionState::NotResponding { .. })
                        }),
                    )
                    .await
                    .is_ok()
                }
            };
            let _ = client.interrupt(INTERRUPT_STEP).await;
            if idle(&mut state).await {
                let _ = reply.send(InterruptOutcome::Interrupted);
                return;
            }
            let _ = engine.signal_container(&id, "SIGINT").await;
            let outcome = if idle(&mut state).await {
                InterruptOutcome::Signalled
            } else {
                InterruptOutcome::NeedsRestart
            };
            let _ = reply.send(outcome);
        }));
    }

    /// The kernel died (or never came up). The running cell, and cells
    /// waiting behind it, are told what happened and what was lost; the
    /// kernel is restarted if the session may and the breaker allows it.
    async fn died(&mut self, reason: DeathReason, was_running: bool) {
        self.kernel_gone(&reason.describe());
        if let Some(live) = self.live.take() {
            live.watcher.abort();
            // The dead container holds nothing more of use.
            let _ = self.engine.remove_container(&live.container.id).await;
        }
        if std::mem::take(&mut self.exit_asked) {
            // It stopped as `exit` asked, before its cell's end came in:
            // the cell ran, and a new kernel takes the queue.
            if let Some(current) = self.current.take() {
                let _ = current.events.send(CellEvent::Finished {
                    status: current.status.unwrap_or(CellStatus::Ok),
                    execution_count: current.execution_count,
                });
            }
            self.set(SessionState::Restarting {
                reason: DeathReason::Stopped,
            });
            self.begin_start(Duration::ZERO);
            return;
        }
        let now = Instant::now();
        self.restarts
            .retain(|t| now.duration_since(*t) < RESTART_WINDOW);
        // Without an engine a new kernel cannot start: the session waits,
        // dead, to be restarted once the engine is back.
        let engine_gone = matches!(reason, DeathReason::EngineGone { .. });
        let restart = was_running
            && self.config.auto_restart
            && !engine_gone
            && self.restarts.len() < MAX_RESTARTS;
        let what = reason.describe();
        let what = what.trim_end_matches('.');
        let message = if restart {
            format!("{what} and was restarted; variables from earlier cells are gone.")
        } else if engine_gone {
            format!(
                "{what}. Variables from earlier cells are gone. Start the engine again, then restart the kernel."
            )
        } else if was_running {
            format!("{what}. Variables from earlier cells are gone. Restart the kernel to go on.")
        } else {
            format!("{what}. Restart the kernel to try again.")
        };
        if let Some(current) = self.current.take() {
            let _ = current.events.send(CellEvent::KernelDied {
                reason: reason.clone(),
                message: message.clone(),
            });
        }
        if restart {
            self.restarts.push(now);
            let backoff = BACKOFF_START * 2u32.pow(self.restarts.len().saturating_sub(1) as u32);
            self.set(SessionState::Restarting { reason });
            self.begin_start(backoff);
        } else {
            let reason = if was_running && self.config.auto_restart && !engine_gone {
                DeathReason::GaveUp {
                    restarts: self.restarts.len() as u32,
                }
            } else {
                reason
            };
            for cell in self.queue.drain(..) {
                let _ = cell.events.send(CellEvent::KernelDied {
                    reason: reason.clone(),
                    message: message.clone(),
                });
            }
            self.set(SessionState::Dead { reason });
        }
    }

    async fn restart(&mut self) {
        if let Some(start) = self.starting.take() {
            start.abort();
        }
        self.kernel_gone("The kernel was restarted.");
        if let Some(live) = self.live.take() {
            live.watcher.abort();
            let _ = live.client.shutdown(Duration::from_secs(1)).await;
            let _ = self.engine.remove_container(&live.container.id).await;
        }
        if let Some(current) = self.current.take() {
            let _ = current.events.send(CellEvent::KernelDied {
                reason: DeathReason::Stopped,
                message: "The kernel was restarted; variables from earlier cells are gone.".into(),
            });
        }
        self.restarts.clear();
        self.set(SessionState::Restarting {
            reason: DeathReason::Stopped,
        });
        self.begin_start(Duration::ZERO);
    }

    /// Lets go of a live kernel without stopping it, and says how to find
    /// it again. The cells in flight are told the kernel was left running.
    fn detach(&mut self) -> Option<SessionRecord> {
        if let Some(start) = self.starting.take() {
            start.abort();
        }
        if let Some(task) = self.interrupt.take() {
            task.abort();
        }
        self.kernel_gone("SageDesk let go of the kernel.");
        let live = self.live.take()?;
        live.watcher.abort();
        self.end_cells(
            &DeathReason::Stopped,
            "SageDesk let go of the kernel; it goes on running for the next launch.",
        );
        self.set(SessionState::Dead {
            reason: DeathReason::Stopped,
        });
        Some(SessionRecord {
            name: self.name.clone(),
            key: live.key.clone(),
            image: self.config.image.clone(),
            kernel_argv: self.config.kernel_argv.clone(),
            workspace: self.config.workspace.clone(),
            notebook: self.config.notebook.clone(),
            network: self.config.network,
            limits: self.config.limits.clone(),
            attached_by: None,
            // The desk says when, by its clock.
            left_at: None,
            alone_stop_after_secs: self.config.alone_stop_after.map(|d| d.as_secs()),
        })
    }

    async fn stop(&mut self, reason: DeathReason) {
        if let Some(start) = self.starting.take() {
            start.abort();
        }
        self.kernel_gone(&reason.describe());
        if let Some(task) = self.interrupt.take() {
            task.abort();
        }
        if let Some(live) = self.live.take() {
            live.watcher.abort();
            let _ = live.client.shutdown(Duration::from_secs(1)).await;
            let _ = self
                .engine
                .stop_container(&live.container.id, STOP_GRACE)
                .await;
            let _ = self.engine.remove_container(&live.container.id).await;
        }
        // A container whose start was cut short is removed by name.
        let _ = self.engine.remove_container(&self.name).await;
        self.end_cells(&reason, &reason.describe());
        self.set(SessionState::Dead { reason });
    }

    /// Ends the running cell and the queued ones with the kernel's death.
    fn end_cells(&mut self, reason: &DeathReason, message: &str) {
        let running = self.current.take().map(|c| c.events);
        for events in running
            .into_iter()
            .chain(self.queue.drain(..).map(|q| q.events))
        {
            let _ = events.send(CellEvent::KernelDied {
                reason: reason.clone(),
                message: message.to_string(),
            });
        }
    }

    fn begin_start(&mut self, after: Duration) {
        if self.live.is_none() && !matches!(*self.state.borrow(), SessionState::Restarting { .. }) {
            self.set(SessionState::Starting);
        }
        let engine = self.engine.clone();
        let config = self.config.clone();
        let name = self.name.clone();
        let key = self.resume_key.take();
        self.starting = Some(tokio::spawn(async move {
            tokio::time::sleep(after).await;
            start_kernel(engine, config, name, key).await
        }));
    }
}
