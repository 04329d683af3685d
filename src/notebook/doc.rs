//! The notebook as the window edits it: cells with their text as one string
//! and their outputs as the window can show them, and the edits the window
//! sends back.
//! Outputs stay the core's: the window changes cells' text, type and order.

use serde::{Deserialize, Serialize};

use super::limits::OutputLimits;
use super::model::{Cell, CellKind, Notebook};
use super::output::Output;
use super::stored::stored_outputs;

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
    /// The stored outputs as the window can show them, within the limits
    /// a run's outputs are kept in ([`super::stored_outputs`]).
    pub outputs: Vec<Output>,
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
    /// The cells as the window shows them, their outputs within the limits
    /// the desk keeps a run's outputs in ([`OutputLimits::default`]).
    pub fn cell_views(&self) -> Vec<CellView> {
        self.cell_views_within(&OutputLimits::default())
    }

    /// The cells as the window shows them, their outputs within `limits`.
    pub fn cell_views_within(&self, limits: &OutputLimits) -> Vec<CellView> {
        self.cells
            .iter()
            .map(|cell| {
                let (outputs, execution_count) = match &cell.kind {
                    CellKind::Code {
                        execution_count,
                        outputs,
                    } => (stored_outputs(outputs, limits), *execution_count),
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
        let outputs = serde_json::to_value(&views[0].outputs).unwrap();
        assert_eq!(outputs[0]["text"], "a\nb\n");
        assert_eq!(outputs[1]["data"]["text/plain"], "1");
        assert_eq!(outputs[1]["data"]["image/png"], "iVBOR");
        assert_eq!(outputs[1]["execution_count"], 3);
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
