//! A client for one kernel: the five ZeroMQ sockets, and an actor that
//! routes every message the kernel sends to the request or execution it
//! answers.
//!
//! Messages are signed with the session's key; one whose signature does
//! not verify is dropped and counted, never acted on. The shell and stdin
//! sockets share one identity, or the kernel's `input()` requests would
//! never reach us.

use std::time::Duration;

use jupyter_protocol::connection_info::ConnectionInfo;
use jupyter_protocol::messaging::{
    CompleteReply, CompleteRequest, ExecuteReply, ExecuteRequest, InspectReply, InspectRequest,
    InterruptRequest, JupyterMessage, JupyterMessageContent, KernelInfoReply, KernelInfoRequest,
    ShutdownRequest,
};
use jupyter_zmq_client::RuntimeError;
use tokio::sync::{Mutex, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::error::KernelError;
use super::router::{Channel, Command, Incoming, Router};

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

/// A connected kernel. Dropping it stops its tasks and closes its sockets.
pub struct KernelClient {
    commands: mpsc::UnboundedSender<Command>,
    heartbeat: Mutex<jupyter_zmq_client::ClientHeartbeatConnection>,
    dropped: watch::Sender<u64>,
    iopub_seen: watch::Receiver<bool>,
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
    dropped: watch::Sender<u64>,
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
                    dropped.send_modify(|n| *n += 1);
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
        let (dropped, _) = watch::channel(0);
        let (incoming_tx, incoming_rx) = mpsc::unbounded_channel();
        let (shell_send, shell_recv) = shell.split();
        let (stdin_send, stdin_recv) = stdin.split();
        let (control_send, control_recv) = control.split();
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let (seen_tx, seen_rx) = watch::channel(false);
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
                Router::new(shell_send, stdin_send, control_send, seen_tx)
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
