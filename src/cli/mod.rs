//! What each command of `sagedesk` does; `main.rs` declares them and
//! dispatches.

pub mod bench;
pub mod doctor;
pub mod eval;
pub mod export;
pub mod gc;
pub mod image;
pub mod ls;
pub mod new;
pub mod payload;
pub mod ps;
pub mod run;

use sagedesk::engine::{BuildContext, Engine, EngineError};
use sagedesk::session::{DroppedCounts, RecordStore, Session, SessionConfig, UNATTENDED_PATIENCE};
use sagedesk::workspace::settings::KEPT_DAYS;

/// A fresh session for a command: the containers of SageDesk processes that
/// are gone are collected first, the kernel comes from the image's label,
/// it is never restarted by itself (the command reports a dead kernel
/// instead), and it is given up on when it stops answering its heartbeat
/// for [`UNATTENDED_PATIENCE`].
pub async fn fresh_session(
    engine_setting: Option<&str>,
    image: Option<String>,
    configure: impl FnOnce(&mut SessionConfig),
) -> anyhow::Result<Session> {
    let engine = Engine::connect(engine_setting).await?;
    let records = RecordStore::default_location();
    let now = std::time::SystemTime::now();
    let collected = engine
        .remove_orphans(|c| records.keeps(&c.name, KEPT_DAYS, now))
        .await?;
    for (container, err) in collected.failed {
        eprintln!(
            "sagedesk: could not remove the orphaned container {}: {err}",
            container.name
        );
    }
    let image = image.unwrap_or_else(|| BuildContext::embedded().tag());
    let mut config = SessionConfig::for_image(&engine, &image).await?;
    config.limits = sagedesk::engine::Limits::for_machine(engine.info().memory_bytes);
    config.auto_restart = false;
    config.give_up_silent_after = Some(UNATTENDED_PATIENCE);
    configure(&mut config);
    // Refused here, not as a kernel that died at start.
    config
        .limits
        .check()
        .map_err(|problem| EngineError::InvalidLimits { problem })?;
    let session = Session::start(engine, config);
    // The count goes where `sagedesk ps` reads it.
    tokio::spawn(
        DroppedCounts::default_location()
            .publish(session.container_name(), session.watch_dropped()),
    );
    Ok(session)
}
