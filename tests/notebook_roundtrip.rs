//! Real notebooks, loaded and saved: the saved JSON equals the loaded JSON
//! apart from what SageDesk changes on purpose (ids for cells without one,
//! format 4.5 for older notebooks), and a notebook already in 4.5 is saved
//! byte for byte as Jupyter wrote it. Notebooks with outputs that are
//! malformed, of unknown types or huge open, show what they can, and are
//! saved back with those outputs as they were.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use sagedesk::notebook::{
    CellEdit, CellKind, KernelSpec, MultilineString, Notebook, NotebookFile, Output, SaveOutcome,
    from_slice, is_valid_cell_id,
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

/// The window's edit of one cell's text, every other cell as it is.
fn edit_source(file: &mut NotebookFile, id: &str, source: &str) {
    let edits: Vec<CellEdit> = file
        .notebook()
        .cell_views()
        .into_iter()
        .map(|view| CellEdit {
            source: if view.id == id {
                source.to_owned()
            } else {
                view.source
            },
            id: view.id,
            cell_type: view.cell_type,
            copy_of: None,
            attachments: None,
        })
        .collect();
    file.notebook_mut().apply_edits(&edits);
}

/// A file holding outputs nbformat does not allow (fields missing, values
/// of the wrong kind, types it does not have) opens; each output shows as
/// what can be made of it, or as a line saying it cannot be shown; and an
/// edit saves the file with every output as it was.
#[test]
fn malformed_and_unknown_outputs_open_show_and_are_saved_back_as_they_were() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/notebooks/malformed_outputs.ipynb");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.ipynb");
    fs::copy(&fixture, &path).unwrap();
    let original: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();

    let mut file = NotebookFile::open(&path).expect("a notebook with bad outputs opens");
    let views = file.notebook().cell_views();
    let outputs = |id: &str| {
        views
            .iter()
            .find(|view| view.id == id)
            .unwrap()
            .outputs
            .clone()
    };
    let plain = |output: &Output| match output {
        Output::DisplayData { data, .. } | Output::ExecuteResult { data, .. } => data
            .get("text/plain")
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    };
    assert!(matches!(&outputs("before")[..], [Output::Stream { text, .. }] if text == "before\n"));
    assert_eq!(
        outputs("no-traceback"),
        [Output::Error {
            ename: "ValueError".into(),
            evalue: "stored without a traceback".into(),
            traceback: Vec::new(),
        }]
    );
    let no_data = outputs("no-data");
    assert!(matches!(&no_data[0], Output::DisplayData { data, .. } if data.is_empty()));
    // Of the values of the wrong kind, the text is kept, the rest left out.
    assert!(matches!(&no_data[1], Output::DisplayData { data, .. } if data.len() == 1));
    assert_eq!(plain(&no_data[1]).as_deref(), Some("shown as text"));
    assert!(matches!(
        &no_data[2],
        Output::ExecuteResult {
            execution_count: 0,
            ..
        }
    ));
    let unknown = outputs("unknown");
    assert_eq!(
        plain(&unknown[0]).as_deref(),
        Some(
            "… an output of type \"widget_state\", which SageDesk cannot show (the file keeps it) …"
        )
    );
    assert_eq!(
        plain(&unknown[1]).as_deref(),
        Some("… an output with no type, which SageDesk cannot show (the file keeps it) …")
    );
    assert!(
        matches!(&unknown[2], Output::Stream { name, text, .. } if name == "stderr" && text.is_empty())
    );
    assert_eq!(plain(&outputs("after")[0]).as_deref(), Some("2"));

    edit_source(&mut file, "after", "1+2");
    file.save().unwrap();
    let mut expected = original;
    expected["cells"][5]["source"] = json!(["1+2"]);
    let saved: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved, expected, "only the edited text changed");
}

/// Outputs larger than a run keeps (a long stream, one output over the
/// cell's budget, thousands of outputs) show within the limits a run's
/// outputs are kept in, and a save keeps them whole in the file.
#[test]
fn huge_stored_outputs_show_within_the_limits_and_are_saved_back_whole() {
    let lines: String = (0..200_000).map(|i| format!("{i}\n")).collect();
    let display = |text: String| json!({"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}});
    let code = |id: &str, outputs: Vec<Value>| {
        json!({"cell_type": "code", "execution_count": 1, "id": id, "metadata": {},
               "outputs": outputs, "source": "x"})
    };
    let original = json!({
        "cells": [
            code("lines", vec![json!({"output_type": "stream", "name": "stdout", "text": lines})]),
            code("big", vec![display("x".repeat(51_000_000))]),
            code("many", (0..2_500).map(|i| display(i.to_string())).collect()),
            code("small", vec![display("small".into())]),
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.ipynb");
    fs::write(&path, sagedesk::notebook::json::to_jupyter_json(&original)).unwrap();

    let mut file = NotebookFile::open(&path).unwrap();
    let views = file.notebook().cell_views();
    let shown = serde_json::to_string(&views).unwrap();
    assert!(
        shown.len() < 2_000_000,
        "the window gets {} bytes",
        shown.len()
    );
    let text = |output: &Output| output.to_nbformat()["text"].as_str().map(str::to_owned);
    let data = |output: &Output| output.to_nbformat()["data"]["text/plain"].clone();
    let stream = text(&views[0].outputs[0]).unwrap();
    assert!(stream.starts_with("0\n1\n") && stream.ends_with("199999\n"));
    assert!(stream.contains("\n499\n… 199,000 lines (1.3 MB) not kept …\n199500\n"));
    assert_eq!(
        data(&views[1].outputs[0]),
        "… output not kept: 51.0 MB of text/plain is more than the 50.0 MB a cell keeps …"
    );
    let many = &views[2].outputs;
    assert_eq!(many.len(), 1_001);
    assert_eq!(data(&many[499]), "499");
    assert_eq!(text(&many[500]).unwrap(), "… 1,500 outputs not kept …\n");
    assert_eq!(data(&many[501]), "2000");
    assert_eq!(data(&many[1_000]), "2499");
    assert_eq!(data(&views[3].outputs[0]), "small");

    edit_source(&mut file, "small", "y");
    file.save().unwrap();
    let mut expected = original;
    expected["cells"][3]["source"] = json!(["y"]);
    let saved: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert!(saved == expected, "the outputs are saved whole");
}
