//! The shell's commands are plain async functions: they run, and are tested
//! here, with no window and no webview. These tests use the machine's real
//! container engine, or its absence.

use sagedesk_app::commands;

#[tokio::test]
async fn engine_status_says_where_the_engine_is_or_what_is_wrong() {
    let report = commands::engine_status()
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
