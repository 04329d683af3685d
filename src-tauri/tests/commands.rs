//! The shell's commands are plain async functions over the desk: they run,
//! and are tested here, with no window and no webview. These tests use the
//! machine's real container engine, or its absence. The desk's operations
//! themselves are tested in the core (`tests/desk*.rs`).

use std::sync::Arc;

use sagedesk::desk::{Desk, DeskOptions};
use sagedesk_app::commands;
use tauri::Manager;

/// An app with no window, holding a desk with default settings whose events
/// go to the app as the shell sends them.
fn app() -> tauri::App<tauri::test::MockRuntime> {
    let app = tauri::test::mock_app();
    let handle = app.handle().clone();
    app.manage(Desk::new(DeskOptions {
        events: Arc::new(move |event| sagedesk_app::events::emit(&handle, event)),
        ..DeskOptions::default()
    }));
    app
}

#[tokio::test]
async fn engine_status_says_where_the_engine_is_or_what_is_wrong() {
    let app = app();
    let report = commands::engine_status(app.state())
        .await
        .expect("the check finishes within the shell's budget");

    // The setup screen has something to show in every case: the engine's
    // address, or a problem with a fix.
    match (&report.engine, &report.problem) {
        (Some(engine), _) => assert!(!engine.endpoint.is_empty()),
        (None, Some(problem)) => {
            assert!(!problem.message.is_empty());
            assert!(!problem.fix.is_empty());
        }
        (None, None) => panic!("a report with neither an engine nor a problem: {report:?}"),
    }
    // The image is either there or named as a problem, never silently absent.
    if report.engine.is_some() && report.image.is_none() {
        assert!(
            report.problem.is_some(),
            "missing image with no problem: {report:?}"
        );
    }

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["imageTag"], report.image_tag.as_str());
}

/// With the image already built (as in CI), preparing it is a no-op that
/// says so in a setup event and returns the image.
#[tokio::test]
async fn prepare_image_reports_an_image_that_is_already_there() {
    use std::sync::{Arc, Mutex};
    use tauri::Listener;

    let app = app();
    let events = Arc::new(Mutex::new(Vec::<serde_json::Value>::new()));
    let seen = events.clone();
    app.listen_any(sagedesk_app::events::NAME, move |event| {
        seen.lock()
            .unwrap()
            .push(serde_json::from_str(event.payload()).unwrap());
    });
    let image = commands::prepare_image(app.state())
        .await
        .expect("the image is built or present");
    assert!(image.tag.starts_with("sagedesk/sagemath:"));
    assert_eq!(
        image.sage_version.as_deref().map(|v| &v[..5]),
        Some("10.8.")
    );
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["kind"], "setup");
    assert_eq!(events[0]["event"]["kind"], "upToDate");
    assert_eq!(events[0]["event"]["tag"], image.tag.as_str());
}
