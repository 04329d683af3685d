//! The notebook as the window edits it: cells with their text as one string
//! and their outputs as the window can show them, and the edits the window
//! sends back.
//! Outputs stay the core's: the window changes cells' text, type and order.

use serde::{Deserialize, Serialize};

use super::limits::OutputLimits;
use super::lines::joined_text;
use super::model::{Cell, CellKind, Notebook};
use super::output::Output;
use super::stored::stored_outputs;
use super::times::RunTimes;

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
    /// When its last run started and ended (`metadata.execution`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub times: Option<RunTimes>,
    /// A markdown cell's attached images (`![](attachment:NAME)`): name →
    /// MIME type → base64, images only, within [`ATTACHMENTS_LIMIT`].
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "ts",
        ts(optional, type = "Record<string, Record<string, string>>")
    )]
    pub attachments: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The most bytes of attachments a cell shows (a cell's outputs are kept
/// within 50 MB; its pictures within as much).
pub const ATTACHMENTS_LIMIT: usize = 50_000_000;

/// The images among a cell's attachments, as the window shows them: string
/// data of `image/*` types only, up to [`ATTACHMENTS_LIMIT`] bytes in all.
fn shown_attachments(
    attachments: &serde_json::Map<String, serde_json::Value>,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut left = ATTACHMENTS_LIMIT;
    let mut shown = serde_json::Map::new();
    for (name, bundle) in attachments {
        let Some(bundle) = bundle.as_object() else {
            continue;
        };
        let mut images = serde_json::Map::new();
        for (mime, data) in bundle {
            let Some(data) = joined_text(data) else {
                continue;
            };
            if mime.starts_with("image/") && data.len() <= left {
                left -= data.len();
                images.insert(mime.clone(), data.into());
            }
        }
        if !images.is_empty() {
            shown.insert(name.clone(), images.into());
        }
    }
    (!shown.is_empty()).then_some(shown)
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
    /// For a new cell pasted from another: the id of the cell it copies
    /// (in the desk's clipboard, or this notebook), whose outputs, metadata
    /// and attachments it takes.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub copy_of: Option<String>,
    /// Images pasted or dropped into a markdown cell in the window, added
    /// to its attachments (name → MIME type → base64, as nbformat keeps
    /// them) when they are images within the attachments' limit.
    #[serde(default)]
    #[cfg_attr(
        feature = "ts",
        ts(optional, type = "Record<string, Record<string, string>>")
    )]
    pub attachments: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Adds the images `added` to a markdown cell's attachments: a name of 1 to
/// 255 characters without control characters or `/`, base64 data of an
/// image type, and all the cell's attachments within [`ATTACHMENTS_LIMIT`]
/// bytes; anything else is left out. A name it has already is replaced.
fn attach(cell: &mut Cell, added: &serde_json::Map<String, serde_json::Value>) {
    const IMAGES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
    let size = |bundle: &serde_json::Value| -> usize {
        bundle
            .as_object()
            .map(|b| b.values().filter_map(joined_text).map(|d| d.len()).sum())
            .unwrap_or(0)
    };
    let attachments = cell.attachments.get_or_insert_with(serde_json::Map::new);
    for (name, bundle) in added {
        let good_name = !name.is_empty()
            && name.chars().count() <= 255
            && !name
                .chars()
                .any(|c| c.is_control() || c == '/' || c == '\\');
        let Some((mime, data)) = bundle.as_object().and_then(|b| {
            b.iter().find_map(|(mime, data)| {
                let data = data.as_str()?;
                let base64 = data
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=\n".contains(&b));
                (IMAGES.contains(&mime.as_str()) && base64 && !data.is_empty())
                    .then(|| (mime.clone(), data.to_owned()))
            })
        }) else {
            continue;
        };
        let others: usize = attachments
            .iter()
            .filter(|(n, _)| *n != name)
            .map(|(_, b)| size(b))
            .sum();
        if !good_name || others + data.len() > ATTACHMENTS_LIMIT {
            continue;
        }
        let mut image = serde_json::Map::new();
        image.insert(mime, data.into());
        attachments.insert(name.clone(), image.into());
    }
    if attachments.is_empty() {
        cell.attachments = None;
    }
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
                    times: match cell.kind {
                        CellKind::Code { .. } => RunTimes::from_metadata(&cell.metadata),
                        _ => None,
                    },
                    attachments: cell.attachments.as_ref().and_then(shown_attachments),
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
        self.apply_edits_with(edits, |_| None);
    }

    /// [`Notebook::apply_edits`], where a new id takes the cell `known`
    /// gives for its edit (a cell removed earlier and brought back, or the
    /// cell it is a copy of) with its outputs, metadata and attachments.
    /// Returns the cells removed.
    pub fn apply_edits_with(
        &mut self,
        edits: &[CellEdit],
        mut known: impl FnMut(&CellEdit) -> Option<Cell>,
    ) -> Vec<Cell> {
        let mut old: Vec<Cell> = std::mem::take(&mut self.cells);
        let mut cells: Vec<Cell> = Vec::with_capacity(edits.len());
        for edit in edits {
            let mut cell = match old.iter().position(|c| c.id == edit.id) {
                Some(i) => old.swap_remove(i),
                None => {
                    let taken = |id: &str| {
                        cells.iter().chain(&old).any(|c| c.id == id)
                            || edits.iter().any(|e| e.id == id && !std::ptr::eq(e, edit))
                    };
                    let id = if super::model::is_valid_cell_id(&edit.id) && !taken(&edit.id) {
                        edit.id.clone()
                    } else {
                        loop {
                            let id = super::model::random_cell_id();
                            if !taken(&id) {
                                break id;
                            }
                        }
                    };
                    let mut cell = known(edit).unwrap_or_else(|| Cell::code(String::new(), ""));
                    cell.id = id;
                    cell
                }
            };
            cell.set_source(&edit.source);
            if let (Some(added), "markdown") = (&edit.attachments, edit.cell_type.as_str()) {
                attach(&mut cell, added);
            }
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
                if edit.cell_type != "code" {
                    RunTimes::write(None, &mut cell.metadata);
                }
            }
            cells.push(cell);
        }
        self.cells = cells;
        old
    }

    /// Clears the outputs, run count and run times of the code cells
    /// `ids`, as JupyterLab's "Clear Outputs" does. Returns how many it
    /// cleared.
    pub fn clear_outputs(&mut self, ids: &[String]) -> usize {
        let mut cleared = 0;
        for cell in self.cells.iter_mut().filter(|c| ids.contains(&c.id)) {
            if let CellKind::Code { .. } = cell.kind {
                cell.set_nbformat_outputs(Vec::new(), None);
                RunTimes::write(None, &mut cell.metadata);
                cleared += 1;
            }
        }
        cleared
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

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

    fn edit(id: &str, t: &str, s: &str) -> CellEdit {
        CellEdit {
            id: id.into(),
            cell_type: t.into(),
            source: s.into(),
            copy_of: None,
            attachments: None,
        }
    }

    #[test]
    fn images_pasted_into_a_markdown_cell_become_its_attachments() {
        let mut nb = notebook();
        let pasted = json!({
            "image.png": {"image/png": "iVBORw0KGgo="},
            "../evil.png": {"image/png": "iVBORw0KGgo="},
            "page.html": {"text/html": "<script>alert(1)</script>"},
            "bad.png": {"image/png": "not base64!"},
            "big.png": {"image/png": "A".repeat(ATTACHMENTS_LIMIT + 1)},
        });
        let with = CellEdit {
            attachments: pasted.as_object().cloned(),
            ..edit("b", "markdown", "![image.png](attachment:image.png)")
        };
        nb.apply_edits(&[edit("a", "code", "x = 1\nx"), with]);
        let kept = nb.cell("b").unwrap().attachments.clone().unwrap();
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["image.png"]);
        assert_eq!(kept["image.png"], json!({"image/png": "iVBORw0KGgo="}));
        // Saved again without: kept. A code cell takes none.
        nb.apply_edits(&[
            edit("a", "code", "x"),
            edit("b", "markdown", "![image.png](attachment:image.png)"),
        ]);
        assert!(nb.cell("b").unwrap().attachments.is_some());
        let code = CellEdit {
            attachments: pasted.as_object().cloned(),
            ..edit("a", "code", "x")
        };
        nb.apply_edits(&[code, edit("b", "markdown", "")]);
        assert_eq!(nb.cell("a").unwrap().attachments, None);
    }

    #[test]
    fn removed_cells_come_back_whole_and_copies_take_the_outputs_they_copy() {
        let mut nb = notebook();
        let removed = nb.apply_edits_with(&[edit("b", "markdown", "# Title")], |_| None);
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].id, "a");
        // Brought back (undo): outputs, metadata and all.
        let back = removed[0].clone();
        nb.apply_edits_with(
            &[
                edit("a", "code", "x = 1\nx"),
                edit("b", "markdown", "# Title"),
            ],
            |e| (e.id == "a").then(|| back.clone()),
        );
        assert_eq!(nb.cell("a").unwrap(), &back);
        // A copy: a new id, its own text, the outputs and tags of the original.
        let original = nb.cell("a").unwrap().clone();
        let copy = CellEdit {
            copy_of: Some("a".into()),
            ..edit("a2", "code", "x = 1\nx")
        };
        nb.apply_edits_with(
            &[
                edit("a", "code", "x = 1\nx"),
                copy,
                edit("b", "markdown", "# Title"),
            ],
            |e| (e.copy_of.as_deref() == Some("a")).then(|| original.clone()),
        );
        let a2 = nb.cell("a2").unwrap();
        assert_eq!(a2.kind, original.kind);
        assert_eq!(a2.metadata["tags"], json!(["keep"]));
    }

    #[test]
    fn a_markdown_cells_attached_images_are_shown_and_nothing_else() {
        let nb = super::super::from_value(json!({
            "nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"id": "m", "cell_type": "markdown", "metadata": {},
                       "source": "![plot](attachment:plot.png)",
                       "attachments": {
                           "plot.png": {"image/png": ["iVBO", "Rw0K"]},
                           "notes.txt": {"text/plain": "not an image"},
                           "odd": "not a bundle"
                       }}]
        }))
        .unwrap()
        .notebook;
        let views = nb.cell_views();
        assert_eq!(
            serde_json::to_value(&views[0].attachments).unwrap(),
            json!({"plot.png": {"image/png": "iVBORw0K"}})
        );
        let huge = "A".repeat(ATTACHMENTS_LIMIT + 1);
        let mut big = Map::new();
        big.insert("big.png".into(), json!({"image/png": huge}));
        assert_eq!(shown_attachments(&big), None);
    }

    #[test]
    fn clearing_outputs_takes_the_count_and_times_too() {
        let mut nb = notebook();
        let mut times = Map::new();
        RunTimes::write(
            Some(&RunTimes {
                started: "2026-11-28T10:00:00.000Z".into(),
                ended: None,
            }),
            &mut times,
        );
        nb.cell_mut("a").unwrap().metadata.extend(times);
        assert!(nb.cell_views()[0].times.is_some());
        assert_eq!(nb.clear_outputs(&["a".into(), "b".into()]), 1);
        let a = nb.cell("a").unwrap();
        assert_eq!(
            a.kind,
            CellKind::Code {
                execution_count: None,
                outputs: vec![]
            }
        );
        assert_eq!(Value::Object(a.metadata.clone()), json!({"tags": ["keep"]}));
        assert_eq!(nb.cell_views()[0].times, None);
    }

    #[test]
    fn edits_reorder_add_remove_and_keep_what_the_window_does_not_see() {
        let mut nb = notebook();
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
