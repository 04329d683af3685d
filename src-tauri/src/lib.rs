//! The SageDesk desktop shell.
//!
//! A thin layer between the webview and the `sagedesk` core: each command in
//! [`commands`] takes its input, calls the core and maps the outcome; errors
//! cross to the UI as `{ code, message }` ([`Error`]). Nothing here decides
//! anything about engines, kernels or notebooks: that lives in the core, which
//! builds and is tested without a window.

pub mod commands;
mod error;
mod state;

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
        .manage(state::AppState::default())
        .invoke_handler(tauri::generate_handler![
            commands::engine_status,
            commands::prepare_image,
            commands::open_workspace,
            commands::list_notebooks,
            commands::create_notebook,
            commands::open_notebook,
            commands::save_notebook,
            commands::execute_cell,
            commands::interrupt_kernel,
            commands::restart_kernel,
            commands::input_reply,
            commands::complete,
            commands::inspect,
        ])
        .build(tauri::generate_context!())?
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                stop_kernels(app);
            }
        });
    Ok(())
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

/// Stops every notebook's kernel when the app quits (the default of the
/// "kernels on quit" setting), waiting a bounded time.
fn stop_kernels(app: &tauri::AppHandle) {
    use tauri::Manager;
    let sessions = app.state::<state::AppState>().all_sessions();
    tauri::async_runtime::block_on(async move {
        let stop_all = async {
            for session in &sessions {
                session.stop().await;
            }
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(15), stop_all).await;
    });
}
