//! The workspace and its notebooks on the desk: open a workspace; list,
//! create, open, reload, save, rename and delete notebooks. A notebook
//! opened twice is the same open notebook, so a cell running in it always
//! ends in the right file, whatever happened to the notebook meanwhile.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::notebook::{CellEdit, CellKind, NotebookFile, Output, SaveOutcome};
use crate::session::{Session, data_dir};
use crate::workspace::{Workspace, check_allowed};

use super::cells::Shelf;
use super::error::DeskError;
use super::events::DeskEvent;
use super::open::{Desk, blocking, expand_home, relative_name};
use super::views::{ImageData, NotebookDoc, NotebookItem, Saved, Trashed, WorkspaceInfo};

/// A notebook open on the desk: its file (the desk owns its outputs), its
/// kernel once started, and what its cells printed in full.
pub(crate) struct OpenNotebook {
    /// Its name in the workspace now (a rename changes it): the name its
    /// kernel's status events carry.
    pub(crate) name: Arc<Mutex<String>>,
    pub(crate) file: Mutex<NotebookFile>,
    /// Everything each cell printed in its last run, by cell id, where its
    /// outputs left lines out (files of the desk's cache).
    whole_outputs: Mutex<HashMap<String, PathBuf>>,
    pub(crate) session: Mutex<Option<Arc<Session>>>,
    /// Cells its saves removed, for an undo to bring back.
    pub(crate) shelf: Mutex<Shelf>,
    /// The stored outputs shown with a display id: (display id, cell id,
    /// index among the cell's outputs), from the runs of this desk.
    displays: Mutex<Vec<(String, String, usize)>>,
    /// A save of display updates waits to be written.
    save_pending: std::sync::atomic::AtomicBool,
}

impl OpenNotebook {
    fn new(name: &str, file: NotebookFile) -> OpenNotebook {
        OpenNotebook {
            name: Arc::new(Mutex::new(name.to_string())),
            file: Mutex::new(file),
            whole_outputs: Mutex::default(),
            session: Mutex::new(None),
            shelf: Mutex::default(),
            displays: Mutex::default(),
            save_pending: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Remembers which of the cell's stored outputs were shown with a
    /// display id (those of its last run), forgetting those it had.
    pub(crate) fn keep_displays(&self, cell_id: &str, outputs: &[Output]) {
        let mut displays = self.displays.lock().expect("displays lock");
        displays.retain(|(_, cell, _)| cell != cell_id);
        for (index, output) in outputs.iter().enumerate() {
            if let Output::DisplayData {
                display_id: Some(id),
                ..
            } = output
            {
                displays.push((id.clone(), cell_id.to_owned(), index));
            }
        }
    }

    /// Gives every stored output shown with `display_id` the data and
    /// metadata of `update` (within a cell's bounds), as Jupyter updates
    /// displays across cells; returns each one changed, with its cell and
    /// place, for the window.
    pub(crate) fn update_display(&self, update: Output) -> Vec<(String, usize, Output)> {
        let Output::DisplayData {
            display_id: Some(display_id),
            ..
        } = &update
        else {
            return Vec::new();
        };
        let places: Vec<(String, usize)> = self
            .displays
            .lock()
            .expect("displays lock")
            .iter()
            .filter(|(id, _, _)| id == display_id)
            .map(|(_, cell, index)| (cell.clone(), *index))
            .collect();
        if places.is_empty() {
            return Vec::new();
        }
        let (output, _) = crate::notebook::limits::within_budget(
            update,
            crate::notebook::OutputLimits::default().max_bytes,
        );
        let Value::Object(mut stored) = output.to_nbformat() else {
            return Vec::new();
        };
        // As a run's outputs are stored: text in lines.
        crate::notebook::split_output(&mut stored);
        let mut file = self.file.lock().expect("file lock");
        let mut changed = Vec::new();
        for (cell_id, index) in places {
            let Some(cell) = file.notebook_mut().cell_mut(&cell_id) else {
                continue;
            };
            let CellKind::Code { outputs, .. } = &mut cell.kind else {
                continue;
            };
            let Some(slot) = outputs.get_mut(index) else {
                continue;
            };
            if slot.get("output_type").and_then(Value::as_str) != Some("display_data") {
                continue;
            }
            *slot = stored.clone();
            changed.push((cell_id, index, output.clone()));
        }
        changed
    }

    /// Marks a save as waiting; false when one already was.
    pub(crate) fn want_save(&self) -> bool {
        !self
            .save_pending
            .swap(true, std::sync::atomic::Ordering::AcqRel)
    }

    /// The waiting save is being written.
    pub(crate) fn saving(&self) {
        self.save_pending
            .store(false, std::sync::atomic::Ordering::Release);
    }

    pub(crate) fn session(&self) -> Option<Arc<Session>> {
        self.session.lock().expect("session lock").clone()
    }

    /// Records the whole output of the cell's last run (or that it has
    /// none), removing the file of the run before.
    pub(crate) fn keep_whole_output(&self, cell_id: &str, file: Option<PathBuf>) {
        let mut kept = self.whole_outputs.lock().expect("outputs lock");
        let before = match &file {
            Some(file) => kept.insert(cell_id.to_string(), file.clone()),
            None => kept.remove(cell_id),
        };
        if let Some(before) = before
            && Some(&before) != file.as_ref()
        {
            let _ = std::fs::remove_file(before);
        }
    }

    /// The file of the whole output of the cell's last run, if kept.
    fn whole_output(&self, cell_id: &str) -> Option<PathBuf> {
        self.whole_outputs
            .lock()
            .expect("outputs lock")
            .get(cell_id)
            .filter(|f| f.is_file())
            .cloned()
    }

    fn doc(&self) -> NotebookDoc {
        let file = self.file.lock().expect("file lock");
        NotebookDoc {
            path: self.name.lock().expect("name lock").clone(),
            cells: file.notebook().cell_views(),
            widget_state: file.notebook().widget_state().cloned(),
        }
    }
}

impl Desk {
    /// Opens (creating it if needed) the folder `path` (`~/` is the home
    /// folder) as the workspace, and lists its notebooks. The notebooks of
    /// the workspace open before are closed and their kernels stopped.
    ///
    /// # Errors
    ///
    /// [`DeskError::Workspace`] when the folder cannot be made or read, or
    /// may not be a workspace (the whole disk, SageDesk's data folder).
    pub async fn open_workspace(&self, path: &str) -> Result<WorkspaceInfo, DeskError> {
        let workspace = self.set_workspace(path).await?;
        let root = workspace.root().display().to_string();
        let notebooks = blocking(move || items(&workspace)).await?;
        Ok(WorkspaceInfo {
            path: root,
            notebooks,
        })
    }

    /// [`Desk::open_workspace`] without listing the notebooks (a command
    /// running one notebook of a large folder need not walk all of it).
    ///
    /// # Errors
    ///
    /// `workspace_not_allowed` for the whole disk or SageDesk's own data
    /// folder (its records hold the keys of kernels left running), before
    /// anything is made.
    pub async fn set_workspace(&self, path: &str) -> Result<Arc<Workspace>, DeskError> {
        let root = expand_home(path);
        let data = [data_dir(), self.inner.records.data_folder().to_path_buf()];
        let workspace = Arc::new(
            blocking(move || {
                for data in &data {
                    check_allowed(&root, data)?;
                }
                Ok(Workspace::open_or_create(&root)?)
            })
            .await?,
        );
        self.remember(|s| s.note_recent_workspace(workspace.root()));
        let changed = {
            let mut open = self.inner.workspace.lock().expect("workspace lock");
            let changed = open.as_ref().is_none_or(|w| w.root() != workspace.root());
            *open = Some(workspace.clone());
            changed
        };
        if changed {
            self.drop_spare().await;
            self.follow(workspace.clone());
        }
        self.warm_spare();
        let closed: Vec<_> = self
            .inner
            .notebooks
            .lock()
            .expect("notebooks lock")
            .drain()
            .filter_map(|(_, open)| open.session.lock().expect("session lock").take())
            .collect();
        for session in closed {
            self.stop_in_background(session);
        }
        Ok(workspace)
    }

    /// The notebooks of the open workspace, by name.
    pub async fn list_notebooks(&self) -> Result<Vec<NotebookItem>, DeskError> {
        let workspace = self.workspace()?;
        blocking(move || items(&workspace)).await
    }

    /// Creates an empty Sage notebook `name` (`.ipynb` added when missing),
    /// never over an existing file.
    ///
    /// # Errors
    ///
    /// [`DeskError::Workspace`]: `already_exists`, a name leaving the
    /// workspace, a file that cannot be written.
    pub async fn create_notebook(&self, name: &str) -> Result<NotebookItem, DeskError> {
        let workspace = self.workspace()?;
        let name = name.to_string();
        blocking(move || {
            let sage = crate::engine::BuildContext::embedded().sage_version();
            let path = workspace.new_notebook(&name, &sage)?;
            Ok(NotebookItem::new(relative_name(&workspace, &path)))
        })
        .await
    }

    /// Opens the notebook `path` and starts warming its kernel, so that the
    /// first cell does not wait for Sage to load (a kernel that cannot start
    /// shows in its status, and again when a cell runs). A notebook already
    /// open is not read again: its cells are as the desk has them, with the
    /// outputs of the cells that ran since.
    ///
    /// # Errors
    ///
    /// [`DeskError::Workspace`] for a name that is not a notebook of the
    /// workspace or a file that is not a notebook (left untouched).
    pub async fn open_notebook(&self, path: &str) -> Result<NotebookDoc, DeskError> {
        let open = match self.open_notebook_of(path) {
            Ok(open) => open,
            Err(_) => {
                let workspace = self.workspace()?;
                let name = path.to_string();
                let file = blocking(move || Ok(workspace.open_notebook(&name)?)).await?;
                let mut notebooks = self.inner.notebooks.lock().expect("notebooks lock");
                // Another call may have opened it meanwhile: that one stays.
                notebooks
                    .entry(path.to_string())
                    .or_insert_with(|| Arc::new(OpenNotebook::new(path, file)))
                    .clone()
            }
        };
        self.remember(|s| s.last_notebook = Some(path.to_string()));
        let _ = self.session(path).await;
        Ok(open.doc())
    }

    /// Reads the open notebook `path` from its file again, dropping what the
    /// desk had of it (the file changed on disk, and the user took that
    /// version). Its kernel stays.
    pub async fn reload_notebook(&self, path: &str) -> Result<NotebookDoc, DeskError> {
        let open = self.open_notebook_of(path)?;
        let reloaded = open.clone();
        blocking(move || Ok(reloaded.file.lock().expect("file lock").reload()?)).await?;
        Ok(open.doc())
    }

    /// Saves the window's cells (text, type, order) into the notebook and
    /// its file; outputs stay as the desk has them.
    ///
    /// # Errors
    ///
    /// [`DeskError::Notebook`] with `notebook_conflict` when another program
    /// changed the file since (nothing is written), unless `force`: then
    /// this version is written over it.
    pub async fn save_notebook(
        &self,
        path: &str,
        cells: Vec<CellEdit>,
        force: bool,
    ) -> Result<Saved, DeskError> {
        self.save_notebook_with(path, cells, force, None).await
    }

    /// [`Desk::save_notebook`], with the window's widget state (ipywidgets'
    /// format) kept in the notebook's metadata as JupyterLab keeps it;
    /// `None` leaves the saved state as it is.
    ///
    /// # Errors
    ///
    /// Those of [`Desk::save_notebook`]; [`DeskError::Internal`] for a
    /// state that is not ipywidgets' format or is over 20 MiB (nothing is
    /// written).
    pub async fn save_notebook_with(
        &self,
        path: &str,
        cells: Vec<CellEdit>,
        force: bool,
        widgets: Option<serde_json::Value>,
    ) -> Result<Saved, DeskError> {
        let open = self.open_notebook_of(path)?;
        let saving = open.clone();
        let desk = self.clone();
        let outcome = blocking(move || {
            if let Some(state) = widgets {
                let mut file = saving.file.lock().expect("file lock");
                file.notebook_mut()
                    .set_widget_state(state)
                    .map_err(|err| DeskError::Internal(err.to_string()))?;
            }
            desk.apply_cells(&saving, &cells);
            let mut file = saving.file.lock().expect("file lock");
            let outcome = if force {
                file.save_overwriting()?
            } else {
                file.save()?
            };
            Ok(kept_names(&outcome, &file))
        })
        .await?;
        if let Some((replaced, kept)) = outcome {
            self.kept_aside(&open, &replaced, &kept);
        }
        Ok(Saved {
            saved_at: rfc3339((self.inner.clock)()),
        })
    }

    /// The notebook `open`'s name `replaced` had become a link leading out
    /// of the workspace, and its file was saved as `kept`: it goes on under
    /// that name, and the window is told ([`DeskEvent::NotebookMoved`]).
    pub(crate) fn kept_aside(&self, open: &Arc<OpenNotebook>, replaced: &str, kept: &str) {
        let known_as = open.name.lock().expect("name lock").clone();
        self.renamed(&known_as, kept, open);
        // The window learns the new name from the event; until then, its
        // commands naming the old one find the notebook too.
        self.inner
            .moved
            .lock()
            .expect("moved lock")
            .insert(known_as.clone(), kept.to_string());
        self.emit(DeskEvent::NotebookMoved {
            from: known_as,
            to: kept.to_string(),
            why: format!(
                "{replaced} was replaced by a link to a file outside the workspace, so SageDesk did not save through it. \
                 Your notebook is saved as {kept}, and is saved there from now on."
            ),
        });
    }

    /// The open notebook `open`, known as `from`, is now `to`: its kernel's
    /// events carry the new name, and the app reopens it under it.
    pub(crate) fn renamed(&self, from: &str, to: &str, open: &Arc<OpenNotebook>) {
        *open.name.lock().expect("name lock") = to.to_string();
        {
            let mut notebooks = self.inner.notebooks.lock().expect("notebooks lock");
            if let Some(open) = notebooks.remove(from) {
                notebooks.insert(to.to_string(), open);
            }
        }
        if let Some(session) = open.session() {
            self.announce_kernel(to, &session);
        }
        self.remember(|s| {
            if s.last_notebook.as_deref() == Some(from) {
                s.last_notebook = Some(to.to_string());
            }
        });
    }

    /// Renames (or moves into a folder) the notebook `from` to `to`, never
    /// over another file. An open notebook keeps its kernel and its running
    /// cells, whose outputs go to the file under its new name; a kernel left
    /// running for it at an earlier quit follows the name.
    pub async fn rename_notebook(&self, from: &str, to: &str) -> Result<NotebookItem, DeskError> {
        let workspace = self.workspace()?;
        let open = self.open_notebook_of(from).ok();
        let (source, target) = (from.to_string(), to.to_string());
        let (workspace, open, to) = blocking(move || {
            // The file moves with the open notebook's lock held: no save
            // lands in between, and the next one goes to the new place.
            let mut file = open.as_ref().map(|o| o.file.lock().expect("file lock"));
            let path = workspace.rename(&source, &target)?;
            let to = relative_name(&workspace, &path);
            if let Some(file) = file.as_mut() {
                file.moved_to(&to);
            }
            drop(file);
            Ok((workspace, open, to))
        })
        .await?;
        if let Some(open) = &open {
            self.renamed(from, &to, open);
        }
        let records = &self.inner.records;
        if let Some(mut record) = records.find(workspace.root(), from) {
            record.notebook = Some(to.clone());
            let _ = records.save(&record);
        }
        Ok(NotebookItem::new(to))
    }

    /// Moves the notebook `path` to the workspace's `.trash` folder (nothing
    /// is destroyed). An open notebook is closed and its kernel stopped; a
    /// kernel left running for it at an earlier quit is removed.
    pub async fn delete_notebook(&self, path: &str) -> Result<Trashed, DeskError> {
        let workspace = self.workspace()?;
        let root = workspace.root().to_path_buf();
        let open = self.open_notebook_of(path).ok();
        let name = path.to_string();
        // The file moves first, with the open notebook's lock held (no save
        // lands in between; a later one finds the file gone and writes
        // nothing). Only once it has moved is the notebook closed.
        let trashed_to = blocking(move || {
            let _saving = open.as_ref().map(|o| o.file.lock().expect("file lock"));
            let to = workspace.delete(&name)?;
            Ok(relative_name(&workspace, &to))
        })
        .await?;
        let closed = self
            .inner
            .notebooks
            .lock()
            .expect("notebooks lock")
            .remove(path);
        if let Some(session) =
            closed.and_then(|open| open.session.lock().expect("session lock").take())
        {
            self.stop_in_background(session);
        }
        if let Some(record) = self.inner.records.find(&root, path) {
            let _ = self.inner.records.remove(&record.name);
            let desk = self.clone();
            tokio::spawn(async move {
                if let Ok(engine) = desk.engine().await {
                    let _ = engine.remove_container(&record.name).await;
                }
            });
        }
        self.remember(|s| {
            if s.last_notebook.as_deref() == Some(path) {
                s.last_notebook = None;
            }
        });
        Ok(Trashed { trashed_to })
    }

    /// The image that the markdown of the notebook `path` names by `src`, a
    /// path relative to the notebook (percent-decoded), read from the
    /// workspace when it is an image and stays inside
    /// ([`Workspace::image`](crate::workspace::Workspace::image)).
    pub fn workspace_image(&self, path: &str, src: &str) -> Result<ImageData, DeskError> {
        use base64::Engine as _;
        let image = self.workspace()?.image(path, src)?;
        Ok(ImageData {
            mime: image.mime.to_owned(),
            data: base64::engine::general_purpose::STANDARD.encode(image.bytes),
        })
    }

    /// The file holding everything the cell `cell_id` of the notebook `path`
    /// printed in its last run, kept when its outputs left lines out.
    ///
    /// # Errors
    ///
    /// [`DeskError::NoWholeOutput`] when there is none (the cell was not
    /// cut, or ran before this desk was made).
    pub fn whole_output(&self, path: &str, cell_id: &str) -> Result<PathBuf, DeskError> {
        self.open_notebook_of(path)?
            .whole_output(cell_id)
            .ok_or(DeskError::NoWholeOutput)
    }
}

/// The names of a save that kept the notebook aside: the one that had
/// become a link, and the new one (workspace names, `/` between folders).
pub(crate) fn kept_names(outcome: &SaveOutcome, file: &NotebookFile) -> Option<(String, String)> {
    let SaveOutcome::KeptAside { replaced } = outcome else {
        return None;
    };
    let name = |path: &Path| path.to_string_lossy().replace('\\', "/");
    Some((name(replaced), name(file.name())))
}

pub(crate) fn items(workspace: &Workspace) -> Result<Vec<NotebookItem>, DeskError> {
    Ok(workspace
        .notebooks()?
        .into_iter()
        .map(|e| NotebookItem::new(e.name))
        .collect())
}

/// `2026-11-28T07:08:37.123Z`.
pub(crate) fn rfc3339(time: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_update_reaches_every_output_shown_with_its_id_and_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let mut notebook = crate::notebook::Notebook::new_sage("10.4");
        let first = notebook.cells[0].id.clone();
        let mut second = notebook.cells[0].clone();
        second.id = "second".into();
        notebook.cells.push(second);
        let file = NotebookFile::create(dir.path().join("a.ipynb"), notebook).unwrap();
        let open = OpenNotebook::new("a.ipynb", file);
        let shown = |text: &str, id: Option<&str>| Output::DisplayData {
            data: serde_json::from_value(serde_json::json!({"text/plain": text})).unwrap(),
            metadata: Default::default(),
            display_id: id.map(str::to_owned),
        };
        let runs = [
            (
                first.as_str(),
                vec![shown("a", Some("d")), shown("b", None)],
            ),
            (
                "second",
                vec![shown("c", Some("other")), shown("e", Some("d"))],
            ),
        ];
        for (cell, outputs) in runs {
            let mut file = open.file.lock().unwrap();
            file.notebook_mut()
                .cell_mut(cell)
                .unwrap()
                .set_outputs(outputs.clone(), Some(1));
            open.keep_displays(cell, &outputs);
        }
        let changed = open.update_display(shown("new", Some("d")));
        let places: Vec<(String, usize)> =
            changed.iter().map(|(c, i, _)| (c.clone(), *i)).collect();
        assert_eq!(places, vec![(first.clone(), 0), ("second".to_owned(), 1)]);
        let text = |cell: &str, index: usize| {
            let file = open.file.lock().unwrap();
            let CellKind::Code { outputs, .. } = &file.notebook().cell(cell).unwrap().kind else {
                unreachable!()
            };
            outputs[index]["data"]["text/plain"].clone()
        };
        assert_eq!(text(&first, 0), serde_json::json!(["new"]));
        assert_eq!(text(&first, 1), serde_json::json!(["b"]));
        assert_eq!(text("second", 0), serde_json::json!(["c"]));
        assert_eq!(text("second", 1), serde_json::json!(["new"]));
        // Cleared outputs are no longer updated.
        open.keep_displays(&first, &[]);
        assert_eq!(open.update_display(shown("newer", Some("d"))).len(), 1);
    }

    #[test]
    fn times_cross_as_rfc3339_in_utc() {
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_795_849_717_123);
        assert_eq!(rfc3339(time), "2026-11-28T07:08:37.123Z");
    }
}
