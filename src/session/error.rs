//! What can go wrong asking a session to do something.

use super::state::DeathReason;
use crate::engine::EngineError;
use crate::kernel::KernelError;

/// What can go wrong asking a session to do something.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Kernel(#[from] KernelError),
    #[error("the image {0} is not on this machine")]
    ImageMissing(String),
    #[error("the image {0} has no org.sagedesk.kernel label naming its kernel")]
    NoKernelLabel(String),
    #[error("the session has ended: {}", .0.describe())]
    Dead(DeathReason),
    #[error("the session has ended")]
    Closed,
}
