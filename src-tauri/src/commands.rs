//! The commands the webview can invoke: each takes the desk, calls one of
//! its operations and maps the error.
//!
//! Each one is listed in `build.rs` (which makes it a permission) and granted
//! in `capabilities/main.json`; the UI reaches them only through
//! `ui/src/lib/backend.ts`. What they take and return is generated into
//! TypeScript ([`crate::bindings`]).

use std::path::PathBuf;

use sagedesk::desk::{
    CommWire, Completions, Desk, Help, HelpTopic, ImageData, KernelCheck, NotebookDoc,
    NotebookItem, Saved, SettingsView, Trashed, WidgetEvent, WorkspaceInfo, web_link,
};
use sagedesk::doctor::Report;
use sagedesk::engine::ImageInfo;
use sagedesk::export::Format;
use sagedesk::notebook::CellEdit;
use sagedesk::session::{CellUpdate, InterruptOutcome};
use sagedesk::workspace::Settings;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use crate::Error;

type Answer<T> = Result<T, Error>;

#[tauri::command]
pub async fn engine_status(desk: State<'_, Desk>) -> Answer<Report> {
    Ok(desk.engine_status().await?)
}

/// Pulls or builds the image; progress arrives as `setup` and `pull` events.
#[tauri::command]
pub async fn prepare_image(desk: State<'_, Desk>) -> Answer<ImageInfo> {
    Ok(desk.prepare_image().await?)
}

#[tauri::command]
pub async fn check_kernel(desk: State<'_, Desk>) -> Answer<KernelCheck> {
    Ok(desk.check_kernel().await?)
}

#[tauri::command]
pub async fn open_workspace(desk: State<'_, Desk>, path: String) -> Answer<WorkspaceInfo> {
    Ok(desk.open_workspace(&path).await?)
}

#[tauri::command]
pub async fn list_notebooks(desk: State<'_, Desk>) -> Answer<Vec<NotebookItem>> {
    Ok(desk.list_notebooks().await?)
}

#[tauri::command]
pub async fn create_notebook(desk: State<'_, Desk>, name: String) -> Answer<NotebookItem> {
    Ok(desk.create_notebook(&name).await?)
}

#[tauri::command]
pub async fn rename_notebook(
    desk: State<'_, Desk>,
    from: String,
    to: String,
) -> Answer<NotebookItem> {
    Ok(desk.rename_notebook(&from, &to).await?)
}

#[tauri::command]
pub async fn delete_notebook(desk: State<'_, Desk>, path: String) -> Answer<Trashed> {
    Ok(desk.delete_notebook(&path).await?)
}

#[tauri::command]
pub async fn open_notebook(desk: State<'_, Desk>, path: String) -> Answer<NotebookDoc> {
    Ok(desk.open_notebook(&path).await?)
}

#[tauri::command]
pub async fn reload_notebook(desk: State<'_, Desk>, path: String) -> Answer<NotebookDoc> {
    Ok(desk.reload_notebook(&path).await?)
}

#[tauri::command]
pub async fn save_notebook(
    desk: State<'_, Desk>,
    path: String,
    cells: Vec<CellEdit>,
    force: Option<bool>,
    widgets: Option<serde_json::Value>,
) -> Answer<Saved> {
    Ok(desk
        .save_notebook_with(&path, cells, force.unwrap_or(false), widgets)
        .await?)
}

/// Returns once the cell is queued; its updates arrive in batches on `on_update`.
#[tauri::command]
pub async fn execute_cell(
    desk: State<'_, Desk>,
    path: String,
    cell_id: String,
    code: String,
    on_update: Channel<Vec<CellUpdate>>,
) -> Answer<()> {
    let send = move |batch| {
        if let Err(err) = on_update.send(batch) {
            eprintln!("sagedesk: could not send a cell update: {err}");
        }
    };
    desk.execute_cell(&path, &cell_id, &code, send).await?;
    Ok(())
}

/// Sends what the notebook's kernel says to its widgets on `on_event`, in
/// batches, until the notebook closes or another call takes its place.
#[tauri::command]
pub async fn follow_widgets(
    desk: State<'_, Desk>,
    path: String,
    on_event: Channel<Vec<WidgetEvent>>,
) -> Answer<()> {
    let send = move |batch| {
        if let Err(err) = on_event.send(batch) {
            eprintln!("sagedesk: could not send a widget event: {err}");
        }
    };
    Ok(desk.follow_widgets(&path, send).await?)
}

/// A widget's message (a change, a click) to the notebook's kernel.
#[tauri::command]
pub async fn send_comm(desk: State<'_, Desk>, path: String, message: CommWire) -> Answer<String> {
    Ok(desk.send_comm(&path, message).await?)
}

/// The kernel's open comms (of `target_name`, or all): comm id → target.
#[tauri::command]
pub async fn comm_info(
    desk: State<'_, Desk>,
    path: String,
    target_name: Option<String>,
) -> Answer<std::collections::BTreeMap<String, String>> {
    Ok(desk.comm_info(&path, target_name.as_deref()).await?)
}

/// Opens everything the cell printed in the system's viewer for text.
#[tauri::command]
pub async fn open_whole_output<R: Runtime>(
    app: AppHandle<R>,
    desk: State<'_, Desk>,
    path: String,
    cell_id: String,
) -> Answer<()> {
    open_in_system(&app, desk.whole_output(&path, &cell_id)?)
}

/// Opens `file` with the system's program for its type.
fn open_in_system<R: Runtime>(app: &AppHandle<R>, file: PathBuf) -> Answer<()> {
    app.opener()
        .open_path(file.to_string_lossy(), None::<&str>)
        .map_err(|err| {
            let why = err.to_string();
            Error(sagedesk::desk::DeskError::CannotOpen { file, why })
        })
}

/// Opens the PDF an output holds (`data`, its base64) in the system's viewer.
#[tauri::command]
pub async fn open_output_pdf<R: Runtime>(
    app: AppHandle<R>,
    desk: State<'_, Desk>,
    data: String,
) -> Answer<()> {
    open_in_system(&app, desk.output_pdf_file(&data).await?)
}

/// Writes the PDF an output holds where the person chose.
#[tauri::command]
pub async fn save_output_pdf(
    desk: State<'_, Desk>,
    data: String,
    destination: PathBuf,
) -> Answer<()> {
    Ok(desk.save_output_pdf(&data, destination).await?)
}

#[tauri::command]
pub async fn save_checkpoint(desk: State<'_, Desk>, path: String) -> Answer<String> {
    Ok(desk.save_checkpoint(&path).await?)
}

#[tauri::command]
pub async fn checkpoint(desk: State<'_, Desk>, path: String) -> Answer<Option<String>> {
    Ok(desk.checkpoint(&path).await?)
}

#[tauri::command]
pub async fn revert_to_checkpoint(desk: State<'_, Desk>, path: String) -> Answer<NotebookDoc> {
    Ok(desk.revert_to_checkpoint(&path).await?)
}

/// Opens a page of Sage's documentation in the system's browser.
#[tauri::command]
pub async fn open_help<R: Runtime>(app: AppHandle<R>, topic: HelpTopic) -> Answer<()> {
    open_url(&app, topic.url())
}

/// An image a notebook's markdown names by a path relative to it.
#[tauri::command]
pub async fn workspace_image(
    desk: State<'_, Desk>,
    path: String,
    src: String,
) -> Answer<ImageData> {
    Ok(desk.workspace_image(&path, &src)?)
}

/// Opens a link of a notebook's markdown in the system's browser (or mail
/// program), when the core says it may be opened ([`web_link`]).
#[tauri::command]
pub async fn open_link<R: Runtime>(app: AppHandle<R>, url: String) -> Answer<()> {
    open_url(&app, web_link(&url)?)
}

fn open_url<R: Runtime>(app: &AppHandle<R>, url: &str) -> Answer<()> {
    app.opener().open_url(url, None::<&str>).map_err(|err| {
        Error(sagedesk::desk::DeskError::CannotOpen {
            file: url.into(),
            why: err.to_string(),
        })
    })
}

/// Prints the window (the notebook shown, by its print stylesheet) to the
/// PDF file `destination`, with no dialog.
#[tauri::command]
pub async fn print_to_pdf<R: Runtime>(
    window: tauri::WebviewWindow<R>,
    destination: PathBuf,
) -> Answer<()> {
    crate::pdf::print_to_pdf(&window, destination.clone())
        .await
        .map_err(|why| {
            Error(sagedesk::desk::DeskError::CannotWrite {
                file: destination,
                why,
            })
        })
}

/// Writes the notebook exported to `format` where the person chose.
#[tauri::command]
pub async fn export_notebook(
    desk: State<'_, Desk>,
    path: String,
    format: Format,
    destination: PathBuf,
) -> Answer<()> {
    Ok(desk.export_notebook_to(&path, format, destination).await?)
}

#[tauri::command]
pub async fn unqueue_cell(desk: State<'_, Desk>, path: String, cell_id: String) -> Answer<bool> {
    Ok(desk.unqueue_cell(&path, &cell_id).await?)
}

#[tauri::command]
pub async fn copy_cells(desk: State<'_, Desk>, path: String, ids: Vec<String>) -> Answer<usize> {
    Ok(desk.copy_cells(&path, &ids).await?)
}

#[tauri::command]
pub async fn clear_outputs(desk: State<'_, Desk>, path: String, ids: Vec<String>) -> Answer<Saved> {
    Ok(desk.clear_outputs(&path, ids).await?)
}

#[tauri::command]
pub async fn interrupt_kernel(desk: State<'_, Desk>, path: String) -> Answer<InterruptOutcome> {
    Ok(desk.interrupt(&path).await?)
}

#[tauri::command]
pub async fn restart_kernel(desk: State<'_, Desk>, path: String) -> Answer<()> {
    Ok(desk.restart(&path).await?)
}

#[tauri::command]
pub async fn input_reply(desk: State<'_, Desk>, path: String, value: String) -> Answer<()> {
    Ok(desk.input_reply(&path, &value).await?)
}

#[tauri::command]
pub async fn complete(
    desk: State<'_, Desk>,
    path: String,
    code: String,
    cursor_pos: usize,
) -> Answer<Completions> {
    Ok(desk.complete(&path, &code, cursor_pos).await?)
}

#[tauri::command]
pub async fn inspect(
    desk: State<'_, Desk>,
    path: String,
    code: String,
    cursor_pos: usize,
) -> Answer<Help> {
    Ok(desk.inspect(&path, &code, cursor_pos).await?)
}

#[tauri::command]
pub async fn get_settings(desk: State<'_, Desk>) -> Answer<SettingsView> {
    Ok(desk.settings_view().await)
}

/// Async, so that the desk can start or stop its spare kernel for the new settings.
#[tauri::command]
pub async fn set_settings(desk: State<'_, Desk>, settings: Settings) -> Answer<Settings> {
    Ok(desk.set_settings(settings)?)
}
