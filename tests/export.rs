//! Exports of real notebooks, written by others (tests/fixtures, from the
//! shared corpus).

use std::path::{Path, PathBuf};

use sagedesk::desk::{Desk, DeskOptions};
use sagedesk::export::{Format, export};
use sagedesk::session::RecordStore;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks")
}

/// A copy of a fixture in a folder of its own.
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(fixtures().join(name), &path).unwrap();
    (dir, path)
}

/// The desk exports a notebook of its workspace without opening it (no
/// kernel starts).
#[tokio::test]
async fn the_desk_exports_a_closed_notebook_of_its_workspace() {
    let data = tempfile::tempdir().unwrap();
    let (dir, path) = copy_of("test_display_latex.ipynb");
    let desk = Desk::new(DeskOptions {
        records: RecordStore::new(data.path()),
        ..DeskOptions::default()
    });
    desk.set_workspace(&dir.path().display().to_string())
        .await
        .unwrap();
    let from_desk = desk
        .export_notebook("test_display_latex.ipynb", Format::Sage)
        .await
        .unwrap();
    let parsed = sagedesk::notebook::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        from_desk,
        export(&parsed.notebook, "test_display_latex.ipynb", Format::Sage)
    );
    assert!(desk.open_notebooks().is_empty());
    let missing = desk
        .export_notebook("none.ipynb", Format::Html)
        .await
        .unwrap_err();
    assert_eq!(missing.code(), sagedesk::error_code::ErrorCode::NotFound);
}
