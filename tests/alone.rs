//! A kernel's dead man's switch: when its app is killed (SIGKILL: no chance
//! to stop anything), the kernel stops itself once nothing has been
//! connected to it for its grace time; a kernel whose app is alive, or one
//! left running on purpose at quit, runs on.
//!
//! The apps are this test binary run again with `SAGEDESK_TEST_APP_DIR`
//! set, which turns the `app` test into an app that opens a notebook, runs
//! a cell, writes its kernel's container name, and then either waits to be
//! killed or quits leaving its kernel running (`SAGEDESK_TEST_APP_QUIT`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use sagedesk::desk::{Desk, DeskOptions};
use sagedesk::session::RecordStore;
use sagedesk::workspace::{KernelsOnQuit, Settings};

const APP_DIR: &str = "SAGEDESK_TEST_APP_DIR";
const APP_QUIT: &str = "SAGEDESK_TEST_APP_QUIT";
/// The grace time of these tests' kernels (the app's is minutes).
const GRACE: Duration = Duration::from_secs(15);

fn desk(dir: &Path) -> Desk {
    Desk::new(DeskOptions {
        records: RecordStore::new(&dir.join("data")),
        alone_stop_after: GRACE,
        ..DeskOptions::default()
    })
}

/// The app, when run as it; nothing otherwise.
#[tokio::test(flavor = "multi_thread")]
async fn app() {
    let Some(dir) = std::env::var_os(APP_DIR).map(PathBuf::from) else {
        return;
    };
    let desk = desk(&dir);
    let quit = std::env::var_os(APP_QUIT).is_some();
    if quit {
        desk.set_settings(Settings {
            kernels_on_quit: KernelsOnQuit::LeaveRunning,
            ..desk.settings()
        })
        .unwrap();
    }
    desk.open_workspace(&dir.join("work").display().to_string())
        .await
        .unwrap();
    desk.create_notebook("n").await.unwrap();
    let id = desk.open_notebook("n.ipynb").await.unwrap().cells[0]
        .id
        .clone();
    desk.execute_cell("n.ipynb", &id, "kept = 42", |_| {})
        .await
        .unwrap()
        .wait()
        .await;
    let name = support::engine()
        .await
        .managed_containers()
        .await
        .unwrap()
        .into_iter()
        .find(|c| {
            c.owner
                .as_ref()
                .is_some_and(|o| o.pid == std::process::id())
        })
        .expect("this app's kernel")
        .name;
    std::fs::write(dir.join("kernel"), &name).unwrap();
    if quit {
        desk.quit().await;
    } else {
        // Until killed.
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
}

/// Starts the app in `dir`; returns it once its kernel runs a cell, with
/// the kernel's container name.
fn start_app(dir: &Path, quit: bool) -> (Child, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["app", "--exact", "--nocapture"])
        .env(APP_DIR, dir);
    if quit {
        command.env(APP_QUIT, "1");
    }
    let mut child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if let Ok(name) = std::fs::read_to_string(dir.join("kernel"))
            && !name.is_empty()
        {
            return (child, name);
        }
        assert!(Instant::now() < deadline, "the app's kernel ran a cell");
        assert!(
            child.try_wait().unwrap().is_none() || quit,
            "the app ended early"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn running(name: &str) -> bool {
    let (ok, state) = support::docker(&["container", "inspect", "-f", "{{.State.Running}}", name]);
    ok && state.trim() == "true"
}

#[tokio::test(flavor = "multi_thread")]
async fn the_kernel_of_a_killed_app_stops_itself_after_its_grace_time() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, name) = start_app(dir.path(), false);
    app.kill().unwrap(); // SIGKILL
    app.wait().unwrap();
    let killed = Instant::now();
    while running(&name) {
        assert!(
            killed.elapsed() < GRACE + Duration::from_secs(30),
            "{name} still runs {:?} after its app was killed",
            killed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let after = killed.elapsed();
    eprintln!("stopped {after:?} after its app was killed (grace {GRACE:?})");
    assert!(after >= GRACE, "not before its grace time: {after:?}");
    support::docker_quietly(&["rm", "-f", &name]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kernel_in_use_or_left_running_on_purpose_runs_on() {
    // Left running at quit: its app is gone, and it waits.
    let left = tempfile::tempdir().unwrap();
    let (mut app, left_name) = start_app(left.path(), true);
    assert!(app.wait().unwrap().success());

    // In use: this process's desk, idle, connected all along.
    let dir = tempfile::tempdir().unwrap();
    let in_use = desk(dir.path());
    in_use
        .open_workspace(&dir.path().join("work").display().to_string())
        .await
        .unwrap();
    in_use.create_notebook("n").await.unwrap();
    let id = in_use.open_notebook("n.ipynb").await.unwrap().cells[0]
        .id
        .clone();
    in_use
        .execute_cell("n.ipynb", &id, "x = 6 * 7", |_| {})
        .await
        .unwrap()
        .wait()
        .await;

    tokio::time::sleep(GRACE + Duration::from_secs(10)).await;
    assert!(
        running(&left_name),
        "a kernel left running on purpose waits"
    );
    let end = in_use
        .execute_cell("n.ipynb", &id, "x", |_| {})
        .await
        .unwrap()
        .wait()
        .await;
    assert_eq!(end.death, None, "a kernel in use runs on");
    in_use.quit().await;

    // The next launch takes the left one back, its variable there.
    let next = desk(left.path());
    next.open_workspace(&left.path().join("work").display().to_string())
        .await
        .unwrap();
    let id = next.open_notebook("n.ipynb").await.unwrap().cells[0]
        .id
        .clone();
    let end = next
        .execute_cell("n.ipynb", &id, "kept", |_| {})
        .await
        .unwrap()
        .wait()
        .await;
    assert_eq!(end.status, Some(sagedesk::session::CellStatus::Ok));
    let saved = support::cell_on_disk(&left.path().join("work/n.ipynb"), &id).1;
    assert!(saved.contains("42"), "the same kernel: {saved}");
    next.quit().await;
    assert!(!support::container_exists(&left_name) || !running(&left_name));
}
