//! One request to the engine, bounded in time.

use std::future::Future;
use std::time::Duration;

use super::error::{self, EngineError};

/// Time allowed for a short request (inspect, create, remove, tag).
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs one engine request under a timeout, mapping both ways it can fail.
pub(super) async fn within<T>(
    what: &str,
    after: Duration,
    request: impl Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<T, EngineError> {
    match tokio::time::timeout(after, request).await {
        Ok(result) => result.map_err(|e| error::api(what, e)),
        Err(_) => Err(EngineError::Timeout {
            what: what.to_string(),
            after,
        }),
    }
}
