//! `sagedesk gc`: removes the containers whose SageDesk process is gone,
//! then the kernels' networks no container uses, and says what it kept and
//! why. One that cannot be removed does not stop the others.

use std::process::ExitCode;

use sagedesk::engine::Engine;
use sagedesk::session::{DroppedCounts, RecordStore};
use sagedesk::workspace::settings::KEPT_DAYS;

/// Runs `sagedesk gc`; fails (after doing what it could) when something
/// could not be removed.
pub async fn run(engine_setting: Option<&str>) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect(engine_setting).await?;
    // Kernels left running on purpose for the next launch are kept, for
    // the days the app keeps them by default.
    let records = RecordStore::default_location();
    let now = std::time::SystemTime::now();
    let containers = engine
        .remove_orphans(|c| records.keeps(&c.name, KEPT_DAYS, now))
        .await?;
    for c in &containers.removed {
        println!("removed {} ({}, {})", c.name, c.state, c.status);
        let _ = records.remove(&c.name);
    }
    for (c, why) in &containers.kept {
        println!("kept {} ({}): {why}", c.name, c.state);
    }
    for (c, err) in &containers.failed {
        println!("could not remove {}: {err}", c.name);
    }
    println!(
        "{} orphaned container(s) removed, {} kept, {} could not be removed",
        containers.removed.len(),
        containers.kept.len(),
        containers.failed.len()
    );
    // The dropped-message counts of containers that are gone (their
    // process was killed before it could remove them).
    let existing = engine.managed_containers().await?;
    let names: Vec<&str> = existing.iter().map(|c| c.name.as_str()).collect();
    DroppedCounts::default_location().prune(&names);
    let networks = engine.remove_unused_kernel_networks().await?;
    for name in &networks.removed {
        println!("removed the network {name} (no container uses it)");
    }
    for (name, users) in &networks.kept {
        println!("kept the network {name}: {users} container(s) use it");
    }
    for (name, err) in &networks.failed {
        println!("could not remove the network {name}: {err}");
    }
    let failed = !containers.failed.is_empty() || !networks.failed.is_empty();
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
