//! `sagedesk gc`: removes the containers whose SageDesk process is gone,
//! then the kernels' networks no container uses.

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
    let failed = !networks.failed.is_empty();
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
