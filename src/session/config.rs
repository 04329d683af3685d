//! What a session is started with.

use std::path::PathBuf;
use std::time::Duration;

use super::error::SessionError;
use crate::engine::{Engine, KernelNetwork, Limits};
use crate::kernel::MessageLimits;

/// Settings every session gives its kernel after the image's argv:
/// IPython's input history in memory (its SQLite file would live in the
/// container and go with it; writing it costs about 1 ms a cell), and no
/// 0.5 ms pause before each execute_reply (ipykernel's guard for clients
/// that end a cell at the reply; a session ends it at the idle status,
/// which follows every output on the same socket). A kernel that does not
/// know a setting ignores it with a warning.
pub const KERNEL_SETTINGS: [&str; 2] = [
    "--HistoryManager.hist_file=:memory:",
    "--Kernel._execute_sleep=0",
];

/// What a session is started with.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub image: String,
    /// The kernel's argv, with `{connection_file}` (the image's
    /// `org.sagedesk.kernel` label).
    pub kernel_argv: Vec<String>,
    /// The workspace folder to mount at `/home/sage/work`.
    pub workspace: Option<PathBuf>,
    /// The notebook the kernel serves, as the workspace names it: labelled
    /// on its container, so that `sagedesk ls` can tell its state.
    pub notebook: Option<String>,
    /// The network the kernel's container joins (isolated from other
    /// containers either way).
    pub network: KernelNetwork,
    pub limits: Limits,
    /// How long the kernel may take to answer after its container starts.
    pub start_timeout: Duration,
    /// Restart the kernel by itself when it dies.
    pub auto_restart: bool,
    /// Give up on a kernel that has not answered its heartbeat for this
    /// long: it is removed, and its cells end with
    /// [`DeathReason::NotResponding`](super::DeathReason::NotResponding).
    /// `None` (the window's sessions): the state says the kernel is not
    /// responding, and a restart is the user's call.
    pub give_up_silent_after: Option<Duration>,
    /// What the session's client takes from the kernel.
    pub messages: MessageLimits,
    /// The kernel stops itself once no client has been connected to it for
    /// this long, unless it was left running on purpose (its dead man's
    /// switch: see [`alone`](super::alone)); `None` for never.
    pub alone_stop_after: Option<Duration>,
    /// A kernel started ahead of need, for the next notebook to open
    /// (labelled so, until [`Session::serve`](super::Session::serve) gives
    /// it its notebook).
    pub spare: bool,
}

/// How long a command-line run waits for a kernel that stopped answering
/// its heartbeat: nobody is there to restart it.
pub const UNATTENDED_PATIENCE: Duration = Duration::from_secs(30);

impl SessionConfig {
    /// The defaults for an image, reading its kernel from its label.
    pub async fn for_image(engine: &Engine, image: &str) -> Result<SessionConfig, SessionError> {
        let info = engine
            .image(image)
            .await?
            .ok_or_else(|| SessionError::ImageMissing(image.to_string()))?;
        let kernel_argv = info
            .kernel_argv
            .ok_or_else(|| SessionError::NoKernelLabel(image.to_string()))?
            .into_iter()
            .chain(KERNEL_SETTINGS.map(String::from))
            .collect();
        Ok(SessionConfig {
            image: image.to_string(),
            kernel_argv,
            workspace: None,
            notebook: None,
            network: KernelNetwork::default(),
            limits: Limits::default(),
            start_timeout: Duration::from_secs(120),
            auto_restart: true,
            give_up_silent_after: None,
            messages: MessageLimits::default(),
            alone_stop_after: Some(super::alone::ALONE_STOP_AFTER),
            spare: false,
        })
    }
}
