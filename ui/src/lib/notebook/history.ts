// Undo and redo of cell operations (Z, Shift+Z): insert, delete, cut,
// paste, move, merge, split, change of type. Each operation records the
// notebook's cell list as it was; cells are kept as they are (their outputs
// with them), so undoing a delete brings the cell back as it was, and the
// shell gives it back its outputs from the cells it removed. Typing has its
// own undo in each editor, as in JupyterLab.

import type { CellType } from '../types';

/** The notebook's cells at one moment: the cells themselves, their types, the selection. */
export interface Snapshot<Cell> {
  cells: Cell[];
  types: CellType[];
  selected: number;
  anchor: number;
}

/** How many operations can be undone. */
export const HISTORY_LIMIT = 100;

export class CellHistory<Cell> {
  #undo: Snapshot<Cell>[] = [];
  #redo: Snapshot<Cell>[] = [];

  /** An operation is about to change the cells, which are `before`. */
  record(before: Snapshot<Cell>): void {
    this.#undo.push(before);
    if (this.#undo.length > HISTORY_LIMIT) this.#undo.shift();
    this.#redo = [];
  }

  /** The cells to go back to, given the cells `now`; null when there is nothing to undo. */
  undo(now: Snapshot<Cell>): Snapshot<Cell> | null {
    const before = this.#undo.pop();
    if (!before) return null;
    this.#redo.push(now);
    return before;
  }

  /** The cells to go forward to again; null when there is nothing to redo. */
  redo(now: Snapshot<Cell>): Snapshot<Cell> | null {
    const after = this.#redo.pop();
    if (!after) return null;
    this.#undo.push(now);
    return after;
  }

  /** Forgets everything (the notebook was reloaded from disk). */
  clear(): void {
    this.#undo = [];
    this.#redo = [];
  }
}
