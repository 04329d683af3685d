//! The commands the webview can invoke.
//!
//! Each one is listed in `build.rs` (which makes it a permission) and granted
//! in `capabilities/main.json`; the UI reaches them only through
//! `ui/src/lib/backend.ts`. The types they take and return derive `TS` and
//! are listed in [`crate::bindings`], which generates their TypeScript.

use std::time::Duration;

use sagedesk::doctor::{self, Report};
use sagedesk::engine::{BuildContext, Engine, ImageInfo, host_ca_bundle};
use sagedesk::id::new_id;
use sagedesk::kernel::outputs::Output;
use sagedesk::kernel::outputs::OutputLimits;
use sagedesk::notebook::{CellEdit, CellView};
use sagedesk::session::RecordStore;
use sagedesk::session::{
    CellUpdate, InterruptOutcome, Session, SessionConfig, forward, forward_keeping,
};
use sagedesk::workspace::{Settings, Workspace};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use ts_rs::TS;

use crate::Error;
use crate::state::AppState;

/// How long the UI waits for the engine check before it is offered a retry.
/// The core bounds each of its requests (10 s to connect, 30 s for a request)
/// and reports a precise problem when one runs out; this longer bound on the
/// whole command only guarantees that the window never spins forever.
const ENGINE_STATUS_BUDGET: Duration = Duration::from_secs(60);

/// Where the container engine is, its version, and whether the SageMath image
/// (the setting's, or this build's) is there; or, when something is missing,
/// the problem and how to fix it.
///
/// # Errors
///
/// [`Error::Timeout`] when the check takes longer than
/// [`ENGINE_STATUS_BUDGET`].
#[tauri::command]
pub async fn engine_status(state: State<'_, AppState>) -> Result<Report, Error> {
    let tag = state.image_tag();
    tokio::time::timeout(ENGINE_STATUS_BUDGET, doctor::check_image(None, &tag))
        .await
        .map_err(|_| Error::Timeout {
            what: "The engine check",
            seconds: ENGINE_STATUS_BUDGET.as_secs(),
        })
}

/// A notebook as the sidebar lists it.
#[derive(Serialize, TS)]
pub struct NotebookItem {
    /// Shown to people: the name without `.ipynb`.
    pub name: String,
    /// The key the other commands take: its name in the workspace.
    pub path: String,
}

#[derive(Serialize, TS)]
pub struct WorkspaceInfo {
    pub path: String,
    pub notebooks: Vec<NotebookItem>,
}

#[derive(Serialize, TS)]
pub struct NotebookDoc {
    pub path: String,
    pub cells: Vec<CellView>,
}

#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    pub saved_at: String,
}

#[derive(Serialize, TS)]
pub struct Completions {
    pub matches: Vec<String>,
    pub cursor_start: usize,
    pub cursor_end: usize,
}

#[derive(Serialize, TS)]
pub struct Help {
    pub found: bool,
    /// A MIME bundle.
    #[ts(type = "Record<string, unknown>")]
    pub data: serde_json::Value,
}

fn items(workspace: &Workspace) -> Result<Vec<NotebookItem>, Error> {
    Ok(workspace
        .notebooks()?
        .into_iter()
        .map(|e| item(e.name))
        .collect())
}

/// The sidebar's entry for the notebook the workspace names `path`.
fn item(path: String) -> NotebookItem {
    NotebookItem {
        name: path.trim_end_matches(".ipynb").to_string(),
        path,
    }
}

/// A file's name in the workspace, with `/` between folders.
fn relative_name(workspace: &Workspace, path: &std::path::Path) -> String {
    path.strip_prefix(workspace.root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Changes the settings and persists them; a failure to write them is
/// reported on stderr (what they remember is a convenience, not work).
fn remember(app: &AppHandle, state: &AppState, change: impl FnOnce(&mut Settings)) {
    let _ = state.update_settings(|settings| {
        let before = settings.clone();
        change(settings);
        if *settings != before
            && let Err(err) = crate::settings::save(app, settings)
        {
            eprintln!("sagedesk: {err}");
        }
        Ok::<(), Error>(())
    });
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| Error::Core {
            code: "internal",
            message: e.to_string(),
        })?
}

/// Opens (creating it if needed) a workspace folder and lists its notebooks.
#[tauri::command]
pub async fn open_workspace(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<WorkspaceInfo, Error> {
    let root = expand_home(&path);
    let workspace = blocking(move || Ok(Workspace::open_or_create(&root)?)).await?;
    let info = WorkspaceInfo {
        path: workspace.root().display().to_string(),
        notebooks: items(&workspace)?,
    };
    remember(&app, &state, |s| s.note_recent_workspace(workspace.root()));
    let records = RecordStore::default_location();
    for session in state.set_workspace(workspace) {
        // A kernel reattached at launch had a record: it goes too.
        let _ = records.remove(&session.container_name());
        tauri::async_runtime::spawn(async move { session.stop().await });
    }
    Ok(info)
}

fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

#[tauri::command]
pub async fn list_notebooks(state: State<'_, AppState>) -> Result<Vec<NotebookItem>, Error> {
    let workspace = state.workspace()?;
    blocking(move || items(&workspace)).await
}

/// Creates an empty Sage notebook (never over an existing file).
#[tauri::command]
pub async fn create_notebook(
    state: State<'_, AppState>,
    name: String,
) -> Result<NotebookItem, Error> {
    let workspace = state.workspace()?;
    blocking(move || {
        let path = workspace.new_notebook(&name, &BuildContext::embedded().sage_version())?;
        Ok(item(relative_name(&workspace, &path)))
    })
    .await
}

/// Renames (or moves into a folder) a notebook, never over another file.
/// An open notebook keeps its kernel and its running cells.
#[tauri::command]
pub async fn rename_notebook(
    app: AppHandle,
    state: State<'_, AppState>,
    from: String,
    to: String,
) -> Result<NotebookItem, Error> {
    let workspace = state.workspace()?;
    let to = state.rename_notebook(&from, || {
        let path = workspace.rename(&from, &to)?;
        Ok((relative_name(&workspace, &path), path))
    })?;
    // A kernel left running for it at an earlier quit follows the name.
    let records = RecordStore::default_location();
    if let Some(mut record) = records.find(workspace.root(), &from) {
        record.notebook = Some(to.clone());
        let _ = records.save(&record);
    }
    state.announce_kernel(&app, &to);
    remember(&app, &state, |s| {
        if s.last_notebook.as_deref() == Some(from.as_str()) {
            s.last_notebook = Some(to.clone());
        }
    });
    Ok(item(to))
}

/// Where a deleted notebook went.
#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Trashed {
    /// Its place in the workspace, e.g. `.trash/a.ipynb`.
    pub trashed_to: String,
}

/// Moves a notebook to the workspace's `.trash` folder (nothing is
/// destroyed). An open notebook is closed first and its kernel stopped.
#[tauri::command]
pub async fn delete_notebook(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<Trashed, Error> {
    let workspace = state.workspace()?;
    let root = workspace.root().to_path_buf();
    // The file moves first, with the open notebook's lock held (no save
    // lands in between; a later one finds the file gone and writes
    // nothing). Only once it has moved is the notebook closed.
    let open = state.notebook(&path).ok();
    let name = path.clone();
    let trashed_to = blocking(move || {
        let _saving = open
            .as_ref()
            .map(|open| open.file.lock().expect("file lock"));
        let to = workspace.delete(&name)?;
        Ok(relative_name(&workspace, &to))
    })
    .await?;
    let records = RecordStore::default_location();
    if let Some(session) = state.close_notebook(&path) {
        let _ = records.remove(&session.container_name());
        tauri::async_runtime::spawn(async move { session.stop().await });
    }
    // A kernel left running for it at an earlier quit goes too.
    if let Some(record) = records.find(&root, &path) {
        let _ = records.remove(&record.name);
        tauri::async_runtime::spawn(async move {
            if let Ok(engine) = Engine::connect(None).await {
                let _ = engine.remove_container(&record.name).await;
            }
        });
    }
    remember(&app, &state, |s| {
        if s.last_notebook.as_deref() == Some(path.as_str()) {
            s.last_notebook = None;
        }
    });
    Ok(Trashed { trashed_to })
}

/// Opens a notebook, and starts warming its kernel so that the first cell
/// does not wait for Sage to load.
#[tauri::command]
pub async fn open_notebook(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<NotebookDoc, Error> {
    let workspace = state.workspace()?;
    let name = path.clone();
    let file = blocking(move || Ok(workspace.open_notebook(&name)?)).await?;
    let cells = file.notebook().cell_views();
    state.insert_notebook(&path, file);
    remember(&app, &state, |s| s.last_notebook = Some(path.clone()));
    // Warm start; a failure shows in the kernel status and again on run.
    let _ = state.session(&app, &path).await;
    Ok(NotebookDoc { path, cells })
}

/// Saves the window's cells (text, type, order); outputs stay as the core
/// has them. A file changed by another program is a `notebook_conflict`,
/// unless `force`.
#[tauri::command]
pub async fn save_notebook(
    state: State<'_, AppState>,
    path: String,
    cells: Vec<CellEdit>,
    force: Option<bool>,
) -> Result<Saved, Error> {
    let notebook = state.notebook(&path)?;
    blocking(move || {
        let mut file = notebook.file.lock().expect("file lock");
        file.notebook_mut().apply_edits(&cells);
        if force.unwrap_or(false) {
            file.save_overwriting()?;
        } else {
            file.save()?;
        }
        Ok(())
    })
    .await?;
    Ok(Saved {
        saved_at: format!("{:?}", std::time::SystemTime::now()),
    })
}

/// Runs a cell; its updates arrive in batches on `on_update`. Returns once
/// the cell is queued. When it finishes, its outputs are stored in the
/// notebook and the notebook is saved.
#[tauri::command]
pub async fn execute_cell(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    cell_id: String,
    code: String,
    on_update: Channel<Vec<CellUpdate>>,
) -> Result<(), Error> {
    let session = state.session(&app, &path).await?;
    let notebook = state.notebook(&path)?;
    let run = session.execute(&code)?;
    // Everything the cell prints goes to a file too, kept when the outputs
    // leave lines out, for the window to offer.
    let whole = app
        .path()
        .app_cache_dir()
        .ok()
        .map(|dir| dir.join(WHOLE_OUTPUTS).join(format!("{}.txt", new_id())));
    tauri::async_runtime::spawn(async move {
        let done = forward_keeping(run, OutputLimits::default(), whole.as_deref(), |batch| {
            // Kept before the window hears of it, so that a click at once finds it.
            if batch
                .iter()
                .any(|u| matches!(u, CellUpdate::WholeOutputKept { .. }))
            {
                notebook.keep_whole_output(&cell_id, whole.clone());
            }
            if let Err(err) = on_update.send(batch) {
                eprintln!("sagedesk: could not send a cell update: {err}");
            }
        })
        .await;
        notebook.keep_whole_output(&cell_id, done.whole_output.clone());
        let _ = blocking(move || {
            let mut file = notebook.file.lock().expect("file lock");
            if let Some(cell) = file.notebook_mut().cell_mut(&cell_id) {
                cell.set_outputs(&done.outputs, done.execution_count.map(|c| c as u64));
                file.save()?;
            }
            Ok(())
        })
        .await;
    });
    Ok(())
}

/// The folder of the app's cache where whole outputs are kept, for this run
/// of the app only (emptied at start-up).
pub const WHOLE_OUTPUTS: &str = "whole-outputs";

/// Opens everything a cell printed (kept when its outputs leave lines out)
/// in the system's viewer for text. Code `no_whole_output` when the cell
/// has none (it was not cut, or ran before this launch).
#[tauri::command]
pub async fn open_whole_output(
    state: State<'_, AppState>,
    path: String,
    cell_id: String,
) -> Result<(), Error> {
    let file = state
        .notebook(&path)?
        .whole_output(&cell_id)
        .ok_or_else(|| Error::Core {
            code: "no_whole_output",
            message: "this cell's whole output is not kept any more: run the cell again".into(),
        })?;
    blocking(move || open_in_system_viewer(&file)).await
}

/// Hands `file` to the desktop's default application for it.
fn open_in_system_viewer(file: &std::path::Path) -> Result<(), Error> {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("explorer");
        c.arg("/select,");
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let failed = |why: String| Error::Core {
        code: "cannot_open",
        message: format!(
            "the whole output could not be opened ({why}); it is in {}",
            file.display()
        ),
    };
    let status = command
        .arg(file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| failed(e.to_string()))?;
    // explorer answers 1 even when it opened the folder.
    if status.success() || cfg!(windows) {
        Ok(())
    } else {
        Err(failed(format!("the viewer exited with {status}")))
    }
}

#[tauri::command]
pub async fn interrupt_kernel(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<InterruptOutcome, Error> {
    Ok(state.session(&app, &path).await?.interrupt().await?)
}

#[tauri::command]
pub async fn restart_kernel(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<(), Error> {
    Ok(state.session(&app, &path).await?.restart().await?)
}

#[tauri::command]
pub async fn input_reply(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    value: String,
) -> Result<(), Error> {
    Ok(state.session(&app, &path).await?.input_reply(&value)?)
}

#[tauri::command]
pub async fn complete(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    code: String,
    cursor_pos: usize,
) -> Result<Completions, Error> {
    let reply = state
        .session(&app, &path)
        .await?
        .complete(&code, cursor_pos)
        .await?;
    Ok(Completions {
        matches: reply.matches,
        cursor_start: reply.cursor_start,
        cursor_end: reply.cursor_end,
    })
}

#[tauri::command]
pub async fn inspect(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    code: String,
    cursor_pos: usize,
) -> Result<Help, Error> {
    let reply = state
        .session(&app, &path)
        .await?
        .inspect(&code, cursor_pos)
        .await?;
    Ok(Help {
        found: reply.found,
        data: serde_json::to_value(&reply.data).unwrap_or_default(),
    })
}

/// Sets the SageMath image up, unless it is there: pulls the image the
/// image setting names (from its registry), sending bytes and layers as
/// [`AppEvent::Pull`](crate::events::AppEvent::Pull) events, or builds the
/// one this build of SageDesk makes, sending its steps and output as
/// [`AppEvent::Setup`](crate::events::AppEvent::Setup) events. The build
/// trusts this machine's certificate authorities while downloading, as the
/// machine's own programs do.
#[tauri::command]
pub async fn prepare_image<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<ImageInfo, Error> {
    use crate::events::{AppEvent, emit};
    let engine = Engine::connect(None).await?;
    if let Some(reference) = state.settings().image {
        if let Some(image) = engine.image(&reference).await? {
            return Ok(image);
        }
        let image = engine
            .pull_image(&reference, |progress| {
                emit(&app, AppEvent::Pull { progress });
            })
            .await?;
        return Ok(image);
    }
    let mut context = BuildContext::embedded();
    if let Some(bundle) = host_ca_bundle()
        && let Ok(pem) = std::fs::read(&bundle)
    {
        context = context.with_extra_ca(pem);
    }
    let image = engine
        .build_image(&context, |event| {
            emit(&app, AppEvent::Setup { event });
        })
        .await?;
    Ok(image)
}

/// A kernel of the image, tried: what it said and how long it took.
#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KernelCheck {
    /// What `version()` answered (`passagemath version 10.8.13, Release Date: …`).
    pub version: String,
    /// From asking for a kernel to its answer.
    pub seconds: f64,
}

/// Tries the image's kernel once, as a notebook would start it (the
/// settings' limits): starts it, asks it for Sage's version, and stops it.
/// The setup's last step, so that a kernel that cannot start is known
/// before the first notebook needs one.
#[tauri::command]
pub async fn check_kernel(state: State<'_, AppState>) -> Result<KernelCheck, Error> {
    let engine = Engine::connect(None).await?;
    let mut config = SessionConfig::for_image(&engine, &state.image_tag()).await?;
    config.limits = state.settings().limits();
    config.auto_restart = false;
    let started = std::time::Instant::now();
    let session = Session::start(engine, config);
    let answer = async {
        session.ready().await?;
        let run = session.execute("version()")?;
        let done = forward(run, OutputLimits::default(), |_| {}).await;
        if let Some((_, message)) = done.death {
            return Err(Error::Core {
                code: "kernel_dead",
                message,
            });
        }
        let said = done
            .outputs
            .outputs()
            .iter()
            .find_map(|output| match output {
                Output::ExecuteResult { data, .. } => data
                    .get("text/plain")
                    .and_then(|text| text.as_str())
                    .map(|text| text.trim_matches('\'').to_string()),
                _ => None,
            });
        said.ok_or_else(|| Error::Core {
            code: "kernel_error",
            message: "the kernel started but did not answer version()".into(),
        })
    };
    let answer = tokio::time::timeout(Duration::from_secs(180), answer).await;
    let seconds = started.elapsed().as_secs_f64();
    session.stop().await;
    match answer {
        Ok(Ok(version)) => Ok(KernelCheck { version, seconds }),
        Ok(Err(err)) => Err(err),
        Err(_) => Err(Error::Timeout {
            what: "The kernel's first answer",
            seconds: 180,
        }),
    }
}

#[derive(Serialize, TS)]
pub struct SettingsView {
    pub settings: Settings,
    /// Why the saved settings could not be used, if they could not.
    pub warning: Option<String>,
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> SettingsView {
    SettingsView {
        settings: state.settings(),
        warning: state.settings_warning(),
    }
}

/// Saves the settings (through the store) and uses them from now on: new
/// kernels get the image and limits, the quit policy applies at quit. What
/// the app remembers by itself (recent workspaces, the last notebook) stays
/// as the shell has it: the window's copy may be older.
#[tauri::command]
pub async fn set_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<Settings, Error> {
    settings.check().map_err(|problem| Error::Core {
        code: "invalid_settings",
        message: format!("these settings cannot be used: {problem}"),
    })?;
    state.update_settings(|current| {
        let mut next = settings;
        next.recent_workspaces = std::mem::take(&mut current.recent_workspaces);
        next.last_notebook = current.last_notebook.take();
        crate::settings::save(&app, &next)?;
        *current = next.clone();
        Ok(next)
    })
}
