//! What the shell holds between commands: the open workspace, its open
//! notebooks, and a session per notebook. Locks are std mutexes held for
//! a few instructions, never across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sagedesk::engine::{BuildContext, Engine};
use sagedesk::notebook::NotebookFile;
use sagedesk::session::{Session, SessionConfig};
use sagedesk::workspace::Workspace;
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
}

/// The `kernel-status` event's payload.
#[derive(Clone, Serialize)]
struct KernelStatus {
    path: String,
    state: sagedesk::session::SessionState,
}

impl AppState {
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

    /// Every session, for stopping them on quit.
    pub fn all_sessions(&self) -> Vec<Arc<Session>> {
        self.notebooks
            .lock()
            .expect("notebooks lock")
            .values()
            .filter_map(|nb| nb.session.lock().expect("session lock").clone())
            .collect()
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
        let mut config = SessionConfig::for_image(&engine, &BuildContext::embedded().tag()).await?;
        config.workspace = Some(workspace.root().to_path_buf());
        let mut slot = notebook.session.lock().expect("session lock");
        // Another command may have started one while this one connected.
        if let Some(session) = slot.clone() {
            return Ok(session);
        }
        let session = Arc::new(Session::start(engine, config));
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
