//! What the shell holds between commands: the open workspace, its open
//! notebooks, and a session per notebook. Locks are std mutexes held for
//! a few instructions, never across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sagedesk::engine::{BuildContext, Engine};
use sagedesk::notebook::NotebookFile;
use sagedesk::session::{RecordStore, Session, SessionConfig, SessionRecord};
use sagedesk::workspace::{LoadedSettings, Settings, Workspace};
use tauri::AppHandle;

use crate::Error;

/// An open notebook: its file (the core owns its outputs) and its kernel.
pub struct OpenNotebook {
    /// Its name in the workspace now (renames change it): the path its
    /// kernel's status events carry. Shared with a reopened notebook's.
    pub name: Arc<Mutex<String>>,
    pub file: Mutex<NotebookFile>,
    /// Everything each cell printed, by cell id, where its outputs left lines
    /// out (the files are the app cache's, for this run of the app).
    whole_outputs: Mutex<HashMap<String, std::path::PathBuf>>,
    pub session: Mutex<Option<Arc<Session>>>,
}

#[derive(Default)]
pub struct AppState {
    workspace: Mutex<Option<Arc<Workspace>>>,
    notebooks: Mutex<HashMap<String, Arc<OpenNotebook>>>,
    settings: Mutex<Settings>,
    /// Why the saved settings could not be used, once, for the UI.
    settings_warning: Mutex<Option<String>>,
}

enum Start {
    Resume(SessionRecord),
    Fresh(SessionConfig),
}

impl OpenNotebook {
    /// Records the whole output of the cell's last run (or that it has
    /// none), removing the file of the run before.
    pub fn keep_whole_output(&self, cell_id: &str, file: Option<std::path::PathBuf>) {
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
    pub fn whole_output(&self, cell_id: &str) -> Option<std::path::PathBuf> {
        self.whole_outputs
            .lock()
            .expect("outputs lock")
            .get(cell_id)
            .filter(|f| f.is_file())
            .cloned()
    }
}

impl AppState {
    pub fn with_settings(loaded: LoadedSettings) -> AppState {
        let warning = loaded.warning.map(|w| {
            let kept = w
                .kept_at
                .map(|p| format!(" It was kept as {}.", p.display()))
                .unwrap_or_default();
            format!(
                "The settings in {} could not be read ({}); the defaults are used.{kept}",
                w.path.display(),
                w.problem
            )
        });
        AppState {
            settings: Mutex::new(loaded.settings),
            settings_warning: Mutex::new(warning),
            ..AppState::default()
        }
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().expect("settings lock").clone()
    }

    /// Reads, changes and writes back the settings under one lock, so that
    /// two changes at once cannot undo each other.
    pub fn update_settings<T, E>(
        &self,
        change: impl FnOnce(&mut Settings) -> Result<T, E>,
    ) -> Result<T, E> {
        change(&mut self.settings.lock().expect("settings lock"))
    }

    /// The image new kernels use: the image setting's, or the one this
    /// build of SageDesk makes.
    pub fn image_tag(&self) -> String {
        self.settings()
            .image
            .unwrap_or_else(|| BuildContext::embedded().tag())
    }

    pub fn settings_warning(&self) -> Option<String> {
        self.settings_warning.lock().expect("settings lock").clone()
    }

    /// Every open notebook's session, with the notebook's name.
    pub fn sessions_by_notebook(&self) -> Vec<(String, Arc<Session>)> {
        self.notebooks
            .lock()
            .expect("notebooks lock")
            .iter()
            .filter_map(|(path, nb)| {
                let session = nb.session.lock().expect("session lock").clone()?;
                Some((path.clone(), session))
            })
            .collect()
    }

    pub fn workspace(&self) -> Result<Arc<Workspace>, Error> {
        self.workspace
            .lock()
            .expect("workspace lock")
            .clone()
            .ok_or(Error::NoWorkspace)
    }

    /// Opens another workspace; the previous one's notebooks are closed and
    /// their sessions returned, for the caller to stop.
    pub fn set_workspace(&self, workspace: Workspace) -> Vec<Arc<Session>> {
        *self.workspace.lock().expect("workspace lock") = Some(Arc::new(workspace));
        self.notebooks
            .lock()
            .expect("notebooks lock")
            .drain()
            .filter_map(|(_, nb)| nb.session.lock().expect("session lock").take())
            .collect()
    }

    pub fn notebook(&self, path: &str) -> Result<Arc<OpenNotebook>, Error> {
        self.notebooks
            .lock()
            .expect("notebooks lock")
            .get(path)
            .cloned()
            .ok_or_else(|| Error::NotOpen(path.to_string()))
    }

    /// Closes a notebook, returning its session (for the caller to stop).
    pub fn close_notebook(&self, path: &str) -> Option<Arc<Session>> {
        let open = self
            .notebooks
            .lock()
            .expect("notebooks lock")
            .remove(path)?;
        open.session.lock().expect("session lock").take()
    }

    /// Renames a notebook: `rename` moves the file (called with the file's
    /// lock held, so no save lands in between) and returns its new name and
    /// path; the open notebook, with its running cells and its kernel, is
    /// then known by the new name.
    pub fn rename_notebook(
        &self,
        from: &str,
        rename: impl FnOnce() -> Result<(String, std::path::PathBuf), Error>,
    ) -> Result<String, Error> {
        let Ok(open) = self.notebook(from) else {
            return Ok(rename()?.0);
        };
        let to = {
            let mut file = open.file.lock().expect("file lock");
            let (to, path) = rename()?;
            file.moved_to(path);
            to
        };
        *open.name.lock().expect("name lock") = to.clone();
        let mut notebooks = self.notebooks.lock().expect("notebooks lock");
        if let Some(open) = notebooks.remove(from) {
            notebooks.insert(to.clone(), open);
        }
        Ok(to)
    }

    pub fn insert_notebook(&self, path: &str, file: NotebookFile) -> Arc<OpenNotebook> {
        let mut notebooks = self.notebooks.lock().expect("notebooks lock");
        // Reopening keeps the running kernel, and the name its events carry.
        let (name, session) = match notebooks.get(path) {
            Some(previous) => (
                previous.name.clone(),
                previous.session.lock().expect("session lock").clone(),
            ),
            None => (Arc::new(Mutex::new(path.to_string())), None),
        };
        let open = Arc::new(OpenNotebook {
            name,
            whole_outputs: Mutex::default(),
            file: Mutex::new(file),
            session: Mutex::new(session),
        });
        notebooks.insert(path.to_string(), open.clone());
        open
    }

    /// The notebook's session, started (warming in the background) if it
    /// has none yet. Its state changes are emitted as `kernel-status`.
    pub async fn session(&self, app: &AppHandle, path: &str) -> Result<Arc<Session>, Error> {
        let notebook = self.notebook(path)?;
        if let Some(session) = notebook.session.lock().expect("session lock").clone() {
            return Ok(session);
        }
        let workspace = self.workspace()?;
        let engine = Engine::connect(None).await?;
        let records = RecordStore::default_location();
        // A kernel left running for this notebook when the app last quit
        // is reattached, with its variables; otherwise a new one starts.
        let start = match records.find(workspace.root(), path) {
            Some(record) => {
                // Taken: kept from orphan collection while this process
                // lives (the container's label names the one that made it).
                if let Err(err) = records.attach(&record) {
                    eprintln!("sagedesk: could not mark the kernel of {path} as taken: {err}");
                }
                Start::Resume(record)
            }
            None => {
                let settings = self.settings();
                let image = self.image_tag();
                let mut config = SessionConfig::for_image(&engine, &image).await?;
                config.workspace = Some(workspace.root().to_path_buf());
                config.notebook = Some(path.to_string());
                config.limits = settings.limits();
                Start::Fresh(config)
            }
        };
        let mut slot = notebook.session.lock().expect("session lock");
        // Another command may have started one while this one connected.
        if let Some(session) = slot.clone() {
            return Ok(session);
        }
        let image = match &start {
            Start::Resume(record) => record.image.clone(),
            Start::Fresh(config) => config.image.clone(),
        };
        let session = Arc::new(match start {
            Start::Resume(record) => Session::resume(engine, record),
            Start::Fresh(config) => Session::start(engine, config),
        });
        *slot = Some(session.clone());
        drop(slot);
        // What Sage's 3D viewer loads, from this kernel's image.
        tauri::async_runtime::spawn({
            let app = app.clone();
            let session = session.clone();
            async move { crate::frames::ensure_nbextensions(app, &session, &image).await }
        });
        let mut states = session.watch_state();
        let app = app.clone();
        let name = notebook.name.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                let state = states.borrow_and_update().clone();
                let path = name.lock().expect("name lock").clone();
                emit_status(&app, path, state);
                if states.changed().await.is_err() {
                    return;
                }
            }
        });
        Ok(session)
    }

    /// Tells the window the kernel state of the notebook `path` again (after
    /// a rename, under its new name).
    pub fn announce_kernel(&self, app: &AppHandle, path: &str) {
        let session = self
            .notebook(path)
            .ok()
            .and_then(|open| open.session.lock().expect("session lock").clone());
        if let Some(session) = session {
            emit_status(app, path.to_string(), session.state());
        }
    }
}

fn emit_status(app: &AppHandle, path: String, state: sagedesk::session::SessionState) {
    crate::events::emit(app, crate::events::AppEvent::KernelStatus { path, state });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_with(names: &[&str]) -> (tempfile::TempDir, AppState, Arc<Workspace>) {
        let dir = tempfile::tempdir().unwrap();
        let workspace = Workspace::open_or_create(dir.path()).unwrap();
        for name in names {
            workspace.new_notebook(name, "10.8").unwrap();
        }
        let state = AppState::default();
        let _ = state.set_workspace(workspace);
        let workspace = state.workspace().unwrap();
        (dir, state, workspace)
    }

    #[test]
    fn an_open_notebook_renamed_saves_under_its_new_name_only() {
        let (dir, state, workspace) = workspace_with(&["a"]);
        let file = workspace.open_notebook("a.ipynb").unwrap();
        state.insert_notebook("a.ipynb", file);
        let to = state
            .rename_notebook("a.ipynb", || {
                let path = workspace.rename("a.ipynb", "ch1/b.ipynb")?;
                Ok(("ch1/b.ipynb".to_string(), path))
            })
            .unwrap();
        assert_eq!(to, "ch1/b.ipynb");
        assert!(matches!(state.notebook("a.ipynb"), Err(Error::NotOpen(_))));
        let open = state.notebook("ch1/b.ipynb").unwrap();
        assert_eq!(*open.name.lock().unwrap(), "ch1/b.ipynb");
        let mut file = open.file.lock().unwrap();
        file.notebook_mut().cells.clear();
        // Moved, not changed: the save is no conflict, and goes to the new place.
        file.save().unwrap();
        assert!(!dir.path().join("a.ipynb").exists());
        assert!(dir.path().join("ch1/b.ipynb").is_file());
    }

    #[test]
    fn a_refused_rename_leaves_the_open_notebook_as_it_was() {
        let (dir, state, workspace) = workspace_with(&["a", "b"]);
        state.insert_notebook("a.ipynb", workspace.open_notebook("a.ipynb").unwrap());
        let err = state
            .rename_notebook("a.ipynb", || {
                let path = workspace.rename("a.ipynb", "b.ipynb")?;
                Ok(("b.ipynb".to_string(), path))
            })
            .unwrap_err();
        assert_eq!(err.code(), "already_exists");
        let refused = state.rename_notebook("a.ipynb", || {
            let path = workspace.rename("a.ipynb", "../out.ipynb")?;
            Ok(("../out.ipynb".to_string(), path))
        });
        assert!(refused.is_err());
        assert!(!dir.path().parent().unwrap().join("out.ipynb").exists());
        let open = state.notebook("a.ipynb").unwrap();
        assert_eq!(
            open.file.lock().unwrap().path(),
            dir.path().canonicalize().unwrap().join("a.ipynb")
        );
        assert!(
            state.close_notebook("a.ipynb").is_none(),
            "no kernel was started"
        );
        assert!(state.notebook("a.ipynb").is_err());
    }
}
