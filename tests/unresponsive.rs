//! A hung kernel is noticed: `docker pause` freezes the real Sage kernel
//! (its heartbeat thread too, as a frozen machine or a stopped process
//! would), the session says "not responding" and offers a restart, and
//! comes back by itself when the kernel thaws; the command line, with
//! nobody to restart it, gives up after 30 s with exit code 3 and removes
//! the container.

#![cfg(unix)]

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sagedesk::session::{CellEvent, KernelStatus, SessionState, UNATTENDED_PATIENCE};
use support::{containers_owned_by, docker, docker_quietly, finished_ok, result, run, session};

/// A container paused by a test, unpaused again when the test ends however
/// it ends, so that its session can remove it.
struct Paused(String);

impl Paused {
    fn pause(container: &str) -> Paused {
        let (ok, said) = docker(&["pause", container]);
        assert!(ok, "docker pause: {said}");
        Paused(container.to_string())
    }

    fn unpause(self) {
        let (ok, said) = docker(&["unpause", &self.0]);
        assert!(ok, "docker unpause: {said}");
        std::mem::forget(self);
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        docker_quietly(&["unpause", &self.0]);
    }
}

#[tokio::test]
async fn a_paused_kernel_is_not_responding_and_comes_back_with_its_variables() {
    let s = session(|_| {}).await;
    s.ready().await.unwrap();
    run(&s, "kept = 42").await;
    let mut states = s.watch_state();
    let seen = tokio::spawn(async move {
        let mut seen = Vec::new();
        while states.changed().await.is_ok() {
            seen.push(states.borrow_and_update().clone());
        }
        seen
    });

    let mut cell = s.execute("import time; time.sleep(20); 'slept'").unwrap();
    assert!(matches!(cell.events.recv().await, Some(CellEvent::Started)));
    let paused = Paused::pause(&s.container_name());
    let since = Instant::now();
    let mut state = s.watch_state();
    tokio::time::timeout(
        Duration::from_secs(15),
        state.wait_for(|s| matches!(s, SessionState::NotResponding { .. })),
    )
    .await
    .expect("\"not responding\" within 15 s of the pause")
    .unwrap();
    let noticed = since.elapsed();
    let now = s.state();
    assert_eq!(now.status(), KernelStatus::NotResponding);
    assert!(now.detail().contains("restart it"), "{}", now.detail());

    paused.unpause();
    let mut events = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(30), cell.events.recv())
        .await
        .expect("the cell ends once the kernel is back")
    {
        events.push(event);
    }
    assert!(finished_ok(&events), "{events:?}");
    assert_eq!(result(&events).as_deref(), Some("'slept'"));
    let kept = run(&s, "kept").await;
    assert_eq!(
        result(&kept).as_deref(),
        Some("42"),
        "the variables are kept"
    );
    s.shutdown().await;

    // Not responding, then busy again (the cell still sleeping), then idle.
    let seen = seen.await.unwrap();
    let at = |wanted: fn(&SessionState) -> bool, from: usize| {
        seen[from..]
            .iter()
            .position(wanted)
            .map(|i| i + from)
            .unwrap_or_else(|| panic!("states after #{from}: {seen:?}"))
    };
    let silent = at(|s| matches!(s, SessionState::NotResponding { .. }), 0);
    let busy = at(|s| *s == SessionState::Busy, silent);
    at(|s| *s == SessionState::Idle, busy);
    eprintln!("not responding after {noticed:?} of silence");
}

/// Waits for a child until `limit`; kills it and fails past that.
fn wait_at_most(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Starts `sagedesk` with `args`, waits until it prints a line containing
/// `ready`, pauses its kernel's container, and returns how it ended: its
/// exit status, what it printed on stderr, how long it took after the
/// pause, and its process id.
fn pause_under(args: &[&str], ready: &str) -> (std::process::ExitStatus, String, Duration, u32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains(ready) {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "ended before printing {ready:?}"
        );
    }
    let owned = containers_owned_by(pid);
    assert_eq!(owned.len(), 1, "{owned:?}");
    let container = owned[0].split_whitespace().next().unwrap().to_string();
    let _paused = Paused::pause(&container);
    let since = Instant::now();
    let status = wait_at_most(&mut child, Duration::from_secs(90));
    let took = since.elapsed();
    eprintln!("{args:?}: ended {took:?} after the pause");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stderr, took, pid)
}

/// The limit, a beat or two to notice, and the removal of the container.
const GIVE_UP_WITHIN: Duration = Duration::from_secs(45);

#[test]
fn eval_gives_up_on_a_paused_kernel_with_exit_3_and_no_container_left() {
    let (status, stderr, took, pid) = pause_under(
        &[
            "eval",
            "print('started', flush=True); import time; time.sleep(600)",
        ],
        "started",
    );
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(
        stderr
            .contains("The Sage kernel stopped responding (no answer to its heartbeat for 30 s)."),
        "{stderr}"
    );
    assert!(
        took >= UNATTENDED_PATIENCE && took < GIVE_UP_WITHIN,
        "gave up {took:?} after the pause"
    );
    assert!(
        containers_owned_by(pid).is_empty(),
        "the container is removed"
    );
}

#[test]
fn run_gives_up_on_a_paused_kernel_with_exit_3_and_keeps_what_ran() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frozen.ipynb");
    let cell = |id: &str, source: &str| {
        serde_json::json!({"cell_type": "code", "execution_count": null, "id": id,
            "metadata": {}, "outputs": [], "source": source})
    };
    let nb = serde_json::json!({
        "cells": [cell("first", "print('first')"), cell("frozen", "import time; time.sleep(600)")],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    std::fs::write(&path, serde_json::to_vec(&nb).unwrap()).unwrap();
    for p in [dir.path(), path.as_path()] {
        std::os::unix::fs::chown(p, Some(1000), Some(1000)).unwrap();
    }

    let (status, stderr, took, pid) = pause_under(&["run", path.to_str().unwrap()], "[1/2] ok");
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("cell 2 of 2")
            && stderr.contains(
                "The Sage kernel stopped responding (no answer to its heartbeat for 30 s)."
            ),
        "{stderr}"
    );
    assert!(took < GIVE_UP_WITHIN, "gave up {took:?} after the pause");
    assert!(
        containers_owned_by(pid).is_empty(),
        "the container is removed"
    );
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        saved["cells"][0]["outputs"][0]["text"],
        serde_json::json!(["first\n"]),
        "the first cell's output is saved"
    );
}
