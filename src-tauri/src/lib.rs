//! The SageDesk desktop shell.
//!
//! A thin layer between the webview and the `sagedesk` core: each command in
//! [`commands`] takes its input, calls the core and maps the outcome; errors
//! cross to the UI as `{ code, message }` ([`Error`]). Nothing here decides
//! anything about engines, kernels or notebooks: that lives in the core, which
//! builds and is tested without a window. The UI's TypeScript types for all
//! of it are generated from the Rust types ([`bindings`]).

pub mod bindings;
pub mod commands;
mod error;
pub mod events;
pub mod frames;
mod settings;
pub mod state;

pub use error::{Error, ErrorBody};

/// Builds the app and runs its event loop until the last window closes.
///
/// # Errors
///
/// Fails when the window system or the webview cannot start (no display, a
/// missing WebKitGTK), before any window is shown.
pub fn run() -> tauri::Result<()> {
    tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .register_uri_scheme_protocol(frames::SCHEME, |context, request| {
            frames::respond_for(context.app_handle(), &request)
        })
        .setup(|app| {
            use tauri::Manager;
            app.manage(state::AppState::with_settings(settings::load(app.handle())));
            // Whole outputs are kept for one run of the app.
            if let Ok(cache) = app.path().app_cache_dir() {
                let _ = std::fs::remove_dir_all(cache.join(commands::WHOLE_OUTPUTS));
            }
            tauri::async_runtime::spawn(collect_orphans());
            tauri::async_runtime::spawn(quit_on_terminate(app.handle().clone()));
            tauri::async_runtime::spawn(events::watch_engine(app.handle().clone()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::engine_status,
            commands::prepare_image,
            commands::check_kernel,
            commands::open_workspace,
            commands::list_notebooks,
            commands::create_notebook,
            commands::rename_notebook,
            commands::delete_notebook,
            commands::open_notebook,
            commands::save_notebook,
            commands::execute_cell,
            commands::open_whole_output,
            commands::interrupt_kernel,
            commands::restart_kernel,
            commands::input_reply,
            commands::complete,
            commands::inspect,
            commands::get_settings,
            commands::set_settings,
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

/// What happens to the kernels when the app quits, by the setting: stopped
/// (the default), or left running with a record for the next launch to
/// reattach to. Waits a bounded time.
fn stop_kernels(app: &tauri::AppHandle) {
    use sagedesk::workspace::KernelsOnQuit;
    use tauri::Manager;
    let state = app.state::<state::AppState>();
    let leave_running = state.settings().kernels_on_quit == KernelsOnQuit::LeaveRunning;
    let sessions = state.sessions_by_notebook();
    tauri::async_runtime::block_on(async move {
        let all = async {
            let records = sagedesk::session::RecordStore::default_location();
            for (notebook, session) in &sessions {
                if leave_running && let Some(mut record) = session.detach().await {
                    // The name it has now (the notebook may have been renamed).
                    record.notebook = Some(notebook.clone());
                    if let Err(err) = records.save(&record) {
                        eprintln!("sagedesk: could not keep the kernel of {notebook}: {err}");
                        session.stop().await;
                    }
                    continue;
                }
                session.stop().await;
                // A kernel reattached at launch had a record: it goes too.
                let _ = records.remove(&session.container_name());
            }
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(15), all).await;
    });
}

/// A session ending (logout, shutdown) or a service manager asks the app
/// to stop with SIGTERM: quit as if the window were closed, so that the
/// kernels are stopped, or left running, as the settings say.
async fn quit_on_terminate(app: tauri::AppHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate())
            && terminate.recv().await.is_some()
        {
            app.exit(0);
        }
    }
    #[cfg(not(unix))]
    let _ = app;
}
