//! Everything SageDesk asks of the Docker Engine API (or Podman's
//! Docker-compatible one), through bollard: finding the engine, getting the
//! SageMath image, and running containers from it.
//!
//! Every request carries a timeout sized to what it does, and every stream a
//! no-progress watchdog: an engine that hangs must surface as an error the
//! user can act on, never as a frozen window.

mod connect;
mod container;
mod endpoint;
mod error;
mod image;
mod kernel_container;
mod managed;
mod network;
mod owner;
mod pull;
mod request;
mod watch;

pub use connect::{Engine, EngineInfo, MIN_API_VERSION};
pub use container::{COMMAND_TIMEOUT, LABEL_MANAGED, Limits, RunOutput};
pub use endpoint::{Address, Candidate, Environment, Source, candidates};
pub use error::EngineError;
pub use image::{
    BuildContext, BuildEvent, DEFAULT_BASE_IMAGE, IMAGE_REPOSITORY, ImageInfo, NBEXTENSIONS_DIR,
    host_ca_bundle,
};
pub use kernel_container::{
    KEPT_MARK, KernelContainer, KernelContainerSpec, LABEL_CONFIG_HASH, LABEL_OWNER,
    LABEL_WORKSPACE, RUNTIME_DIR, WORKSPACE_MOUNT,
};
pub use managed::{Collection, ManagedContainer};
pub use network::{KernelNetwork, LABEL_NETWORK, NetworkCollection};
pub use owner::Owner;
pub use pull::PullProgress;
pub use watch::{ContainerExit, ExitKind, classify};
