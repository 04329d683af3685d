//! Real notebooks, loaded and saved: the saved JSON equals the loaded JSON
//! apart from what SageDesk changes on purpose (ids for cells without one,
//! format 4.5 for older notebooks), and a notebook already in 4.5 is saved
//! byte for byte as Jupyter wrote it.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use sagedesk::notebook::{
    CellKind, KernelSpec, MultilineString, Notebook, NotebookFile, SaveOutcome, from_slice,
    is_valid_cell_id,
};
use serde_json::{Value, json};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "ipynb"))
        .collect();
    found.sort();
    assert!(found.len() >= 6, "the fixtures are in {}", dir.display());
    found
}

/// Copies a fixture into a fresh folder, opens it and saves it.
fn load_and_save(fixture: &Path) -> (Vec<u8>, Vec<u8>, tempfile::TempDir) {
    let original = fs::read(fixture).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(fixture.file_name().unwrap());
    fs::write(&path, &original).unwrap();
    let mut file = NotebookFile::open(&path).unwrap();
    file.save().unwrap();
    let saved = fs::read(&path).unwrap();
    (original, saved, dir)
}

#[test]
fn saved_json_equals_loaded_json_apart_from_ids_and_version() {
    for fixture in fixtures() {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let (original, saved, _dir) = load_and_save(&fixture);
        let before: Value = serde_json::from_slice(&original).unwrap();
        let after: Value = serde_json::from_slice(&saved).unwrap();

        // What the file should hold: the original, with the saved ids put in
        // where there were none, and the version 4.5 when it was older.
        let mut expected = before.clone();
        let old_minor = before["nbformat_minor"].as_u64().unwrap();
        expected["nbformat_minor"] = json!(old_minor.max(5));
        let saved_cells = after["cells"].as_array().unwrap();
        let expected_cells = expected["cells"].as_array_mut().unwrap();
        assert_eq!(saved_cells.len(), expected_cells.len(), "{name}");
        let mut ids = HashSet::new();
        for (cell, saved_cell) in expected_cells.iter_mut().zip(saved_cells) {
            let id = saved_cell["id"]
                .as_str()
                .expect("every saved cell has an id");
            assert!(is_valid_cell_id(id), "{name}: id {id:?}");
            assert!(ids.insert(id.to_owned()), "{name}: id {id} twice");
            let cell = cell.as_object_mut().unwrap();
            match cell.get("id") {
                Some(old) => assert_eq!(old, id, "{name}: an existing id was changed"),
                None => {
                    assert!(old_minor < 5, "{name}: a 4.5 cell without id");
                    cell.insert("id".into(), json!(id));
                }
            }
        }
        assert_eq!(after, expected, "{name}");

        // Laid out as Jupyter lays it out.
        let relaid = sagedesk::notebook::json::to_jupyter_json(&after);
        assert_eq!(String::from_utf8(saved.clone()).unwrap(), relaid, "{name}");
        if old_minor >= 5 {
            assert!(saved == original, "{name}: a 4.5 notebook changed bytes");
        }
        eprintln!(
            "{name}: nbformat 4.{old_minor}, {} cells, {} bytes, byte-identical: {}",
            saved_cells.len(),
            saved.len(),
            saved == original
        );
    }
}

#[test]
fn a_second_save_of_an_unchanged_notebook_writes_nothing() {
    for fixture in fixtures() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.ipynb");
        fs::copy(&fixture, &path).unwrap();
        let mut file = NotebookFile::open(&path).unwrap();
        let upgraded = !file.changes_on_open().is_empty();
        let first = file.save().unwrap();
        assert_eq!(
            first == SaveOutcome::Written,
            upgraded,
            "{}",
            fixture.display()
        );
        assert_eq!(file.save().unwrap(), SaveOutcome::Unchanged);
        // Reopened, the upgraded notebook has nothing left to change.
        let reopened = NotebookFile::open(&path).unwrap();
        assert!(reopened.changes_on_open().is_empty());
        assert_eq!(reopened.notebook(), file.notebook());
    }
}

#[test]
fn edited_cells_are_written_as_jupyter_writes_them() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/notebooks/unknown_metadata.ipynb");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.ipynb");
    fs::copy(&fixture, &path).unwrap();
    let mut file = NotebookFile::open(&path).unwrap();
    let notebook = file.notebook_mut();

    // The same text keeps the one-string form; new text becomes lines.
    let intro = notebook.cell_mut("intro").unwrap();
    let text = intro.source_text();
    intro.set_source(&text);
    assert!(matches!(intro.source, MultilineString::Text(_)));
    let factor = notebook.cell_mut("factor").unwrap();
    factor.set_source("factor(2024)\nfactor(2025)");
    factor.set_nbformat_outputs(
        vec![
            json!({"output_type": "stream", "name": "stdout", "text": "a\nb\n"}),
            json!({"output_type": "execute_result", "execution_count": 4,
                   "data": {"text/plain": "2^3 * 11 * 23", "image/png": "iVBO\nRw=="},
                   "metadata": {}}),
        ],
        Some(4),
    );
    file.save().unwrap();

    let saved: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    let cells = saved["cells"].as_array().unwrap();
    assert_eq!(
        cells[0]["source"],
        json!("One string, not a list:\nkept as it is.")
    );
    assert_eq!(
        cells[1]["source"],
        json!(["factor(2024)\n", "factor(2025)"])
    );
    assert_eq!(cells[1]["execution_count"], json!(4));
    assert_eq!(cells[1]["outputs"][0]["text"], json!(["a\n", "b\n"]));
    assert_eq!(
        cells[1]["outputs"][1]["data"]["text/plain"],
        json!(["2^3 * 11 * 23"])
    );
    // Base64 stays one string, as Jupyter keeps it.
    assert_eq!(
        cells[1]["outputs"][1]["data"]["image/png"],
        json!("iVBO\nRw==")
    );
    // What was not touched is as it was.
    assert_eq!(cells[1]["x_cell_extra"], json!({"by": "another tool"}));
    assert_eq!(cells[1]["metadata"]["x_weight"], json!(1e-05));
    assert_eq!(saved["x_top_level_extra"], json!({"kept": true}));
}

#[test]
fn a_new_sage_notebook_is_nbformat_4_5_with_one_empty_code_cell() {
    let notebook = Notebook::new_sage("10.8");
    let value = notebook.to_value();
    assert_eq!(value["nbformat"], 4);
    assert_eq!(value["nbformat_minor"], 5);
    assert_eq!(
        value["metadata"]["kernelspec"],
        json!({"name": "sagemath", "language": "sage", "display_name": "SageMath 10.8"})
    );
    assert_eq!(notebook.kernelspec(), Some(KernelSpec::sage("10.8")));
    let cells = value["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1);
    assert_eq!(
        cells[0],
        json!({"id": cells[0]["id"], "cell_type": "code", "execution_count": null,
               "metadata": {}, "outputs": [], "source": []})
    );
    assert!(is_valid_cell_id(cells[0]["id"].as_str().unwrap()));
    let parsed = from_slice(notebook.to_json().as_bytes()).unwrap();
    assert!(parsed.changes.is_empty());
    assert_eq!(parsed.notebook, notebook);
    assert!(matches!(
        parsed.notebook.cells[0].kind,
        CellKind::Code { .. }
    ));
}

#[test]
fn attachments_survive() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks/attachments.ipynb");
    let parsed = from_slice(&fs::read(fixture).unwrap()).unwrap();
    let cell = &parsed.notebook.cells[0];
    let attachments = cell.attachments.as_ref().unwrap();
    assert!(
        attachments["pixel.png"]["image/png"]
            .as_str()
            .unwrap()
            .starts_with("iVBOR")
    );
    assert!(cell.source_text().contains("attachment:pixel.png"));
}

/// Numbers with all 17 significant digits (plot ranges, widget states) are
/// written back with the same digits, as Python writes them; this needs
/// serde_json's correctly rounded float parsing (`float_roundtrip`).
#[test]
fn full_precision_numbers_are_kept() {
    let text = r#"{
 "cells": [],
 "metadata": {
  "x_numbers": [
   0.9856906946328695,
   0.21291890726713458,
   0.9259338926496359,
   0.30000000000000004,
   1e-05,
   1.7976931348623157e+308,
   -0.0,
   18446744073709551615,
   -9223372036854775808
  ]
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
"#;
    let parsed = from_slice(text.as_bytes()).unwrap();
    assert_eq!(parsed.notebook.to_json(), text);
}
