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

/// The desk restarts, by itself, a notebook's kernel that died because the
/// engine went away, once its watch sees the engine back; the kernel that
/// comes is a fresh one, and the notebook on disk holds its answers.
#[tokio::test]
async fn the_desk_restarts_a_kernel_that_died_with_the_engine_once_it_is_back() {
    use std::sync::{Arc, Mutex};

    use sagedesk::desk::{Desk, DeskEvent, DeskOptions};
    use sagedesk::notebook::{CellEdit, NotebookFile};
    use sagedesk::session::RecordStore;

    let tag = BuildContext::embedded().tag();
    let mut daemon = PrivateDaemon::start(&[&tag]);
    daemon.join_netns();
    let workspace = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let events = Arc::new(Mutex::new(Vec::<DeskEvent>::new()));
    let seen = events.clone();
    let desk = Desk::new(DeskOptions {
        engine: Some(daemon.uri()),
        records: RecordStore::new(data.path()),
        events: Arc::new(move |event| seen.lock().unwrap().push(event)),
        ..DeskOptions::default()
    });
    desk.open_workspace(&workspace.path().display().to_string())
        .await
        .unwrap();
    desk.create_notebook("a").await.unwrap();
    let id = desk.open_notebook("a.ipynb").await.unwrap().cells[0]
        .id
        .clone();
    let run = |code: &'static str| {
        let desk = desk.clone();
        let id = id.clone();
        async move {
            desk.save_notebook(
                "a.ipynb",
                vec![CellEdit {
                    id: id.clone(),
                    cell_type: "code".into(),
                    source: code.into(),
                    copy_of: None,
                    attachments: None,
                }],
                false,
            )
            .await
            .unwrap();
            let done = desk
                .execute_cell("a.ipynb", &id, code, |_| {})
                .await
                .unwrap();
            tokio::time::timeout(Duration::from_secs(180), done.wait())
                .await
                .expect("the cell ends");
            let file = NotebookFile::open(workspace_file(&desk)).unwrap();
            serde_json::to_string(&file.notebook().cell_views()[0].outputs).unwrap()
        }
    };
    fn workspace_file(desk: &Desk) -> std::path::PathBuf {
        desk.workspace().unwrap().root().join("a.ipynb")
    }
    run("v = 1").await;

    let watch = tokio::spawn({
        let desk = desk.clone();
        async move { desk.watch_engine(Duration::from_millis(250)).await }
    });
    // The watch's first look is its baseline.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let stopping = daemon.terminate();
    tokio::task::spawn_blocking(move || {
        let mut stopping = stopping;
        stopping.wait()
    })
    .await
    .unwrap()
    .unwrap();
    let dead = |events: &[DeskEvent]| {
        events.iter().any(|e| {
            matches!(e, DeskEvent::KernelStatus { path, state: SessionState::Dead { reason: DeathReason::EngineGone { .. } }, .. } if path == "a.ipynb")
        })
    };
    // Polled from a blocking thread: the desk's tasks run on this one.
    let poll = |what, check: fn(&[DeskEvent]) -> bool| {
        let events = events.clone();
        tokio::task::spawn_blocking(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(90);
            while !check(&events.lock().unwrap()) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{what}: {:#?}",
                    events.lock().unwrap()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    poll("the kernel dies with the engine", dead).await.unwrap();
    poll("the window is told the engine stopped", |events| {
        events
            .iter()
            .any(|e| matches!(e, DeskEvent::Engine { report } if report.engine.is_none()))
    })
    .await
    .unwrap();
    let before = events.lock().unwrap().len();

    daemon.launch();
    poll("the window is told the engine is back", |events| {
        events
            .iter()
            .any(|e| matches!(e, DeskEvent::Engine { report } if report.problem.is_none()))
    })
    .await
    .unwrap();
    let restarted = {
        let events = events.clone();
        tokio::task::spawn_blocking(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(180);
            loop {
                let idle = events.lock().unwrap()[before..].iter().any(|e| {
                    matches!(e, DeskEvent::KernelStatus { path, state: SessionState::Idle, .. } if path == "a.ipynb")
                });
                if idle || std::time::Instant::now() > deadline {
                    return idle;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    assert!(
        restarted.await.unwrap(),
        "the kernel starts again by itself: {:#?}",
        events.lock().unwrap()
    );
    // A fresh kernel: the variable is gone, and the notebook saved the answer.
    let outputs = run("'v' in globals()").await;
    assert!(outputs.contains("False"), "{outputs}");

    watch.abort();
    desk.quit().await;
    let (ok, left) = daemon.docker(&["ps", "-aq"]);
    assert!(ok, "{left}");
    assert!(left.trim().is_empty(), "containers left behind: {left}");
}
