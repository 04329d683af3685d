//! Kernels left running at quit wait for a launch to take them back for the
//! days the settings say, then go: the orphan collection of a later launch
//! keeps a kernel left today and removes, with its record, one left longer
//! ago than that.
//!
//! The app that leaves a kernel running is this test binary run again with
//! `SAGEDESK_TEST_LEAVE_DIR` set, which turns the `leaving_app` test into an
//! app that opens a notebook, runs a cell, quits leaving its kernel running,
//! and exits: the kernel's owner is then a process that is gone, as after a
//! real quit.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sagedesk::desk::{Desk, DeskOptions};
use sagedesk::session::RecordStore;
use sagedesk::workspace::{KernelsOnQuit, Settings};

const LEAVE_DIR: &str = "SAGEDESK_TEST_LEAVE_DIR";
const LEAVE_WORKSPACE: &str = "SAGEDESK_TEST_LEAVE_WORKSPACE";
const LEAVE_DAYS_AGO: &str = "SAGEDESK_TEST_LEAVE_DAYS_AGO";
const DAY: Duration = Duration::from_secs(86_400);

/// A desk whose records are in `data`, its clock `days_ago` days behind.
fn desk(data: &std::path::Path, days_ago: u32) -> Desk {
    Desk::new(DeskOptions {
        records: RecordStore::new(data),
        clock: Arc::new(move || SystemTime::now() - DAY * days_ago),
        ..DeskOptions::default()
    })
}

/// The leaving app, when run as it; nothing otherwise.
#[tokio::test(flavor = "multi_thread")]
async fn leaving_app() {
    let Some(dir) = std::env::var_os(LEAVE_DIR).map(PathBuf::from) else {
        return;
    };
    let days_ago: u32 = std::env::var(LEAVE_DAYS_AGO).unwrap().parse().unwrap();
    let desk = desk(&dir.join("data"), days_ago);
    desk.set_settings(Settings {
        kernels_on_quit: KernelsOnQuit::LeaveRunning,
        ..desk.settings()
    })
    .unwrap();
    let workspace = dir.join(std::env::var(LEAVE_WORKSPACE).unwrap());
    desk.open_workspace(&workspace.display().to_string())
        .await
        .unwrap();
    desk.create_notebook("left").await.unwrap();
    let id = desk.open_notebook("left.ipynb").await.unwrap().cells[0]
        .id
        .clone();
    desk.execute_cell("left.ipynb", &id, "kept = 1", |_| {})
        .await
        .unwrap()
        .wait()
        .await;
    desk.quit().await;
}

/// Runs the leaving app with its data in `dir` and its workspace in
/// `dir/workspace`, its clock `days_ago` days behind; returns the name of
/// the kernel it left running.
fn leave_a_kernel(dir: &std::path::Path, workspace: &str, days_ago: u32) -> String {
    let records = RecordStore::new(&dir.join("data"));
    let before: Vec<String> = records.load_all().into_iter().map(|r| r.name).collect();
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["leaving_app", "--exact", "--nocapture"])
        .env(LEAVE_DIR, dir)
        .env(LEAVE_WORKSPACE, workspace)
        .env(LEAVE_DAYS_AGO, days_ago.to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let new: Vec<String> = records
        .load_all()
        .into_iter()
        .map(|r| r.name)
        .filter(|name| !before.contains(name))
        .collect();
    assert_eq!(new.len(), 1, "one kernel left running: {new:?}");
    assert!(
        support::container_exists(&new[0]),
        "{} left running",
        new[0]
    );
    new[0].clone()
}

fn recorded(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = RecordStore::new(&dir.join("data"))
        .load_all()
        .into_iter()
        .map(|r| r.name)
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kernel_left_running_longer_than_the_settings_days_is_collected_with_its_record() {
    let dir = tempfile::tempdir().unwrap();
    let kept = leave_a_kernel(dir.path(), "today", 0);
    let old = leave_a_kernel(dir.path(), "long-ago", 8);

    // A later launch: the kernel left today is kept for the next launch;
    // the one left 8 days ago (the default keeps 7) goes, with its record.
    desk(&dir.path().join("data"), 0).collect_orphans().await;
    assert!(support::container_exists(&kept));
    assert!(!support::container_exists(&old), "{old} was collected");
    assert_eq!(recorded(dir.path()), vec![kept.clone()]);

    // With the settings keeping them longer, an old one stays.
    let waiting = leave_a_kernel(dir.path(), "patient", 8);
    let later = desk(&dir.path().join("data"), 0);
    later
        .set_settings(Settings {
            kernels_kept_days: 30,
            ..later.settings()
        })
        .unwrap();
    later.collect_orphans().await;
    assert!(support::container_exists(&waiting));
    assert!(support::container_exists(&kept));

    // Tidy: the kernels still left running go.
    for name in [kept, waiting] {
        support::docker_quietly(&["rm", "-f", &name]);
    }
}
