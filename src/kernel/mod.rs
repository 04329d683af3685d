//! The Jupyter messaging protocol, spoken to the Sage kernel in its
//! container: the connection (five ZeroMQ sockets on [`KernelPorts`],
//! each behind a frame guard, HMAC-signed messages), executing code, and
//! folding what the kernel publishes into a cell's nbformat outputs. What
//! the client takes from a kernel is bounded by [`MessageLimits`].

mod client;
mod comms;
mod connection;
mod error;
mod guard;
mod intake;
pub mod outputs;
mod ports;
mod router;
mod wire;

pub use client::{Execution, ExecutionEvent, KernelClient};
pub use comms::{CommKind, CommMessage, KernelEvent};
pub use connection::{container_connection_file, host_connection_info, new_key, new_session_id};
pub use error::KernelError;
pub use intake::{MAX_FRAME, MessageLimits, NotKept};
pub use ports::KernelPorts;
