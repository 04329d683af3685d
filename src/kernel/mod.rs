//! The Jupyter messaging protocol, spoken to the Sage kernel in its
//! container: the connection (five ZeroMQ sockets on [`KernelPorts`],
//! HMAC-signed messages), executing code, and folding what the kernel
//! publishes into a cell's nbformat outputs.

mod client;
mod connection;
mod error;
pub mod outputs;
mod ports;
mod router;

pub use client::{Execution, ExecutionEvent, KernelClient};
pub use connection::{container_connection_file, host_connection_info, new_key, new_session_id};
pub use error::KernelError;
pub use ports::KernelPorts;
