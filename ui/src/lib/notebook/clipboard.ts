// Cells cut or copied (X, C), for a paste (V, Shift+V) in this notebook or
// another: one clipboard for the window, as JupyterLab has. The cells are
// kept as they were when copied; the shell keeps them whole too (their
// outputs as the file has them), for the pasted cells' first save.

/** What was copied: the cells, and the notebook they came from. */
export interface Copied<Cell> {
  path: string;
  cells: Cell[];
}

let copied: Copied<unknown> | null = null;

export function copyCells<Cell>(path: string, cells: Cell[]): void {
  copied = { path, cells };
}

export function copiedCells<Cell>(): Copied<Cell> | null {
  return copied as Copied<Cell> | null;
}
