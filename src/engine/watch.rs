//! Watching a kernel container until it exits, and saying how it ended.
//!
//! The engine's event stream (filtered to the container: die, oom, kill)
//! reports an exit at once; a poll every few seconds backs it up, because
//! an event stream can drop silently (an engine restart, a sleeping laptop)
//! and a missed exit would leave a cell waiting forever.

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::{EventsOptionsBuilder, InspectContainerOptions};
use futures_util::StreamExt;
use serde::Serialize;

use super::Engine;
use super::container::short;
use super::error::{self, EngineError};
use super::request::REQUEST_TIMEOUT;

/// How a container's main process ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ExitKind {
    /// Exit status 0.
    Normal,
    /// A non-zero exit status that is not a signal.
    Failed { code: i64 },
    /// Ended by a signal (from `docker kill`, a stop, or inside).
    Signal { signal: i32 },
    /// Killed by the kernel's OOM killer at the memory limit.
    OutOfMemory { limit_bytes: i64 },
}

/// A container's exit, classified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerExit {
    pub id: String,
    pub exit_code: i64,
    pub kind: ExitKind,
}

/// What is known about a stopped container, classified into an
/// [`ExitKind`]. Exit 137 is SIGKILL; it counts as out of memory when the
/// engine flags the OOM kill or reported an `oom` event for the container.
pub fn classify(exit_code: i64, oom_flag: bool, oom_event: bool, limit_bytes: i64) -> ExitKind {
    if oom_flag || (exit_code == 137 && oom_event) {
        ExitKind::OutOfMemory { limit_bytes }
    } else if exit_code == 0 {
        ExitKind::Normal
    } else if (129..=128 + 64).contains(&exit_code) {
        ExitKind::Signal {
            signal: (exit_code - 128) as i32,
        }
    } else {
        ExitKind::Failed { code: exit_code }
    }
}

/// How often the backstop poll inspects the container.
const POLL_EVERY: Duration = Duration::from_secs(3);
/// How many polls in a row may fail before the engine counts as lost.
const LOST_AFTER_POLLS: u32 = 3;

impl Engine {
    /// The container's exit, or `None` while it runs.
    pub async fn container_exit(
        &self,
        id: &str,
        oom_event: bool,
    ) -> Result<Option<ContainerExit>, EngineError> {
        let inspect = match tokio::time::timeout(
            REQUEST_TIMEOUT,
            self.docker()
                .inspect_container(id, None::<InspectContainerOptions>),
        )
        .await
        {
            Err(_) => {
                return Err(EngineError::Timeout {
                    what: format!("inspecting container {}", short(id)),
                    after: REQUEST_TIMEOUT,
                });
            }
            Ok(Err(e)) if error::is_not_found(&e) => {
                // Removed from under us: it certainly is not running.
                return Ok(Some(ContainerExit {
                    id: id.to_string(),
                    exit_code: -1,
                    kind: ExitKind::Failed { code: -1 },
                }));
            }
            Ok(Err(e)) => return Err(error::api(format!("inspect container {}", short(id)), e)),
            Ok(Ok(inspect)) => inspect,
        };
        let state = inspect.state.unwrap_or_default();
        if state.running.unwrap_or(false) || state.restarting.unwrap_or(false) {
            return Ok(None);
        }
        let exit_code = state.exit_code.unwrap_or(-1);
        let limit = inspect.host_config.and_then(|h| h.memory).unwrap_or(0);
        Ok(Some(ContainerExit {
            id: id.to_string(),
            exit_code,
            kind: classify(
                exit_code,
                state.oom_killed.unwrap_or(false),
                oom_event,
                limit,
            ),
        }))
    }

    /// Waits until the container exits and says how. Fails with
    /// [`EngineError::Lost`] when the engine stops answering.
    pub async fn wait_exit(&self, id: &str) -> Result<ContainerExit, EngineError> {
        let mut oom_seen = false;
        let mut failed_polls = 0;
        let mut poll = tokio::time::interval(POLL_EVERY);
        let filters = HashMap::from([
            ("container".to_string(), vec![id.to_string()]),
            ("type".to_string(), vec!["container".to_string()]),
            (
                "event".to_string(),
                vec!["die".to_string(), "oom".to_string(), "kill".to_string()],
            ),
        ]);
        let mut events = Some(
            self.docker()
                .events(Some(
                    EventsOptionsBuilder::default().filters(&filters).build(),
                ))
                .boxed(),
        );
        loop {
            let check = tokio::select! {
                event = async {
                    match events.as_mut() {
                        Some(stream) => stream.next().await,
                        None => std::future::pending().await,
                    }
                } => match event {
                    Some(Ok(message)) => {
                        match message.action.as_deref() {
                            Some("oom") => { oom_seen = true; false }
                            Some("die") => true,
                            _ => false,
                        }
                    }
                    // The stream broke or ended: rely on polling, and
                    // resubscribe at the next poll.
                    Some(Err(_)) | None => { events = None; true }
                },
                _ = poll.tick() => {
                    if events.is_none() {
                        events = Some(
                            self.docker()
                                .events(Some(EventsOptionsBuilder::default().filters(&filters).build()))
                                .boxed(),
                        );
                    }
                    true
                }
            };
            if !check {
                continue;
            }
            match self.container_exit(id, oom_seen).await {
                Ok(Some(exit)) => return Ok(exit),
                Ok(None) => failed_polls = 0,
                Err(err) => {
                    failed_polls += 1;
                    if failed_polls >= LOST_AFTER_POLLS {
                        return Err(EngineError::Lost {
                            endpoint: self.info().endpoint.clone(),
                            message: err.to_string(),
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_are_classified() {
        assert_eq!(classify(0, false, false, 0), ExitKind::Normal);
        assert_eq!(classify(1, false, false, 0), ExitKind::Failed { code: 1 });
        assert_eq!(
            classify(137, false, false, 0),
            ExitKind::Signal { signal: 9 }
        );
        assert_eq!(
            classify(143, false, false, 0),
            ExitKind::Signal { signal: 15 }
        );
        assert_eq!(
            classify(137, true, false, 512 << 20),
            ExitKind::OutOfMemory {
                limit_bytes: 512 << 20
            }
        );
        assert_eq!(
            classify(137, false, true, 1 << 30),
            ExitKind::OutOfMemory {
                limit_bytes: 1 << 30
            }
        );
    }
}
