//! The actor behind a [`KernelClient`](super::KernelClient): it sends
//! what the client asks and routes every message the kernel sends to the
//! request or execution it answers (by its parent's message id). It runs
//! until the client is dropped or the connection breaks, and then says why.

use std::collections::{HashMap, HashSet};

use jupyter_protocol::messaging::{
    ExecutionState, InputReply, JupyterMessage, JupyterMessageContent,
};
use jupyter_zmq_client::RuntimeError;
use tokio::sync::{mpsc, oneshot};

use super::client::ExecutionEvent;
use super::comms::{Captures, CommMessage, KernelEvent, capturable};
use super::intake::NotKept;

/// The socket a message came or goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Channel {
    Shell,
    Control,
    Stdin,
    Iopub,
    Heartbeat,
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Channel::Shell => "shell",
            Channel::Control => "control",
            Channel::Stdin => "stdin",
            Channel::Iopub => "iopub",
            Channel::Heartbeat => "heartbeat",
        })
    }
}

/// What the client asks of the router.
pub(super) enum Command {
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
    /// A message that has no reply (a comm message), on shell.
    Send {
        message: JupyterMessage,
    },
}

/// What the socket readers and guards hand the router.
pub(super) enum Incoming {
    Message(Channel, Box<JupyterMessage>),
    /// An output too large to parse, for the request `parent`.
    TooLarge {
        parent: Option<String>,
        msg_type: String,
        bytes: u64,
        limit: u64,
    },
    /// A frame refused at its header by the socket's guard.
    Refused {
        channel: Channel,
        bytes: u64,
        limit: u64,
    },
    /// The connection broke: how, as a phrase that follows "The Sage
    /// kernel" ("closed its stdin socket").
    Closed(String),
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

/// Owns the sending halves of the sockets and what is waiting for an
/// answer.
pub(super) struct Router {
    shell: jupyter_zmq_client::DealerSendConnection,
    stdin: jupyter_zmq_client::DealerSendConnection,
    control: jupyter_zmq_client::DealerSendConnection,
    requests: HashMap<String, oneshot::Sender<JupyterMessage>>,
    executions: HashMap<String, Running>,
    iopub_seen: tokio::sync::watch::Sender<bool>,
    /// What the kernel publishes outside executions.
    events: mpsc::UnboundedSender<KernelEvent>,
    captures: Captures,
    /// Comm messages sent, until the kernel is idle after each.
    comms_sent: HashSet<String>,
}

impl Router {
    pub(super) fn new(
        shell: jupyter_zmq_client::DealerSendConnection,
        stdin: jupyter_zmq_client::DealerSendConnection,
        control: jupyter_zmq_client::DealerSendConnection,
        iopub_seen: tokio::sync::watch::Sender<bool>,
        events: mpsc::UnboundedSender<KernelEvent>,
    ) -> Router {
        Router {
            shell,
            stdin,
            control,
            requests: HashMap::new(),
            executions: HashMap::new(),
            iopub_seen,
            events,
            captures: Captures::default(),
            comms_sent: HashSet::new(),
        }
    }

    /// Runs until the client is dropped or the connection breaks; returns
    /// why it stopped, as a phrase that follows "The Sage kernel".
    pub(super) async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut incoming: mpsc::UnboundedReceiver<Incoming>,
    ) -> String {
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => {
                        if let Err(why) = self.command(command).await {
                            return why;
                        }
                    }
                    None => return "was let go of by its client".into(),
                },
                message = incoming.recv() => match message {
                    Some(Incoming::Message(channel, message)) => self.incoming(channel, *message),
                    Some(Incoming::TooLarge { parent, msg_type, bytes, limit }) => {
                        self.iopub_seen.send_if_modified(|seen| !std::mem::replace(seen, true));
                        if let Some(running) = parent.and_then(|p| self.executions.get(&p)) {
                            let what = NotKept::TooLarge { msg_type, bytes, limit };
                            let _ = running.events.send(ExecutionEvent::NotKept(what));
                        }
                    }
                    Some(Incoming::Refused { channel, bytes, limit }) => {
                        self.refused(channel, bytes, limit);
                    }
                    // Pending callers see their replies' senders dropped.
                    Some(Incoming::Closed(why)) => return why,
                    None => return "stopped being read".into(),
                },
            }
        }
    }

    /// A frame the guard refused: its message is lost, and whose it was is
    /// unknown (its header never came), so each running execution is told.
    /// One refused on shell may have been an execution's reply: it then
    /// ends at its idle status without one.
    fn refused(&mut self, channel: Channel, bytes: u64, limit: u64) {
        let mut done = Vec::new();
        for (id, running) in &mut self.executions {
            let what = NotKept::Refused { bytes, limit };
            let _ = running.events.send(ExecutionEvent::NotKept(what));
            if channel == Channel::Shell {
                running.replied = true;
                if running.idle {
                    done.push(id.clone());
                }
            }
        }
        for id in done {
            self.finish(&id);
        }
    }

    /// Ends an execution whose reply and idle status have both come.
    fn finish(&mut self, id: &str) {
        if let Some(running) = self.executions.remove(id) {
            let _ = running.events.send(ExecutionEvent::Done);
        }
    }

    /// Sends what the client asks; a message the socket does not take
    /// breaks the connection (the error says how).
    async fn command(&mut self, command: Command) -> Result<(), String> {
        let (channel, sent) = self.send(command).await;
        sent.map_err(|err| format!("did not take a message on its {channel} socket ({err})"))
    }

    async fn send(&mut self, command: Command) -> (Channel, Result<(), RuntimeError>) {
        match command {
            Command::Request {
                channel,
                message,
                reply,
            } => {
                self.requests.insert(message.header.msg_id.clone(), reply);
                match channel {
                    Channel::Control => (channel, self.control.send(message).await),
                    _ => (Channel::Shell, self.shell.send(message).await),
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
                (Channel::Shell, self.shell.send(message).await)
            }
            Command::InputReply { execution, value } => {
                let Some(request) = self
                    .executions
                    .get_mut(&execution)
                    .and_then(|r| r.input_request.take())
                else {
                    return (Channel::Stdin, Ok(()));
                };
                let reply = JupyterMessage::new(
                    InputReply {
                        value,
                        ..Default::default()
                    },
                    Some(&request),
                );
                (Channel::Stdin, self.stdin.send(reply).await)
            }
            Command::Send { message } => {
                self.comms_sent.insert(message.header.msg_id.clone());
                (Channel::Shell, self.shell.send(message).await)
            }
        }
    }

    /// Takes what an iopub message brings that is not only a cell's: a
    /// comm message, an output an `Output` widget captures (both are then
    /// the cell's no more: true), a display update (also the cell's).
    fn published(&mut self, message: &JupyterMessage) -> bool {
        if let Some(comm) = CommMessage::from_wire(message) {
            self.captures.observe(&comm);
            let _ = self.events.send(KernelEvent::Comm(comm));
            return true;
        }
        if let (JupyterMessageContent::Status(status), Some(parent)) =
            (&message.content, &message.parent_header)
            && status.execution_state == ExecutionState::Idle
            && self.comms_sent.remove(&parent.msg_id)
        {
            let msg_id = parent.msg_id.clone();
            let _ = self.events.send(KernelEvent::Idle { msg_id });
            return true;
        }
        if let JupyterMessageContent::UpdateDisplayData(update) = &message.content {
            let _ = self.events.send(KernelEvent::UpdateDisplay(update.clone()));
            return false;
        }
        let owner = message
            .parent_header
            .as_ref()
            .filter(|_| capturable(&message.content))
            .and_then(|parent| self.captures.owner(&parent.msg_id));
        if let Some(comm_id) = owner {
            let _ = self.events.send(KernelEvent::WidgetOutput {
                comm_id: comm_id.to_owned(),
                content: message.content.clone(),
            });
            return true;
        }
        false
    }

    fn incoming(&mut self, channel: Channel, message: JupyterMessage) {
        if channel == Channel::Iopub {
            self.iopub_seen
                .send_if_modified(|seen| !std::mem::replace(seen, true));
        }
        if channel == Channel::Iopub && self.published(&message) {
            return;
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
                self.finish(&parent);
            }
        } else if channel != Channel::Iopub
            && let Some(reply) = self.requests.remove(&parent)
        {
            let _ = reply.send(message);
        }
    }
}
