//! The kernel's heartbeat, watched for as long as a kernel lives: a ping
//! every [`BEAT`], and word to the session when the kernel stops answering
//! and when it answers again.
//!
//! ipykernel answers its heartbeat from a thread of its own, in C, whatever
//! the kernel computes, so a kernel that misses [`MISSED_BEATS`] in a row
//! is frozen or stopped (`docker pause`, SIGSTOP, a machine put to sleep),
//! not busy.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::kernel::{KernelClient, KernelError};

/// How often the kernel is pinged, and how long each ping may take before
/// it counts as a missed beat.
pub(super) const BEAT: Duration = Duration::from_secs(2);
/// Beats missed in a row before the kernel counts as not responding.
pub(super) const MISSED_BEATS: u32 = 3;

/// What the heartbeat tells its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Beat {
    /// No answer for this long: sent at each beat missed once
    /// [`MISSED_BEATS`] have been.
    Silent(Duration),
    /// An answer again after a silence.
    Answering,
}

/// The heartbeat of one live kernel; dropping it stops the pinging.
pub(super) struct Heartbeat {
    task: JoinHandle<()>,
    pub(super) beats: mpsc::UnboundedReceiver<Beat>,
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Heartbeat {
    pub(super) fn watch(client: Arc<KernelClient>) -> Heartbeat {
        let (tx, beats) = mpsc::unbounded_channel();
        Heartbeat {
            task: tokio::spawn(ping(client, tx)),
            beats,
        }
    }
}

async fn ping(client: Arc<KernelClient>, beats: mpsc::UnboundedSender<Beat>) {
    let mut answered = Instant::now();
    let mut silent = false;
    loop {
        let sent = Instant::now();
        let report = match client.heartbeat(BEAT).await {
            Ok(()) => {
                answered = Instant::now();
                let report = std::mem::take(&mut silent).then_some(Beat::Answering);
                tokio::time::sleep(BEAT.saturating_sub(sent.elapsed())).await;
                report
            }
            Err(KernelError::Timeout { .. }) => {
                let quiet = answered.elapsed();
                silent = quiet >= BEAT * MISSED_BEATS;
                silent.then_some(Beat::Silent(quiet))
            }
            // The heartbeat socket failed: the connection's own news says
            // how. Not a silence, and not a reason to ping in a loop.
            Err(_) => {
                tokio::time::sleep(BEAT).await;
                None
            }
        };
        if let Some(report) = report
            && beats.send(report).is_err()
        {
            return;
        }
    }
}
