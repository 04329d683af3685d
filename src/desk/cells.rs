//! Cells as whole things on the desk: those the window removed, kept so
//! that an undo brings them back with their outputs; the clipboard, which
//! copies cells between notebooks as JupyterLab does (outputs, metadata,
//! attachments); and clearing outputs. The window edits cells' text and
//! order; what only the core holds (outputs as the file stores them) never
//! goes through it.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::notebook::{Cell, CellEdit};

use super::error::DeskError;
use super::notebooks::{OpenNotebook, kept_names};
use super::open::{Desk, blocking};
use super::views::Saved;

/// How many removed cells a notebook keeps for undo, and how many bytes of
/// them (a removed cell with 50 MB of outputs should not hold the memory of
/// a hundred).
const SHELF_CELLS: usize = 100;
const SHELF_BYTES: usize = 256 << 20;

/// The cells a notebook's saves removed, newest last, within
/// [`SHELF_CELLS`] and [`SHELF_BYTES`].
#[derive(Default)]
pub(crate) struct Shelf {
    cells: VecDeque<(Cell, usize)>,
    bytes: usize,
}

impl Shelf {
    pub(crate) fn put(&mut self, cells: Vec<Cell>) {
        for cell in cells {
            let size = cell.to_value().to_string().len();
            if size > SHELF_BYTES {
                continue;
            }
            self.cells.retain(|(kept, _)| kept.id != cell.id);
            self.cells.push_back((cell, size));
        }
        self.bytes = self.cells.iter().map(|(_, size)| size).sum();
        while self.cells.len() > SHELF_CELLS || self.bytes > SHELF_BYTES {
            let Some((_, size)) = self.cells.pop_front() else {
                break;
            };
            self.bytes -= size;
        }
    }

    /// The removed cell `id`, taken off the shelf.
    fn take(&mut self, id: &str) -> Option<Cell> {
        let at = self.cells.iter().rposition(|(cell, _)| cell.id == id)?;
        let (cell, size) = self.cells.remove(at)?;
        self.bytes -= size;
        Some(cell)
    }

    fn find(&self, id: &str) -> Option<&Cell> {
        self.cells.iter().rev().map(|(c, _)| c).find(|c| c.id == id)
    }
}

impl Desk {
    /// Copies the cells `ids` of the notebook `path` to the desk's
    /// clipboard, whole; a pasted cell names one with
    /// [`CellEdit::copy_of`]. Returns how many were copied.
    pub async fn copy_cells(&self, path: &str, ids: &[String]) -> Result<usize, DeskError> {
        let open = self.open_notebook_of(path)?;
        let file = open.file.lock().expect("file lock");
        let copied: Vec<Cell> = ids
            .iter()
            .filter_map(|id| file.notebook().cell(id).cloned())
            .collect();
        let count = copied.len();
        *self.inner.clipboard.lock().expect("clipboard lock") = copied;
        Ok(count)
    }

    /// Clears the outputs, counts and run times of the cells `ids` of the
    /// notebook `path`, and saves it.
    pub async fn clear_outputs(&self, path: &str, ids: Vec<String>) -> Result<Saved, DeskError> {
        let open = self.open_notebook_of(path)?;
        let saving = open.clone();
        let outcome = blocking(move || {
            for id in &ids {
                saving.keep_displays(id, &[]);
            }
            let mut file = saving.file.lock().expect("file lock");
            file.notebook_mut().clear_outputs(&ids);
            let outcome = file.save()?;
            Ok(kept_names(&outcome, &file))
        })
        .await?;
        if let Some((replaced, kept)) = outcome {
            self.kept_aside(&open, &replaced, &kept);
        }
        Ok(Saved {
            saved_at: super::notebooks::rfc3339((self.inner.clock)()),
        })
    }

    /// The window's cells applied to the notebook `open`: a cell the window
    /// brought back comes off its shelf whole, a pasted one copies what it
    /// names, and the cells removed go on the shelf.
    pub(crate) fn apply_cells(&self, open: &Arc<OpenNotebook>, edits: &[CellEdit]) {
        let clipboard = self.inner.clipboard.lock().expect("clipboard lock").clone();
        let mut file = open.file.lock().expect("file lock");
        let mut shelf = open.shelf.lock().expect("shelf lock");
        let here: Vec<Cell> = file.notebook().cells.clone();
        let removed = file
            .notebook_mut()
            .apply_edits_with(edits, |edit| match &edit.copy_of {
                Some(original) => clipboard
                    .iter()
                    .find(|c| &c.id == original)
                    .or_else(|| here.iter().find(|c| &c.id == original))
                    .or_else(|| shelf.find(original))
                    .cloned(),
                None => shelf.take(&edit.id),
            });
        shelf.put(removed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(id: &str, bytes: usize) -> Cell {
        Cell::code(id.to_string(), &"x".repeat(bytes))
    }

    #[test]
    fn the_shelf_keeps_the_newest_within_its_bounds() {
        let mut shelf = Shelf::default();
        shelf.put(
            (0..SHELF_CELLS + 5)
                .map(|i| cell(&format!("c{i}"), 10))
                .collect(),
        );
        assert_eq!(shelf.cells.len(), SHELF_CELLS);
        assert!(shelf.find("c0").is_none());
        assert!(shelf.find(&format!("c{}", SHELF_CELLS + 4)).is_some());
        assert_eq!(shelf.take("c7").unwrap().id, "c7");
        assert!(shelf.find("c7").is_none());

        let mut shelf = Shelf::default();
        shelf.put(vec![
            cell("big", SHELF_BYTES / 2),
            cell("bigger", SHELF_BYTES / 2),
        ]);
        assert!(
            shelf.find("big").is_none(),
            "over the bytes: the oldest goes"
        );
        assert!(shelf.find("bigger").is_some());
        shelf.put(vec![cell("huge", SHELF_BYTES + 1)]);
        assert!(shelf.find("huge").is_none(), "never kept");
        assert_eq!(
            shelf.bytes,
            shelf.cells.iter().map(|(_, s)| s).sum::<usize>()
        );
    }
}
