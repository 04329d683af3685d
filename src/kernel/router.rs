//! The actor behind a [`KernelClient`](super::KernelClient): it sends
//! what the client asks and routes every message the kernel sends to the
//! request or execution it answers (by its parent's message id).

use std::collections::HashMap;

use jupyter_protocol::messaging::{
    ExecutionState, InputReply, JupyterMessage, JupyterMessageContent,
};
use jupyter_zmq_client::RuntimeError;
use tokio::sync::{mpsc, oneshot};

use super::client::ExecutionEvent;

/// The socket a message came or goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Channel {
    Shell,
    Control,
    Stdin,
    Iopub,
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
}

/// What the socket readers hand the router.
pub(super) enum Incoming {
    Message(Channel, Box<JupyterMessage>),
    /// A socket failed: the kernel is gone or unreachable.
    Closed,
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
}

impl Router {
    pub(super) fn new(
        shell: jupyter_zmq_client::DealerSendConnection,
        stdin: jupyter_zmq_client::DealerSendConnection,
        control: jupyter_zmq_client::DealerSendConnection,
        iopub_seen: tokio::sync::watch::Sender<bool>,
    ) -> Router {
        Router {
            shell,
            stdin,
            control,
            requests: HashMap::new(),
            executions: HashMap::new(),
            iopub_seen,
        }
    }

    /// Runs until the client is dropped or a socket fails.
    pub(super) async fn run(
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
