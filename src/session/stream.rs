//! A cell's run turned into what a window needs: its outputs folded and
//! bounded, and incremental updates sent in batches, at most about 30 a
//! second, whatever the kernel produces (the desktop shell forwards each
//! batch through a Tauri channel; one message per line would drown it).

use std::time::Instant;

use serde::Serialize;

use super::{CellEvent, CellRun, CellStatus, DeathReason};
use crate::kernel::outputs::{CellOutputs, OutputLimits, OutputUpdate, Pacer};

/// One item of a batch for a cell's listener.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CellUpdate {
    /// The kernel began running the cell.
    Started,
    /// Changes to the cell's outputs, in order.
    Outputs { updates: Vec<OutputUpdate> },
    /// The cell asks for input.
    InputRequest { prompt: String, password: bool },
    /// The run ended.
    Finished {
        status: CellStatus,
        execution_count: Option<usize>,
    },
    /// The kernel died under the cell: what happened and what was lost.
    KernelDied {
        reason: DeathReason,
        message: String,
    },
}

/// How a forwarded run ended, with the outputs to save in the notebook.
pub struct ForwardedRun {
    pub outputs: CellOutputs,
    pub status: Option<CellStatus>,
    pub execution_count: Option<usize>,
    pub death: Option<(DeathReason, String)>,
}

/// Drives a cell's run to its end, calling `send` with batches of updates:
/// output changes are held back until the pacer allows a batch, while
/// starts, prompts and endings go out at once (with the outputs before
/// them). The last batch never waits.
pub async fn forward(
    mut run: CellRun,
    limits: OutputLimits,
    mut send: impl FnMut(Vec<CellUpdate>),
) -> ForwardedRun {
    let mut outputs = CellOutputs::new(limits);
    let mut pacer = Pacer::default();
    let mut due: Option<Instant> = None;
    let mut result = ForwardedRun {
        outputs: CellOutputs::new(limits),
        status: None,
        execution_count: None,
        death: None,
    };
    let pending = |outputs: &mut CellOutputs| -> Vec<CellUpdate> {
        let updates = outputs.take_updates();
        if updates.is_empty() {
            Vec::new()
        } else {
            vec![CellUpdate::Outputs { updates }]
        }
    };
    loop {
        let event = match due {
            Some(at) => {
                tokio::select! {
                    event = run.events.recv() => event,
                    _ = tokio::time::sleep_until(at.into()) => {
                        due = None;
                        let batch = pending(&mut outputs);
                        if !batch.is_empty() {
                            pacer.poll(Instant::now());
                            send(batch);
                        }
                        continue;
                    }
                }
            }
            None => run.events.recv().await,
        };
        let Some(event) = event else { break };
        let urgent = match event {
            CellEvent::Output(content) => {
                outputs.apply(&content);
                if due.is_none() && outputs.has_updates() {
                    match pacer.poll(Instant::now()) {
                        None => send(pending(&mut outputs)),
                        Some(at) => due = Some(at),
                    }
                }
                None
            }
            CellEvent::Started => Some(CellUpdate::Started),
            CellEvent::InputRequest { prompt, password } => {
                Some(CellUpdate::InputRequest { prompt, password })
            }
            CellEvent::Finished {
                status,
                execution_count,
            } => {
                result.status = Some(status);
                result.execution_count = execution_count;
                Some(CellUpdate::Finished {
                    status,
                    execution_count,
                })
            }
            CellEvent::KernelDied { reason, message } => {
                result.death = Some((reason.clone(), message.clone()));
                Some(CellUpdate::KernelDied { reason, message })
            }
        };
        if let Some(update) = urgent {
            let mut batch = pending(&mut outputs);
            due = None;
            let last = matches!(
                update,
                CellUpdate::Finished { .. } | CellUpdate::KernelDied { .. }
            );
            batch.push(update);
            send(batch);
            if last {
                break;
            }
        }
    }
    result.outputs = outputs;
    result
}
