//! What the shell tells the window without being asked: one event,
//! `app-event`, whose payload is an [`AppEvent`] (tagged by `kind`): a
//! kernel's state, the image setup's progress, and the engine's state when
//! it changes while the app runs (Docker stopped, or back).

use std::time::Duration;

use sagedesk::doctor::{self, Report};
use sagedesk::engine::{BuildEvent, PullProgress};
use sagedesk::session::SessionState;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// The event's name.
pub const NAME: &str = "app-event";

/// How often the engine is looked at while the app runs.
pub const ENGINE_WATCH_INTERVAL: Duration = Duration::from_secs(5);

/// The longest one look may take.
const ENGINE_LOOK_BUDGET: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AppEvent {
    /// A notebook's kernel changed state.
    KernelStatus {
        /// The notebook, as the workspace names it.
        path: String,
        state: SessionState,
    },
    /// A step or a line of output of `prepare_image` building the image.
    Setup { event: BuildEvent },
    /// How far `prepare_image` pulling the image (the image setting names
    /// one from a registry) has come: bytes and layers.
    Pull { progress: PullProgress },
    /// The engine's state changed: a problem appeared (the engine stopped,
    /// the image went) or went away.
    Engine { report: Box<Report> },
}

/// Sends `event` to the window; a failure is only reported on stderr (the
/// window may be closing).
pub fn emit<R: Runtime>(app: &AppHandle<R>, event: AppEvent) {
    if let Err(err) = app.emit(NAME, event) {
        eprintln!("sagedesk: could not send an event to the window: {err}");
    }
}

/// Whether the window needs telling: the first report, or one that differs
/// from the last in what the window shows (whether there is an engine, the
/// problem, the image).
pub fn engine_changed(last: Option<&Report>, now: &Report) -> bool {
    let Some(last) = last else {
        return true;
    };
    last.engine.is_some() != now.engine.is_some()
        || last.problem.as_ref().map(|p| &p.code) != now.problem.as_ref().map(|p| &p.code)
        || last.image.as_ref().map(|i| &i.id) != now.image.as_ref().map(|i| &i.id)
}

/// Looks at the engine every [`ENGINE_WATCH_INTERVAL`] for as long as the
/// app runs, and sends [`AppEvent::Engine`] when what it shows changes.
pub async fn watch_engine<R: Runtime>(app: AppHandle<R>) {
    let mut last: Option<Report> = None;
    loop {
        let image = app
            .try_state::<crate::state::AppState>()
            .map(|state| state.image_tag())
            .unwrap_or_else(|| sagedesk::engine::BuildContext::embedded().tag());
        // A hung engine must not stop the watch: a look that takes too long
        // is skipped.
        let Ok(now) =
            tokio::time::timeout(ENGINE_LOOK_BUDGET, doctor::check_image(None, &image)).await
        else {
            tokio::time::sleep(ENGINE_WATCH_INTERVAL).await;
            continue;
        };
        if engine_changed(last.as_ref(), &now) {
            // The first look only sets the baseline: the window asks for
            // its own report at start-up.
            if last.is_some() {
                emit(
                    &app,
                    AppEvent::Engine {
                        report: Box::new(now.clone()),
                    },
                );
            }
            last = Some(now);
        }
        tokio::time::sleep(ENGINE_WATCH_INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagedesk::doctor::Problem;

    fn report(problem: Option<&str>) -> Report {
        Report {
            engine: None,
            problem: problem.map(|code| Problem {
                code: code.into(),
                message: "m".into(),
                fix: "f".into(),
                tried: vec!["unix:///var/run/docker.sock".into()],
            }),
            image: None,
            image_tag: "sagedesk/sagemath:x".into(),
        }
    }

    #[test]
    fn only_a_change_of_what_the_window_shows_is_sent() {
        let stopped = report(Some("engine_not_running"));
        assert!(engine_changed(None, &stopped));
        let mut again = stopped.clone();
        again.problem.as_mut().unwrap().message = "other words".into();
        assert!(!engine_changed(Some(&stopped), &again));
        assert!(engine_changed(
            Some(&stopped),
            &report(Some("image_missing"))
        ));
        assert!(engine_changed(Some(&stopped), &report(None)));
    }

    #[test]
    fn events_are_tagged_by_kind() {
        let json = serde_json::to_value(AppEvent::KernelStatus {
            path: "a.ipynb".into(),
            state: SessionState::Idle,
        })
        .unwrap();
        assert_eq!(json["kind"], "kernelStatus");
        assert_eq!(json["path"], "a.ipynb");
        let json = serde_json::to_value(AppEvent::Setup {
            event: BuildEvent::Output { line: "x".into() },
        })
        .unwrap();
        assert_eq!(json["kind"], "setup");
        assert_eq!(json["event"]["kind"], "output");
    }
}
