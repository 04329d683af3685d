//! The Docker daemon restarted in the middle of a cell, with the real
//! SageMath image: the cell is told the engine went away, the workspace and
//! the saved notebook are untouched, and once the daemon is back a restart
//! gives a working kernel and leaves no container behind.
//!
//! The daemon is a private `dockerd` (`support::PrivateDaemon`: its own
//! socket, data folder and network namespace), so stopping it disturbs no
//! other test and no other container on the machine. The kernel's ports
//! are published on that namespace's 127.0.0.1, so the test's thread joins
//! the namespace to reach them. The daemon keeps its copy of the SageMath
//! image (about 5 GB) beside the build: only the first run on a machine
//! pays the minute and a half it takes to copy.

#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use sagedesk::engine::{BuildContext, Engine};
use sagedesk::session::{CellEvent, DeathReason, Session, SessionState};
use support::{PrivateDaemon, SEED_RESULT, Workspace, death, read_sage_file, result, run};

#[tokio::test]
async fn a_daemon_restart_mid_cell_is_reported_and_a_restart_afterwards_works() {
    let tag = BuildContext::embedded().tag();
    let mut daemon = PrivateDaemon::start(&[&tag]);
    daemon.join_netns();
    let engine = Engine::connect(Some(&daemon.uri())).await.unwrap();
    let config = support::config(&engine).await;
    let workspace = Workspace::new();
    let s = Session::start(
        engine,
        sagedesk::session::SessionConfig {
            workspace: Some(workspace.path()),
            ..config
        },
    );
    s.ready().await.unwrap();
    workspace.seed(&s).await;
    let before = workspace.snapshot();
    run(&s, "v = 1").await;

    let mut cell = s.execute("import time; time.sleep(60)").unwrap();
    assert!(matches!(cell.events.recv().await, Some(CellEvent::Started)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopping = daemon.terminate();
    let stopped = tokio::task::spawn_blocking(move || {
        let mut stopping = stopping;
        stopping.wait()
    });

    let mut events = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(60), cell.events.recv())
        .await
        .expect("the cell is told within a minute, it does not hang")
    {
        events.push(event);
    }
    let (reason, message) = death(&events);
    assert!(
        matches!(reason, DeathReason::EngineGone { .. }),
        "{reason:?}"
    );
    assert!(
        message.contains("The Docker engine stopped answering"),
        "{message}"
    );
    assert!(
        message.contains(&daemon.uri()),
        "the engine is named: {message}"
    );
    // No restart is promised that cannot happen without an engine.
    assert!(!message.contains("was restarted"), "{message}");
    assert!(
        message.contains("Start the engine again, then restart the kernel"),
        "{message}"
    );
    stopped.await.unwrap().unwrap();

    // With the engine away no kernel can start: the session ends, saying
    // why, and a cell sent now is told so at once.
    let mut states = s.watch_state();
    let state = tokio::time::timeout(
        Duration::from_secs(60),
        states.wait_for(|st| matches!(st, SessionState::Dead { .. })),
    )
    .await
    .expect("the session gives up while the engine is away")
    .unwrap()
    .clone();
    let SessionState::Dead { reason } = state else {
        unreachable!()
    };
    // Dead for want of the engine (not "gave up"), so that the app can
    // restart it when the engine is back.
    assert!(
        matches!(reason, DeathReason::EngineGone { .. }),
        "{reason:?}"
    );
    assert!(reason.describe().contains("Docker engine"), "{reason:?}");
    let (_, message) = death(&run(&s, "1 + 1").await);
    assert!(message.contains("Docker engine"), "{message}");
    workspace.assert_kept(&before, "the daemon stopped");

    // The daemon is back: a restart gives a fresh kernel that reads the
    // workspace as it was.
    daemon.launch();
    tokio::time::timeout(Duration::from_secs(180), s.restart())
        .await
        .expect("the restart returns")
        .unwrap();
    s.ready().await.unwrap();
    assert_eq!(
        result(&run(&s, "'v' in globals()").await).as_deref(),
        Some("False")
    );
    assert_eq!(
        result(&run(&s, &read_sage_file()).await),
        Some(format!("'{SEED_RESULT}'"))
    );
    workspace.assert_kept(&before, "the daemon restarted");

    // The container the daemon stopped was replaced, and shutting down
    // removes the new one: nothing is left on the engine.
    s.shutdown().await;
    let (ok, left) = daemon.docker(&["ps", "-aq"]);
    assert!(ok, "{left}");
    assert!(left.trim().is_empty(), "containers left behind: {left}");
}
