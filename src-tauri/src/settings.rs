//! The user's settings, persisted with tauri-plugin-store. The core defines
//! them and their defaults; the store file holds one entry per setting.
//! A file that cannot be read as settings is checked by the core before the
//! store opens it: it is kept aside, the defaults are used, and the UI is
//! told why.

use sagedesk::workspace::{LoadedSettings, Settings};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_store::StoreExt;

use crate::Error;

/// The store's file, in the app's data folder.
pub const STORE_FILE: &str = "settings.json";

/// Reads the settings at start-up.
pub fn load<R: Runtime>(app: &AppHandle<R>) -> LoadedSettings {
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

/// Writes every setting through the store.
pub fn save<R: Runtime>(app: &AppHandle<R>, settings: &Settings) -> Result<(), Error> {
    let failed = |err: String| Error::Core {
        code: "settings_not_saved",
        message: format!("the settings could not be saved: {err}"),
    };
    let store = app.store(STORE_FILE).map_err(|e| failed(e.to_string()))?;
    let serde_json::Value::Object(entries) =
        serde_json::to_value(settings).map_err(|e| failed(e.to_string()))?
    else {
        return Err(failed("settings are not an object".into()));
    };
    for (key, value) in entries {
        store.set(key, value);
    }
    store.save().map_err(|e| failed(e.to_string()))
}
