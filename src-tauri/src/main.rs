// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(error) = sagedesk_app::run() {
        eprintln!("sagedesk-app: {error}");
        std::process::exit(1);
    }
}
