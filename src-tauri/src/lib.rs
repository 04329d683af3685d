//! The SageDesk desktop shell.
//!
//! A thin layer between the webview and the core's [`Desk`], which owns
//! everything the app has open and decides everything about engines,
//! kernels and notebooks: each command in [`commands`] takes its input,
//! calls the desk and maps the error ([`Error`]); the desk's events reach
//! the window through [`events`]. Untrusted HTML outputs get a page of
//! their own ([`frames`]), and neither the window nor a frame may leave the
//! app's own pages ([`navigation`]). The UI's TypeScript types for all of
//! it are generated from the Rust types ([`bindings`]). Run with
//! `--print-to-pdf`, the app prints a notebook's exported page for the
//! command line and does nothing else ([`print_page`]).

pub mod bindings;
pub mod commands;
mod error;
pub mod events;
pub mod frames;
pub mod navigation;
mod pdf;
mod print_page;
pub mod state;

use std::time::Duration;

use sagedesk::desk::Desk;
use tauri::Manager;

pub use error::{Error, ErrorBody};

/// How often the engine is looked at while the app runs.
const ENGINE_WATCH_INTERVAL: Duration = Duration::from_secs(5);

/// Builds the app and runs its event loop until the last window closes.
///
/// # Errors
///
/// Fails when the window system or the webview cannot start (no display, a
/// missing WebKitGTK), before any window is shown.
pub fn run() -> tauri::Result<()> {
    let context = tauri::generate_context!();
    // `sagedesk export --to pdf` runs the app to print a page, and only that.
    if let Some(job) = print_page::PrintJob::from_args(std::env::args_os().skip(1)) {
        return match job {
            Ok(job) => print_page::print(job, context),
            Err(why) => {
                eprintln!("sagedesk-app: {why}");
                std::process::exit(2);
            }
        };
    }
    tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .register_uri_scheme_protocol(frames::SCHEME, |context, request| {
            let desk = context.app_handle().try_state::<Desk>();
            frames::respond(&request, |rest| desk.as_ref()?.nbextension(rest))
        })
        .setup(|app| {
            navigation::open_windows(app)?;
            let desk = state::desk(app.handle());
            app.manage(desk.clone());
            tauri::async_runtime::spawn({
                let desk = desk.clone();
                async move { desk.collect_orphans().await }
            });
            tauri::async_runtime::spawn(
                async move { desk.watch_engine(ENGINE_WATCH_INTERVAL).await },
            );
            tauri::async_runtime::spawn(quit_on_terminate(app.handle().clone()));
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
            commands::reload_notebook,
            commands::save_notebook,
            commands::execute_cell,
            commands::open_whole_output,
            commands::follow_widgets,
            commands::send_comm,
            commands::comm_info,
            commands::open_output_pdf,
            commands::save_output_pdf,
            commands::export_notebook,
            commands::open_help,
            commands::open_link,
            commands::workspace_image,
            commands::save_checkpoint,
            commands::checkpoint,
            commands::revert_to_checkpoint,
            commands::print_to_pdf,
            commands::unqueue_cell,
            commands::copy_cells,
            commands::clear_outputs,
            commands::interrupt_kernel,
            commands::restart_kernel,
            commands::input_reply,
            commands::complete,
            commands::inspect,
            commands::get_settings,
            commands::set_settings,
        ])
        .build(context)?
        .run(|app, event| {
            // The kernels are stopped, or left running, as the settings say.
            if let tauri::RunEvent::Exit = event {
                let desk = app.state::<Desk>().inner().clone();
                tauri::async_runtime::block_on(desk.quit());
            }
        });
    Ok(())
}

/// A session ending (logout, shutdown) or a service manager asks the app
/// to stop with SIGTERM: quit as if the window were closed.
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
