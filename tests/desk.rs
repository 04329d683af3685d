//! The desk with no window, against the real engine and image: a notebook
//! opened, edited, run and saved; renamed and reopened while a cell runs;
//! deleted; and the kernels at quit under each policy. Every step reads the
//! notebook's file back from disk.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sagedesk::desk::DeskEvent;
use sagedesk::error_code::ErrorCode;
use sagedesk::notebook::CellEdit;
use sagedesk::session::{CellUpdate, RecordStore, SessionState};
use sagedesk::workspace::KernelsOnQuit;
use support::{Bench, cell_on_disk, finished};

#[tokio::test(flavor = "multi_thread")]
async fn a_notebook_is_edited_run_and_saved_and_opened_again_as_it_is() {
    let bench = Bench::new().await;
    let id = bench.notebook("algebra", "factor(2^64+1)").await;
    let path = bench.file("algebra.ipynb");
    // The edit is on disk, with no output yet.
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(on_disk.contains("factor(2^64+1)"), "{on_disk}");

    let updates = bench.run("algebra.ipynb", &id, "factor(2^64+1)").await;
    assert!(finished(&updates), "{updates:?}");
    let (count, outputs) = cell_on_disk(&path, &id);
    assert_eq!(count, Some(1));
    assert!(outputs.contains("274177 * 67280421310721"), "{outputs}");

    // Opened again, it is the same open notebook: its outputs as they are
    // now, and the same kernel (its variables, its execution count).
    bench.run("algebra.ipynb", &id, "kept = 6*7").await;
    let doc = bench.desk.open_notebook("algebra.ipynb").await.unwrap();
    assert_eq!(doc.cells[0].execution_count, Some(2));
    bench.run("algebra.ipynb", &id, "kept + 1").await;
    let (count, outputs) = cell_on_disk(&path, &id);
    assert_eq!(count, Some(3), "the same kernel ran it");
    assert!(outputs.contains("43"), "{outputs}");
    assert_eq!(bench.kernels_of("algebra.ipynb").await.len(), 1);

    // A save answers with its time, in RFC 3339.
    let saved = bench
        .desk
        .save_notebook(
            "algebra.ipynb",
            vec![CellEdit {
                id: id.clone(),
                cell_type: "code".into(),
                source: "kept + 1  # again".into(),
                copy_of: None,
                attachments: None,
            }],
            false,
        )
        .await
        .unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(&saved.saved_at)
        .unwrap_or_else(|e| panic!("{}: {e}", saved.saved_at));
    let age = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .signed_duration_since(at);
    assert!(age.num_seconds().abs() < 60, "{}", saved.saved_at);
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(on_disk.contains("# again"), "{on_disk}");
    assert!(on_disk.contains("274177") || on_disk.contains("43"));

    // The kernel's states were sent under the notebook's name.
    let states: Vec<_> = bench
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            DeskEvent::KernelStatus { path, state, .. } if path == "algebra.ipynb" => {
                Some(state.clone())
            }
            _ => None,
        })
        .collect();
    assert!(states.contains(&SessionState::Busy), "{states:?}");
    assert!(states.contains(&SessionState::Idle), "{states:?}");

    bench.desk.quit().await;
    assert!(bench.kernels_of("algebra.ipynb").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cell_running_through_a_rename_and_a_reopen_ends_in_the_right_file() {
    let bench = Bench::new().await;
    let code = "import time; time.sleep(3); print('slept')";
    let id = bench.notebook("slow", code).await;
    let updates = Arc::new(Mutex::new(Vec::new()));
    let kept = updates.clone();
    let done = bench
        .desk
        .execute_cell("slow.ipynb", &id, code, move |batch| {
            kept.lock().unwrap().extend(batch)
        })
        .await
        .unwrap();
    // While it runs: renamed into a folder, then opened again under the
    // new name.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let item = bench
        .desk
        .rename_notebook("slow.ipynb", "ch1/slow")
        .await
        .unwrap();
    assert_eq!(item.path, "ch1/slow.ipynb");
    let reopened = bench.desk.open_notebook("ch1/slow.ipynb").await.unwrap();
    assert_eq!(reopened.cells[0].id, id);
    assert!(
        matches!(
            bench.desk.open_notebook("slow.ipynb").await,
            Err(e) if e.code() == "not_found"
        ),
        "the old name is gone"
    );
    tokio::time::timeout(Duration::from_secs(120), done.wait())
        .await
        .expect("the cell ends");
    assert!(finished(&updates.lock().unwrap()));

    assert!(!bench.file("slow.ipynb").exists());
    let (count, outputs) = cell_on_disk(&bench.file("ch1/slow.ipynb"), &id);
    assert_eq!(count, Some(1));
    assert!(outputs.contains("slept"), "{outputs}");
    // The window's next save is no conflict: the desk wrote the outputs.
    bench
        .edit("ch1/slow.ipynb", &[(&id, "print('edited')")])
        .await;
    let (_, outputs) = cell_on_disk(&bench.file("ch1/slow.ipynb"), &id);
    assert!(
        outputs.contains("slept"),
        "outputs kept by a save: {outputs}"
    );

    // The kernel's status follows the name, and it is the same kernel.
    let renamed_status = bench
        .events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, DeskEvent::KernelStatus { path, .. } if path == "ch1/slow.ipynb"));
    assert!(renamed_status);
    assert_eq!(bench.kernels_of("slow.ipynb").await.len(), 1);
    bench.desk.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_moves_the_notebook_to_the_trash_and_stops_its_kernel() {
    let bench = Bench::new().await;
    let id = bench.notebook("scratch", "1 + 1").await;
    bench.run("scratch.ipynb", &id, "1 + 1").await;
    let before = std::fs::read(bench.file("scratch.ipynb")).unwrap();
    let kernels = bench.kernels_of("scratch.ipynb").await;
    assert_eq!(kernels.len(), 1);

    let trashed = bench.desk.delete_notebook("scratch.ipynb").await.unwrap();
    assert_eq!(trashed.trashed_to, ".trash/scratch.ipynb");
    assert!(!bench.file("scratch.ipynb").exists());
    assert_eq!(
        std::fs::read(bench.file(".trash/scratch.ipynb")).unwrap(),
        before,
        "the trash holds the notebook as it was"
    );
    assert!(
        bench.desk.list_notebooks().await.unwrap().is_empty(),
        "the trash is not listed"
    );
    assert!(matches!(
        bench.desk.save_notebook("scratch.ipynb", Vec::new(), false).await,
        Err(e) if e.code() == "notebook_not_open"
    ));
    // Its kernel is stopped and removed.
    for _ in 0..100 {
        if !support::container_exists(&kernels[0]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!support::container_exists(&kernels[0]));
}

#[tokio::test(flavor = "multi_thread")]
async fn kernels_left_running_at_quit_are_taken_back_by_the_next_launch() {
    let bench = Bench::new().await;
    bench
        .desk
        .set_settings(sagedesk::workspace::Settings {
            kernels_on_quit: KernelsOnQuit::LeaveRunning,
            ..bench.desk.settings()
        })
        .unwrap();
    let id = bench.notebook("kept", "kept = 6*7").await;
    bench.run("kept.ipynb", &id, "kept = 6*7").await;
    let kernels = bench.kernels_of("kept.ipynb").await;
    assert_eq!(kernels.len(), 1);
    bench.desk.quit().await;
    assert!(
        support::container_exists(&kernels[0]),
        "left running at quit"
    );

    // The next launch: a new desk over the same folders.
    let Bench {
        workspace, data, ..
    } = bench;
    let next = Bench::over(workspace, data, false);
    next.desk
        .open_workspace(&next.workspace.path().display().to_string())
        .await
        .unwrap();
    next.desk.open_notebook("kept.ipynb").await.unwrap();
    let updates = next.run("kept.ipynb", &id, "kept + 1").await;
    assert!(finished(&updates));
    let (count, outputs) = cell_on_disk(&next.file("kept.ipynb"), &id);
    assert!(outputs.contains("43"), "the variables are there: {outputs}");
    assert_eq!(count, Some(2), "the same kernel");
    assert_eq!(next.kernels_of("kept.ipynb").await, kernels);

    // Quitting with the default policy stops it, and forgets its record.
    next.desk
        .set_settings(sagedesk::workspace::Settings {
            kernels_on_quit: KernelsOnQuit::Stop,
            ..next.desk.settings()
        })
        .unwrap();
    next.desk.quit().await;
    assert!(!support::container_exists(&kernels[0]));
    assert!(RecordStore::new(next.data.path()).load_all().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cut_output_is_kept_whole_for_the_window_to_open() {
    let bench = Bench::over(
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        true,
    );
    let root = bench.workspace.path().display().to_string();
    bench.desk.open_workspace(&root).await.unwrap();
    let code = "for i in range(20000): print(i)";
    let id = bench.notebook("long", code).await;
    let updates = bench.run("long.ipynb", &id, code).await;
    let bytes = updates
        .iter()
        .find_map(|u| match u {
            CellUpdate::WholeOutputKept { bytes } => Some(*bytes),
            _ => None,
        })
        .expect("the outputs left lines out, and the whole is kept");
    let whole = bench.desk.whole_output("long.ipynb", &id).unwrap();
    let text = std::fs::read_to_string(&whole).unwrap();
    assert_eq!(text.len() as u64, bytes);
    assert_eq!(text.lines().count(), 20000);
    assert!(whole.starts_with(bench.data.path().join("cache")));
    // The saved notebook holds the head and tail only.
    let saved = std::fs::read_to_string(bench.file("long.ipynb")).unwrap();
    assert!(saved.contains("not kept"), "the cut is said");
    assert!(saved.len() < text.len());

    // Run again without a cut: nothing is kept any more.
    bench.run("long.ipynb", &id, "print('short')").await;
    assert!(!whole.exists());
    assert!(matches!(
        bench.desk.whole_output("long.ipynb", &id),
        Err(e) if e.code() == "no_whole_output"
    ));
    bench.desk.quit().await;
}

/// The setup's last step starts a real kernel of the image, hears Sage's
/// version from it, and leaves no container behind.
#[tokio::test(flavor = "multi_thread")]
async fn check_kernel_hears_sage_answer_and_leaves_nothing_running() {
    let bench = Bench::new().await;
    let before = support::engine().await.managed_containers().await.unwrap();
    let check = bench
        .desk
        .check_kernel()
        .await
        .expect("a kernel of the image starts and answers");
    // passagemath's build of Sage names itself so: "passagemath version 10.8.13, …".
    assert!(check.version.contains("version 10.8"), "{}", check.version);
    assert!(check.seconds > 0.0 && check.seconds < 180.0);
    let after = support::engine().await.managed_containers().await.unwrap();
    let new: Vec<_> = after
        .iter()
        .filter(|c| !before.iter().any(|b| b.id == c.id))
        // The other tests' kernels serve notebooks; the tried one serves none.
        .filter(|c| c.notebook.is_none())
        .filter(|c| {
            c.owner
                .as_ref()
                .is_some_and(|o| o.pid == std::process::id())
        })
        .collect();
    assert!(new.is_empty(), "a container of this check is left: {new:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn names_leaving_the_workspace_are_refused_and_nothing_is_written() {
    let bench = Bench::new().await;
    let outside = bench
        .workspace
        .path()
        .parent()
        .unwrap()
        .join("escape.ipynb");
    for name in ["../escape", "/tmp/escape", "a/../../escape"] {
        let err = bench.desk.create_notebook(name).await.unwrap_err();
        assert!(
            [ErrorCode::OutsideWorkspace, ErrorCode::InvalidName].contains(&err.code()),
            "{name}: {err}"
        );
    }
    bench.notebook("inside", "1").await;
    let err = bench
        .desk
        .rename_notebook("inside.ipynb", "../escape")
        .await
        .unwrap_err();
    assert!([ErrorCode::OutsideWorkspace, ErrorCode::InvalidName].contains(&err.code()));
    assert!(!outside.exists());
    assert!(bench.file("inside.ipynb").is_file());
    bench.desk.quit().await;
}

/// Notebook code swaps the open notebook for a link to a file outside the
/// workspace (the workspace is mounted read-write in its container). Neither
/// the save at the cell's end nor a later "Keep mine" save writes through
/// it: the outside file stays byte for byte, the notebook is kept beside
/// the link under a new name with its content, and the window is told.
#[tokio::test(flavor = "multi_thread")]
async fn a_notebook_a_kernel_swaps_for_a_link_out_is_kept_aside() {
    let top = tempfile::tempdir().unwrap();
    let outside = top.path().join("outside.txt");
    std::fs::write(&outside, "the user's own file\n").unwrap();
    let before = std::fs::read(&outside).unwrap();
    // The workspace beside the outside file, owned by an ordinary user as
    // on a laptop (the kernel runs as them, and may write in it).
    let bench = Bench::over(
        tempfile::tempdir_in(top.path()).unwrap(),
        tempfile::tempdir().unwrap(),
        false,
    );
    let root = bench.workspace.path().to_path_buf();
    std::os::unix::fs::chown(&root, Some(1000), Some(1000)).unwrap();
    bench
        .desk
        .open_workspace(&root.display().to_string())
        .await
        .unwrap();
    let link_out = "os.symlink('../outside.txt', 'x.ipynb')";
    let swap = format!("import os; os.remove('x.ipynb'); {link_out}; print('swapped')");
    let id = bench.notebook("x", &swap).await;
    let updates = bench.run("x.ipynb", &id, &swap).await;
    assert!(finished(&updates), "{updates:?}");
    assert_eq!(
        std::fs::read(&outside).unwrap(),
        before,
        "written through the link"
    );
    assert!(
        std::fs::symlink_metadata(root.join("x.ipynb"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let (count, outputs) = cell_on_disk(&root.join("x (kept).ipynb"), &id);
    assert_eq!(count, Some(1));
    assert!(outputs.contains("swapped"), "{outputs}");
    let moved = bench.events.lock().unwrap().iter().find_map(|e| match e {
        DeskEvent::NotebookMoved { from, to, why } => Some((from.clone(), to.clone(), why.clone())),
        _ => None,
    });
    let (from, to, why) = moved.expect("the window is told");
    assert_eq!((from.as_str(), to.as_str()), ("x.ipynb", "x (kept).ipynb"));
    assert!(
        why.contains("outside the workspace") && why.contains("x (kept).ipynb"),
        "{why}"
    );

    // Again, after the cell's own save this time: the window then keeps its
    // version over the file ("Keep mine"), still under the old name.
    let later = "import os, threading; threading.Timer(float('1'), lambda: (os.remove('x (kept).ipynb'), os.symlink('../outside.txt', 'x (kept).ipynb'))).start()";
    bench.run("x.ipynb", &id, later).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        std::fs::symlink_metadata(root.join("x (kept).ipynb"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the kernel swapped the kept file too"
    );
    bench
        .desk
        .save_notebook(
            "x.ipynb",
            vec![CellEdit {
                id: id.clone(),
                cell_type: "code".into(),
                source: "my version".into(),
                copy_of: None,
                attachments: None,
            }],
            true,
        )
        .await
        .expect("kept again, not refused");
    assert_eq!(
        std::fs::read(&outside).unwrap(),
        before,
        "written through the link"
    );
    let kept = root.join("x (kept) (kept).ipynb");
    let on_disk = std::fs::read_to_string(&kept).unwrap();
    assert!(on_disk.contains("my version"), "{on_disk}");
    assert_eq!(
        bench.desk.open_notebooks(),
        ["x (kept) (kept).ipynb".to_string()]
    );
    // The window's first name for it still finds it.
    bench.edit("x.ipynb", &[(&id, "my version, again")]).await;
    let on_disk = std::fs::read_to_string(&kept).unwrap();
    assert!(on_disk.contains("my version, again"), "{on_disk}");
    assert_eq!(std::fs::read(&outside).unwrap(), before);
    bench.desk.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_disk_and_the_apps_data_folder_are_refused_as_workspaces() {
    let bench = Bench::over(
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        false,
    );
    let data = bench.data.path();
    std::fs::create_dir_all(data.join("sessions")).unwrap();
    let not_made = data.join("notebooks");
    for path in [
        std::path::PathBuf::from("/"),
        data.to_path_buf(),
        data.join("sessions"),
        not_made.clone(),
    ] {
        let err = bench
            .desk
            .open_workspace(&path.display().to_string())
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::WorkspaceNotAllowed,
            "{path:?}: {err}"
        );
        assert!(err.to_string().contains("cannot be a workspace"), "{err}");
    }
    assert!(!not_made.exists(), "nothing is made in the data folder");
    assert!(matches!(
        bench.desk.workspace(),
        Err(sagedesk::desk::DeskError::NoWorkspace)
    ));
    // A folder beside them is a workspace as any other.
    bench
        .desk
        .open_workspace(&bench.workspace.path().display().to_string())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_messages_are_counted_in_the_kernel_status_and_in_sagedesk_ps() {
    let bench = Bench::new().await;
    // Code in the kernel publishes on its iopub socket with a key that is
    // not the session's: what any process that got onto the socket could
    // send.
    let forge = "from jupyter_client.session import Session as Forger\n\
                 k = get_ipython().kernel\n\
                 forger = Forger(key=b'not-the-key')\n\
                 for _ in range(3):\n    \
                 forger.send(k.iopub_socket, 'stream', {'name': 'stdout', 'text': 'forged'}, parent=k.get_parent())\n\
                 print('sent')";
    let id = bench.notebook("forged", forge).await;
    let updates = bench.run("forged.ipynb", &id, forge).await;
    assert!(finished(&updates), "{updates:?}");
    let (_, outputs) = cell_on_disk(&bench.file("forged.ipynb"), &id);
    assert!(outputs.contains("sent"), "{outputs}");
    assert!(
        !outputs.contains("forged"),
        "a forged output was shown: {outputs}"
    );

    // The window hears the count with the kernel's state.
    let counted = || {
        bench
            .events
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find_map(|e| match e {
                DeskEvent::KernelStatus {
                    path,
                    dropped_messages,
                    ..
                } if path == "forged.ipynb" => Some(*dropped_messages),
                _ => None,
            })
    };
    for _ in 0..50 {
        if counted() == Some(3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(counted(), Some(3));

    // `sagedesk ps`, another process, shows it too.
    let kernel = bench.kernels_of("forged.ipynb").await.pop().unwrap();
    let ps = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sagedesk"))
            .args(["ps", "--json"])
            .env("SAGEDESK_DATA_DIR", bench.data.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .find(|row| row["name"] == kernel.as_str())
            .map(|row| row["droppedMessages"].clone())
    };
    let mut shown = None;
    for _ in 0..20 {
        shown = ps();
        if shown == Some(3.into()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(shown, Some(3.into()));
    bench.desk.quit().await;
}

/// The settings' largest message reaches each new kernel's client: a
/// display longer than it is refused at its header, and the cell says so
/// with the limit the user set; the kernel goes on.
#[tokio::test(flavor = "multi_thread")]
async fn a_message_over_the_settings_limit_is_refused_and_named() {
    let bench = Bench::new().await;
    bench
        .desk
        .set_settings(sagedesk::workspace::Settings {
            max_message_bytes: 1 << 20,
            ..bench.desk.settings()
        })
        .unwrap();
    let code = "from IPython.display import display\n\
                display({'text/plain': 'x' * 2_000_000}, raw=True)\n\
                print('after')";
    let id = bench.notebook("big", code).await;
    let updates = bench.run("big.ipynb", &id, code).await;
    assert!(finished(&updates), "{updates:?}");
    let (_, outputs) = cell_on_disk(&bench.file("big.ipynb"), &id);
    assert!(
        outputs.contains(
            "the kernel sent a message of 2.0 MB, more than the 1 MiB SageDesk accepts from a kernel"
        ),
        "{outputs}"
    );
    assert!(outputs.contains("after"), "the cell went on: {outputs}");
    bench.desk.quit().await;
}

/// With nothing chosen in the settings, a notebook's kernel may use every
/// core of the engine at a lower weight than the desktop's, and half the
/// engine's memory (at least 2 GiB); a choice in the settings wins.
#[tokio::test(flavor = "multi_thread")]
async fn a_kernel_gets_the_machines_defaults_unless_the_settings_choose() {
    let bench = Bench::new().await;
    let engine_memory = support::engine().await.info().memory_bytes;
    assert!(engine_memory > 0, "the engine says how much memory it has");
    let host = |name: &str, field: &str| -> i64 {
        let (ok, value) = support::docker(&[
            "container",
            "inspect",
            "-f",
            &format!("{{{{.HostConfig.{field}}}}}"),
            name,
        ]);
        assert!(ok, "{value}");
        value.trim().parse().unwrap()
    };
    let id = bench.notebook("auto", "1").await;
    bench.run("auto.ipynb", &id, "1").await;
    let auto = bench.kernels_of("auto.ipynb").await.remove(0);
    assert_eq!(host(&auto, "NanoCpus"), 0, "no CPU cap");
    assert_eq!(host(&auto, "CpuShares"), 512);
    assert_eq!(host(&auto, "Memory"), (engine_memory / 2).max(2 << 30));
    let view = bench.desk.settings_view().await;
    let defaults = view.defaults.expect("the engine answered");
    assert_eq!(defaults.memory_bytes, (engine_memory / 2).max(2 << 30));
    assert!(defaults.cores >= 1);

    bench
        .desk
        .set_settings(sagedesk::workspace::Settings {
            memory_bytes: Some(3 << 30),
            cpus: Some(1.5),
            ..bench.desk.settings()
        })
        .unwrap();
    let id = bench.notebook("chosen", "1").await;
    bench.run("chosen.ipynb", &id, "1").await;
    let chosen = bench.kernels_of("chosen.ipynb").await.remove(0);
    assert_eq!(host(&chosen, "NanoCpus"), 1_500_000_000);
    assert_eq!(host(&chosen, "Memory"), 3 << 30);
    bench.desk.quit().await;
}

fn cell_json(path: &std::path::Path, id: &str) -> serde_json::Value {
    let nb: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    nb["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("cell {id} in {}", path.display()))
        .clone()
}

fn code(id: &str, source: &str) -> CellEdit {
    CellEdit {
        id: id.into(),
        cell_type: "code".into(),
        source: source.into(),
        copy_of: None,
        attachments: None,
    }
}

/// The cell operations a notebook user reaches for, on the real kernel:
/// a queued cell taken out of the queue keeps its outputs and the cells
/// after it run; each run's times are in the file as JupyterLab records
/// them; a deleted cell brought back by undo has its outputs again; cells
/// copied into another notebook take their outputs with them; clearing
/// outputs clears the count and times too.
#[tokio::test(flavor = "multi_thread")]
async fn queued_cells_leave_the_queue_and_cells_come_back_copied_and_cleared() {
    let bench = Bench::new().await;
    let a = bench.notebook("a", "x = 6 * 7").await;
    let file = bench.file("a.ipynb");
    bench
        .desk
        .save_notebook(
            "a.ipynb",
            vec![
                code(&a, "x = 6 * 7"),
                code("b", "print('b ran')"),
                code("c", "x"),
            ],
            false,
        )
        .await
        .unwrap();
    assert!(finished(
        &bench.run("a.ipynb", "b", "print('before')").await
    ));
    let before = cell_json(&file, "b");
    assert!(before["outputs"].to_string().contains("before"));

    // a sleeps; b and c wait behind it; b is taken out.
    let slow = bench
        .desk
        .execute_cell(
            "a.ipynb",
            &a,
            "import time; time.sleep(3); x = 6 * 7",
            |_| {},
        )
        .await
        .unwrap();
    let b_run = Arc::new(Mutex::new(Vec::new()));
    let b_seen = b_run.clone();
    let b_done = bench
        .desk
        .execute_cell("a.ipynb", "b", "print('b ran')", move |batch| {
            b_seen.lock().unwrap().extend(batch)
        })
        .await
        .unwrap();
    let c_done = bench
        .desk
        .execute_cell("a.ipynb", "c", "x", |_| {})
        .await
        .unwrap();
    assert!(bench.desk.unqueue_cell("a.ipynb", "b").await.unwrap());
    assert!(
        !bench.desk.unqueue_cell("a.ipynb", "b").await.unwrap(),
        "once"
    );
    let b_end = b_done.wait().await;
    assert_eq!(b_end.status, Some(sagedesk::session::CellStatus::Aborted));
    assert!(
        !b_run
            .lock()
            .unwrap()
            .iter()
            .any(|u| matches!(u, CellUpdate::Started))
    );
    slow.wait().await;
    let c_end = c_done.wait().await;
    assert_eq!(c_end.status, Some(sagedesk::session::CellStatus::Ok));
    assert!(cell_on_disk(&file, "c").1.contains("42"));
    assert_eq!(
        cell_json(&file, "b")["outputs"],
        before["outputs"],
        "b keeps what it had"
    );

    // Times, as JupyterLab writes them.
    let timed = cell_json(&file, &a)["metadata"]["execution"].clone();
    let time = |key: &str| {
        chrono::DateTime::parse_from_rfc3339(timed[key].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{key} in {timed}: {e}"))
    };
    let took = time("shell.execute_reply") - time("iopub.status.busy");
    assert!(
        took >= chrono::TimeDelta::milliseconds(2900) && took < chrono::TimeDelta::seconds(30),
        "{timed}"
    );
    let doc = bench.desk.open_notebook("a.ipynb").await.unwrap();
    assert!(
        doc.cells[0]
            .times
            .as_ref()
            .is_some_and(|t| t.ended.is_some())
    );

    // b deleted and saved, then brought back: its outputs too.
    bench
        .desk
        .save_notebook(
            "a.ipynb",
            vec![code(&a, "x = 6 * 7"), code("c", "x")],
            false,
        )
        .await
        .unwrap();
    assert!(!std::fs::read_to_string(&file).unwrap().contains("before"));
    bench
        .desk
        .save_notebook(
            "a.ipynb",
            vec![
                code(&a, "x = 6 * 7"),
                code("b", "print('b ran')"),
                code("c", "x"),
            ],
            false,
        )
        .await
        .unwrap();
    assert_eq!(cell_json(&file, "b")["outputs"], before["outputs"]);

    // c copied into another notebook: its outputs and times come along.
    let other = bench.notebook("other", "").await;
    assert_eq!(
        bench
            .desk
            .copy_cells("a.ipynb", &["c".into()])
            .await
            .unwrap(),
        1
    );
    let pasted = CellEdit {
        copy_of: Some("c".into()),
        ..code("c-copy", "x")
    };
    bench
        .desk
        .save_notebook("other.ipynb", vec![code(&other, ""), pasted], false)
        .await
        .unwrap();
    let copy = cell_json(&bench.file("other.ipynb"), "c-copy");
    let original = cell_json(&file, "c");
    assert_eq!(copy["outputs"], original["outputs"]);
    assert_eq!(copy["execution_count"], original["execution_count"]);
    assert_eq!(copy["metadata"], original["metadata"]);

    // Clear outputs: outputs, count and times.
    bench
        .desk
        .clear_outputs("a.ipynb", vec![a.clone(), "c".into()])
        .await
        .unwrap();
    for id in [a.as_str(), "c"] {
        let cleared = cell_json(&file, id);
        assert_eq!(cleared["outputs"], serde_json::json!([]));
        assert_eq!(cleared["execution_count"], serde_json::Value::Null);
        assert!(cleared["metadata"].get("execution").is_none(), "{cleared}");
    }
    assert_eq!(cell_json(&file, "b")["outputs"], before["outputs"]);
    bench.desk.quit().await;
}

/// The spare kernel: warm once the workspace opens, shown as spare by
/// `sagedesk ps`, taken by the first notebook that needs a kernel (which
/// then runs in it), another warmed behind it, none when the settings say
/// so, and all of them gone at quit.
#[tokio::test(flavor = "multi_thread")]
async fn a_spare_kernel_waits_for_the_next_notebook_and_goes_at_quit() {
    let workspace = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let desk = sagedesk::desk::Desk::new(sagedesk::desk::DeskOptions {
        records: RecordStore::new(data.path()),
        spare_kernels: true,
        ..sagedesk::desk::DeskOptions::default()
    });
    desk.open_workspace(&workspace.path().display().to_string())
        .await
        .unwrap();
    let spare = async {
        for _ in 0..600 {
            if let Some(name) = desk.spare_kernel().await {
                return name;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("a spare kernel within a minute");
    };
    let first = spare.await;
    let ps = std::process::Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .args(["ps", "--json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&ps.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == first.as_str())
        .unwrap_or_else(|| panic!("{first} in {rows}"));
    assert_eq!(row["spare"], true, "{row}");
    assert_eq!(row["notebook"], serde_json::Value::Null, "{row}");

    // The first notebook to need a kernel takes it.
    desk.create_notebook("n").await.unwrap();
    let id = desk.open_notebook("n.ipynb").await.unwrap().cells[0]
        .id
        .clone();
    let updates = Arc::new(Mutex::new(Vec::new()));
    let seen = updates.clone();
    let end = desk
        .execute_cell(
            "n.ipynb",
            &id,
            "import os; print(os.getcwd())",
            move |batch| seen.lock().unwrap().extend(batch),
        )
        .await
        .unwrap()
        .wait()
        .await;
    assert_eq!(end.status, Some(sagedesk::session::CellStatus::Ok));
    let (_, printed) = cell_on_disk(&workspace.path().join("n.ipynb"), &id);
    assert!(printed.contains("/home/sage/work\\n"), "{printed}");
    let engine = support::engine().await;
    let mine =
        RecordStore::new(data.path()).with_assignments(engine.managed_containers().await.unwrap());
    let serving = mine
        .iter()
        .find(|c| c.name == first)
        .expect("the spare's container");
    assert_eq!(serving.notebook.as_deref(), Some("n.ipynb"));
    // Another is warmed behind it.
    let second = {
        let mut found = None;
        for _ in 0..600 {
            if let Some(name) = desk.spare_kernel().await.filter(|n| n != &first) {
                found = Some(name);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        found.expect("a second spare within a minute")
    };

    // A notebook in a folder gets a kernel of its own, started beside it
    // (as Jupyter starts one), and leaves the spare waiting.
    std::fs::create_dir(workspace.path().join("ch1")).unwrap();
    std::fs::write(workspace.path().join("ch1/data.txt"), "beside the notebook").unwrap();
    desk.create_notebook("ch1/m").await.unwrap();
    let inner = desk.open_notebook("ch1/m.ipynb").await.unwrap().cells[0]
        .id
        .clone();
    let end = desk
        .execute_cell(
            "ch1/m.ipynb",
            &inner,
            "print(open('data.txt').read())",
            |_| {},
        )
        .await
        .unwrap()
        .wait()
        .await;
    assert_eq!(end.status, Some(sagedesk::session::CellStatus::Ok));
    let (_, printed) = cell_on_disk(&workspace.path().join("ch1/m.ipynb"), &inner);
    assert!(printed.contains("beside the notebook"), "{printed}");
    assert_eq!(desk.spare_kernel().await.as_deref(), Some(second.as_str()));

    // Off in the settings: the spare goes.
    desk.set_settings(sagedesk::workspace::Settings {
        spare_kernel: false,
        ..desk.settings()
    })
    .unwrap();
    for _ in 0..100 {
        if !support::container_exists(&second) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !support::container_exists(&second),
        "the spare stops when the settings say so"
    );
    assert_eq!(desk.spare_kernel().await, None);

    desk.quit().await;
    assert!(
        !support::container_exists(&first),
        "the notebook's kernel stops at quit"
    );
}

/// A checkpoint saved and reverted to, through the desk, in Jupyter's
/// layout; an export written where asked, never over a notebook.
#[tokio::test(flavor = "multi_thread")]
async fn checkpoints_come_back_and_exports_never_go_over_a_notebook() {
    let bench = Bench::new().await;
    let id = bench.notebook("a", "first = 1").await;
    assert_eq!(bench.desk.checkpoint("a.ipynb").await.unwrap(), None);
    bench.desk.save_checkpoint("a.ipynb").await.unwrap();
    let kept = bench.file(".ipynb_checkpoints/a-checkpoint.ipynb");
    assert!(
        std::fs::read_to_string(&kept)
            .unwrap()
            .contains("first = 1")
    );
    bench.edit("a.ipynb", &[(&id, "second = 2")]).await;
    let doc = bench.desk.revert_to_checkpoint("a.ipynb").await.unwrap();
    assert_eq!(doc.cells[0].source, "first = 1");
    assert!(
        std::fs::read_to_string(bench.file("a.ipynb"))
            .unwrap()
            .contains("first = 1")
    );
    // The window goes on saving over the reverted file, with no conflict.
    bench.edit("a.ipynb", &[(&id, "third = 3")]).await;

    let html = bench.workspace.path().join("a.html");
    bench
        .desk
        .export_notebook_to("a.ipynb", sagedesk::export::Format::Html, html.clone())
        .await
        .unwrap();
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains("third = 3")
    );
    let before = std::fs::read(bench.file("a.ipynb")).unwrap();
    let over = bench
        .desk
        .export_notebook_to(
            "a.ipynb",
            sagedesk::export::Format::Sage,
            bench.file("a.ipynb"),
        )
        .await
        .unwrap_err();
    assert_eq!(over.code(), ErrorCode::CannotWrite);
    assert_eq!(std::fs::read(bench.file("a.ipynb")).unwrap(), before);
    bench.desk.quit().await;
}

/// Notebooks another program adds, renames or removes reach the window's
/// list by themselves; other files, and the hidden folders, do not.
#[tokio::test(flavor = "multi_thread")]
async fn notebooks_changed_by_other_programs_are_listed_again() {
    let bench = Bench::new().await;
    let lists = || {
        bench
            .events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                DeskEvent::Notebooks { notebooks, .. } => {
                    Some(notebooks.iter().map(|n| n.path.clone()).collect::<Vec<_>>())
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let wait_for = |want: Vec<&str>| {
        let want: Vec<String> = want.into_iter().map(String::from).collect();
        async move {
            for _ in 0..100 {
                if lists().last() == Some(&want) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("the list {want:?}; got {:?}", lists());
        }
    };
    let notebook = sagedesk::notebook::Notebook::new_sage("10.8").to_json();
    std::fs::write(bench.file("from-git.ipynb"), &notebook).unwrap();
    wait_for(vec!["from-git.ipynb"]).await;
    std::fs::create_dir(bench.file("ch1")).unwrap();
    std::fs::write(bench.file("ch1/b.ipynb"), &notebook).unwrap();
    wait_for(vec!["ch1/b.ipynb", "from-git.ipynb"]).await;
    std::fs::rename(bench.file("from-git.ipynb"), bench.file("renamed.ipynb")).unwrap();
    wait_for(vec!["ch1/b.ipynb", "renamed.ipynb"]).await;
    let count = lists().len();
    std::fs::write(bench.file("data.csv"), "1,2\n").unwrap();
    std::fs::create_dir(bench.file(".ipynb_checkpoints")).unwrap();
    std::fs::write(
        bench.file(".ipynb_checkpoints/x-checkpoint.ipynb"),
        &notebook,
    )
    .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(lists().len(), count, "nothing new to list: {:?}", lists());
    std::fs::remove_file(bench.file("renamed.ipynb")).unwrap();
    wait_for(vec!["ch1/b.ipynb"]).await;
    bench.desk.quit().await;
}
