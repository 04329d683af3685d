//! Comms: the kernel's objects that talk to their front end (ipywidgets'
//! models, `@interact`), as Jupyter's messaging specification defines them
//! (`comm_open`, `comm_msg`, `comm_close`, with binary buffers), and what
//! a kernel publishes outside any cell's run.
//!
//! Outputs an `Output` widget captures are taken from the cell they would
//! otherwise land in, as nbclient and JupyterLab take them: while the
//! widget's `msg_id` is a request's id (ipywidgets sets it in
//! `with out:`), what that request prints belongs to the widget.

use std::collections::HashMap;

use bytes::Bytes;
use jupyter_protocol::messaging::{
    CommClose, CommId, CommMsg, CommOpen, JupyterMessage, JupyterMessageContent, UpdateDisplayData,
};
use serde_json::{Map, Value};

/// Which of the three comm messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommKind {
    Open,
    Msg,
    Close,
}

/// One comm message, either way.
#[derive(Debug, Clone, PartialEq)]
pub struct CommMessage {
    pub kind: CommKind,
    pub comm_id: String,
    /// The target a `comm_open` asks for (`jupyter.widget`); empty otherwise.
    pub target_name: String,
    pub data: Map<String, Value>,
    /// The message's metadata (ipywidgets puts its protocol version there).
    pub metadata: Map<String, Value>,
    /// Binary buffers, in order (ipywidgets' `buffer_paths` name where
    /// each goes in `data`).
    pub buffers: Vec<Bytes>,
    /// The message's own id: chosen by the sender (a front end matches
    /// the kernel's echo of its change by it), or made when sent.
    pub msg_id: Option<String>,
    /// The id of the request a message from the kernel answers.
    pub parent_msg_id: Option<String>,
}

impl CommMessage {
    /// The message's content, for the wire.
    pub(super) fn content(&self) -> JupyterMessageContent {
        let comm_id = CommId(self.comm_id.clone());
        let data = self.data.clone();
        match self.kind {
            CommKind::Open => JupyterMessageContent::CommOpen(CommOpen {
                comm_id,
                target_name: self.target_name.clone(),
                data,
                target_module: None,
            }),
            CommKind::Msg => JupyterMessageContent::CommMsg(CommMsg { comm_id, data }),
            CommKind::Close => JupyterMessageContent::CommClose(CommClose { comm_id, data }),
        }
    }

    /// The comm message a kernel sent, if `content` is one.
    pub(super) fn from_wire(message: &JupyterMessage) -> Option<CommMessage> {
        let JupyterMessage {
            content,
            metadata,
            buffers,
            header,
            parent_header,
            ..
        } = message;
        let (kind, comm_id, target_name, data) = match content {
            JupyterMessageContent::CommOpen(open) => (
                CommKind::Open,
                &open.comm_id,
                open.target_name.clone(),
                &open.data,
            ),
            JupyterMessageContent::CommMsg(msg) => {
                (CommKind::Msg, &msg.comm_id, String::new(), &msg.data)
            }
            JupyterMessageContent::CommClose(close) => {
                (CommKind::Close, &close.comm_id, String::new(), &close.data)
            }
            _ => return None,
        };
        Some(CommMessage {
            kind,
            comm_id: comm_id.0.clone(),
            target_name,
            data: data.clone(),
            metadata: metadata.as_object().cloned().unwrap_or_default(),
            buffers: buffers.to_vec(),
            msg_id: Some(header.msg_id.clone()),
            parent_msg_id: parent_header.as_ref().map(|p| p.msg_id.clone()),
        })
    }
}

/// What a kernel publishes that is not a cell's: its comms, the outputs
/// its `Output` widgets capture, and display updates from any request.
#[derive(Debug, Clone)]
pub enum KernelEvent {
    Comm(CommMessage),
    /// An output (stream, display data, result, error or clear_output)
    /// the `Output` widget `comm_id` captured.
    WidgetOutput {
        comm_id: String,
        content: JupyterMessageContent,
    },
    /// An `update_display_data`: every output shown with its display id,
    /// in any cell, takes its data.
    UpdateDisplay(UpdateDisplayData),
    /// The kernel is done with the comm message `msg_id` sent to it (its
    /// `idle` status): ipywidgets sends a widget's next change only then.
    Idle {
        msg_id: String,
    },
}

/// The kernel's `Output` widgets and the request each captures now.
#[derive(Debug, Default)]
pub(super) struct Captures {
    /// Comm id → (the request it captures, when it began to).
    widgets: HashMap<String, Option<(String, u64)>>,
    next: u64,
}

impl Captures {
    /// Follows one comm message from the kernel.
    pub(super) fn observe(&mut self, message: &CommMessage) {
        let state = message.data.get("state").and_then(Value::as_object);
        let msg_id = state.and_then(|s| s.get("msg_id")).and_then(Value::as_str);
        match message.kind {
            CommKind::Open => {
                let output = state
                    .and_then(|s| s.get("_model_name"))
                    .and_then(Value::as_str)
                    == Some("OutputModel");
                if output {
                    let captured = self.captured(msg_id);
                    self.widgets.insert(message.comm_id.clone(), captured);
                }
            }
            CommKind::Msg => {
                let update = message.data.get("method").and_then(Value::as_str) == Some("update");
                if update
                    && let Some(msg_id) = msg_id
                    && self.widgets.contains_key(&message.comm_id)
                {
                    let captured = self.captured(Some(msg_id));
                    self.widgets.insert(message.comm_id.clone(), captured);
                }
            }
            CommKind::Close => {
                self.widgets.remove(&message.comm_id);
            }
        }
    }

    fn captured(&mut self, msg_id: Option<&str>) -> Option<(String, u64)> {
        let msg_id = msg_id.filter(|id| !id.is_empty())?;
        self.next += 1;
        Some((msg_id.to_owned(), self.next))
    }

    /// The `Output` widget that captures what the request `parent` prints:
    /// of several, the one that began to last (nested `with` blocks).
    pub(super) fn owner(&self, parent: &str) -> Option<&str> {
        self.widgets
            .iter()
            .filter_map(|(comm, captured)| {
                let (id, when) = captured.as_ref()?;
                (id == parent).then_some((comm, *when))
            })
            .max_by_key(|(_, when)| *when)
            .map(|(comm, _)| comm.as_str())
    }
}

/// Whether `content` is an output an `Output` widget captures.
pub(super) fn capturable(content: &JupyterMessageContent) -> bool {
    matches!(
        content,
        JupyterMessageContent::StreamContent(_)
            | JupyterMessageContent::DisplayData(_)
            | JupyterMessageContent::ExecuteResult(_)
            | JupyterMessageContent::ErrorOutput(_)
            | JupyterMessageContent::ClearOutput(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(kind: CommKind, comm_id: &str, data: Value) -> CommMessage {
        CommMessage {
            kind,
            comm_id: comm_id.into(),
            target_name: String::new(),
            data: data.as_object().unwrap().clone(),
            metadata: Map::new(),
            buffers: Vec::new(),
            msg_id: None,
            parent_msg_id: None,
        }
    }

    #[test]
    fn an_output_widget_captures_the_request_it_names_until_it_lets_go() {
        let mut captures = Captures::default();
        captures.observe(&message(
            CommKind::Open,
            "out",
            json!({"state": {"_model_name": "OutputModel", "msg_id": ""}}),
        ));
        // A slider is not an output widget, whatever it says.
        captures.observe(&message(
            CommKind::Open,
            "slider",
            json!({"state": {"_model_name": "IntSliderModel"}}),
        ));
        captures.observe(&message(
            CommKind::Msg,
            "slider",
            json!({"method": "update", "state": {"msg_id": "req-1"}}),
        ));
        assert_eq!(captures.owner("req-1"), None);
        captures.observe(&message(
            CommKind::Msg,
            "out",
            json!({"method": "update", "state": {"msg_id": "req-1"}}),
        ));
        assert_eq!(captures.owner("req-1"), Some("out"));
        assert_eq!(captures.owner("req-2"), None);
        // Nested: the inner one captures, then the outer again.
        captures.observe(&message(
            CommKind::Open,
            "inner",
            json!({"state": {"_model_name": "OutputModel", "msg_id": "req-1"}}),
        ));
        assert_eq!(captures.owner("req-1"), Some("inner"));
        captures.observe(&message(
            CommKind::Msg,
            "inner",
            json!({"method": "update", "state": {"msg_id": ""}}),
        ));
        assert_eq!(captures.owner("req-1"), Some("out"));
        captures.observe(&message(CommKind::Close, "out", json!({})));
        assert_eq!(captures.owner("req-1"), None);
    }

    #[test]
    fn a_comm_message_goes_to_the_wire_and_back_with_its_buffers() {
        let sent = CommMessage {
            kind: CommKind::Msg,
            comm_id: "c".into(),
            target_name: String::new(),
            data: json!({"method": "custom", "content": {}})
                .as_object()
                .unwrap()
                .clone(),
            metadata: json!({"version": "2.1.0"}).as_object().unwrap().clone(),
            buffers: vec![Bytes::from_static(&[0, 255, 1])],
            msg_id: Some("m-1".into()),
            parent_msg_id: None,
        };
        let mut wire = JupyterMessage::new(sent.content(), None)
            .with_metadata(json!({"version": "2.1.0"}))
            .with_buffers(sent.buffers.clone());
        wire.header.msg_id = "m-1".into();
        assert_eq!(CommMessage::from_wire(&wire), Some(sent));
    }
}
