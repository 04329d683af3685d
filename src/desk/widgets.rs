//! Widgets: what a notebook's kernel says to the window outside cells'
//! runs ([`WidgetEvent`]), and the comm messages the window sends back.
//!
//! Comm messages cross as they are, their binary buffers in base64. What
//! an `Output` widget captures (the kernel client takes it from the cell,
//! see [`crate::kernel::KernelEvent`]) is folded here as a cell's outputs
//! are, within the same bounds, and reaches the window as the same
//! [`OutputUpdate`]s: a widget that prints a million lines costs what a
//! cell does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::kernel::outputs::{CellOutputs, OutputLimits, OutputUpdate};
use crate::kernel::{CommKind, CommMessage, KernelEvent};
use crate::notebook::{MimeBundle, Output};
use crate::pacer::Pacer;
use crate::session::SessionEvent;

use super::error::DeskError;
use super::notebooks::OpenNotebook;
use super::open::{Desk, blocking};

/// The least time between two batches to the window: a slider's redraw
/// waits for no timer unless messages come faster than 60 a second.
const BATCH_INTERVAL: Duration = Duration::from_millis(4);

/// How long display updates wait to be saved, gathered.
const SAVE_DELAY: Duration = Duration::from_secs(1);

/// A comm message as it crosses to and from the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CommWire {
    /// `open`, `msg` or `close`.
    pub kind: CommWireKind,
    pub comm_id: String,
    /// The target of an `open` (`jupyter.widget`); empty otherwise.
    #[serde(default)]
    pub target_name: String,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub data: Map<String, Value>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub metadata: Map<String, Value>,
    /// The binary buffers, each in base64.
    #[serde(default)]
    pub buffers: Vec<String>,
    /// The message's id: the window's choice for what it sends (it knows
    /// the kernel's echo of its change by it), the kernel's otherwise.
    #[serde(default)]
    pub msg_id: Option<String>,
    /// For a message from the kernel, the id of the request it answers.
    #[serde(default)]
    pub parent_msg_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum CommWireKind {
    Open,
    Msg,
    Close,
}

impl From<&CommMessage> for CommWire {
    fn from(message: &CommMessage) -> Self {
        CommWire {
            kind: match message.kind {
                CommKind::Open => CommWireKind::Open,
                CommKind::Msg => CommWireKind::Msg,
                CommKind::Close => CommWireKind::Close,
            },
            comm_id: message.comm_id.clone(),
            target_name: message.target_name.clone(),
            data: message.data.clone(),
            metadata: message.metadata.clone(),
            buffers: message
                .buffers
                .iter()
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
                .collect(),
            msg_id: message.msg_id.clone(),
            parent_msg_id: message.parent_msg_id.clone(),
        }
    }
}

impl CommWire {
    /// The message for the kernel, or why it is not one.
    fn to_message(&self) -> Result<CommMessage, String> {
        let buffers = self
            .buffers
            .iter()
            .map(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map(Into::into)
                    .map_err(|_| "a comm buffer that is not base64".to_owned())
            })
            .collect::<Result<Vec<_>, _>>()?;
        // An id of the window's, kept to what ids look like.
        if let Some(id) = &self.msg_id
            && (id.is_empty()
                || id.len() > 100
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err("a comm message id that is not one".to_owned());
        }
        Ok(CommMessage {
            kind: match self.kind {
                CommWireKind::Open => CommKind::Open,
                CommWireKind::Msg => CommKind::Msg,
                CommWireKind::Close => CommKind::Close,
            },
            comm_id: self.comm_id.clone(),
            target_name: self.target_name.clone(),
            data: self.data.clone(),
            metadata: self.metadata.clone(),
            buffers,
            msg_id: self.msg_id.clone(),
            parent_msg_id: None,
        })
    }
}

/// One item of a batch for a notebook's widgets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum WidgetEvent {
    /// A comm message from the kernel.
    Comm { message: CommWire },
    /// Changes to the outputs the `Output` widget `model_id` captured.
    Outputs {
        model_id: String,
        updates: Vec<OutputUpdate>,
    },
    /// The output at `index` of the cell `cell_id` was shown with a
    /// display id an `update_display_data` named: it is now `output` (in
    /// the notebook's file too). The cell that runs follows its own.
    DisplayUpdated {
        cell_id: String,
        index: usize,
        output: Output,
    },
    /// The kernel is done with the comm message `msg_id` from the window.
    Idle { msg_id: String },
    /// The kernel went, and its widgets with it: they do nothing now.
    KernelGone { why: String },
}

/// Gives stored outputs an update's data: the outputs changed, with their
/// cells and places ([`OpenNotebook::update_display`]).
type UpdateDisplays = Box<dyn FnMut(Output) -> Vec<(String, usize, Output)> + Send>;

/// Folds what a session publishes into [`WidgetEvent`]s.
struct Fold {
    outputs: HashMap<String, CellOutputs>,
    update_displays: UpdateDisplays,
}

impl Fold {
    fn event(&mut self, event: SessionEvent, batch: &mut Vec<WidgetEvent>) {
        match event {
            SessionEvent::Kernel(KernelEvent::Comm(message)) => {
                if message.kind == CommKind::Close {
                    self.outputs.remove(&message.comm_id);
                }
                batch.push(WidgetEvent::Comm {
                    message: CommWire::from(&message),
                });
            }
            SessionEvent::Kernel(KernelEvent::WidgetOutput { comm_id, content }) => {
                let outputs = self
                    .outputs
                    .entry(comm_id.clone())
                    .or_insert_with(|| CellOutputs::new(OutputLimits::default()));
                outputs.apply(&content);
                let updates = outputs.take_updates();
                if updates.is_empty() {
                    return;
                }
                // Joined to the last batch item when it is the same widget's.
                if let Some(WidgetEvent::Outputs {
                    model_id,
                    updates: earlier,
                }) = batch.last_mut()
                    && *model_id == comm_id
                {
                    earlier.extend(updates);
                    return;
                }
                batch.push(WidgetEvent::Outputs {
                    model_id: comm_id,
                    updates,
                });
            }
            SessionEvent::Kernel(KernelEvent::UpdateDisplay(update)) => {
                let Some(display_id) = update.transient.display_id else {
                    return;
                };
                let data = match serde_json::to_value(&update.data) {
                    Ok(Value::Object(map)) => map,
                    _ => MimeBundle::new(),
                };
                let update = Output::DisplayData {
                    data,
                    metadata: update.metadata,
                    display_id: Some(display_id),
                };
                for (cell_id, index, output) in (self.update_displays)(update) {
                    batch.push(WidgetEvent::DisplayUpdated {
                        cell_id,
                        index,
                        output,
                    });
                }
            }
            SessionEvent::Kernel(KernelEvent::Idle { msg_id }) => {
                batch.push(WidgetEvent::Idle { msg_id });
            }
            SessionEvent::KernelGone { why } => {
                self.outputs.clear();
                batch.push(WidgetEvent::KernelGone { why });
            }
        }
    }
}

impl Desk {
    /// Sends what the kernel of the open notebook `path` says to its
    /// widgets to `send`, in batches (at most about 60 a second, the first
    /// at once), from now until the notebook closes or another follower
    /// takes its place. The kernel is started if it is not yet.
    pub async fn follow_widgets(
        &self,
        path: &str,
        mut send: impl FnMut(Vec<WidgetEvent>) + Send + 'static,
    ) -> Result<(), DeskError> {
        let session = self.session(path).await?;
        let open = self.open_notebook_of(path)?;
        let mut events = session.subscribe()?;
        let desk = self.clone();
        let update_displays: UpdateDisplays = Box::new(move |update| {
            let changed = open.update_display(update);
            if !changed.is_empty() {
                desk.save_soon(open.clone());
            }
            changed
        });
        tokio::spawn(async move {
            let mut fold = Fold {
                outputs: HashMap::new(),
                update_displays,
            };
            let mut batch = Vec::new();
            let mut pacer = Pacer::new(BATCH_INTERVAL);
            loop {
                let event = if batch.is_empty() {
                    events.recv().await
                } else {
                    match pacer.poll(Instant::now()) {
                        None => {
                            send(std::mem::take(&mut batch));
                            continue;
                        }
                        Some(at) => {
                            tokio::select! {
                                event = events.recv() => event,
                                () = tokio::time::sleep_until(at.into()) => continue,
                            }
                        }
                    }
                };
                match event {
                    Some(event) => fold.event(event, &mut batch),
                    None => {
                        if !batch.is_empty() {
                            send(batch);
                        }
                        return;
                    }
                }
            }
        });
        Ok(())
    }

    /// Saves the open notebook `open` in a moment, once for the display
    /// updates that come meanwhile (an animation updates many times a
    /// second).
    fn save_soon(&self, open: Arc<OpenNotebook>) {
        if !open.want_save() {
            return;
        }
        tokio::spawn(async move {
            tokio::time::sleep(SAVE_DELAY).await;
            open.saving();
            let _ = blocking(move || {
                let mut file = open.file.lock().expect("file lock");
                if let Err(err) = file.save() {
                    eprintln!("sagedesk: display updates were not saved: {err}");
                }
                Ok(())
            })
            .await;
        });
    }

    /// The kernel's open comms of the target `target_name` (or all): comm
    /// id → target. A window that opens a notebook whose kernel has widgets
    /// asks for them with it.
    ///
    /// # Errors
    ///
    /// [`DeskError::NotOpen`]; [`DeskError::Session`] when the kernel is
    /// not up or does not answer.
    pub async fn comm_info(
        &self,
        path: &str,
        target_name: Option<&str>,
    ) -> Result<std::collections::BTreeMap<String, String>, DeskError> {
        let session = self.session(path).await?;
        let reply = session.comm_info(target_name).await?;
        Ok(reply
            .comms
            .into_iter()
            .map(|(id, info)| (id.0, info.target_name))
            .collect())
    }

    /// Sends a comm message from the window to the kernel of the open
    /// notebook `path`; returns its message id, which a
    /// [`WidgetEvent::Idle`] names when the kernel is done with it.
    ///
    /// # Errors
    ///
    /// [`DeskError::NotOpen`]; [`DeskError::Session`] when the kernel is
    /// not up;
    /// [`DeskError::Internal`] for a buffer that is not base64.
    pub async fn send_comm(&self, path: &str, message: CommWire) -> Result<String, DeskError> {
        let session = self.session(path).await?;
        let message = message.to_message().map_err(DeskError::Internal)?;
        Ok(session.send_comm(message).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::messaging::{JupyterMessageContent, StreamContent};
    use serde_json::json;

    fn comm(kind: CommKind, id: &str) -> SessionEvent {
        SessionEvent::Kernel(KernelEvent::Comm(CommMessage {
            kind,
            comm_id: id.into(),
            target_name: "jupyter.widget".into(),
            data: json!({"state": {}}).as_object().unwrap().clone(),
            metadata: Map::new(),
            buffers: vec![vec![0u8, 255].into()],
            msg_id: Some("k-1".into()),
            parent_msg_id: None,
        }))
    }

    fn printed(id: &str, text: &str) -> SessionEvent {
        SessionEvent::Kernel(KernelEvent::WidgetOutput {
            comm_id: id.into(),
            content: JupyterMessageContent::StreamContent(StreamContent::stdout(text)),
        })
    }

    fn fold() -> Fold {
        Fold {
            outputs: HashMap::new(),
            update_displays: Box::new(|_| Vec::new()),
        }
    }

    #[test]
    fn captured_outputs_fold_as_a_cell_s_and_go_with_their_widget() {
        let mut fold = fold();
        let mut batch = Vec::new();
        fold.event(comm(CommKind::Open, "out"), &mut batch);
        fold.event(printed("out", "a"), &mut batch);
        fold.event(printed("out", "b\n"), &mut batch);
        let [
            WidgetEvent::Comm { message },
            WidgetEvent::Outputs { model_id, updates },
        ] = batch.as_slice()
        else {
            panic!("{batch:?}");
        };
        assert_eq!(message.buffers, vec!["AP8=".to_owned()]);
        assert_eq!(model_id, "out");
        let mut shown = Vec::new();
        for update in updates {
            crate::kernel::outputs::apply_update(&mut shown, update).unwrap();
        }
        assert_eq!(
            serde_json::to_value(&shown).unwrap(),
            json!([{"output_type": "stream", "name": "stdout", "text": "ab\n"}])
        );
        batch.clear();
        fold.event(comm(CommKind::Close, "out"), &mut batch);
        assert!(fold.outputs.is_empty());
        fold.event(
            SessionEvent::KernelGone {
                why: "It died.".into(),
            },
            &mut batch,
        );
        assert!(matches!(batch.last(), Some(WidgetEvent::KernelGone { .. })));
    }

    #[test]
    fn a_comm_from_the_window_decodes_its_buffers_or_is_refused() {
        let wire: CommWire = serde_json::from_value(json!({
            "kind": "msg", "commId": "c", "data": {"method": "update"}, "buffers": ["AAEC"],
            "msgId": "w-1"
        }))
        .unwrap();
        let message = wire.to_message().unwrap();
        assert_eq!(message.buffers[0].as_ref(), &[0u8, 1, 2]);
        assert_eq!(CommWire::from(&message), wire);
        let bad = CommWire {
            buffers: vec!["not base64!".into()],
            ..wire.clone()
        };
        assert!(bad.to_message().is_err());
        let forged = CommWire {
            msg_id: Some("a\"}, {".into()),
            ..wire
        };
        assert!(forged.to_message().is_err());
    }
}
