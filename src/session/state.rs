//! The states of a session, and why one died.

use std::time::Duration;

use serde::Serialize;

use crate::engine::{ContainerExit, ExitKind};

/// Why a session's kernel is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DeathReason {
    /// The kernel process exited with this code.
    Crashed { exit_code: i64 },
    /// The kernel was killed by a signal (from outside, or `docker kill`).
    Killed { signal: i32 },
    /// The kernel used more memory than the session's limit.
    OutOfMemory { limit_bytes: i64 },
    /// The Docker engine stopped answering.
    EngineGone { message: String },
    /// The kernel did not answer within the start-up deadline.
    StartTimedOut { after_secs: u64 },
    /// The container could not be created or started.
    StartFailed { message: String },
    /// The connection to the kernel broke while its container ran (it
    /// closed a socket, or broke the protocol): `what` says how, as a
    /// phrase that follows "The Sage kernel".
    Disconnected { what: String },
    /// The kernel did not answer its heartbeat for this long, and the
    /// session was to give up on it then (the command line's sessions).
    NotResponding { after_secs: u64 },
    /// Restarted too often in a short time: SageDesk stopped trying.
    GaveUp { restarts: u32 },
    /// Stopped on purpose.
    Stopped,
}

impl DeathReason {
    pub fn from_exit(exit: &ContainerExit) -> DeathReason {
        match exit.kind {
            ExitKind::OutOfMemory { limit_bytes } => DeathReason::OutOfMemory { limit_bytes },
            ExitKind::Signal { signal } => DeathReason::Killed { signal },
            ExitKind::Normal | ExitKind::Failed { .. } => DeathReason::Crashed {
                exit_code: exit.exit_code,
            },
        }
    }

    pub fn start_timed_out(after: Duration) -> DeathReason {
        DeathReason::StartTimedOut {
            after_secs: after.as_secs(),
        }
    }

    /// One sentence for a person: what happened to the kernel.
    pub fn describe(&self) -> String {
        match self {
            DeathReason::Crashed { exit_code } => {
                format!("The Sage kernel stopped unexpectedly (exit code {exit_code}).")
            }
            DeathReason::Killed { signal: 9 } => {
                "The Sage kernel was killed (SIGKILL) from outside SageDesk.".into()
            }
            DeathReason::Killed { signal } => {
                format!("The Sage kernel was stopped by signal {signal}.")
            }
            DeathReason::OutOfMemory { limit_bytes } => format!(
                "The Sage kernel ran out of memory (limit {}).",
                crate::size::memory_limit(*limit_bytes)
            ),
            DeathReason::EngineGone { message } => {
                format!("The Docker engine stopped answering ({message}).")
            }
            DeathReason::StartTimedOut { after_secs } => {
                format!("The Sage kernel did not start within {after_secs} s.")
            }
            DeathReason::StartFailed { message } => {
                format!("The Sage kernel could not be started: {message}")
            }
            DeathReason::Disconnected { what } => format!("The Sage kernel {what}."),
            DeathReason::NotResponding { after_secs } => format!(
                "The Sage kernel stopped responding (no answer to its heartbeat for {after_secs} s)."
            ),
            DeathReason::GaveUp { restarts } => format!(
                "The Sage kernel died {restarts} times in a short while; SageDesk stopped restarting it."
            ),
            DeathReason::Stopped => "The Sage kernel was stopped.".into(),
        }
    }
}

/// Where a session is in its life. The UI's status is derived from this,
/// never stored beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum SessionState {
    /// The container is being created or the kernel is loading Sage.
    Starting,
    Idle,
    Busy,
    /// The kernel has not answered its heartbeat for `silent_secs` (a few
    /// beats at least): frozen or stopped. Whether a cell runs is unknown
    /// to the kernel's state until it answers again; a restart ends it.
    NotResponding {
        silent_secs: u64,
    },
    /// The kernel died and a new one is starting.
    Restarting {
        reason: DeathReason,
    },
    Dead {
        reason: DeathReason,
    },
}

/// The short word a window shows for a kernel, derived from its
/// [`SessionState`] ([`SessionState::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum KernelStatus {
    Starting,
    Idle,
    Busy,
    /// Shown as it reads: "Kernel not responding".
    #[serde(rename = "not responding")]
    NotResponding,
    Dead,
}

impl SessionState {
    /// The short status word: restarting reads as starting.
    pub fn status(&self) -> KernelStatus {
        match self {
            SessionState::Starting | SessionState::Restarting { .. } => KernelStatus::Starting,
            SessionState::Idle => KernelStatus::Idle,
            SessionState::Busy => KernelStatus::Busy,
            SessionState::NotResponding { .. } => KernelStatus::NotResponding,
            SessionState::Dead { .. } => KernelStatus::Dead,
        }
    }

    /// A line beside the word, for a person: what the kernel is doing, or
    /// why it is gone.
    pub fn detail(&self) -> String {
        match self {
            SessionState::Starting => "Starting SageMath…".into(),
            SessionState::Restarting { reason } => {
                format!("{} Starting a new kernel…", reason.describe())
            }
            SessionState::Idle => "Ready".into(),
            SessionState::Busy => "Running".into(),
            SessionState::NotResponding { silent_secs } => format!(
                "The Sage kernel has not answered for {silent_secs} s. Wait for it, or restart it (its variables are lost)."
            ),
            SessionState::Dead { reason } => reason.describe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_out_of_memory_message_names_the_limit() {
        let reason = DeathReason::OutOfMemory {
            limit_bytes: 2 << 30,
        };
        assert_eq!(
            reason.describe(),
            "The Sage kernel ran out of memory (limit 2 GiB)."
        );
    }

    #[test]
    fn restarting_reads_as_starting() {
        let state = SessionState::Restarting {
            reason: DeathReason::Stopped,
        };
        assert_eq!(state.status(), KernelStatus::Starting);
        assert_eq!(
            state.detail(),
            "The Sage kernel was stopped. Starting a new kernel…"
        );
        assert_eq!(
            serde_json::to_value(SessionState::Busy.status()).unwrap(),
            "busy"
        );
    }

    #[test]
    fn a_silent_kernel_reads_as_not_responding_with_how_long() {
        let state = SessionState::NotResponding { silent_secs: 8 };
        assert_eq!(state.status(), KernelStatus::NotResponding);
        assert_eq!(
            serde_json::to_value(state.status()).unwrap(),
            "not responding"
        );
        assert_eq!(
            state.detail(),
            "The Sage kernel has not answered for 8 s. Wait for it, or restart it (its variables are lost)."
        );
    }

    #[test]
    fn every_death_is_said_in_a_sentence() {
        let reasons = [
            (
                DeathReason::Crashed { exit_code: 1 },
                "The Sage kernel stopped unexpectedly (exit code 1).",
            ),
            (
                DeathReason::Killed { signal: 9 },
                "The Sage kernel was killed (SIGKILL) from outside SageDesk.",
            ),
            (
                DeathReason::Killed { signal: 15 },
                "The Sage kernel was stopped by signal 15.",
            ),
            (
                DeathReason::OutOfMemory {
                    limit_bytes: 512 << 20,
                },
                "The Sage kernel ran out of memory (limit 512 MiB).",
            ),
            (
                DeathReason::Disconnected {
                    what: "closed its stdin socket".into(),
                },
                "The Sage kernel closed its stdin socket.",
            ),
            (
                DeathReason::NotResponding { after_secs: 30 },
                "The Sage kernel stopped responding (no answer to its heartbeat for 30 s).",
            ),
            (
                DeathReason::GaveUp { restarts: 5 },
                "The Sage kernel died 5 times in a short while; SageDesk stopped restarting it.",
            ),
        ];
        for (reason, said) in reasons {
            let dead = SessionState::Dead { reason };
            assert_eq!(dead.status(), KernelStatus::Dead);
            assert_eq!(dead.detail(), said);
        }
    }
}
