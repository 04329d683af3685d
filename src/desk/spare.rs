//! The spare kernel: one kernel started ahead of need, for the open
//! workspace with the settings' image and limits, so that the next notebook
//! that needs a kernel has one at once instead of waiting for Sage to load.
//! It is given to that notebook (its container labelled spare, the records
//! saying which notebook it serves), and another is started behind it.
//!
//! There is none on a machine short of memory, when the settings say so,
//! or for a desk of the command line; it goes at quit, whatever happens to
//! the notebooks' kernels, and with its owner like any kernel.

use std::sync::Arc;

use crate::session::{Session, SessionConfig};

use super::open::Desk;

/// The least memory the engine has for a spare kernel to be kept: below
/// it, an idle Sage kernel (about 200 MB) waiting for nothing is too much.
pub const SPARE_MIN_MEMORY: u64 = 6 << 30;

/// The spare kernel and what it was made for.
pub(crate) struct Spare {
    pub(crate) session: Arc<Session>,
    config: SessionConfig,
}

/// Whether a spare made with `spare` can serve a notebook that would get a
/// kernel made with `wanted`: the same image, kernel, folder, network,
/// limits and message limits.
fn fits(spare: &SessionConfig, wanted: &SessionConfig) -> bool {
    spare.image == wanted.image
        && spare.kernel_argv == wanted.kernel_argv
        && spare.workspace == wanted.workspace
        && spare.network == wanted.network
        && spare.limits == wanted.limits
        && spare.messages == wanted.messages
        && spare.auto_restart == wanted.auto_restart
        && spare.give_up_silent_after == wanted.give_up_silent_after
        && spare.alone_stop_after == wanted.alone_stop_after
}

impl Desk {
    /// Whether this desk keeps a spare kernel now.
    fn wants_spare(&self) -> bool {
        self.inner.spare_kernels
            && self.settings().spare_kernel
            && self
                .inner
                .workspace
                .lock()
                .expect("workspace lock")
                .is_some()
    }

    /// Starts a spare kernel for the open workspace, if the desk keeps one
    /// and has none (one made for other settings goes), or stops the spare
    /// when the desk no longer keeps one.
    pub(crate) fn warm_spare(&self) {
        if !self.inner.spare_kernels {
            return;
        }
        // Without a runtime here (a synchronous caller), the next notebook
        // to take a kernel warms one.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let desk = self.clone();
        runtime.spawn(async move {
            let Ok(engine) = desk.engine().await else {
                return;
            };
            let short = u64::try_from(engine.info().memory_bytes)
                .is_ok_and(|m| m > 0 && m < SPARE_MIN_MEMORY);
            if short || !desk.wants_spare() {
                desk.drop_spare().await;
                return;
            }
            let Ok(mut config) = desk.fresh_config(None).await else {
                return;
            };
            config.spare = true;
            let old = {
                let mut slot = desk.inner.spare.lock().expect("spare lock");
                if slot.as_ref().is_some_and(|s| fits(&s.config, &config)) {
                    return;
                }
                let session = Arc::new(Session::start(engine, config.clone()));
                slot.replace(Spare { session, config })
            };
            if let Some(old) = old {
                old.session.stop().await;
            }
        });
    }

    /// The spare kernel, if it was made as `wanted` would make one: taken
    /// for the notebook `path`, and another started behind it.
    pub(crate) fn take_spare(&self, wanted: &SessionConfig, path: &str) -> Option<Arc<Session>> {
        // A spare started at the workspace's top; a notebook in a folder
        // gets a kernel of its own, started beside it.
        if path.contains('/') {
            return None;
        }
        let spare = {
            let mut slot = self.inner.spare.lock().expect("spare lock");
            if !slot.as_ref().is_some_and(|s| fits(&s.config, wanted)) {
                return None;
            }
            slot.take()?
        };
        if spare.session.serve(path).is_err() {
            return None;
        }
        if let Err(err) = self
            .inner
            .records
            .assign(&spare.session.container_name(), path)
        {
            eprintln!("sagedesk: could not note which notebook the spare kernel serves: {err}");
        }
        self.warm_spare();
        Some(spare.session)
    }

    /// Stops the spare kernel, if there is one.
    pub(crate) async fn drop_spare(&self) {
        let spare = self.inner.spare.lock().expect("spare lock").take();
        if let Some(spare) = spare {
            spare.session.stop().await;
        }
    }

    /// The name of the spare kernel's container once its kernel answers;
    /// `None` when there is no spare.
    pub async fn spare_kernel(&self) -> Option<String> {
        let session = {
            let slot = self.inner.spare.lock().expect("spare lock");
            slot.as_ref()?.session.clone()
        };
        session.ready().await.ok()?;
        Some(session.container_name())
    }
}
