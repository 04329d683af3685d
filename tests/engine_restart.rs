//! The Docker daemon going away under SageDesk, and coming back. The test
//! runs a private `dockerd` of its own (`support::PrivateDaemon`: its own
//! socket, data folder and network namespace), so stopping it disturbs no
//! other test and no other container on the machine.

#![cfg(target_os = "linux")]

mod support;

use std::path::Path;
use std::time::Duration;

use sagedesk::engine::{COMMAND_TIMEOUT, Engine, Limits};
use support::{BASE_IMAGE, PrivateDaemon};

#[tokio::test]
async fn a_stopped_daemon_is_reported_as_not_running_and_found_again_when_back() {
    let mut daemon = PrivateDaemon::start(&[BASE_IMAGE]);
    let engine = Engine::connect(Some(&daemon.uri())).await.unwrap();
    assert!(engine.managed_containers().await.unwrap().is_empty());

    // An operation in flight: a command that would run for a minute.
    let running = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .run_command(
                    BASE_IMAGE,
                    &["sleep", "60"],
                    &Limits::default(),
                    COMMAND_TIMEOUT,
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    daemon.stop();

    let err = tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("the interrupted operation ends, it does not hang")
        .unwrap()
        .expect_err("the operation cannot succeed without the daemon");
    assert_eq!(err.code(), "engine_not_running", "{err}");
    assert!(err.fix().contains("Start"), "{}", err.fix());

    // Connecting now names the socket and says what to do.
    let err = Engine::connect(Some(&daemon.uri())).await.unwrap_err();
    assert_eq!(err.code(), "engine_not_running", "{err}");
    let socket = daemon.socket().display().to_string();
    assert!(err.to_string().contains(&socket), "{err}");
    // The handle in use says the same.
    let err = engine.managed_containers().await.unwrap_err();
    assert_eq!(err.code(), "engine_not_running", "{err}");

    // The daemon comes back: the same handle works again, with no restart
    // of SageDesk.
    daemon.launch();
    let containers = engine.managed_containers().await.unwrap();
    // The interrupted command's container could not be removed while the
    // daemon was away; it is stopped now (a daemon stop ends containers),
    // and still ours (this process is alive, so it is no orphan).
    assert!(containers.len() <= 1, "{containers:?}");
    for c in &containers {
        assert_ne!(c.state, "running", "{c:?}");
        assert!(!c.orphan, "{c:?}");
        engine.remove_container(&c.id).await.unwrap();
    }
    assert!(engine.managed_containers().await.unwrap().is_empty());
    assert!(Path::new(&socket).exists());
}
