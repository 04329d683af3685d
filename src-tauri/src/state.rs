//! What the shell holds: one [`Desk`], made at start-up with the app's
//! folders, the settings' store (tauri-plugin-store) and the window as the
//! subscriber to its events.

use std::sync::Arc;

use sagedesk::desk::{Desk, DeskOptions, SettingsStore};
use sagedesk::session::RecordStore;
use sagedesk::workspace::{LoadedSettings, Settings};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_store::StoreExt;

/// The store's file, in the app's data folder.
pub const STORE_FILE: &str = "settings.json";

/// The desk of this run of the app.
pub fn desk<R: Runtime>(app: &AppHandle<R>) -> Desk {
    let events = app.clone();
    Desk::new(DeskOptions {
        records: RecordStore::default_location(),
        cache_dir: app.path().app_cache_dir().ok(),
        settings: load_settings(app),
        store: Box::new(Store(app.clone())),
        events: Arc::new(move |event| crate::events::emit(&events, event)),
        spare_kernels: true,
        ..DeskOptions::default()
    })
}

/// The settings at start-up. The core reads the file first: one that cannot
/// be used is kept aside and the defaults are taken, with a warning.
fn load_settings<R: Runtime>(app: &AppHandle<R>) -> LoadedSettings {
    let loaded = match app.path().app_data_dir() {
        Ok(dir) => Settings::load(&dir.join(STORE_FILE)),
        Err(_) => LoadedSettings {
            settings: Settings::default(),
            warning: None,
        },
    };
    if let Err(err) = app.store(STORE_FILE) {
        eprintln!("sagedesk: the settings store did not open: {err}");
    }
    loaded
}

/// The settings through tauri-plugin-store: one entry per setting.
struct Store<R: Runtime>(AppHandle<R>);

impl<R: Runtime> SettingsStore for Store<R> {
    fn save(&self, settings: &Settings) -> Result<(), String> {
        let store = self.0.store(STORE_FILE).map_err(|e| e.to_string())?;
        let serde_json::Value::Object(entries) =
            serde_json::to_value(settings).map_err(|e| e.to_string())?
        else {
            return Err("settings are not an object".into());
        };
        for (key, value) in entries {
            store.set(key, value);
        }
        store.save().map_err(|e| e.to_string())
    }
}
