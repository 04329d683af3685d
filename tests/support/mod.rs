//! What the tests against the real engine share: the engine and the
//! SageMath image, the docker command line, sessions and running a cell to
//! its end, a desk over a workspace as the window has one, a workspace
//! holding a saved notebook and a file Sage wrote, what the host shows of
//! listening ports, a private Docker daemon to stop and start, what a
//! process costs in CPU and memory, and a raw ZMTP peer for fake kernels.
//!
//! Each test binary includes it with `mod support;` and uses part of it:
//! what one leaves unused another uses. Hence `dead_code` is allowed for the
//! module, and `unused_imports` on each re-export (not for the module, so
//! that an import a support file no longer needs is still reported).
#![allow(dead_code)]

mod desk;
mod engine;
mod listeners;
#[cfg(unix)]
mod process;
mod session;
mod workspace;
mod zmtp;

#[cfg(target_os = "linux")]
mod daemon;

#[cfg(target_os = "linux")]
#[allow(unused_imports)]
pub use daemon::PrivateDaemon;
#[allow(unused_imports)]
pub use desk::{Bench, cell_on_disk, finished};
#[allow(unused_imports)]
pub use engine::{
    BASE_IMAGE, container_exists, containers_owned_by, docker, docker_quietly, engine,
    engine_and_image, unique_name,
};
#[allow(unused_imports)]
pub use listeners::{Listener, listeners};
#[cfg(unix)]
#[allow(unused_imports)]
pub use process::{cpu_over, cpu_time, output_and_peak_memory};
#[allow(unused_imports)]
pub use session::{config, death, finished_ok, result, run, session};
#[allow(unused_imports)]
pub use workspace::{NOTEBOOK, SAGE_FILE, SEED_RESULT, Workspace, read_sage_file};
#[allow(unused_imports)]
pub use zmtp::{accept_handshaken, long_frame_header};
