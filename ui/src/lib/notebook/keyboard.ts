// Jupyter's keyboard model as a pure state machine: command mode (keys act on
// cells) and edit mode (keys go to the cell's editor, but for running and
// leaving). The notebook feeds it key presses and performs the actions it
// returns, in order; nothing here touches the DOM. The keys are
// JupyterLab 4's.
//
// Command mode: Enter edits; Shift+Enter runs and selects the next cell
// (making one after the last); Ctrl+Enter runs in place; Alt+Enter runs and
// inserts a cell below; A and B insert above and below; D D deletes; M, Y, R
// make the cell markdown, code, raw; Up/K and Down/J move the selection,
// Shift with them extends it; X, C, V, Shift+V cut, copy, paste below and
// above; Z and Shift+Z undo and redo cell operations; Shift+M merges;
// Ctrl+Shift+Up/Down move the selected cells; L (Shift+L: every cell)
// toggles line numbers; I I interrupts; 0 0 restarts; H shows the keys.
// Edit mode: Escape goes to command mode; Shift/Ctrl/Alt+Enter as above; Up
// on the top line and Down on the bottom line edit the cell above or below.
// Both: Ctrl+S saves, Ctrl+F finds, Ctrl+H finds and replaces, Ctrl+P prints.

import type { CellType } from '../types';

export type Mode = 'command' | 'edit';

export interface KeyboardState {
  mode: Mode;
  /** The selected cell's index: the one keys act on, and one end of the selection. */
  selected: number;
  /** The other end of the selection (Shift+Up/Down, Shift+click); `selected` when one cell is selected. */
  anchor: number;
  /** The first key of a chord (D D, I I, 0 0) and when it was pressed, if it was the last key. */
  pending: { key: string; at: number } | null;
}

/** A key press, as KeyboardEvent gives it, with the time it happened (ms). */
export interface KeyPress {
  key: string;
  shift?: boolean;
  ctrl?: boolean;
  alt?: boolean;
  meta?: boolean;
  at?: number;
  /** For arrows in an editor: the cursor cannot go further that way (top line, bottom line). */
  edge?: boolean;
}

/** Cells `from` to `to`, both included, as the selection is when the key is pressed. */
export interface Range {
  from: number;
  to: number;
}

/** What the notebook does, in order. Indices are as the list is when the action runs. */
export type CellAction =
  | { type: 'select'; index: number }
  | { type: 'edit'; index: number }
  | { type: 'leaveEdit'; index: number }
  | { type: 'insert'; index: number; cellType: CellType }
  | { type: 'delete'; range: Range }
  | { type: 'setType'; range: Range; cellType: CellType }
  | { type: 'run'; index: number }
  | { type: 'cut'; range: Range }
  | { type: 'copy'; range: Range }
  | { type: 'paste'; index: number }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'merge'; range: Range }
  | { type: 'move'; range: Range; by: -1 | 1 }
  | { type: 'lineNumbers'; range: Range | 'all' }
  | { type: 'interrupt' }
  | { type: 'restart' }
  | { type: 'save' }
  | { type: 'find'; replace: boolean }
  | { type: 'shortcuts' }
  | { type: 'print' };

export interface KeyResult {
  state: KeyboardState;
  actions: CellAction[];
  /** Whether the key was the notebook's (the event's default is then prevented). */
  handled: boolean;
}

/** The second key of a chord (D D, I I, 0 0) must come within this long of the first. */
export const CHORD_MS = 1000;

export function initialKeyboard(): KeyboardState {
  return { mode: 'command', selected: 0, anchor: 0, pending: null };
}

/** The selected cells. */
export function selection(state: KeyboardState): Range {
  return { from: Math.min(state.selected, state.anchor), to: Math.max(state.selected, state.anchor) };
}

const ignored = (state: KeyboardState): KeyResult => ({
  state: state.pending === null ? state : { ...state, pending: null },
  actions: [],
  handled: false,
});

const done = (state: KeyboardState, actions: CellAction[]): KeyResult => ({
  state: { ...state, pending: null },
  actions,
  handled: true,
});

/** One cell selected: `index`. */
const only = (state: KeyboardState, index: number): KeyboardState => ({ ...state, selected: index, anchor: index });

/** Running the selected cell with Shift+Enter, Ctrl+Enter or Alt+Enter; null for other keys. */
function runKey(state: KeyboardState, key: KeyPress, count: number): KeyResult | null {
  if (key.key !== 'Enter') return null;
  const at = state.selected;
  if (key.shift && !key.ctrl && !key.alt && !key.meta) {
    if (at >= count - 1) {
      return done({ ...only(state, at + 1), mode: 'edit' }, [
        { type: 'run', index: at },
        { type: 'insert', index: at + 1, cellType: 'code' },
        { type: 'edit', index: at + 1 },
      ]);
    }
    const leave: CellAction[] = state.mode === 'edit' ? [{ type: 'leaveEdit', index: at }] : [];
    return done({ ...only(state, at + 1), mode: 'command' }, [
      { type: 'run', index: at },
      ...leave,
      { type: 'select', index: at + 1 },
    ]);
  }
  if ((key.ctrl || key.meta) && !key.shift && !key.alt) {
    const leave: CellAction[] = state.mode === 'edit' ? [{ type: 'leaveEdit', index: at }] : [];
    return done({ ...only(state, at), mode: 'command' }, [{ type: 'run', index: at }, ...leave]);
  }
  if (key.alt && !key.shift && !key.ctrl && !key.meta) {
    return done({ ...only(state, at + 1), mode: 'edit' }, [
      { type: 'run', index: at },
      { type: 'insert', index: at + 1, cellType: 'code' },
      { type: 'edit', index: at + 1 },
    ]);
  }
  return null;
}

/** Keys that act the same in both modes: Ctrl+S, Ctrl+F, Ctrl+H. */
function anyModeKey(state: KeyboardState, key: KeyPress): KeyResult | null {
  if (!(key.ctrl || key.meta) || key.alt || key.shift) return null;
  switch (key.key.toLowerCase()) {
    case 's':
      return done(state, [{ type: 'save' }]);
    case 'f':
      return done(state, [{ type: 'find', replace: false }]);
    case 'h':
      return done(state, [{ type: 'find', replace: true }]);
    case 'p':
      return done(state, [{ type: 'print' }]);
  }
  return null;
}

/** The second key of a chord, or the first (remembered); `actions` run on the second. */
function chord(state: KeyboardState, key: KeyPress, actions: () => CellAction[]): KeyResult {
  const now = key.at ?? 0;
  const name = key.key.toLowerCase();
  const first = state.pending;
  if (first === null || first.key !== name || now - first.at > CHORD_MS) {
    return { state: { ...state, pending: { key: name, at: now } }, actions: [], handled: true };
  }
  return done(state, actions());
}

/** A key pressed in command mode, with `count` cells in the notebook. */
export function commandKey(state: KeyboardState, key: KeyPress, count: number): KeyResult {
  const run = runKey(state, key, count);
  if (run) return run;
  const always = anyModeKey(state, key);
  if (always) return always;
  const last = Math.max(0, count - 1);
  const at = Math.min(state.selected, last);
  const range = selection({ ...state, selected: at, anchor: Math.min(state.anchor, last) });
  const arrow = key.key === 'ArrowUp' || key.key === 'ArrowDown';
  if ((key.ctrl || key.meta) && key.shift && !key.alt && arrow) {
    return done(state, [{ type: 'move', range, by: key.key === 'ArrowUp' ? -1 : 1 }]);
  }
  if (key.ctrl || key.meta || key.alt) return ignored(state);
  if (key.key === 'Enter' && !key.shift) {
    return done({ ...only(state, at), mode: 'edit' }, [{ type: 'edit', index: at }]);
  }
  const up = key.key === 'ArrowUp' || key.key.toLowerCase() === 'k';
  const down = key.key === 'ArrowDown' || key.key.toLowerCase() === 'j';
  if (up || down) {
    const index = up ? Math.max(0, at - 1) : Math.min(last, at + 1);
    // Shift extends the selection, as in JupyterLab; without it, one cell.
    const next = key.shift ? { ...state, selected: index } : only(state, index);
    return done(next, [{ type: 'select', index }]);
  }
  if (key.shift) {
    switch (key.key.toLowerCase()) {
      case 'v':
        return done(state, [{ type: 'paste', index: range.from }]);
      case 'z':
        return done(state, [{ type: 'redo' }]);
      case 'm':
        return done(state, [{ type: 'merge', range }]);
      case 'l':
        return done(state, [{ type: 'lineNumbers', range: 'all' }]);
    }
    return ignored(state);
  }
  switch (key.key.toLowerCase()) {
    case 'a':
      return done(only(state, range.from), [
        { type: 'insert', index: range.from, cellType: 'code' },
        { type: 'select', index: range.from },
      ]);
    case 'b':
      return done(only(state, range.to + 1), [
        { type: 'insert', index: range.to + 1, cellType: 'code' },
        { type: 'select', index: range.to + 1 },
      ]);
    case 'm':
      return done(state, [{ type: 'setType', range, cellType: 'markdown' }]);
    case 'y':
      return done(state, [{ type: 'setType', range, cellType: 'code' }]);
    case 'r':
      return done(state, [{ type: 'setType', range, cellType: 'raw' }]);
    case 'x':
      return done(state, [{ type: 'cut', range }]);
    case 'c':
      return done(state, [{ type: 'copy', range }]);
    case 'v':
      return done(state, [{ type: 'paste', index: range.to + 1 }]);
    case 'z':
      return done(state, [{ type: 'undo' }]);
    case 'l':
      return done(state, [{ type: 'lineNumbers', range }]);
    case 'h':
      return done(state, [{ type: 'shortcuts' }]);
    case 'd':
      return chord(state, key, () => [{ type: 'delete', range }]);
    case 'i':
      return chord(state, key, () => [{ type: 'interrupt' }]);
    case '0':
      return chord(state, key, () => [{ type: 'restart' }]);
  }
  return ignored(state);
}

/** A key pressed in a cell's editor: only running, leaving, saving and finding are the notebook's. */
export function editKey(state: KeyboardState, key: KeyPress, count: number): KeyResult {
  const run = runKey(state, key, count);
  if (run) return run;
  const always = anyModeKey(state, key);
  if (always) return always;
  const plain = !key.shift && !key.ctrl && !key.alt && !key.meta;
  if (key.key === 'Escape' && plain) {
    return done({ ...only(state, state.selected), mode: 'command' }, [{ type: 'leaveEdit', index: state.selected }]);
  }
  if (key.edge && plain && (key.key === 'ArrowUp' || key.key === 'ArrowDown')) {
    const index = state.selected + (key.key === 'ArrowUp' ? -1 : 1);
    if (index < 0 || index >= count) return ignored(state);
    return done({ ...only(state, index), mode: 'edit' }, [{ type: 'edit', index }]);
  }
  return ignored(state);
}

/** A cell clicked or its editor focused; with `extend` (Shift+click), the selection grows to it. */
export function focusCell(index: number, mode: Mode, from?: KeyboardState, extend = false): KeyboardState {
  const anchor = extend && from && mode === 'command' ? from.anchor : index;
  return { mode, selected: index, anchor, pending: null };
}

/** The keys, for the shortcut sheet (H): what each does, in JupyterLab's words. */
export const SHORTCUTS: ReadonlyArray<{ keys: string; does: string; mode: 'command' | 'edit' | 'both' }> = [
  { keys: 'Shift+Enter', does: 'Run the cell and select the next', mode: 'both' },
  { keys: 'Ctrl+Enter', does: 'Run the cell', mode: 'both' },
  { keys: 'Alt+Enter', does: 'Run the cell and insert one below', mode: 'both' },
  { keys: 'Enter', does: 'Edit the cell', mode: 'command' },
  { keys: 'Escape', does: 'Leave the editor (command mode)', mode: 'edit' },
  { keys: 'Up, K / Down, J', does: 'Select the cell above / below', mode: 'command' },
  { keys: 'Shift+Up / Shift+Down', does: 'Extend the selection', mode: 'command' },
  { keys: 'A / B', does: 'Insert a cell above / below', mode: 'command' },
  { keys: 'D D', does: 'Delete the selected cells', mode: 'command' },
  { keys: 'X / C', does: 'Cut / copy the selected cells', mode: 'command' },
  { keys: 'V / Shift+V', does: 'Paste cells below / above', mode: 'command' },
  { keys: 'Z / Shift+Z', does: 'Undo / redo a cell operation', mode: 'command' },
  { keys: 'Shift+M', does: 'Merge the selected cells (or with the one below)', mode: 'command' },
  { keys: 'Ctrl+Shift+- ', does: 'Split the cell at the cursor', mode: 'edit' },
  { keys: 'Ctrl+Shift+Up / Down', does: 'Move the selected cells up / down', mode: 'command' },
  { keys: 'M / Y / R', does: 'Make the cells markdown / code / raw', mode: 'command' },
  { keys: 'L / Shift+L', does: 'Toggle line numbers (every cell with Shift)', mode: 'command' },
  { keys: 'I I', does: 'Interrupt the kernel', mode: 'command' },
  { keys: '0 0', does: 'Restart the kernel', mode: 'command' },
  { keys: 'Shift+Tab', does: 'Help on the name at the cursor (again: all of it)', mode: 'edit' },
  { keys: 'Tab', does: 'Complete', mode: 'edit' },
  { keys: 'Ctrl+S', does: 'Save now', mode: 'both' },
  { keys: 'Ctrl+F / Ctrl+H', does: 'Find / find and replace in the notebook', mode: 'both' },
  { keys: 'Ctrl+P', does: 'Print the notebook', mode: 'both' },
  { keys: 'H', does: 'Show these keys', mode: 'command' },
];
