//! One live Sage session: a container and the kernel in it, owned by an
//! actor that starts it, runs cells one after another, interrupts them,
//! notices when the kernel dies, its connection breaks or it stops
//! answering its heartbeat, restarts it (with back-off and a circuit
//! breaker), and stops it. Cells sent while the kernel starts are queued,
//! not lost.

mod actor;
mod alone;
mod cell;
mod config;
mod dropped;
mod error;
mod handle;
mod heartbeat;
mod live;
mod payload;
mod record;
mod state;
mod stream;

pub use alone::ALONE_STOP_AFTER;
pub use cell::{CellEvent, CellRun, CellStatus, InterruptOutcome};
pub use config::{KERNEL_SETTINGS, SessionConfig, UNATTENDED_PATIENCE};
pub use dropped::DroppedCounts;
pub use error::SessionError;
pub use handle::{Session, SessionEvent};
pub use payload::{HELP_LIMIT, Payload};
pub use record::{RecordStore, SessionRecord, data_dir};
pub use state::{DeathReason, KernelStatus, SessionState};
pub use stream::{CellUpdate, ForwardedRun, forward, forward_keeping};
