//! `sagedesk ls` tells each notebook's kernel state from the real engine:
//! running while a session serves it, "left running" once it is detached
//! with a record for the next launch, and none once it is stopped.

mod support;

use std::path::Path;
use std::process::Command;

use sagedesk::session::{RecordStore, Session};
use serde_json::Value;
use support::{config, engine};

/// `sagedesk ls --json`, with the records of `data`: notebook name → kernel.
fn kernels(workspace: &Path, data: &Path) -> Vec<(String, Value)> {
    let out = Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .args(["ls", "--json", "--workspace"])
        .arg(workspace)
        .env("SAGEDESK_DATA_DIR", data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    listed
        .into_iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e["kernel"].clone()))
        .collect()
}

fn new_notebook(workspace: &Path, name: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .args(["new", name, "--workspace"])
        .arg(workspace)
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn ls_shows_each_notebooks_kernel_as_it_runs_is_left_running_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let workspace = dir.path().canonicalize().unwrap();
    new_notebook(&workspace, "algebra");
    new_notebook(&workspace, "plots");
    let none = vec![
        ("algebra.ipynb".to_string(), Value::Null),
        ("plots.ipynb".to_string(), Value::Null),
    ];
    assert_eq!(kernels(&workspace, data.path()), none);

    let engine = engine().await;
    let mut config = config(&engine).await;
    config.workspace = Some(workspace.clone());
    config.notebook = Some("algebra.ipynb".into());
    let session = Session::start(engine.clone(), config);
    session.ready().await.unwrap();
    assert_eq!(
        kernels(&workspace, data.path()),
        vec![
            ("algebra.ipynb".to_string(), Value::from("running")),
            ("plots.ipynb".to_string(), Value::Null),
        ]
    );

    // Let go of it for the next launch, as the app does at quit with the
    // leave-running setting.
    let record = session.detach().await.expect("a live kernel");
    assert_eq!(record.notebook.as_deref(), Some("algebra.ipynb"));
    let store = RecordStore::new(data.path());
    store.save(&record).unwrap();
    assert_eq!(
        kernels(&workspace, data.path())[0].1,
        Value::from("left running")
    );

    // Taken back, as the next launch does: running again.
    store.attach(&record).unwrap();
    let again = Session::resume(engine, record.clone());
    again.ready().await.unwrap();
    assert!(again.resumed());
    assert_eq!(
        kernels(&workspace, data.path())[0].1,
        Value::from("running")
    );

    // Stopped: no kernel any more.
    again.shutdown().await;
    store.remove(&record.name).unwrap();
    assert_eq!(kernels(&workspace, data.path()), none);
}

#[test]
fn without_an_engine_ls_still_lists_and_says_why_the_kernels_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    new_notebook(dir.path(), "algebra");
    let out = Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .args(["ls", "--workspace"])
        .arg(dir.path())
        .env("DOCKER_HOST", "unix:///nowhere/docker.sock")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().nth(1).unwrap();
    assert!(line.starts_with("algebra.ipynb"), "{stdout}");
    assert!(line.ends_with("unknown"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("kernel states unknown"), "{stderr}");
    assert!(stderr.contains("/nowhere/docker.sock"), "{stderr}");
}
