//! A desk as the window has one, over a fresh workspace, with no window:
//! making notebooks, saving the window's edits, running cells to their end,
//! and reading what was saved back from disk.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sagedesk::desk::{Desk, DeskEvent, DeskOptions};
use sagedesk::notebook::{CellEdit, NotebookFile};
use sagedesk::session::{CellUpdate, RecordStore};

/// A desk over a fresh workspace, with its own records and cache, that
/// keeps every event it sends.
pub struct Bench {
    pub desk: Desk,
    pub events: Arc<Mutex<Vec<DeskEvent>>>,
    pub workspace: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

impl Bench {
    pub async fn new() -> Bench {
        let workspace = tempfile::tempdir().unwrap();
        let data = tempfile::tempdir().unwrap();
        let bench = Bench::over(workspace, data, false);
        bench
            .desk
            .open_workspace(&bench.workspace.path().display().to_string())
            .await
            .expect("the workspace opens");
        bench
    }

    /// A desk over `workspace` whose records (and cache, when `cache`) are
    /// in `data` (a later launch of the app is a new desk over the same
    /// folders). Without a cache, no kernel copies the image's notebook
    /// extensions out.
    pub fn over(workspace: tempfile::TempDir, data: tempfile::TempDir, cache: bool) -> Bench {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let desk = Desk::new(DeskOptions {
            records: RecordStore::new(data.path()),
            cache_dir: cache.then(|| data.path().join("cache")),
            events: Arc::new(move |event| seen.lock().unwrap().push(event)),
            ..DeskOptions::default()
        });
        Bench {
            desk,
            events,
            workspace,
            data,
        }
    }

    pub fn file(&self, name: &str) -> std::path::PathBuf {
        self.workspace.path().join(name)
    }

    /// A new notebook `name` holding one code cell `code`, opened, its
    /// kernel warming; returns the cell's id.
    pub async fn notebook(&self, name: &str, code: &str) -> String {
        let item = self.desk.create_notebook(name).await.unwrap();
        let doc = self.desk.open_notebook(&item.path).await.unwrap();
        let id = doc.cells[0].id.clone();
        self.edit(&item.path, &[(&id, code)]).await;
        id
    }

    /// Saves the window's cells `(id, code)`, all code cells, in order.
    pub async fn edit(&self, path: &str, cells: &[(&str, &str)]) {
        let cells = cells
            .iter()
            .map(|(id, code)| CellEdit {
                id: id.to_string(),
                cell_type: "code".into(),
                source: code.to_string(),
                copy_of: None,
                attachments: None,
            })
            .collect();
        self.desk.save_notebook(path, cells, false).await.unwrap();
    }

    /// Runs the cell `id` of `path` with `code` to its end; returns its
    /// updates.
    pub async fn run(&self, path: &str, id: &str, code: &str) -> Vec<CellUpdate> {
        let updates = Arc::new(Mutex::new(Vec::new()));
        let kept = updates.clone();
        let done = self
            .desk
            .execute_cell(path, id, code, move |batch| {
                kept.lock().unwrap().extend(batch)
            })
            .await
            .expect("the cell is queued");
        tokio::time::timeout(Duration::from_secs(180), done.wait())
            .await
            .unwrap_or_else(|_| panic!("{code:?} ends"));
        updates.lock().unwrap().clone()
    }

    /// The kernel containers of this workspace's notebook `name`.
    pub async fn kernels_of(&self, name: &str) -> Vec<String> {
        let root = self.workspace.path().canonicalize().unwrap();
        let all = super::engine().await.managed_containers().await.unwrap();
        RecordStore::new(self.data.path())
            .with_assignments(all)
            .into_iter()
            .filter(|c| {
                c.workspace.as_deref() == Some(&*root.to_string_lossy())
                    && c.notebook.as_deref() == Some(name)
            })
            .map(|c| c.name)
            .collect()
    }
}

/// The cell `id` of the notebook file at `path` as Jupyter would read it:
/// its execution count and its outputs' text.
pub fn cell_on_disk(path: &Path, id: &str) -> (Option<u64>, String) {
    let file = NotebookFile::open(path).expect("the saved file is a notebook");
    let view = file
        .notebook()
        .cell_views()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("cell {id} in {}", path.display()));
    (
        view.execution_count,
        serde_json::to_string(&view.outputs).unwrap(),
    )
}

pub fn finished(updates: &[CellUpdate]) -> bool {
    updates
        .iter()
        .any(|u| matches!(u, CellUpdate::Finished { .. }))
}
