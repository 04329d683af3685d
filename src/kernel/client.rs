//! A client for one kernel: the five ZeroMQ sockets, and an actor that
//! routes every message the kernel sends to the request or execution it
//! answers.
//!
//! Messages are signed with the session's key; one whose signature does
//! not verify is dropped and counted, never acted on. The shell and stdin
//! sockets share one identity, or the kernel's `input()` requests would
//! never reach us. Every socket reaches the kernel through a frame guard
//! (`guard.rs`), which refuses frames over [`MessageLimits::max_frame`].

use std::time::Duration;

use jupyter_protocol::connection_info::ConnectionInfo;
use jupyter_protocol::messaging::{
    CommInfoReply, CommInfoRequest, CompleteReply, CompleteRequest, ExecuteReply, ExecuteRequest,
    InspectReply, InspectRequest, InterruptRequest, JupyterMessage, JupyterMessageContent,
    KernelInfoReply, KernelInfoRequest, ShutdownRequest,
};
use jupyter_zmq_client::RuntimeError;
use tokio::sync::{Mutex, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use zeromq::{SocketRecv, SocketSend};

use super::comms::{CommMessage, KernelEvent};
use super::error::KernelError;
use super::guard::Guard;
use super::intake::{MessageLimits, NotKept};
use super::router::{Channel, Command, Incoming, Router};
use super::wire::{Received, decode};

/// What one execution produces, in the order the kernel sends it.
#[derive(Debug, Clone)]
pub enum ExecutionEvent {
    /// The kernel started on the request.
    Busy,
    /// An iopub message for the cell: stream, display data, result, error,
    /// clear_output or update_display_data.
    Output(JupyterMessageContent),
    /// A message for the cell that did not reach it whole: too large.
    NotKept(NotKept),
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

/// A connected kernel. Dropping it stops its tasks and closes its sockets.
pub struct KernelClient {
    commands: mpsc::UnboundedSender<Command>,
    heartbeat: Mutex<Heartbeat>,
    dropped: watch::Sender<u64>,
    iopub_seen: watch::Receiver<bool>,
    /// Set, with why, when the router stops: the connection broke.
    lost: watch::Receiver<Option<String>>,
    /// What the kernel publishes outside executions, until taken.
    events: std::sync::Mutex<Option<mpsc::UnboundedReceiver<KernelEvent>>>,
    tasks: Vec<JoinHandle<()>>,
    _guards: Vec<Guard>,
    session_id: String,
}

/// The heartbeat socket, a REQ socket: it takes a new ping only once the
/// last one is answered, so a ping still unanswered is waited for again
/// rather than sent anew.
struct Heartbeat {
    connection: jupyter_zmq_client::ClientHeartbeatConnection,
    waiting: bool,
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

fn spawn_reader<S>(
    channel: Channel,
    conn: jupyter_zmq_client::Connection<S>,
    incoming: mpsc::UnboundedSender<Incoming>,
    dropped: watch::Sender<u64>,
    max_output: usize,
) -> JoinHandle<()>
where
    S: SocketRecv + Send + 'static,
{
    let jupyter_zmq_client::Connection {
        mut socket, mac, ..
    } = conn;
    tokio::spawn(async move {
        loop {
            let frames = match socket.recv().await {
                Ok(frames) => frames,
                // The socket's stream is broken (a protocol error): it
                // would stay so.
                Err(err) => {
                    let why = format!("broke ZeroMQ's protocol on its {channel} socket ({err})");
                    let _ = incoming.send(Incoming::Closed(why));
                    return;
                }
            };
            let item = match decode(frames, mac.as_ref(), max_output) {
                Ok(Received::Message(message)) => Incoming::Message(channel, message),
                Ok(Received::TooLarge {
                    msg_type,
                    parent,
                    bytes,
                }) => Incoming::TooLarge {
                    parent,
                    msg_type,
                    bytes,
                    limit: max_output as u64,
                },
                // A forged or corrupt message: never acted on.
                Err(_) => {
                    dropped.send_modify(|n| *n += 1);
                    continue;
                }
            };
            if incoming.send(item).is_err() {
                return;
            }
        }
    })
}

/// One guard for each of the kernel's ports, and the connection info that
/// points the client's sockets at them.
async fn guard(
    info: &ConnectionInfo,
    limits: MessageLimits,
    incoming: &mpsc::UnboundedSender<Incoming>,
) -> Result<(Vec<Guard>, ConnectionInfo), KernelError> {
    let mut guarded = info.clone();
    guarded.ip = "127.0.0.1".into();
    let mut guards = Vec::new();
    for (channel, port) in [
        (Channel::Shell, &mut guarded.shell_port),
        (Channel::Iopub, &mut guarded.iopub_port),
        (Channel::Stdin, &mut guarded.stdin_port),
        (Channel::Control, &mut guarded.control_port),
        (Channel::Heartbeat, &mut guarded.hb_port),
    ] {
        let guard = Guard::start(channel, &info.ip, *port, limits.max_frame, incoming.clone())
            .await
            .map_err(|err| KernelError::Guard(err.to_string()))?;
        *port = guard.port;
        guards.push(guard);
    }
    Ok((guards, guarded))
}

impl KernelClient {
    /// Connects to the kernel and waits until it answers `kernel_info` and
    /// its iopub subscription is live (messages published before that are
    /// lost, so nothing may be executed earlier). Takes what the default
    /// [`MessageLimits`] allow.
    pub async fn connect(
        info: &ConnectionInfo,
        deadline: Duration,
    ) -> Result<(KernelClient, KernelInfoReply), KernelError> {
        KernelClient::connect_with(info, deadline, MessageLimits::default()).await
    }

    /// [`KernelClient::connect`], taking from the kernel what `limits`
    /// allow.
    pub async fn connect_with(
        info: &ConnectionInfo,
        deadline: Duration,
        limits: MessageLimits,
    ) -> Result<(KernelClient, KernelInfoReply), KernelError> {
        let session_id = super::connection::new_session_id();
        let give_up = tokio::time::Instant::now() + deadline;
        let (incoming_tx, incoming_rx) = mpsc::unbounded_channel();
        let (guards, info) = guard(info, limits, &incoming_tx).await?;
        let info = &info;
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
        let (dropped, _) = watch::channel(0);
        let (shell_send, shell_recv) = shell.split();
        let (stdin_send, stdin_recv) = stdin.split();
        let (control_send, control_recv) = control.split();
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let (seen_tx, seen_rx) = watch::channel(false);
        let (lost_tx, lost_rx) = watch::channel(None);
        let max_output = limits.max_output;
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let router = Router::new(shell_send, stdin_send, control_send, seen_tx, events_tx);
        let tasks = vec![
            spawn_reader(
                Channel::Iopub,
                iopub,
                incoming_tx.clone(),
                dropped.clone(),
                max_output,
            ),
            spawn_reader(
                Channel::Shell,
                shell_recv,
                incoming_tx.clone(),
                dropped.clone(),
                max_output,
            ),
            spawn_reader(
                Channel::Stdin,
                stdin_recv,
                incoming_tx.clone(),
                dropped.clone(),
                max_output,
            ),
            spawn_reader(
                Channel::Control,
                control_recv,
                incoming_tx,
                dropped.clone(),
                max_output,
            ),
            tokio::spawn(async move {
                let why = router.run(commands_rx, incoming_rx).await;
                lost_tx.send_replace(Some(why));
            }),
        ];
        let client = KernelClient {
            commands: commands_tx,
            heartbeat: Mutex::new(Heartbeat {
                connection: heartbeat,
                waiting: false,
            }),
            dropped,
            iopub_seen: seen_rx,
            lost: lost_rx,
            events: std::sync::Mutex::new(Some(events_rx)),
            tasks,
            _guards: guards,
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

    /// What the kernel publishes outside executions: its comm messages,
    /// the outputs its `Output` widgets capture, display updates. Given
    /// once; `None` after. Until taken, they wait in memory, so whoever
    /// holds a client that runs comms takes them.
    pub fn take_events(&self) -> Option<mpsc::UnboundedReceiver<KernelEvent>> {
        self.events.lock().expect("events lock").take()
    }

    /// Sends a comm message (open, msg or close, with its buffers) on
    /// shell, with the id it names or a new one; returns that id, the
    /// parent of what the kernel publishes while it handles it.
    pub fn send_comm(&self, comm: &CommMessage) -> Result<String, KernelError> {
        let mut message = JupyterMessage::new(comm.content(), None)
            .with_session(&self.session_id)
            .with_metadata(serde_json::Value::Object(comm.metadata.clone()))
            .with_buffers(comm.buffers.clone());
        if let Some(id) = &comm.msg_id {
            message.header.msg_id = id.clone();
        }
        let msg_id = message.header.msg_id.clone();
        self.commands
            .send(Command::Send { message })
            .map_err(|_| KernelError::Closed)?;
        Ok(msg_id)
    }

    /// The kernel's open comms, of the target `target_name` or all.
    pub async fn comm_info(&self, target_name: Option<&str>) -> Result<CommInfoReply, KernelError> {
        let content = CommInfoRequest {
            target_name: target_name.map(str::to_owned),
        };
        match self
            .request(
                Channel::Shell,
                content.into(),
                Duration::from_secs(10),
                "comm_info_request",
            )
            .await?
            .content
        {
            JupyterMessageContent::CommInfoReply(reply) => Ok(reply),
            other => Err(unexpected("comm_info_request", &other)),
        }
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
    /// After a timeout the ping stays sent, and the next call waits on for
    /// its answer: a frozen kernel answers it when it thaws.
    pub async fn heartbeat(&self, timeout: Duration) -> Result<(), KernelError> {
        let mut hb = self.heartbeat.lock().await;
        if !hb.waiting {
            let ping = zeromq::ZmqMessage::from(b"ping".to_vec());
            hb.connection
                .socket
                .send(ping)
                .await
                .map_err(|_| KernelError::Closed)?;
            hb.waiting = true;
        }
        // Cancel-safe: a reply not yet read stays in the socket.
        let answer = tokio::time::timeout(timeout, hb.connection.socket.recv())
            .await
            .map_err(|_| KernelError::Timeout {
                what: "a heartbeat".into(),
                after: timeout,
            })?;
        hb.waiting = false;
        answer.map(|_| ()).map_err(|_| KernelError::Closed)
    }

    /// Waits until the connection to the kernel breaks (a socket the
    /// kernel closed, or broke the protocol on); returns how, as a phrase
    /// that follows "The Sage kernel". Requests and executions in flight
    /// then end without their replies.
    pub async fn lost(&self) -> String {
        let mut lost = self.lost.clone();
        match lost.wait_for(Option::is_some).await {
            Ok(why) => why.clone().unwrap_or_default(),
            Err(_) => "stopped being read".into(),
        }
    }

    /// How many messages were dropped for a bad signature or bad framing.
    pub fn dropped_messages(&self) -> u64 {
        *self.dropped.borrow()
    }

    /// The count of [`KernelClient::dropped_messages`], as it changes; it
    /// closes when the client goes.
    pub fn watch_dropped(&self) -> watch::Receiver<u64> {
        self.dropped.subscribe()
    }
}

fn unexpected(what: &str, content: &JupyterMessageContent) -> KernelError {
    KernelError::Reply {
        what: what.into(),
        message: format!("unexpected {}", content.message_type()),
    }
}
