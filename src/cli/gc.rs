//! `sagedesk gc`: removes the containers whose SageDesk process is gone.

use std::process::ExitCode;

use sagedesk::engine::Engine;
use sagedesk::session::RecordStore;

/// Runs `sagedesk gc`, saying what it removed.
pub async fn run(engine_setting: Option<&str>) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect(engine_setting).await?;
    // Kernels left running on purpose for the next launch are kept.
    let records = RecordStore::default_location();
    let removed = engine.remove_orphans(|c| records.keeps(&c.name)).await?;
    for c in &removed {
        println!("removed {} ({}, {})", c.name, c.state, c.status);
    }
    println!("{} orphaned container(s) removed", removed.len());
    Ok(ExitCode::SUCCESS)
}
