//! The notebooks' kernels on the desk: started (or taken back from an
//! earlier launch) when a notebook opens, running its cells with their
//! outputs saved into the notebook as each ends, asked for completions and
//! help, interrupted and restarted, and stopped or left running at quit.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::id::new_id;
use crate::kernel::MessageLimits;
use crate::kernel::outputs::OutputLimits;
use crate::notebook::{Output, RunTimes};
use crate::session::{
    CellStatus, CellUpdate, DeathReason, DroppedCounts, InterruptOutcome, Session, SessionConfig,
    SessionRecord, SessionState, UNATTENDED_PATIENCE, forward_keeping,
};
use crate::workspace::KernelsOnQuit;

use super::error::DeskError;
use super::events::DeskEvent;
use super::notebooks::{kept_names, rfc3339};
use super::open::{Desk, KernelLife, WHOLE_OUTPUTS, blocking, machine_limits};
use super::views::{Completions, Help};

/// The longest [`Desk::quit`] waits for the kernels to stop or be recorded.
pub const QUIT_BUDGET: Duration = Duration::from_secs(15);

/// At most one kernel event a while for a changing dropped-message count.
const DROPPED_PACE: Duration = Duration::from_secs(1);

/// A cell sent to run: [`CellDone::wait`] waits for its end, with its
/// outputs saved into its notebook. Dropping it lets the cell go on.
pub struct CellDone(JoinHandle<CellEnd>);

/// How a cell's run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct CellEnd {
    /// `None` when the kernel died before the cell finished.
    pub status: Option<CellStatus>,
    pub execution_count: Option<usize>,
    /// The Sage error the cell ended with, as `ename: evalue`.
    pub error: Option<String>,
    /// What happened to the kernel, when it died under the cell.
    pub death: Option<String>,
    /// Why the outputs could not be saved to the notebook's file (another
    /// program changed or removed it, the disk is full).
    pub not_saved: Option<String>,
}

impl CellDone {
    /// Waits until the cell has ended and its outputs are in its notebook
    /// (saved to the file unless another program changed the file).
    pub async fn wait(self) -> CellEnd {
        self.0.await.unwrap_or_else(|err| CellEnd {
            status: None,
            execution_count: None,
            error: None,
            death: None,
            not_saved: Some(format!("the cell's task failed: {err}")),
        })
    }
}

/// How a notebook's kernel comes: taken back from an earlier launch, the
/// spare kernel, or new.
enum Start {
    Resume(SessionRecord),
    Spare(Arc<Session>),
    Fresh(SessionConfig),
}

impl Desk {
    /// The kernel of the open notebook `path`, started (warming in the
    /// background) if it has none yet: the one left running for it when the
    /// app last quit, with its variables, or a new one of the settings'
    /// image and limits. Its states are sent as [`DeskEvent::KernelStatus`].
    pub(crate) async fn session(&self, path: &str) -> Result<Arc<Session>, DeskError> {
        let open = self.open_notebook_of(path)?;
        if let Some(session) = open.session() {
            return Ok(session);
        }
        let workspace = self.workspace()?;
        let engine = self.engine().await?;
        let records = &self.inner.records;
        let supervised = self.inner.kernels == KernelLife::Supervised;
        let messages = MessageLimits {
            max_frame: self.settings().max_message_bytes,
            ..MessageLimits::default()
        };
        let left_running = supervised
            .then(|| records.find(workspace.root(), path))
            .flatten();
        let start = match left_running {
            Some(record) => {
                // Taken: kept from orphan collection while this process
                // lives (the container's label names the one that made it).
                if let Err(err) = records.attach(&record) {
                    eprintln!("sagedesk: could not mark the kernel of {path} as taken: {err}");
                }
                Start::Resume(record)
            }
            None => {
                let config = self.fresh_config(Some(path)).await?;
                match self.take_spare(&config, path) {
                    Some(spare) => Start::Spare(spare),
                    None => Start::Fresh(config),
                }
            }
        };
        let mut slot = open.session.lock().expect("session lock");
        // Another call may have started one while this one waited.
        if let Some(session) = slot.clone() {
            return Ok(session);
        }
        let (session, image) = match start {
            Start::Resume(record) => {
                let image = record.image.clone();
                (
                    Arc::new(Session::resume_with(engine, record, messages)),
                    image,
                )
            }
            Start::Spare(session) => (session, self.image_tag()),
            Start::Fresh(config) => {
                let image = config.image.clone();
                // The spare (if any) was made for other settings: one for these.
                self.warm_spare();
                (Arc::new(Session::start(engine, config)), image)
            }
        };
        *slot = Some(session.clone());
        drop(slot);
        // What Sage's 3D viewer loads, from this kernel's image.
        tokio::spawn({
            let desk = self.clone();
            let session = session.clone();
            async move { desk.ensure_nbextensions(&session, &image).await }
        });
        // The count goes where `sagedesk ps` reads it.
        tokio::spawn(
            DroppedCounts::new(self.inner.records.data_folder())
                .publish(session.container_name(), session.watch_dropped()),
        );
        let mut states = session.watch_state();
        let mut dropped = session.watch_dropped();
        let desk = self.clone();
        let name = open.name.clone();
        tokio::spawn(async move {
            loop {
                let state = states.borrow_and_update().clone();
                let count = *dropped.borrow_and_update();
                let path = name.lock().expect("name lock").clone();
                desk.emit(DeskEvent::kernel(path, state, count));
                tokio::select! {
                    changed = states.changed() => if changed.is_err() {
                        return;
                    },
                    changed = dropped.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        // A flood of forged messages makes an event a
                        // second, not one each; a new state still goes at
                        // once.
                        if let Ok(Err(_)) = tokio::time::timeout(DROPPED_PACE, states.changed()).await {
                            return;
                        }
                    },
                }
            }
        });
        Ok(session)
    }

    /// The configuration of a new kernel for the notebook `path` of the open
    /// workspace (none: a spare), from the settings.
    pub(crate) async fn fresh_config(
        &self,
        path: Option<&str>,
    ) -> Result<SessionConfig, DeskError> {
        let workspace = self.workspace()?;
        let engine = self.engine().await?;
        let supervised = self.inner.kernels == KernelLife::Supervised;
        let settings = self.settings();
        let mut config = SessionConfig::for_image(&engine, &self.image_tag()).await?;
        config.workspace = Some(workspace.root().to_path_buf());
        config.notebook = path.map(str::to_string);
        config.limits = settings.limits(&machine_limits(&engine));
        config.network = settings.kernel_network();
        config.messages = MessageLimits {
            max_frame: settings.max_message_bytes,
            ..MessageLimits::default()
        };
        config.auto_restart = supervised;
        config.alone_stop_after = Some(self.inner.alone_stop_after);
        // Nobody is there to restart a frozen kernel.
        config.give_up_silent_after = (!supervised).then_some(UNATTENDED_PATIENCE);
        Ok(config)
    }

    /// Tells the subscriber the kernel state of the notebook `path` again
    /// (after a rename, under its new name).
    pub(crate) fn announce_kernel(&self, path: &str, session: &Session) {
        self.emit(DeskEvent::kernel(
            path.to_string(),
            session.state(),
            session.dropped_messages(),
        ));
    }

    /// The state of the kernel of the open notebook `path`; `None` when it
    /// has none.
    pub fn kernel_state(&self, path: &str) -> Result<Option<SessionState>, DeskError> {
        Ok(self.open_notebook_of(path)?.session().map(|s| s.state()))
    }

    /// Runs the code `code` as the cell `cell_id` of the open notebook
    /// `path`, after the cells sent before it. `send` gets its updates in
    /// batches, at most about 30 a second. Returns once the cell is queued;
    /// when it ends, its outputs and execution count are stored in the
    /// notebook and the notebook saved, in the file it has then (renamed or
    /// not). Everything the cell prints is also written to the desk's cache,
    /// and kept when its outputs leave lines out
    /// ([`Desk::whole_output`]).
    pub async fn execute_cell(
        &self,
        path: &str,
        cell_id: &str,
        code: &str,
        mut send: impl FnMut(Vec<CellUpdate>) + Send + 'static,
    ) -> Result<CellDone, DeskError> {
        let session = self.session(path).await?;
        let open = self.open_notebook_of(path)?;
        let run = session.execute_tagged(code, cell_id)?;
        let whole = self
            .cache(WHOLE_OUTPUTS)
            .map(|dir| dir.join(format!("{}.txt", new_id())));
        let cell_id = cell_id.to_string();
        let desk = self.clone();
        let clock = self.inner.clock.clone();
        Ok(CellDone(tokio::spawn(async move {
            let mut started = None;
            let done = forward_keeping(run, OutputLimits::default(), whole.as_deref(), |batch| {
                if started.is_none() && batch.iter().any(|u| matches!(u, CellUpdate::Started)) {
                    started = Some(clock());
                }
                // Kept before the window hears of it, so that a click at
                // once finds it.
                if batch
                    .iter()
                    .any(|u| matches!(u, CellUpdate::WholeOutputKept { .. }))
                {
                    open.keep_whole_output(&cell_id, whole.clone());
                }
                send(batch);
            })
            .await;
            // As JupyterLab records them ("Record cell timing").
            let times = started.map(|started| RunTimes {
                started: rfc3339(started),
                ended: done.death.is_none().then(|| rfc3339(clock())),
            });
            open.keep_whole_output(&cell_id, done.whole_output.clone());
            let error = done
                .outputs
                .outputs()
                .iter()
                .find_map(|output| match output {
                    Output::Error { ename, evalue, .. } => Some(format!("{ename}: {evalue}")),
                    _ => None,
                });
            let mut end = CellEnd {
                status: done.status,
                execution_count: done.execution_count,
                error,
                death: done.death.as_ref().map(|(_, message)| message.clone()),
                not_saved: None,
            };
            let saving = open.clone();
            let saved = blocking(move || {
                // A cell that never ran (taken out of the queue, or behind
                // one that failed) keeps the outputs it had.
                let Some(times) = times else {
                    return Ok(None);
                };
                let mut file = saving.file.lock().expect("file lock");
                let Some(cell) = file.notebook_mut().cell_mut(&cell_id) else {
                    return Ok(None);
                };
                let count = done.execution_count.map(|c| c as u64);
                saving.keep_displays(&cell_id, &done.outputs.outputs());
                cell.set_outputs(&done.outputs, count);
                RunTimes::write(Some(&times), &mut cell.metadata);
                let outcome = file.save()?;
                Ok(kept_names(&outcome, &file))
            })
            .await;
            match saved {
                Ok(Some((replaced, kept))) => desk.kept_aside(&open, &replaced, &kept),
                Ok(None) => {}
                // A file another program changed, or one that went: the
                // window's next save says so, and keeps the outputs.
                Err(err) => {
                    eprintln!("sagedesk: a cell's outputs were not saved: {err}");
                    end.not_saved = Some(err.to_string());
                }
            }
            end
        })))
    }

    /// Stops the running cell of the notebook `path`, keeping the kernel's
    /// variables if at all possible; queued cells are dropped.
    pub async fn interrupt(&self, path: &str) -> Result<InterruptOutcome, DeskError> {
        Ok(self.session(path).await?.interrupt().await?)
    }

    /// Takes the cell `cell_id` of the notebook `path` out of its kernel's
    /// queue: it ends as not run, keeping the outputs it had, and the cells
    /// queued after it run. Returns whether it was waiting there.
    pub async fn unqueue_cell(&self, path: &str, cell_id: &str) -> Result<bool, DeskError> {
        Ok(self.session(path).await?.unqueue(cell_id).await?)
    }

    /// Replaces the notebook's kernel with a new one (variables are lost).
    pub async fn restart(&self, path: &str) -> Result<(), DeskError> {
        Ok(self.session(path).await?.restart().await?)
    }

    /// Answers the running cell's `input()` prompt.
    pub async fn input_reply(&self, path: &str, value: &str) -> Result<(), DeskError> {
        Ok(self.session(path).await?.input_reply(value)?)
    }

    /// Completions at `cursor_pos` (in Unicode code points) of `code`.
    pub async fn complete(
        &self,
        path: &str,
        code: &str,
        cursor_pos: usize,
    ) -> Result<Completions, DeskError> {
        let reply = self.session(path).await?.complete(code, cursor_pos).await?;
        Ok(Completions {
            matches: reply.matches,
            cursor_start: reply.cursor_start,
            cursor_end: reply.cursor_end,
        })
    }

    /// The kernel's help on the name at `cursor_pos` of `code`.
    pub async fn inspect(
        &self,
        path: &str,
        code: &str,
        cursor_pos: usize,
    ) -> Result<Help, DeskError> {
        let reply = self.session(path).await?.inspect(code, cursor_pos).await?;
        Ok(Help {
            found: reply.found,
            data: serde_json::to_value(&reply.data).unwrap_or_default(),
        })
    }

    /// Records the kernel of `record`, left running, for the next launch,
    /// and marks its container so that its dead man's switch waits.
    async fn keep_for_next_launch(&self, record: &SessionRecord) -> Result<(), DeskError> {
        self.engine().await?.mark_kept(&record.name).await?;
        self.inner
            .records
            .save(record)
            .map_err(|err| DeskError::Internal(format!("the record could not be saved: {err}")))
    }

    /// Restarts the kernels that died because the engine went away, now
    /// that it is back.
    pub(crate) fn restart_engine_victims(&self) {
        let victims: Vec<Arc<Session>> = self
            .inner
            .notebooks
            .lock()
            .expect("notebooks lock")
            .values()
            .filter_map(|open| open.session())
            .filter(|s| {
                matches!(
                    s.state(),
                    SessionState::Dead {
                        reason: DeathReason::EngineGone { .. }
                    }
                )
            })
            .collect();
        for session in victims {
            tokio::spawn(async move {
                if let Err(err) = session.restart().await {
                    eprintln!("sagedesk: a kernel could not start again: {err}");
                }
            });
        }
    }

    /// Stops a kernel the desk no longer holds, and forgets its record (a
    /// kernel taken back at launch had one), without waiting.
    pub(crate) fn stop_in_background(&self, session: Arc<Session>) {
        let _ = self.inner.records.remove(&session.container_name());
        tokio::spawn(async move { session.stop().await });
    }

    /// What the app does with its kernels when it quits, by the settings:
    /// stopped (the default), or left running with a record each, for the
    /// next launch to take back with their variables. Waits at most
    /// [`QUIT_BUDGET`]. The notebooks stay open: call it last.
    pub async fn quit(&self) {
        // The spare serves no notebook: it never waits for a next launch.
        let spare = self.drop_spare();
        let leave_running = self.settings().kernels_on_quit == KernelsOnQuit::LeaveRunning;
        let sessions: Vec<(String, Arc<Session>)> = self
            .inner
            .notebooks
            .lock()
            .expect("notebooks lock")
            .iter()
            .filter_map(|(path, open)| Some((path.clone(), open.session()?)))
            .collect();
        let records = &self.inner.records;
        let all = async {
            for (notebook, session) in &sessions {
                if leave_running && let Some(mut record) = session.detach().await {
                    // The name it has now (the notebook may have been renamed).
                    record.notebook = Some(notebook.clone());
                    record.left_at = (self.inner.clock)()
                        .duration_since(std::time::UNIX_EPOCH)
                        .ok()
                        .map(|d| d.as_secs());
                    // Kept for the next launch: recorded, and marked so that
                    // its dead man's switch waits. Stopped if either fails.
                    match self.keep_for_next_launch(&record).await {
                        Ok(()) => continue,
                        Err(err) => {
                            eprintln!("sagedesk: could not keep the kernel of {notebook}: {err}")
                        }
                    }
                }
                session.stop().await;
                // A kernel taken back at launch had a record: it goes too.
                let _ = records.remove(&session.container_name());
            }
        };
        let _ = tokio::time::timeout(QUIT_BUDGET, async { tokio::join!(spare, all) }).await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_settings_take_the_kernel_clients_message_limit_by_default() {
        assert_eq!(
            crate::workspace::Settings::default().max_message_bytes,
            crate::kernel::MAX_FRAME
        );
    }
}
