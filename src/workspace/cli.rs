//! What the `sagedesk new` and `sagedesk ls` commands do, apart from
//! printing.

use std::path::{Path, PathBuf};

use crate::engine::ManagedContainer;
use crate::session::{RecordStore, SessionRecord};

use super::error::WorkspaceError;
use super::folder::{NotebookEntry, Workspace};
use super::settings::utc_minute;

/// The SageMath version (`10.8`) the image of this build installs, from the
/// `PASSAGEMATH_VERSION` of its Dockerfile: what new notebooks name in their
/// kernelspec.
pub fn build_sage_version() -> String {
    const DOCKERFILE: &str = include_str!("../../docker/Dockerfile");
    DOCKERFILE
        .lines()
        .find_map(|line| line.trim().strip_prefix("ARG PASSAGEMATH_VERSION="))
        .map(|version| {
            let parts: Vec<&str> = version.trim().split('.').take(2).collect();
            parts.join(".")
        })
        .unwrap_or_else(|| "10.8".into())
}

/// `sagedesk new NAME --workspace DIR`: creates `DIR/NAME.ipynb`, an empty
/// Sage notebook (the folder is created if needed). Refuses names that
/// leave `DIR` and existing files. Returns the notebook's path.
pub fn new_notebook(workspace: &Path, name: &str) -> Result<PathBuf, WorkspaceError> {
    Workspace::open_or_create(workspace)?.new_notebook(name, &build_sage_version())
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
    } else if best.orphan && !records.keeps(&best.name) {
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
            crate::size::decimal_short(entry.size),
            modified
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_names_its_sage_version() {
        let version = build_sage_version();
        assert!(version.starts_with("10."), "{version}");
        assert_eq!(version.split('.').count(), 2);
    }

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
        assert!(lines[1].contains("12.3 KB"));
        assert!(lines[1].contains("2024-12-31 23:59"));
        assert!(lines[1].ends_with("running"));
        assert_eq!(format_listing(&[], |_| None), "no notebooks\n");
    }
}
