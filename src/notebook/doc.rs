//! The notebook as the window edits it: cells with their text as one string
//! and outputs with their text joined, and the edits the window sends back.
//! Outputs stay the core's: the window changes cells' text, type and order.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::model::{Cell, CellKind, Notebook};

/// A cell as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CellView {
    pub id: String,
    /// `code`, `markdown` or `raw`.
    #[cfg_attr(feature = "ts", ts(type = r#""code" | "markdown" | "raw""#))]
    pub cell_type: String,
    pub source: String,
    /// nbformat outputs with their multi-line strings joined (the shape
    /// `kernel::outputs::Output` serialises to, too).
    #[cfg_attr(feature = "ts", ts(as = "Vec<super::output::Output>"))]
    pub outputs: Vec<Value>,
    pub execution_count: Option<u64>,
}

/// A cell as the window sends it back when saving.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CellEdit {
    pub id: String,
    #[cfg_attr(feature = "ts", ts(type = r#""code" | "markdown" | "raw""#))]
    pub cell_type: String,
    pub source: String,
}

impl Notebook {
    /// The cells as the window shows them.
    pub fn cell_views(&self) -> Vec<CellView> {
        self.cells
            .iter()
            .map(|cell| {
                let (outputs, execution_count) = match &cell.kind {
                    CellKind::Code {
                        execution_count,
                        outputs,
                    } => (
                        outputs.iter().cloned().map(join_output).collect(),
                        *execution_count,
                    ),
                    _ => (Vec::new(), None),
                };
                CellView {
                    id: cell.id.clone(),
                    cell_type: cell.kind.name().to_string(),
                    source: cell.source_text(),
                    outputs,
                    execution_count,
                }
            })
            .collect()
    }

    /// Takes the window's cells: their order, text and type. A cell the
    /// window no longer has is removed; a new id becomes a new cell; a cell
    /// that stays keeps its outputs, metadata and attachments (a code cell
    /// turned into markdown loses its outputs, as in Jupyter). Ids that are
    /// not valid nbformat ids are replaced.
    pub fn apply_edits(&mut self, edits: &[CellEdit]) {
        let mut old: Vec<Cell> = std::mem::take(&mut self.cells);
        let mut cells = Vec::with_capacity(edits.len());
        for edit in edits {
            let mut cell = match old.iter().position(|c| c.id == edit.id) {
                Some(i) => old.swap_remove(i),
                None => {
                    let id = if super::model::is_valid_cell_id(&edit.id)
                        && !cells.iter().any(|c: &Cell| c.id == edit.id)
                    {
                        edit.id.clone()
                    } else {
                        self.new_cell_id()
                    };
                    Cell::code(id, "")
                }
            };
            cell.set_source(&edit.source);
            let kind_now = cell.kind.name();
            if kind_now != edit.cell_type {
                cell.kind = match edit.cell_type.as_str() {
                    "markdown" => CellKind::Markdown,
                    "raw" => CellKind::Raw,
                    _ => CellKind::Code {
                        execution_count: None,
                        outputs: Vec::new(),
                    },
                };
            }
            cells.push(cell);
        }
        self.cells = cells;
    }
}

/// An output with the lists of lines nbformat allows joined into strings.
fn join_output(mut output: Map<String, Value>) -> Value {
    let join = |value: &mut Value| {
        if let Value::Array(lines) = value
            && lines.iter().all(Value::is_string)
        {
            *value = Value::String(lines.iter().filter_map(Value::as_str).collect());
        }
    };
    if let Some(text) = output.get_mut("text") {
        join(text);
    }
    if let Some(Value::Object(data)) = output.get_mut("data") {
        for (mime, value) in data.iter_mut() {
            if mime.starts_with("text/")
                || mime == "image/svg+xml"
                || mime == "application/javascript"
            {
                join(value);
            }
        }
    }
    Value::Object(output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notebook() -> Notebook {
        super::super::from_value(json!({
            "nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [
                {"id": "a", "cell_type": "code", "metadata": {"tags": ["keep"]}, "source": ["x = 1\n", "x"],
                 "execution_count": 3,
                 "outputs": [{"output_type": "stream", "name": "stdout", "text": ["a\n", "b\n"]},
                             {"output_type": "execute_result", "execution_count": 3, "metadata": {},
                              "data": {"text/plain": ["1"], "image/png": "iVBOR"}}]},
                {"id": "b", "cell_type": "markdown", "metadata": {}, "source": "# Title"}
            ]
        }))
        .unwrap()
        .notebook
    }

    #[test]
    fn views_join_text_and_keep_counts() {
        let views = notebook().cell_views();
        assert_eq!(views[0].source, "x = 1\nx");
        assert_eq!(views[0].execution_count, Some(3));
        assert_eq!(views[0].outputs[0]["text"], "a\nb\n");
        assert_eq!(views[0].outputs[1]["data"]["text/plain"], "1");
        assert_eq!(views[0].outputs[1]["data"]["image/png"], "iVBOR");
        assert_eq!(views[1].cell_type, "markdown");
        assert!(views[1].outputs.is_empty());
    }

    #[test]
    fn edits_reorder_add_remove_and_keep_what_the_window_does_not_see() {
        let mut nb = notebook();
        let edit = |id: &str, t: &str, s: &str| CellEdit {
            id: id.into(),
            cell_type: t.into(),
            source: s.into(),
        };
        nb.apply_edits(&[
            edit("b", "markdown", "# New title"),
            edit("new-1", "code", "y = 2"),
            edit("a", "code", "x = 1\nx"),
        ]);
        let ids: Vec<&str> = nb.cells.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["b", "new-1", "a"]);
        let a = nb.cell("a").unwrap();
        assert_eq!(a.metadata["tags"], json!(["keep"]));
        assert!(matches!(&a.kind, CellKind::Code { outputs, .. } if outputs.len() == 2));
        // Unchanged text keeps the form it had in the file.
        assert_eq!(a.to_value()["source"], json!(["x = 1\n", "x"]));
        nb.apply_edits(&[edit("a", "markdown", "now prose")]);
        assert_eq!(nb.cells.len(), 1);
        assert_eq!(nb.cells[0].kind, CellKind::Markdown);
        // An invalid id from the window is replaced by a valid one.
        nb.apply_edits(&[edit("not valid!", "code", "")]);
        assert!(super::super::is_valid_cell_id(&nb.cells[0].id));
    }
}
