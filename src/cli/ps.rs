//! `sagedesk ps`: SageDesk's containers, their state, limits and owners.

use std::process::ExitCode;

use sagedesk::engine::{Engine, ManagedContainer};
use sagedesk::size;

/// Runs `sagedesk ps [--json]`.
pub async fn run(engine_setting: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect(engine_setting).await?;
    let containers = engine.managed_containers().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&containers)?);
    } else {
        print_containers(&containers);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_containers(containers: &[ManagedContainer]) {
    if containers.is_empty() {
        println!("no SageDesk containers");
        return;
    }
    println!(
        "{:<40} {:<9} {:<8} {:<5} {:<7} {:<26} WORKSPACE",
        "NAME", "STATE", "MEMORY", "CPUS", "OWNER", "STATUS"
    );
    for c in containers {
        let (memory, cpus) = match &c.limits {
            Some(l) => (size::memory_limit(l.memory_bytes), format!("{}", l.cpus)),
            None => ("?".into(), "?".into()),
        };
        let owner = match (&c.owner, c.orphan) {
            (_, true) => "gone".to_string(),
            (Some(o), false) => o.pid.to_string(),
            (None, false) => "?".into(),
        };
        println!(
            "{:<40} {:<9} {:<8} {:<5} {:<7} {:<26} {}",
            c.name,
            c.state,
            memory,
            cpus,
            owner,
            c.status,
            c.workspace.as_deref().unwrap_or("-")
        );
    }
}
