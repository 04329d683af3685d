//! `sagedesk run` on real notebooks written by others (tests/fixtures,
//! from the shared corpus) and on broken ones, with the real image.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks")
}

/// A copy of a fixture in a folder of its own, owned by an ordinary user as
/// on a laptop (the kernel runs as the folder's owner).
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(fixtures().join(name), &path).unwrap();
    for p in [dir.path(), path.as_path()] {
        std::os::unix::fs::chown(p, Some(1000), Some(1000)).unwrap();
    }
    (dir, path)
}

fn run(path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .arg("run")
        .arg(path)
        .output()
        .expect("running sagedesk run")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code_cells(path: &Path) -> Vec<Value> {
    let nb: Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).expect("the notebook parses");
    assert_eq!(nb["nbformat"], 4);
    nb["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["cell_type"] == "code")
        .cloned()
        .collect()
}

fn assert_all_ran(name: &str) -> Vec<Value> {
    let (_dir, path) = copy_of(name);
    let out = run(&path);
    assert!(
        out.status.success(),
        "{name}: {}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let cells = code_cells(&path);
    // An empty cell runs without taking an execution count, as in Jupyter.
    let mut count = 0;
    for (i, cell) in cells.iter().enumerate() {
        if !source(cell).trim().is_empty() {
            count += 1;
            assert_eq!(
                cell["execution_count"], count,
                "{name} cell {i} ran in order"
            );
        }
        for output in cell["outputs"].as_array().unwrap() {
            assert_ne!(output["output_type"], "error", "{name} cell {i}: {output}");
        }
    }
    cells
}

fn source(cell: &Value) -> String {
    match &cell["source"] {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().filter_map(|l| l.as_str()).collect(),
        _ => String::new(),
    }
}

fn mimetypes(cells: &[Value]) -> Vec<String> {
    cells
        .iter()
        .flat_map(|c| c["outputs"].as_array().unwrap().clone())
        .filter_map(|o| {
            o["data"]
                .as_object()
                .map(|d| d.keys().cloned().collect::<Vec<_>>())
        })
        .flatten()
        .collect()
}

#[test]
fn cartesian_to_polar_runs_clean() {
    let cells = assert_all_ran("Cartesian_to_polar.ipynb");
    assert!(mimetypes(&cells).iter().any(|m| m == "text/plain"));
}

#[test]
fn test_simplify_function_runs_clean() {
    assert_all_ran("test_simplify_function.ipynb");
}

#[test]
fn vector_calc_cartesian_runs_clean_with_latex_outputs() {
    let cells = assert_all_ran("vector_calc_cartesian.ipynb");
    assert_eq!(cells.len(), 75);
    assert!(mimetypes(&cells).iter().any(|m| m == "text/latex"));
}

/// The corpus README says one cell needs `%matplotlib widget` (ipympl).
/// The image has it: the whole notebook runs, that cell's figure is a
/// widget (ipympl's canvas), and view() worked on the way (LaTeX is in the
/// image).
#[test]
fn test_display_latex_runs_clean_with_its_widget_figure() {
    let cells = assert_all_ran("test_display_latex.ipynb");
    let widget = cells
        .iter()
        .position(|c| source(c).contains("%matplotlib widget"))
        .unwrap();
    let types = mimetypes(&cells[widget..]);
    assert!(
        types
            .iter()
            .any(|m| m == "application/vnd.jupyter.widget-view+json"),
        "{types:?}"
    );
    assert!(
        mimetypes(&cells[..widget])
            .iter()
            .any(|m| m == "image/png" || m == "text/html")
    );
}

/// A notebook of code cells `(id, source)` at `dir/name`.
fn notebook(dir: &Path, name: &str, cells: &[(&str, &str)]) -> PathBuf {
    let path = dir.join(name);
    let cells: Vec<Value> = cells
        .iter()
        .map(|(id, src)| {
            serde_json::json!({"cell_type": "code", "id": id, "metadata": {}, "source": src,
                               "outputs": [], "execution_count": null})
        })
        .collect();
    let nb = serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "sagemath", "language": "sage", "display_name": "SageMath 10.8"}},
        "cells": cells
    });
    std::fs::write(&path, serde_json::to_vec(&nb).unwrap()).unwrap();
    path
}

/// Sage's animate(...).show() makes its GIF with ImageMagick, which the
/// image has, and shows it as Jupyter shows it: an `<img>` of the GIF in
/// an HTML output (`R0lGODlh` is `GIF89a` in base64).
#[test]
fn an_animation_shows_as_a_gif() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(dir.path(), Some(1000), Some(1000)).unwrap();
    let path = notebook(
        dir.path(),
        "animation.ipynb",
        &[(
            "frames",
            "a = animate([plot(sin(x + k), (x, 0, 6)) for k in range(3)])\na.show()",
        )],
    );
    let out = run(&path);
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let cells = code_cells(&path);
    let outputs = cells[0]["outputs"].to_string();
    assert!(
        outputs.contains("<img src=\\\"data:image/gif;base64,R0lGODlh"),
        "{}",
        &outputs[..outputs.len().min(300)]
    );
    assert!(
        outputs.contains("Animation with 3 frames"),
        "{outputs:.300}"
    );
}

#[test]
fn a_failing_cell_stops_the_run_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = notebook(
        dir.path(),
        "failing.ipynb",
        &[
            ("one", "a = 1\nis_prime?"),
            ("two", "a / 0"),
            ("three", "b = 2"),
        ],
    );
    let out = run(&path);
    assert_eq!(out.status.code(), Some(1));
    // Help goes to stdout, as a terminal IPython prints it, not into the file.
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Signature:") && stdout.contains(" is_prime(n)"),
        "{stdout}"
    );
    assert_eq!(code_cells(&path)[0]["outputs"], serde_json::json!([]));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cell 2 of 3") && stderr.contains("id two"),
        "{stderr}"
    );
    assert!(stderr.contains("ZeroDivisionError"), "{stderr}");
    let cells = code_cells(&path);
    assert_eq!(cells[1]["outputs"][0]["ename"], "ZeroDivisionError");
    assert_eq!(cells[2]["execution_count"], Value::Null);
}

/// A cell past `--timeout` is interrupted (exit 2) with what it printed
/// saved; a kernel that dies is not restarted (exit 3), the death is named,
/// and no container is left either way.
#[test]
fn a_cell_that_runs_too_long_or_kills_its_kernel_ends_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let slow = notebook(
        dir.path(),
        "slow.ipynb",
        &[
            ("one", "print('before'); import time; time.sleep(600)"),
            ("two", "1"),
        ],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .args(["run", "--timeout", "3"])
        .arg(&slow)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("interrupted after 3 s"));
    let cells = code_cells(&slow);
    let saved = serde_json::to_string(&cells[0]["outputs"]).unwrap();
    assert!(saved.contains("before"), "{saved}");
    assert!(saved.contains("KeyboardInterrupt"), "{saved}");

    let dying = notebook(
        dir.path(),
        "dying.ipynb",
        &[("one", "import os; os._exit(7)"), ("two", "1")],
    );
    let out = run(&dying);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("id one") && stderr.contains("exit code 7"),
        "{stderr}"
    );
    assert_eq!(code_cells(&dying)[1]["execution_count"], Value::Null);

    let left = Command::new("docker")
        .args(["ps", "-aq", "--filter", "label=org.sagedesk.workspace"])
        .arg(format!(
            "--filter=label=org.sagedesk.workspace={}",
            dir.path().canonicalize().unwrap().display()
        ))
        .output()
        .unwrap();
    assert!(left.status.success());
    assert!(
        text(&left.stdout).trim().is_empty(),
        "{}",
        text(&left.stdout)
    );
}

#[test]
fn a_corrupt_notebook_is_refused_and_left_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        (
            "truncated.ipynb",
            &br#"{"nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_ty"#[..],
        ),
        ("not-a-notebook.ipynb", &br#"{"hello": "world"}"#[..]),
        ("binary.ipynb", &b"\x89PNG\r\n\x1a\n\0\0\0"[..]),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        let out = run(&path);
        assert_eq!(out.status.code(), Some(4), "{name}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(name),
            "{name}: {}",
            text(&out.stderr)
        );
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name} was changed");
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            before
        );
    }
}
