//! What can go wrong between SageDesk and the Docker engine, in terms a
//! person can act on: every variant knows the places that were tried and
//! the fix to offer.

use crate::error_code::ErrorCode;
use std::time::Duration;

/// A failure to reach or use the container engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No engine socket exists and no engine program is on this machine.
    #[error("Docker is not installed (looked for an engine at: {})", tried.join(", "))]
    NotInstalled { tried: Vec<String> },

    /// An engine may be installed, but nothing answers at any place tried.
    #[error("Docker is not running (no engine answers at: {})", tried.join(", "))]
    NotRunning { tried: Vec<String> },

    /// The socket exists but this user may not open it.
    #[error("permission denied opening the Docker socket {socket}")]
    PermissionDenied { socket: String },

    /// Something accepted the connection but did not answer in time.
    #[error("the Docker engine at {endpoint} did not answer within {} s", after.as_secs())]
    NotResponding { endpoint: String, after: Duration },

    /// The engine speaks an API older than the one SageDesk needs.
    #[error(
        "the Docker engine at {endpoint} is too old: it speaks API {api_version}, SageDesk needs {minimum} or newer"
    )]
    TooOld {
        endpoint: String,
        api_version: String,
        minimum: String,
    },

    /// The endpoint is of a kind this build cannot talk to (ssh://, TLS).
    #[error("cannot use the Docker endpoint {endpoint}: {reason}")]
    Unsupported { endpoint: String, reason: String },

    /// A request did not finish in the time it was given.
    #[error("the Docker engine did not finish {what} within {} s", after.as_secs())]
    Timeout { what: String, after: Duration },

    /// A stream (build, pull, logs) stopped making progress.
    #[error("{what} made no progress for {} s", after.as_secs())]
    Stalled { what: String, after: Duration },

    /// The base image of a build is absent and could not be pulled.
    #[error("the base image {image} is not on this machine and could not be pulled: {message}")]
    BaseImageUnavailable { image: String, message: String },

    /// The image build failed; `message` is the engine's or the build step's.
    #[error("building the SageMath image failed: {message}")]
    BuildFailed { message: String },

    /// The engine stopped answering while SageDesk was using it.
    #[error("lost the connection to the Docker engine at {endpoint}: {message}")]
    Lost { endpoint: String, message: String },

    /// The engine's socket stopped accepting connections, or a connection
    /// broke, in the middle of SageDesk's work: Docker stopped or restarted.
    #[error("the Docker engine is not running any more ({message})")]
    Unreachable { message: String },

    /// A network of the name SageDesk gives its kernels' network exists
    /// but cannot keep kernels apart.
    #[error("the network {name} cannot hold kernels: {problem}")]
    NetworkUnfit { name: String, problem: String },

    /// The limits asked for a container are not limits ([`Limits::check`](super::Limits::check)).
    #[error("these container limits cannot be used: {problem}")]
    InvalidLimits { problem: String },

    /// The engine refused or failed a request.
    #[error("the Docker engine failed to {what}: {message}")]
    Api { what: String, message: String },
}

impl EngineError {
    /// A stable code the UI and scripts branch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::NotInstalled { .. } => ErrorCode::EngineNotInstalled,
            EngineError::NotRunning { .. } => ErrorCode::EngineNotRunning,
            EngineError::PermissionDenied { .. } => ErrorCode::EnginePermissionDenied,
            EngineError::NotResponding { .. } => ErrorCode::EngineNotResponding,
            EngineError::TooOld { .. } => ErrorCode::EngineTooOld,
            EngineError::Unsupported { .. } => ErrorCode::EngineUnsupported,
            EngineError::Timeout { .. } => ErrorCode::EngineTimeout,
            EngineError::Stalled { .. } => ErrorCode::EngineStalled,
            EngineError::BaseImageUnavailable { .. } => ErrorCode::BaseImageUnavailable,
            EngineError::BuildFailed { .. } => ErrorCode::ImageBuildFailed,
            EngineError::Lost { .. } => ErrorCode::EngineLost,
            EngineError::Unreachable { .. } => ErrorCode::EngineNotRunning,
            EngineError::NetworkUnfit { .. } => ErrorCode::EngineError,
            EngineError::InvalidLimits { .. } => ErrorCode::InvalidSettings,
            EngineError::Api { .. } => ErrorCode::EngineError,
        }
    }

    /// The places that were tried, for errors about finding the engine.
    pub fn tried(&self) -> Vec<String> {
        match self {
            EngineError::NotInstalled { tried } | EngineError::NotRunning { tried } => {
                tried.clone()
            }
            EngineError::PermissionDenied { socket } => vec![socket.clone()],
            EngineError::NotResponding { endpoint, .. }
            | EngineError::TooOld { endpoint, .. }
            | EngineError::Unsupported { endpoint, .. } => vec![endpoint.clone()],
            _ => Vec::new(),
        }
    }

    /// What the person in front of the screen should do next.
    pub fn fix(&self) -> String {
        let desktop = cfg!(any(target_os = "macos", target_os = "windows"));
        match self {
            EngineError::NotInstalled { .. } if desktop => {
                "Install Docker Desktop (or Podman Desktop), start it, then try again.".into()
            }
            EngineError::NotInstalled { .. } => "Install Docker: on Debian or Ubuntu run `sudo apt install docker.io`, \
                 then start it with `sudo systemctl start docker` (or run `sudo dockerd`), then try again."
                .into(),
            EngineError::NotRunning { .. } if desktop => {
                "Docker is not running. Start Docker Desktop, then try again.".into()
            }
            EngineError::NotRunning { tried } => {
                let mut fix = String::from(
                    "Start the Docker engine with `sudo systemctl start docker` (or run `sudo dockerd`), \
                     or start Docker Desktop; if Docker is not installed, run `sudo apt install docker.io`. Then try again.",
                );
                if tried.iter().any(|t| t.contains("DOCKER_HOST")) {
                    fix.push_str(
                        " DOCKER_HOST names the engine to use: check it, or unset it to use the usual socket.",
                    );
                }
                fix
            }
            EngineError::PermissionDenied { .. } => "Add yourself to the docker group with `sudo usermod -aG docker $USER`, \
                 then log out and back in, then try again."
                .into(),
            EngineError::NotResponding { .. } => {
                "The engine is starting or stuck. Wait a moment and try again; if it stays like this, restart Docker."
                    .into()
            }
            EngineError::TooOld { .. } => {
                "Update Docker (Docker Engine 20.10 or newer, or Podman 4 or newer), then try again.".into()
            }
            EngineError::Unsupported { .. } => {
                "Point SageDesk at a local engine socket (unix://… or npipe://…, or tcp:// without TLS) in Settings or DOCKER_HOST."
                    .into()
            }
            EngineError::Timeout { .. } | EngineError::Stalled { .. } => {
                "Check that Docker is healthy (`docker info`), then try again.".into()
            }
            EngineError::BaseImageUnavailable { .. } => {
                "Connect to the internet so the base image can be downloaded, then try again. On a machine that reaches \
                 Debian's mirror but no container registry, run `scripts/make-base-image.sh` first."
                    .into()
            }
            EngineError::BuildFailed { .. } => {
                "Check the network (the build downloads SageMath from PyPI; behind an HTTPS proxy pass its certificate \
                 bundle with --ca-bundle), then try again."
                    .into()
            }
            EngineError::Lost { .. } | EngineError::Unreachable { .. } => {
                "Docker stopped or restarted. Start it again; SageDesk reconnects by itself.".into()
            }
            EngineError::NetworkUnfit { name, .. } => format!(
                "Remove that network with `docker network rm {name}` (SageDesk makes its own again), then try again."
            ),
            EngineError::InvalidLimits { .. } => {
                "Give a kernel at least 64 MiB of memory and 0.1 CPU (Settings, or --memory and --cpus), then try again."
                    .into()
            }
            EngineError::Api { .. } => "Check that Docker is healthy (`docker info`), then try again.".into(),
        }
    }
}

/// Turns a bollard error from a request about `what` into an [`EngineError`]:
/// a connection that cannot be made or that broke means the engine went
/// away, anything else is the engine's answer.
pub(crate) fn api(what: impl Into<String>, err: bollard::errors::Error) -> EngineError {
    if is_connection_failure(&err) {
        return EngineError::Unreachable {
            message: err.to_string(),
        };
    }
    let message = match err {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message,
        other => other.to_string(),
    };
    EngineError::Api {
        what: what.into(),
        message,
    }
}

fn is_connection_failure(err: &bollard::errors::Error) -> bool {
    use bollard::errors::Error as E;
    use std::io::ErrorKind as K;
    match err {
        E::HyperLegacyError { err } => {
            err.is_connect()
                || std::error::Error::source(err)
                    .is_some_and(|s| s.to_string().contains("connection"))
        }
        E::HyperResponseError { .. } | E::SocketNotFoundError(_) => true,
        E::IOError { err } => matches!(
            err.kind(),
            K::ConnectionRefused
                | K::ConnectionReset
                | K::ConnectionAborted
                | K::NotFound
                | K::BrokenPipe
                | K::UnexpectedEof
        ),
        _ => false,
    }
}

/// Whether the engine answered 404 (no such image or container).
pub(crate) fn is_not_found(err: &bollard::errors::Error) -> bool {
    matches!(
        err,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// Whether the engine answered 304 (already stopped, already started).
pub(crate) fn is_not_modified(err: &bollard::errors::Error) -> bool {
    matches!(
        err,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 304,
            ..
        }
    )
}
