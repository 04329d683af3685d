//! The SageDesk desktop shell.
//!
//! A thin layer between the webview and the `sagedesk` core: each command in
//! [`commands`] takes its input, calls the core and maps the outcome; errors
//! cross to the UI as `{ code, message }` ([`Error`]). Nothing here decides
//! anything about engines, kernels or notebooks: that lives in the core, which
//! builds and is tested without a window.

pub mod commands;
mod error;

pub use error::Error;

/// Builds the app and runs its event loop until the last window closes.
///
/// # Errors
///
/// Fails when the window system or the webview cannot start (no display, a
/// missing WebKitGTK), before any window is shown.
pub fn run() -> tauri::Result<()> {
    tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .setup(|_app| {
            tauri::async_runtime::spawn(collect_orphans());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::engine_status])
        .run(tauri::generate_context!())
}

/// Removes the containers of SageDesk processes that are gone (a crash, a
/// kill), so that no kernel runs on that nobody can reach. Quietly does
/// nothing when no engine answers: the setup screen reports that.
async fn collect_orphans() {
    let Ok(engine) = sagedesk::engine::Engine::connect(None).await else {
        return;
    };
    // Kernels left running on purpose for the next launch are kept.
    let records = sagedesk::session::RecordStore::default_location();
    if let Err(err) = engine.remove_orphans(|c| records.keeps(&c.name)).await {
        eprintln!("sagedesk: could not remove orphaned containers: {err}");
    }
}
