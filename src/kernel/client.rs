//! A client for one kernel: the five ZeroMQ sockets, and an actor that
//! routes every message the kernel sends to the request or execution it
//! answers.
//!
//! Messages are signed with the session's key; one whose signature does
//! not verify is dropped and counted, never acted on. The shell and stdin
//! sockets share one identity, or the kernel's `input()` requests would
//! never reach us.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jupyter_protocol::connection_info::ConnectionInfo;
use jupyter_protocol::messaging::{
    CompleteReply, CompleteRequest, ExecuteReply, ExecuteRequest, ExecutionState, InputReply,
    InspectReply, InspectRequest, InterruptRequest, JupyterMessage, JupyterMessageContent,
    KernelInfoReply, KernelInfoRequest, ShutdownRequest,
};
use jupyter_zmq_client::RuntimeError;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

/// What went wrong talking to a kernel.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error("could not connect to the kernel: {0}")]
    Connect(String),
    #[error("the kernel did not answer {what} within {} s", after.as_secs_f64())]
    Timeout { what: String, after: Duration },
    #[error("the connection to the kernel is closed")]
    Closed,
    #[error("the kernel answered {what} with an error: {message}")]
    Reply { what: String, message: String },
}

/// What one execution produces, in the order the kernel sends it.
#[derive(Debug, Clone)]
pub enum ExecutionEvent {
    /// The kernel started on the request.
    Busy,
    /// An iopub message for the cell: stream, display data, result, error,
    /// clear_output or update_display_data.
    Output(JupyterMessageContent),
    /// The code called `input()`; answer with [`KernelClient::input_reply`].
    InputRequest { prompt: String, password: bool },
    /// The shell's reply: status and execution count.
    Reply(ExecuteReply),
    /// The last event: the kernel is idle again after this request.
    Done,
}

/// A running execution: its message id and the stream of its events.
pub struct Execution {
    pub msg_id: String,
    pub events: mpsc::UnboundedReceiver<ExecutionEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Shell,
    Control,
    Stdin,
    Iopub,
}

enum Command {
    Request {
        channel: Channel,
        message: JupyterMessage,
        reply: oneshot::Sender<JupyterMessage>,
    },
    Execute {
        message: JupyterMessage,
        events: mpsc::UnboundedSender<ExecutionEvent>,
    },
    InputReply {
        execution: String,
        value: String,
    },
}

enum Incoming {
    Message(Channel, Box<JupyterMessage>),
    /// A socket failed: the kernel is gone or unreachable.
    Closed,
}

/// A connected kernel. Dropping it stops its tasks and closes its sockets.
pub struct KernelClient {
    commands: mpsc::UnboundedSender<Command>,
    heartbeat: Mutex<jupyter_zmq_client::ClientHeartbeatConnection>,
    dropped: Arc<AtomicU64>,
    iopub_seen: tokio::sync::watch::Receiver<bool>,
    tasks: Vec<JoinHandle<()>>,
    session_id: String,
}

impl Drop for KernelClient {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The five sockets of a kernel connection.
struct Sockets {
    iopub: jupyter_zmq_client::ClientIoPubConnection,
    shell: jupyter_zmq_client::ClientShellConnection,
    stdin: jupyter_zmq_client::ClientStdinConnection,
    control: jupyter_zmq_client::ClientControlConnection,
    heartbeat: jupyter_zmq_client::ClientHeartbeatConnection,
}

impl Sockets {
    async fn open(info: &ConnectionInfo, session_id: &str) -> Result<Sockets, RuntimeError> {
        let identity = jupyter_zmq_client::peer_identity_for_session(session_id)?;
        Ok(Sockets {
            iopub: jupyter_zmq_client::create_client_iopub_connection(info, "", session_id).await?,
            shell: jupyter_zmq_client::create_client_shell_connection_with_identity(
                info,
                session_id,
                identity.clone(),
            )
            .await?,
            stdin: jupyter_zmq_client::create_client_stdin_connection_with_identity(
                info, session_id, identity,
            )
            .await?,
            control: jupyter_zmq_client::create_client_control_connection(info, session_id).await?,
            heartbeat: jupyter_zmq_client::create_client_heartbeat_connection(info).await?,
        })
    }
}

/// Whether a read error is about one bad message (dropped) rather than the
/// socket (fatal).
fn is_bad_message(err: &RuntimeError) -> bool {
    !matches!(err, RuntimeError::ZmqError(_) | RuntimeError::IoError(_))
}

fn spawn_reader<S>(
    channel: Channel,
    mut conn: jupyter_zmq_client::Connection<S>,
    incoming: mpsc::UnboundedSender<Incoming>,
    dropped: Arc<AtomicU64>,
) -> JoinHandle<()>
where
    S: zeromq::SocketRecv + Send + 'static,
{
    tokio::spawn(async move {
        loop {
            match conn.read().await {
                Ok(message) => {
                    if incoming
                        .send(Incoming::Message(channel, Box::new(message)))
                        .is_err()
                    {
                        return;
                    }
                }
                Err(err) if is_bad_message(&err) => {
                    // A forged or corrupt message: never acted on.
                    dropped.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => {
                    let _ = incoming.send(Incoming::Closed);
                    return;
                }
            }
        }
    })
}

impl KernelClient {
    /// Connects to the kernel and waits until it answers `kernel_info` and
    /// its iopub subscription is live (messages published before that are
    /// lost, so nothing may be executed earlier).
    pub async fn connect(
        info: &ConnectionInfo,
        deadline: Duration,
    ) -> Result<(KernelClient, KernelInfoReply), KernelError> {
        let session_id = super::connection::new_session_id();
        let give_up = tokio::time::Instant::now() + deadline;
        // The published ports accept TCP before the kernel listens behind
        // them (the engine's proxy resets such connections), so opening is
        // retried until the kernel is up or the deadline passes.
        let sockets = loop {
            let attempt =
                tokio::time::timeout(Duration::from_secs(5), Sockets::open(info, &session_id));
            match attempt.await {
                Ok(Ok(sockets)) => break sockets,
                // Still refused at the deadline: the kernel never came up.
                Ok(Err(e)) if tokio::time::Instant::now() >= give_up => {
                    return Err(KernelError::Timeout {
                        what: format!("the connection (last: {e})"),
                        after: deadline,
                    });
                }
                Err(_) if tokio::time::Instant::now() >= give_up => {
                    return Err(KernelError::Timeout {
                        what: "the connection".into(),
                        after: deadline,
                    });
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let Sockets {
            iopub,
            shell,
            stdin,
            control,
            heartbeat,
        } = sockets;
        let dropped = Arc::new(AtomicU64::new(0));
        let (incoming_tx, incoming_rx) = mpsc::unbounded_channel();
        let (shell_send, shell_recv) = shell.split();
        let (stdin_send, stdin_recv) = stdin.split();
        let (control_send, control_recv) = control.split();
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let (seen_tx, seen_rx) = tokio::sync::watch::channel(false);
        let tasks = vec![
            spawn_reader(Channel::Iopub, iopub, incoming_tx.clone(), dropped.clone()),
            spawn_reader(
                Channel::Shell,
                shell_recv,
                incoming_tx.clone(),
                dropped.clone(),
            ),
            spawn_reader(
                Channel::Stdin,
                stdin_recv,
                incoming_tx.clone(),
                dropped.clone(),
            ),
            spawn_reader(Channel::Control, control_recv, incoming_tx, dropped.clone()),
            tokio::spawn(
                Router {
                    shell: shell_send,
                    stdin: stdin_send,
                    control: control_send,
                    requests: HashMap::new(),
                    executions: HashMap::new(),
                    iopub_seen: seen_tx,
                }
                .run(commands_rx, incoming_rx),
            ),
        ];
        let client = KernelClient {
            commands: commands_tx,
            heartbeat: Mutex::new(heartbeat),
            dropped,
            iopub_seen: seen_rx,
            tasks,
            session_id,
        };
        let left = give_up.saturating_duration_since(tokio::time::Instant::now());
        let reply = tokio::time::timeout(left, client.handshake())
            .await
            .map_err(|_| KernelError::Timeout {
                what: "kernel_info".into(),
                after: deadline,
            })??;
        Ok((client, reply))
    }

    /// Asks for `kernel_info` until the kernel answers and an iopub message
    /// has arrived. ZeroMQ connects lazily, so early requests may be slow.
    async fn handshake(&self) -> Result<KernelInfoReply, KernelError> {
        let mut seen = self.iopub_seen.clone();
        loop {
            let attempt = self.request(
                Channel::Shell,
                KernelInfoRequest {}.into(),
                Duration::from_millis(500),
                "kernel_info",
            );
            match attempt.await {
                Ok(message) => {
                    if let JupyterMessageContent::KernelInfoReply(reply) = message.content {
                        // The reply's status messages came on iopub, unless
                        // the subscription was not live yet: then ask again.
                        let live =
                            tokio::time::timeout(Duration::from_millis(300), seen.wait_for(|s| *s))
                                .await
                                .is_ok();
                        if live {
                            return Ok(*reply);
                        }
                    }
                }
                Err(KernelError::Timeout { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }

    async fn request(
        &self,
        channel: Channel,
        content: JupyterMessageContent,
        timeout: Duration,
        what: &str,
    ) -> Result<JupyterMessage, KernelError> {
        let (reply_tx, reply_rx) = oneshot::channel();
        let message = JupyterMessage::new(content, None).with_session(&self.session_id);
        self.commands
            .send(Command::Request {
                channel,
                message,
                reply: reply_tx,
            })
            .map_err(|_| KernelError::Closed)?;
        match tokio::time::timeout(timeout, reply_rx).await {
            Err(_) => Err(KernelError::Timeout {
                what: what.into(),
                after: timeout,
            }),
            Ok(Err(_)) => Err(KernelError::Closed),
            Ok(Ok(reply)) => Ok(reply),
        }
    }

    /// Sends `code` to run; its events arrive on the returned
    /// [`Execution`], ending with [`ExecutionEvent::Done`].
    pub fn execute(&self, code: &str, allow_stdin: bool) -> Result<Execution, KernelError> {
        let request = ExecuteRequest {
            code: code.to_string(),
            silent: false,
            store_history: true,
            user_expressions: None,
            allow_stdin,
            stop_on_error: true,
        };
        let message = JupyterMessage::new(request, None).with_session(&self.session_id);
        let msg_id = message.header.msg_id.clone();
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        self.commands
            .send(Command::Execute {
                message,
                events: events_tx,
            })
            .map_err(|_| KernelError::Closed)?;
        Ok(Execution {
            msg_id,
            events: events_rx,
        })
    }

    /// Answers the latest `input()` prompt of an execution.
    pub fn input_reply(&self, execution: &str, value: String) -> Result<(), KernelError> {
        self.commands
            .send(Command::InputReply {
                execution: execution.to_string(),
                value,
            })
            .map_err(|_| KernelError::Closed)
    }

    /// Completions at `cursor_pos` (in characters) of `code`.
    pub async fn complete(
        &self,
        code: &str,
        cursor_pos: usize,
    ) -> Result<CompleteReply, KernelError> {
        let content = CompleteRequest {
            code: code.to_string(),
            cursor_pos,
        };
        match self
            .request(
                Channel::Shell,
                content.into(),
                Duration::from_secs(10),
                "complete_request",
            )
            .await?
            .content
        {
            JupyterMessageContent::CompleteReply(reply) => Ok(reply),
            other => Err(unexpected("complete_request", &other)),
        }
    }

    /// Help on the name at `cursor_pos` of `code`.
    pub async fn inspect(
        &self,
        code: &str,
        cursor_pos: usize,
    ) -> Result<InspectReply, KernelError> {
        let content = InspectRequest {
            code: code.to_string(),
            cursor_pos,
            detail_level: Some(0),
        };
        match self
            .request(
                Channel::Shell,
                content.into(),
                Duration::from_secs(10),
                "inspect_request",
            )
            .await?
            .content
        {
            JupyterMessageContent::InspectReply(reply) => Ok(reply),
            other => Err(unexpected("inspect_request", &other)),
        }
    }

    /// Asks the kernel to interrupt what it runs (on the control channel,
    /// which is served even while the kernel is busy).
    pub async fn interrupt(&self, timeout: Duration) -> Result<(), KernelError> {
        self.request(
            Channel::Control,
            InterruptRequest {}.into(),
            timeout,
            "interrupt_request",
        )
        .await
        .map(|_| ())
    }

    /// Asks the kernel to shut down.
    pub async fn shutdown(&self, timeout: Duration) -> Result<(), KernelError> {
        self.request(
            Channel::Control,
            ShutdownRequest { restart: false }.into(),
            timeout,
            "shutdown_request",
        )
        .await
        .map(|_| ())
    }

    /// One heartbeat round trip: the kernel process is alive and not frozen.
    pub async fn heartbeat(&self, timeout: Duration) -> Result<(), KernelError> {
        let mut hb = self.heartbeat.lock().await;
        tokio::time::timeout(timeout, hb.single_heartbeat())
            .await
            .map_err(|_| KernelError::Timeout {
                what: "a heartbeat".into(),
                after: timeout,
            })?
            .map_err(|_| KernelError::Closed)
    }

    /// How many messages were dropped for a bad signature or bad framing.
    pub fn dropped_messages(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

fn unexpected(what: &str, content: &JupyterMessageContent) -> KernelError {
    KernelError::Reply {
        what: what.into(),
        message: format!("unexpected {}", content.message_type()),
    }
}

/// One execution in flight. It is finished when both its shell reply and
/// its final `idle` status have arrived; they come on different sockets,
/// in either order.
struct Running {
    events: mpsc::UnboundedSender<ExecutionEvent>,
    replied: bool,
    idle: bool,
    input_request: Option<JupyterMessage>,
}

struct Router {
    shell: jupyter_zmq_client::DealerSendConnection,
    stdin: jupyter_zmq_client::DealerSendConnection,
    control: jupyter_zmq_client::DealerSendConnection,
    requests: HashMap<String, oneshot::Sender<JupyterMessage>>,
    executions: HashMap<String, Running>,
    iopub_seen: tokio::sync::watch::Sender<bool>,
}

impl Router {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut incoming: mpsc::UnboundedReceiver<Incoming>,
    ) {
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => {
                        if self.command(command).await.is_err() {
                            return;
                        }
                    }
                    None => return,
                },
                message = incoming.recv() => match message {
                    Some(Incoming::Message(channel, message)) => self.incoming(channel, *message),
                    // A socket died: the session notices through the
                    // engine or the heartbeat; pending callers see Closed.
                    Some(Incoming::Closed) | None => return,
                },
            }
        }
    }

    async fn command(&mut self, command: Command) -> Result<(), RuntimeError> {
        match command {
            Command::Request {
                channel,
                message,
                reply,
            } => {
                self.requests.insert(message.header.msg_id.clone(), reply);
                match channel {
                    Channel::Control => self.control.send(message).await,
                    _ => self.shell.send(message).await,
                }
            }
            Command::Execute { message, events } => {
                self.executions.insert(
                    message.header.msg_id.clone(),
                    Running {
                        events,
                        replied: false,
                        idle: false,
                        input_request: None,
                    },
                );
                self.shell.send(message).await
            }
            Command::InputReply { execution, value } => {
                let Some(request) = self
                    .executions
                    .get_mut(&execution)
                    .and_then(|r| r.input_request.take())
                else {
                    return Ok(());
                };
                let reply = JupyterMessage::new(
                    InputReply {
                        value,
                        ..Default::default()
                    },
                    Some(&request),
                );
                self.stdin.send(reply).await
            }
        }
    }

    fn incoming(&mut self, channel: Channel, message: JupyterMessage) {
        if channel == Channel::Iopub {
            self.iopub_seen
                .send_if_modified(|seen| !std::mem::replace(seen, true));
        }
        let Some(parent) = message.parent_header.as_ref().map(|h| h.msg_id.clone()) else {
            return;
        };
        if let Some(running) = self.executions.get_mut(&parent) {
            if let (Channel::Stdin, JupyterMessageContent::InputRequest(request)) =
                (channel, &message.content)
            {
                let _ = running.events.send(ExecutionEvent::InputRequest {
                    prompt: request.prompt.clone(),
                    password: request.password,
                });
                // Kept: the reply names it as its parent.
                running.input_request = Some(message);
                return;
            }
            let event = match (channel, message.content) {
                (Channel::Iopub, JupyterMessageContent::Status(status)) => {
                    match status.execution_state {
                        ExecutionState::Busy => Some(ExecutionEvent::Busy),
                        ExecutionState::Idle => {
                            running.idle = true;
                            None
                        }
                        _ => None,
                    }
                }
                (
                    Channel::Iopub,
                    content @ (JupyterMessageContent::StreamContent(_)
                    | JupyterMessageContent::DisplayData(_)
                    | JupyterMessageContent::UpdateDisplayData(_)
                    | JupyterMessageContent::ExecuteResult(_)
                    | JupyterMessageContent::ErrorOutput(_)
                    | JupyterMessageContent::ClearOutput(_)),
                ) => Some(ExecutionEvent::Output(content)),
                (Channel::Shell, JupyterMessageContent::ExecuteReply(reply)) => {
                    running.replied = true;
                    Some(ExecutionEvent::Reply(reply))
                }
                _ => None,
            };
            if let Some(event) = event {
                let _ = running.events.send(event);
            }
            if running.replied && running.idle {
                let _ = running.events.send(ExecutionEvent::Done);
                self.executions.remove(&parent);
            }
        } else if channel != Channel::Iopub
            && let Some(reply) = self.requests.remove(&parent)
        {
            let _ = reply.send(message);
        }
    }
}
