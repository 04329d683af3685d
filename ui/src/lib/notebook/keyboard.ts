// Jupyter's keyboard model as a pure state machine: command mode (keys act on
// cells) and edit mode (keys go to the cell's editor, but for running and
// leaving). The notebook feeds it key presses and performs the actions it
// returns, in order; nothing here touches the DOM.
//
// Command mode: Enter edits; Shift+Enter runs and selects the next cell
// (making one after the last); Ctrl+Enter runs in place; Alt+Enter runs and
// inserts a cell below; A and B insert above and below; D D deletes; M, Y, R
// make the cell markdown, code, raw; Up/K and Down/J move the selection.
// Edit mode: Escape goes to command mode; Shift/Ctrl/Alt+Enter as above; Up
// on the top line and Down on the bottom line edit the cell above or below.

import type { CellType } from '../types';

export type Mode = 'command' | 'edit';

export interface KeyboardState {
  mode: Mode;
  /** The selected cell's index. */
  selected: number;
  /** When the first D of a D D was pressed, if it was the last key. */
  pendingDelete: number | null;
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

/** What the notebook does, in order. Indices are as the list is when the action runs. */
export type CellAction =
  | { type: 'select'; index: number }
  | { type: 'edit'; index: number }
  | { type: 'leaveEdit'; index: number }
  | { type: 'insert'; index: number; cellType: CellType }
  | { type: 'delete'; index: number }
  | { type: 'setType'; index: number; cellType: CellType }
  | { type: 'run'; index: number };

export interface KeyResult {
  state: KeyboardState;
  actions: CellAction[];
  /** Whether the key was the notebook's (the event's default is then prevented). */
  handled: boolean;
}

/** The second D must come within this long of the first. */
export const DELETE_CHORD_MS = 1000;

export function initialKeyboard(): KeyboardState {
  return { mode: 'command', selected: 0, pendingDelete: null };
}

const ignored = (state: KeyboardState): KeyResult => ({
  state: state.pendingDelete === null ? state : { ...state, pendingDelete: null },
  actions: [],
  handled: false,
});

const done = (state: KeyboardState, actions: CellAction[]): KeyResult => ({
  state: { ...state, pendingDelete: null },
  actions,
  handled: true,
});

/** Running the selected cell with Shift+Enter, Ctrl+Enter or Alt+Enter; null for other keys. */
function runKey(state: KeyboardState, key: KeyPress, count: number): KeyResult | null {
  if (key.key !== 'Enter') return null;
  const at = state.selected;
  if (key.shift && !key.ctrl && !key.alt && !key.meta) {
    if (at >= count - 1) {
      return done({ ...state, selected: at + 1, mode: 'edit' }, [
        { type: 'run', index: at },
        { type: 'insert', index: at + 1, cellType: 'code' },
        { type: 'edit', index: at + 1 },
      ]);
    }
    const leave: CellAction[] = state.mode === 'edit' ? [{ type: 'leaveEdit', index: at }] : [];
    return done({ ...state, selected: at + 1, mode: 'command' }, [
      { type: 'run', index: at },
      ...leave,
      { type: 'select', index: at + 1 },
    ]);
  }
  if ((key.ctrl || key.meta) && !key.shift && !key.alt) {
    const leave: CellAction[] = state.mode === 'edit' ? [{ type: 'leaveEdit', index: at }] : [];
    return done({ ...state, mode: 'command' }, [{ type: 'run', index: at }, ...leave]);
  }
  if (key.alt && !key.shift && !key.ctrl && !key.meta) {
    return done({ ...state, selected: at + 1, mode: 'edit' }, [
      { type: 'run', index: at },
      { type: 'insert', index: at + 1, cellType: 'code' },
      { type: 'edit', index: at + 1 },
    ]);
  }
  return null;
}

/** A key pressed in command mode, with `count` cells in the notebook. */
export function commandKey(state: KeyboardState, key: KeyPress, count: number): KeyResult {
  const run = runKey(state, key, count);
  if (run) return run;
  const at = Math.min(state.selected, Math.max(0, count - 1));
  if (key.ctrl || key.meta || key.alt) return ignored(state);
  if (key.key === 'Enter' && !key.shift) {
    return done({ ...state, selected: at, mode: 'edit' }, [{ type: 'edit', index: at }]);
  }
  if (key.key === 'ArrowUp' || (key.key.toLowerCase() === 'k' && !key.shift)) {
    const index = Math.max(0, at - 1);
    return done({ ...state, selected: index }, [{ type: 'select', index }]);
  }
  if (key.key === 'ArrowDown' || (key.key.toLowerCase() === 'j' && !key.shift)) {
    const index = Math.min(Math.max(0, count - 1), at + 1);
    return done({ ...state, selected: index }, [{ type: 'select', index }]);
  }
  if (key.shift) return ignored(state);
  switch (key.key.toLowerCase()) {
    case 'a':
      return done({ ...state, selected: at }, [
        { type: 'insert', index: at, cellType: 'code' },
        { type: 'select', index: at },
      ]);
    case 'b':
      return done({ ...state, selected: at + 1 }, [
        { type: 'insert', index: at + 1, cellType: 'code' },
        { type: 'select', index: at + 1 },
      ]);
    case 'm':
      return done(state, [{ type: 'setType', index: at, cellType: 'markdown' }]);
    case 'y':
      return done(state, [{ type: 'setType', index: at, cellType: 'code' }]);
    case 'r':
      return done(state, [{ type: 'setType', index: at, cellType: 'raw' }]);
    case 'd': {
      const now = key.at ?? 0;
      if (state.pendingDelete === null || now - state.pendingDelete > DELETE_CHORD_MS) {
        return { state: { ...state, pendingDelete: now }, actions: [], handled: true };
      }
      if (count <= 1) {
        // A notebook keeps one cell: the last one is replaced by an empty one.
        return done({ ...state, selected: 0 }, [
          { type: 'delete', index: 0 },
          { type: 'insert', index: 0, cellType: 'code' },
          { type: 'select', index: 0 },
        ]);
      }
      const index = Math.min(at, count - 2);
      return done({ ...state, selected: index }, [
        { type: 'delete', index: at },
        { type: 'select', index },
      ]);
    }
  }
  return ignored(state);
}

/** A key pressed in a cell's editor: only running and leaving are the notebook's. */
export function editKey(state: KeyboardState, key: KeyPress, count: number): KeyResult {
  const run = runKey(state, key, count);
  if (run) return run;
  const plain = !key.shift && !key.ctrl && !key.alt && !key.meta;
  if (key.key === 'Escape' && plain) {
    return done({ ...state, mode: 'command' }, [{ type: 'leaveEdit', index: state.selected }]);
  }
  if (key.edge && plain && (key.key === 'ArrowUp' || key.key === 'ArrowDown')) {
    const index = state.selected + (key.key === 'ArrowUp' ? -1 : 1);
    if (index < 0 || index >= count) return ignored(state);
    return done({ ...state, selected: index, mode: 'edit' }, [{ type: 'edit', index }]);
  }
  return ignored(state);
}

/** A cell clicked or its editor focused. */
export function focusCell(index: number, mode: Mode): KeyboardState {
  return { mode, selected: index, pendingDelete: null };
}
