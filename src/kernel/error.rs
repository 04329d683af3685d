//! What can go wrong talking to a kernel.

use std::time::Duration;

/// What went wrong talking to a kernel.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error("the kernel did not answer {what} within {} s", after.as_secs_f64())]
    Timeout { what: String, after: Duration },
    #[error("the connection to the kernel is closed")]
    Closed,
    #[error("the kernel answered {what} with an error: {message}")]
    Reply { what: String, message: String },
    #[error("the guard in front of the kernel's ports could not start: {0}")]
    Guard(String),
}
