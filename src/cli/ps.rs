//! `sagedesk ps`: SageDesk's containers, their state, limits and owners,
//! and the messages each kernel's client dropped (forged or malformed:
//! published by the process that talks to the kernel).

use std::process::ExitCode;

use sagedesk::engine::{Engine, ManagedContainer};
use sagedesk::session::{DroppedCounts, RecordStore};
use sagedesk::size;
use serde::Serialize;

/// One line of `sagedesk ps`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    #[serde(flatten)]
    container: ManagedContainer,
    dropped_messages: u64,
}

/// Runs `sagedesk ps [--json]`.
pub async fn run(engine_setting: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect(engine_setting).await?;
    let counts = DroppedCounts::default_location();
    let containers = engine.managed_containers().await?;
    let rows: Vec<Row> = RecordStore::default_location()
        .with_assignments(containers)
        .into_iter()
        .map(|container| Row {
            dropped_messages: counts.load(&container.name),
            container,
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print_rows(&rows);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_rows(rows: &[Row]) {
    if rows.is_empty() {
        println!("no SageDesk containers");
        return;
    }
    println!(
        "{:<24} {:<9} {:<8} {:<5} {:<7} {:<7} {:<26} {:<20} WORKSPACE",
        "NAME", "STATE", "MEMORY", "CPUS", "OWNER", "DROPPED", "STATUS", "NOTEBOOK"
    );
    for Row {
        container: c,
        dropped_messages,
    } in rows
    {
        let (memory, cpus) = match &c.limits {
            Some(l) => (
                size::memory_limit(l.memory_bytes),
                l.cpus.map_or_else(|| "all".to_string(), |c| c.to_string()),
            ),
            None => ("?".into(), "?".into()),
        };
        let owner = match (&c.owner, c.orphan) {
            (_, true) => "gone".to_string(),
            (Some(o), false) => o.pid.to_string(),
            (None, false) => "?".into(),
        };
        // A spare kernel serves no notebook until one opens.
        let notebook = match (&c.notebook, c.spare) {
            (Some(notebook), _) => notebook.as_str(),
            (None, true) => "(spare)",
            (None, false) => "-",
        };
        println!(
            "{:<24} {:<9} {:<8} {:<5} {:<7} {:<7} {:<26} {:<20} {}",
            c.name,
            c.state,
            memory,
            cpus,
            owner,
            dropped_messages,
            c.status,
            notebook,
            c.workspace.as_deref().unwrap_or("-")
        );
    }
}
