//! `sagedesk ls`: the notebooks of a workspace, with their size, last
//! change and the state of their kernel.

use std::path::Path;
use std::process::ExitCode;

use sagedesk::engine::{Engine, ManagedContainer};
use sagedesk::session::{RecordStore, SessionRecord};
use sagedesk::size;
use sagedesk::workspace::settings::KEPT_DAYS;
use sagedesk::workspace::settings::utc_minute;
use sagedesk::workspace::{NotebookEntry, Workspace};

/// Runs `sagedesk ls --workspace DIR [--json]`.
pub async fn run(
    engine_setting: Option<&str>,
    workspace: &Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let folder = Workspace::open(workspace)?;
    let entries = folder.notebooks()?;
    // The kernels' state is the engine's; without one the listing
    // still comes, saying why that column is unknown.
    let records = RecordStore::default_location();
    let containers = match Engine::connect(engine_setting).await {
        Ok(engine) => engine
            .managed_containers()
            .await
            .map(|all| records.with_assignments(all)),
        Err(err) => Err(err),
    };
    let state = |entry: &NotebookEntry| match &containers {
        Ok(containers) => kernel_state(containers, &records, folder.root(), &entry.name),
        Err(_) => Some("unknown".into()),
    };
    if json {
        #[derive(serde::Serialize)]
        struct Listed<'a> {
            #[serde(flatten)]
            entry: &'a NotebookEntry,
            kernel: Option<String>,
        }
        let listed: Vec<Listed> = entries
            .iter()
            .map(|entry| Listed {
                entry,
                kernel: state(entry),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&listed)?);
    } else {
        print!("{}", format_listing(&entries, state));
    }
    if let Err(err) = &containers {
        eprintln!("kernel states unknown: {err}");
    }
    Ok(ExitCode::SUCCESS)
}

/// What `sagedesk ls` says of the kernel of the notebook `notebook` of the
/// workspace at `root` (canonical, as [`Workspace::root`] gives it), from
/// SageDesk's containers on the engine and the records of kernels left
/// running: `running` (an app or command is using it), `left running`
/// (kept for the next launch, which reattaches to it), `orphaned` (its
/// owner is gone; `sagedesk gc` removes it), or the engine's state of a
/// kernel that is not running (`exited`, `created`, …). `None`: no kernel.
pub fn kernel_state(
    containers: &[ManagedContainer],
    records: &RecordStore,
    root: &Path,
    notebook: &str,
) -> Option<String> {
    let root = root.display().to_string();
    let mine: Vec<&ManagedContainer> = containers
        .iter()
        .filter(|c| {
            c.workspace.as_deref() == Some(&root) && c.notebook.as_deref() == Some(notebook)
        })
        .collect();
    // A running kernel tells more than one that is stopping or gone.
    let best = mine
        .iter()
        .find(|c| c.state == "running")
        .or_else(|| mine.first())?;
    let record = records.load(&best.name);
    Some(if best.state != "running" {
        best.state.clone()
    } else if record.as_ref().is_some_and(SessionRecord::waiting) {
        "left running".into()
    } else if best.orphan
        && records
            .keeps(&best.name, KEPT_DAYS, std::time::SystemTime::now())
            .is_none()
    {
        "orphaned".into()
    } else {
        "running".into()
    })
}

/// The listing `sagedesk ls` prints: one line a notebook with its size, last
/// change (UTC) and kernel state (`kernel_state` gives it; "-" when it gives
/// none).
pub fn format_listing(
    entries: &[NotebookEntry],
    kernel_state: impl Fn(&NotebookEntry) -> Option<String>,
) -> String {
    if entries.is_empty() {
        return "no notebooks\n".into();
    }
    let width = entries
        .iter()
        .map(|e| e.name.chars().count())
        .max()
        .unwrap_or(0)
        .max("NOTEBOOK".len());
    let mut out = format!(
        "{:<width$}  {:>9}  {:<17}  KERNEL\n",
        "NOTEBOOK", "SIZE", "MODIFIED (UTC)"
    );
    for entry in entries {
        let modified = entry
            .modified_ms
            .map(|ms| utc_minute(ms / 1000))
            .unwrap_or_else(|| "-".into());
        let state = kernel_state(entry).unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{:<width$}  {:>9}  {:<17}  {state}\n",
            entry.name,
            size::decimal(entry.size),
            modified
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_has_a_line_a_notebook() {
        let entries = vec![NotebookEntry {
            name: "ch1/limits.ipynb".into(),
            path: "/w/ch1/limits.ipynb".into(),
            size: 12_345,
            modified_ms: Some(1_735_689_599_000),
        }];
        let text = format_listing(&entries, |_| Some("running".into()));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("NOTEBOOK"));
        assert!(lines[1].starts_with("ch1/limits.ipynb"));
        assert!(lines[1].contains("12.3 kB"));
        assert!(lines[1].contains("2024-12-31 23:59"));
        assert!(lines[1].ends_with("running"));
        assert_eq!(format_listing(&[], |_| None), "no notebooks\n");
    }

    #[test]
    fn listing_names_notebooks_in_folders_and_says_when_a_kernel_is_none() {
        let entry = NotebookEntry {
            name: "ch1/part 2/limits.ipynb".into(),
            path: "/w/ch1/part 2/limits.ipynb".into(),
            size: 999,
            modified_ms: None,
        };
        let text = format_listing(&[entry], |_| None);
        let line = text.lines().nth(1).unwrap();
        assert!(line.starts_with("ch1/part 2/limits.ipynb"), "{text}");
        assert!(line.contains("999 bytes"), "{text}");
        assert!(line.ends_with(" -"), "{text}");
    }
}
