//! What the shell holds between commands: the open workspace, its open
//! notebooks, and a session per notebook. Locks are std mutexes held for
//! a few instructions, never across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sagedesk::engine::{BuildContext, Engine};
use sagedesk::notebook::NotebookFile;
use sagedesk::session::{RecordStore, Session, SessionConfig, SessionRecord};
use sagedesk::workspace::{LoadedSettings, Settings, Workspace};
use serde::Serialize;
use tauri::{AppHandle, Emitter};

use crate::Error;

/// An open notebook: its file (the core owns its outputs) and its kernel.
pub struct OpenNotebook {
    pub file: Mutex<NotebookFile>,
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

/// The `kernel-status` event's payload.
#[derive(Clone, Serialize)]
struct KernelStatus {
    path: String,
    state: sagedesk::session::SessionState,
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

    pub fn set_settings(&self, settings: Settings) {
        *self.settings.lock().expect("settings lock") = settings;
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

    pub fn insert_notebook(&self, path: &str, file: NotebookFile) -> Arc<OpenNotebook> {
        let open = Arc::new(OpenNotebook {
            file: Mutex::new(file),
            session: Mutex::new(None),
        });
        // Reopening keeps the running kernel.
        let mut notebooks = self.notebooks.lock().expect("notebooks lock");
        if let Some(previous) = notebooks.get(path) {
            let session = previous.session.lock().expect("session lock").clone();
            *open.session.lock().expect("session lock") = session;
        }
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
                let image = settings
                    .image
                    .clone()
                    .unwrap_or_else(|| BuildContext::embedded().tag());
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
        let session = Arc::new(match start {
            Start::Resume(record) => Session::resume(engine, record),
            Start::Fresh(config) => Session::start(engine, config),
        });
        *slot = Some(session.clone());
        drop(slot);
        let mut states = session.watch_state();
        let app = app.clone();
        let path = path.to_string();
        tauri::async_runtime::spawn(async move {
            loop {
                let state = states.borrow_and_update().clone();
                let payload = KernelStatus {
                    path: path.clone(),
                    state,
                };
                if let Err(err) = app.emit("kernel-status", payload) {
                    eprintln!("sagedesk: could not send the kernel status: {err}");
                }
                if states.changed().await.is_err() {
                    return;
                }
            }
        });
        Ok(session)
    }
}
