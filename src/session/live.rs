//! A kernel that is up, as its session's actor holds it, and how one is
//! started: the container created, the kernel connected to, its exit
//! watched.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::alone;
use super::heartbeat::{Beat, Heartbeat};
use super::{DeathReason, SessionConfig};
use crate::engine::{
    ContainerExit, Engine, EngineError, KernelContainer, KernelContainerSpec, Owner,
};
use crate::kernel::{
    KernelClient, KernelPorts, container_connection_file, host_connection_info, new_key,
};

/// A kernel that is up: its container and the client talking to it.
pub(super) struct Live {
    pub(super) container: KernelContainer,
    /// The key in the container's connection file.
    pub(super) key: String,
    pub(super) client: Arc<KernelClient>,
    /// Reports the container's exit (or the engine's loss).
    pub(super) exit: oneshot::Receiver<Result<ContainerExit, EngineError>>,
    pub(super) watcher: JoinHandle<()>,
    heartbeat: Heartbeat,
    /// How long the kernel has not answered its heartbeat, once that is
    /// a few beats; `None` while it answers.
    pub(super) silent: Option<Duration>,
}

pub(super) type StartResult = Result<Live, DeathReason>;

/// What a live kernel reports by itself.
pub(super) enum News {
    /// The container exited (or its watch failed): why.
    Exited(DeathReason),
    /// The connection to the kernel broke: how, as a phrase that follows
    /// "The Sage kernel".
    Lost(String),
    /// The kernel stopped answering its heartbeat, or answers again.
    Beat(Beat),
}

impl Live {
    /// Waits for the next thing the kernel reports. Not to be called again
    /// after [`News::Exited`].
    pub(super) async fn news(&mut self) -> News {
        tokio::select! {
            exit = &mut self.exit => News::Exited(exit_reason(exit)),
            why = self.client.lost() => News::Lost(why),
            Some(beat) = self.heartbeat.beats.recv() => News::Beat(beat),
        }
    }

    /// Why the kernel is gone, once its connection broke: the container's
    /// exit when it ended too (killed, out of memory: the watch reports
    /// that within moments of the sockets closing), the engine's loss when
    /// it went with it, or else the broken connection itself, with the
    /// kernel still running behind it.
    pub(super) async fn lost(&mut self, engine: &Engine, what: String) -> DeathReason {
        if let Ok(exit) = tokio::time::timeout(EXIT_GRACE, &mut self.exit).await {
            return exit_reason(exit);
        }
        match engine.container_exit(&self.container.id, false).await {
            Ok(None) => DeathReason::Disconnected { what },
            Ok(Some(exit)) => DeathReason::from_exit(&exit),
            // The engine does not answer: its watch gives up on it soon,
            // naming it, as it would have without the broken connection.
            Err(err) => tokio::time::timeout(ENGINE_GRACE, &mut self.exit)
                .await
                .map(exit_reason)
                .unwrap_or(DeathReason::EngineGone {
                    message: err.to_string(),
                }),
        }
    }
}

/// How long an exit may follow the kernel's sockets closing and still be
/// why they closed.
const EXIT_GRACE: Duration = Duration::from_secs(2);
/// How long the exit watch may take to give up on an engine that stopped
/// answering (it tries three polls, three seconds apart).
const ENGINE_GRACE: Duration = Duration::from_secs(30);

fn exit_reason(
    exit: Result<Result<ContainerExit, EngineError>, oneshot::error::RecvError>,
) -> DeathReason {
    match exit {
        Ok(Ok(exit)) => DeathReason::from_exit(&exit),
        Ok(Err(err)) => DeathReason::EngineGone {
            message: err.to_string(),
        },
        Err(_) => DeathReason::EngineGone {
            message: "the container watch ended".into(),
        },
    }
}

/// Creates the container, connects to the kernel, and starts watching the
/// container's exit. Everything within the configured deadline.
/// With the `key` of a kernel left running under the same name, the
/// container is adopted as it is (its configuration hash covers the key).
pub(super) async fn start_kernel(
    engine: Engine,
    config: SessionConfig,
    name: String,
    key: Option<String>,
) -> StartResult {
    let key = key.unwrap_or_else(new_key);
    let ports = KernelPorts::IN_CONTAINER.to_array().to_vec();
    let mut kernel_argv = config.kernel_argv.clone();
    let mut runtime_files = Vec::new();
    if let Some(grace) = config.alone_stop_after {
        kernel_argv.push(alone::watch_argument());
        runtime_files.push((
            alone::WATCH_FILE.to_string(),
            alone::watch_script(&ports, grace),
        ));
    }
    let spec = KernelContainerSpec {
        name,
        image: config.image.clone(),
        kernel_argv,
        connection_file: container_connection_file(&key),
        runtime_files,
        ports,
        workspace: config.workspace.clone(),
        network: config.network,
        notebook: config.notebook.clone(),
        spare: config.spare,
        limits: config.limits.clone(),
        owner: Owner::current(),
    };
    let container =
        engine
            .start_kernel_container(&spec)
            .await
            .map_err(|e| DeathReason::StartFailed {
                message: e.to_string(),
            })?;
    // The engine reads back one host port for each port it was given, in
    // the same order; anything else is refused rather than guessed at.
    let Ok(host_ports) = KernelPorts::try_from(container.ports.as_slice()) else {
        let _ = engine.remove_container(&container.id).await;
        return Err(DeathReason::StartFailed {
            message: format!(
                "the engine read back {} ports for the kernel's 5",
                container.ports.len()
            ),
        });
    };
    let (exit_tx, exit) = oneshot::channel();
    let watcher = {
        let engine = engine.clone();
        let id = container.id.clone();
        tokio::spawn(async move {
            let _ = exit_tx.send(engine.wait_exit(&id).await);
        })
    };
    let info = host_connection_info(&key, host_ports);
    match KernelClient::connect_with(&info, config.start_timeout, config.messages).await {
        Ok((client, _info)) => {
            let client = Arc::new(client);
            Ok(Live {
                container,
                key,
                heartbeat: Heartbeat::watch(client.clone()),
                client,
                exit,
                watcher,
                silent: None,
            })
        }
        Err(err) => {
            watcher.abort();
            let _ = engine.remove_container(&container.id).await;
            Err(match err {
                crate::kernel::KernelError::Timeout { .. } => {
                    DeathReason::start_timed_out(config.start_timeout)
                }
                other => DeathReason::StartFailed {
                    message: other.to_string(),
                },
            })
        }
    }
}
