//! A cell's run turned into what a window needs: its outputs folded and
//! bounded, and incremental updates sent in batches, at most about 30 a
//! second, whatever the kernel produces (the desktop shell forwards each
//! batch through a Tauri channel; one message per line would drown it).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jupyter_protocol::messaging::JupyterMessageContent;
use serde::Serialize;

use super::{CellEvent, CellRun, CellStatus, DeathReason, Payload};
use crate::kernel::outputs::{CellOutputs, Output, OutputLimits, OutputUpdate};
use crate::pacer::Pacer;

/// The least time between two batches of output updates: ~30 batches a
/// second, smooth to the eye, and far below the ~20,000 messages a second
/// a Tauri channel takes into the webview.
const BATCH_INTERVAL: Duration = Duration::from_millis(33);

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
    /// What the kernel asks of the window as the run ends: help to show,
    /// a next cell, an exit. Not part of the cell's outputs.
    Payload { payload: Payload },
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
    /// Lines were left out of the outputs, and everything the cell printed
    /// is kept in a file (see [`forward_keeping`]): the window can offer it.
    /// Sent just before `finished` or `kernelDied`.
    WholeOutputKept { bytes: u64 },
}

/// The most of a cell's printing kept in its whole output: past this the
/// file is given up (the outputs' head and tail still show).
pub const WHOLE_OUTPUT_LIMIT: u64 = 1 << 30;

/// Everything a cell prints (stdout and stderr, in the order they came),
/// written to a file as it comes, while the outputs keep only a head and a
/// tail of long streams.
struct WholeOutput {
    path: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
    bytes: u64,
    limit: u64,
}

impl WholeOutput {
    fn create(path: &Path) -> std::io::Result<WholeOutput> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        Ok(WholeOutput {
            path: path.to_owned(),
            file: Some(std::io::BufWriter::new(options.open(path)?)),
            bytes: 0,
            limit: WHOLE_OUTPUT_LIMIT,
        })
    }

    fn write(&mut self, text: &str) {
        let Some(file) = &mut self.file else {
            return;
        };
        let fits = self.bytes + text.len() as u64 <= self.limit;
        if fits && file.write_all(text.as_bytes()).is_ok() {
            self.bytes += text.len() as u64;
        } else {
            // Too much, or a full disk: an incomplete file is not offered,
            // and goes at once rather than at the end of a run that may
            // never end.
            self.file = None;
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// The size of the file kept when lines were left out of `outputs` and
    /// the file is complete; otherwise the file is removed.
    fn finish(mut self, outputs: &CellOutputs) -> Option<u64> {
        let complete = self.file.take().is_some_and(|mut f| f.flush().is_ok());
        let cut = outputs
            .outputs()
            .iter()
            .any(|o| matches!(o, Output::Stream { tail: Some(_), .. }));
        if complete && cut {
            Some(self.bytes)
        } else {
            let _ = std::fs::remove_file(&self.path);
            None
        }
    }
}

/// How a forwarded run ended, with the outputs to save in the notebook.
pub struct ForwardedRun {
    pub outputs: CellOutputs,
    pub status: Option<CellStatus>,
    pub execution_count: Option<usize>,
    pub death: Option<(DeathReason, String)>,
    /// The file holding everything the cell printed, when lines were left
    /// out of `outputs` ([`forward_keeping`] only).
    pub whole_output: Option<PathBuf>,
}

/// Drives a cell's run to its end, calling `send` with batches of updates:
/// output changes are held back until the pacer allows a batch, while
/// starts, prompts and endings go out at once (with the outputs before
/// them). The last batch never waits.
pub async fn forward(
    run: CellRun,
    limits: OutputLimits,
    send: impl FnMut(Vec<CellUpdate>),
) -> ForwardedRun {
    forward_keeping(run, limits, None, send).await
}

/// [`forward`], also writing everything the cell prints to the file
/// `whole_output` (created owner-only): kept, and announced with
/// [`CellUpdate::WholeOutputKept`], when lines were left out of the
/// outputs; removed otherwise. A file that cannot be written is given up
/// on without disturbing the run.
pub async fn forward_keeping(
    mut run: CellRun,
    limits: OutputLimits,
    whole_output: Option<&Path>,
    mut send: impl FnMut(Vec<CellUpdate>),
) -> ForwardedRun {
    let mut whole = whole_output.and_then(|path| WholeOutput::create(path).ok());
    let mut outputs = CellOutputs::new(limits);
    let mut pacer = Pacer::new(BATCH_INTERVAL);
    let mut due: Option<Instant> = None;
    let mut result = ForwardedRun {
        outputs: CellOutputs::new(limits),
        status: None,
        execution_count: None,
        death: None,
        whole_output: None,
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
                if let (Some(whole), JupyterMessageContent::StreamContent(stream)) =
                    (&mut whole, &content)
                {
                    whole.write(&stream.text);
                }
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
            CellEvent::Payload(payload) => Some(CellUpdate::Payload { payload }),
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
            if last && let Some(whole) = whole.take() {
                let path = whole.path.clone();
                if let Some(bytes) = whole.finish(&outputs) {
                    result.whole_output = Some(path);
                    batch.push(CellUpdate::WholeOutputKept { bytes });
                }
            }
            batch.push(update);
            send(batch);
            if last {
                break;
            }
        }
    }
    // The run ended without its last event (the session went away).
    if let Some(whole) = whole.take() {
        let path = whole.path.clone();
        if whole.finish(&outputs).is_some() {
            result.whole_output = Some(path);
        }
    }
    result.outputs = outputs;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_output_past_its_limit_is_given_up_and_removed_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outputs/cell.txt");
        let mut whole = WholeOutput::create(&path).unwrap();
        whole.limit = 10;
        whole.write("12345\n");
        assert!(path.exists());
        whole.write("67890\n");
        assert!(!path.exists(), "removed as soon as it is too long");
        whole.write("more\n");
        assert!(!path.exists());
        assert_eq!(
            whole.finish(&CellOutputs::new(OutputLimits::default())),
            None
        );
    }
}
