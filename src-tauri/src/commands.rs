//! The commands the webview can invoke.
//!
//! Each one is listed in `build.rs` (which makes it a permission) and granted
//! in `capabilities/main.json`; the UI reaches them only through
//! `ui/src/lib/backend.ts`.

use std::time::Duration;

use sagedesk::doctor::{self, Report};

use crate::Error;

/// How long the UI waits for the engine check before it is offered a retry.
/// The core bounds each of its requests (10 s to connect, 30 s for a request)
/// and reports a precise problem when one runs out; this longer bound on the
/// whole command only guarantees that the window never spins forever.
const ENGINE_STATUS_BUDGET: Duration = Duration::from_secs(60);

/// Where the container engine is, its version, and whether the SageMath image
/// is there; or, when something is missing, the problem and how to fix it.
///
/// # Errors
///
/// [`Error::Timeout`] when the check takes longer than
/// [`ENGINE_STATUS_BUDGET`].
#[tauri::command]
pub async fn engine_status() -> Result<Report, Error> {
    tokio::time::timeout(ENGINE_STATUS_BUDGET, doctor::check(None))
        .await
        .map_err(|_| Error::Timeout {
            what: "The engine check",
            seconds: ENGINE_STATUS_BUDGET.as_secs(),
        })
}
