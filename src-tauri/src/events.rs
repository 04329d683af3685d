//! What the shell tells the window without being asked: the desk's events,
//! as one Tauri event, `app-event`, whose payload is a
//! [`DeskEvent`] tagged by `kind`. This is the only place that emits.

use sagedesk::desk::DeskEvent;
use tauri::{AppHandle, Emitter, Runtime};

/// The event's name.
pub const NAME: &str = "app-event";

/// Sends `event` to the window; a failure is only reported on stderr (the
/// window may be closing).
pub fn emit<R: Runtime>(app: &AppHandle<R>, event: DeskEvent) {
    if let Err(err) = app.emit(NAME, &event) {
        eprintln!(
            "sagedesk: could not send {} to the window: {err}",
            event.name()
        );
    }
}
