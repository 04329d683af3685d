import { describe, expect, it } from 'vitest';
import {
  commandKey,
  CHORD_MS,
  editKey,
  focusCell,
  initialKeyboard,
  type KeyboardState,
  type KeyPress,
} from './keyboard';

const at = (selected: number, mode: KeyboardState['mode'] = 'command'): KeyboardState => ({
  mode,
  selected,
  anchor: selected,
  pending: null,
});
/** Cells `from` to `to` selected, `to` the one keys act on. */
const range = (from: number, to: number): KeyboardState => ({ ...at(to), anchor: from });
const key = (name: string, extra: Partial<KeyPress> = {}): KeyPress => ({ key: name, ...extra });

describe('command mode', () => {
  it('enters edit mode on Enter', () => {
    expect(commandKey(at(1), key('Enter'), 3)).toEqual({
      state: at(1, 'edit'),
      actions: [{ type: 'edit', index: 1 }],
      handled: true,
    });
  });

  it('runs and selects the next cell on Shift+Enter', () => {
    expect(commandKey(at(0), key('Enter', { shift: true }), 2)).toEqual({
      state: at(1),
      actions: [
        { type: 'run', index: 0 },
        { type: 'select', index: 1 },
      ],
      handled: true,
    });
  });

  it('makes a new cell to edit after running the last one', () => {
    expect(commandKey(at(1), key('Enter', { shift: true }), 2)).toEqual({
      state: at(2, 'edit'),
      actions: [
        { type: 'run', index: 1 },
        { type: 'insert', index: 2, cellType: 'code' },
        { type: 'edit', index: 2 },
      ],
      handled: true,
    });
  });

  it('runs in place on Ctrl+Enter (Cmd+Enter too), and inserts below on Alt+Enter', () => {
    for (const modifier of [{ ctrl: true }, { meta: true }]) {
      expect(commandKey(at(0), key('Enter', modifier), 2).actions).toEqual([{ type: 'run', index: 0 }]);
    }
    const alt = commandKey(at(0), key('Enter', { alt: true }), 2);
    expect(alt.actions).toEqual([
      { type: 'run', index: 0 },
      { type: 'insert', index: 1, cellType: 'code' },
      { type: 'edit', index: 1 },
    ]);
    expect(alt.state).toEqual(at(1, 'edit'));
  });

  it('inserts above with A and below with B, selecting the new cell', () => {
    expect(commandKey(at(1), key('a'), 3)).toEqual({
      state: at(1),
      actions: [
        { type: 'insert', index: 1, cellType: 'code' },
        { type: 'select', index: 1 },
      ],
      handled: true,
    });
    expect(commandKey(at(1), key('b'), 3)).toMatchObject({
      state: at(2),
      actions: [
        { type: 'insert', index: 2, cellType: 'code' },
        { type: 'select', index: 2 },
      ],
    });
    // Caps lock gives upper case; it is the same key.
    expect(commandKey(at(1), key('B'), 3).handled).toBe(true);
  });

  it('deletes on D D within a second, not on one D or a D after another key', () => {
    const first = commandKey(at(1), key('d', { at: 10_000 }), 3);
    expect(first).toEqual({ state: { ...at(1), pending: { key: 'd', at: 10_000 } }, actions: [], handled: true });
    const second = commandKey(first.state, key('d', { at: 10_400 }), 3);
    expect(second).toEqual({ state: at(1), actions: [{ type: 'delete', range: { from: 1, to: 1 } }], handled: true });
    // Too slow: the second D starts a new chord.
    const slow = commandKey(first.state, key('d', { at: 10_000 + CHORD_MS + 1 }), 3);
    expect(slow.actions).toEqual([]);
    expect(slow.state.pending).toEqual({ key: 'd', at: 10_000 + CHORD_MS + 1 });
    // Another key in between breaks the chord.
    const other = commandKey(first.state, key('q', { at: 10_100 }), 3);
    expect(other.state.pending).toBeNull();
    expect(commandKey(other.state, key('d', { at: 10_200 }), 3).actions).toEqual([]);
    // I I interrupts, 0 0 restarts; an I then a 0 does neither.
    const i = commandKey(at(0), key('i', { at: 1 }), 3);
    expect(commandKey(i.state, key('i', { at: 2 }), 3).actions).toEqual([{ type: 'interrupt' }]);
    expect(commandKey(i.state, key('0', { at: 2 }), 3).actions).toEqual([]);
    const zero = commandKey(at(0), key('0', { at: 1 }), 3);
    expect(commandKey(zero.state, key('0', { at: 2 }), 3).actions).toEqual([{ type: 'restart' }]);
  });

  it('extends the selection with Shift and acts on all of it', () => {
    const down = commandKey(at(1), key('ArrowDown', { shift: true }), 4);
    expect(down.state).toEqual(range(1, 2));
    const more = commandKey(down.state, key('j', { shift: true }), 4);
    expect(more.state).toEqual(range(1, 3));
    const selected = { from: 1, to: 3 };
    const first = commandKey(more.state, key('d', { at: 1 }), 4);
    expect(commandKey(first.state, key('d', { at: 2 }), 4).actions).toEqual([{ type: 'delete', range: selected }]);
    expect(commandKey(more.state, key('x'), 4).actions).toEqual([{ type: 'cut', range: selected }]);
    expect(commandKey(more.state, key('c'), 4).actions).toEqual([{ type: 'copy', range: selected }]);
    expect(commandKey(more.state, key('m'), 4).actions).toEqual([{ type: 'setType', range: selected, cellType: 'markdown' }]);
    expect(commandKey(more.state, key('M', { shift: true }), 4).actions).toEqual([{ type: 'merge', range: selected }]);
    // Upwards from the anchor, then a plain arrow: one cell again.
    expect(commandKey(at(2), key('ArrowUp', { shift: true }), 4).state).toEqual(range(2, 1));
    expect(commandKey(more.state, key('ArrowUp'), 4).state).toEqual(at(2));
  });

  it('cuts, copies and pastes below (V) and above (Shift+V), undoes (Z) and redoes (Shift+Z)', () => {
    expect(commandKey(at(1), key('v'), 3).actions).toEqual([{ type: 'paste', index: 2 }]);
    expect(commandKey(range(1, 2), key('V', { shift: true }), 3).actions).toEqual([{ type: 'paste', index: 1 }]);
    expect(commandKey(at(1), key('z'), 3).actions).toEqual([{ type: 'undo' }]);
    expect(commandKey(at(1), key('Z', { shift: true }), 3).actions).toEqual([{ type: 'redo' }]);
  });

  it('moves the selected cells with Ctrl+Shift+Up and Down, and toggles line numbers with L', () => {
    expect(commandKey(range(1, 2), key('ArrowUp', { ctrl: true, shift: true }), 4).actions).toEqual([
      { type: 'move', range: { from: 1, to: 2 }, by: -1 },
    ]);
    expect(commandKey(at(1), key('ArrowDown', { ctrl: true, shift: true }), 4).actions).toEqual([
      { type: 'move', range: { from: 1, to: 1 }, by: 1 },
    ]);
    expect(commandKey(at(1), key('l'), 4).actions).toEqual([{ type: 'lineNumbers', range: { from: 1, to: 1 } }]);
    expect(commandKey(at(1), key('L', { shift: true }), 4).actions).toEqual([{ type: 'lineNumbers', range: 'all' }]);
    expect(commandKey(at(1), key('h'), 4).actions).toEqual([{ type: 'shortcuts' }]);
  });

  it('saves with Ctrl+S and finds with Ctrl+F and Ctrl+H, in both modes', () => {
    for (const press of [commandKey, editKey]) {
      const mode = press === commandKey ? 'command' : 'edit';
      expect(press(at(0, mode), key('s', { ctrl: true }), 2).actions).toEqual([{ type: 'save' }]);
      expect(press(at(0, mode), key('f', { ctrl: true }), 2).actions).toEqual([{ type: 'find', replace: false }]);
      expect(press(at(0, mode), key('h', { meta: true }), 2).actions).toEqual([{ type: 'find', replace: true }]);
    }
  });

  it('changes the cell type with M, Y and R', () => {
    const first = { from: 0, to: 0 };
    expect(commandKey(at(0), key('m'), 1).actions).toEqual([{ type: 'setType', range: first, cellType: 'markdown' }]);
    expect(commandKey(at(0), key('y'), 1).actions).toEqual([{ type: 'setType', range: first, cellType: 'code' }]);
    expect(commandKey(at(0), key('r'), 1).actions).toEqual([{ type: 'setType', range: first, cellType: 'raw' }]);
  });

  it('moves the selection with the arrows and J/K, within the notebook', () => {
    expect(commandKey(at(1), key('ArrowUp'), 3).state.selected).toBe(0);
    expect(commandKey(at(0), key('ArrowUp'), 3)).toMatchObject({ state: at(0), actions: [{ type: 'select', index: 0 }] });
    expect(commandKey(at(1), key('ArrowDown'), 3).state.selected).toBe(2);
    expect(commandKey(at(2), key('ArrowDown'), 3).state.selected).toBe(2);
    expect(commandKey(at(1), key('k'), 3).state.selected).toBe(0);
    expect(commandKey(at(1), key('j'), 3).state.selected).toBe(2);
  });

  it("leaves other keys and the app's shortcuts alone", () => {
    for (const press of [key('q'), key('a', { ctrl: true }), key('o', { meta: true }), key('A', { shift: true }), key('Tab')]) {
      expect(commandKey(at(0), press, 2)).toEqual({ state: at(0), actions: [], handled: false });
    }
  });

  it('clamps a selection left past the end', () => {
    expect(commandKey(at(5), key('Enter'), 2).actions).toEqual([{ type: 'edit', index: 1 }]);
  });
});

describe('edit mode', () => {
  it('goes to command mode on Escape', () => {
    expect(editKey(at(1, 'edit'), key('Escape'), 2)).toEqual({
      state: at(1),
      actions: [{ type: 'leaveEdit', index: 1 }],
      handled: true,
    });
  });

  it('runs and moves on with Shift+Enter, leaving the editor', () => {
    expect(editKey(at(0, 'edit'), key('Enter', { shift: true }), 2)).toEqual({
      state: at(1),
      actions: [
        { type: 'run', index: 0 },
        { type: 'leaveEdit', index: 0 },
        { type: 'select', index: 1 },
      ],
      handled: true,
    });
    // From the last cell: a new one, edited at once.
    expect(editKey(at(1, 'edit'), key('Enter', { shift: true }), 2).state).toEqual(at(2, 'edit'));
  });

  it('runs in place with Ctrl+Enter and returns to command mode', () => {
    expect(editKey(at(0, 'edit'), key('Enter', { ctrl: true }), 2)).toEqual({
      state: at(0),
      actions: [
        { type: 'run', index: 0 },
        { type: 'leaveEdit', index: 0 },
      ],
      handled: true,
    });
  });

  it('moves to the cell above or below from the edge of the editor', () => {
    expect(editKey(at(1, 'edit'), key('ArrowUp', { edge: true }), 3)).toEqual({
      state: at(0, 'edit'),
      actions: [{ type: 'edit', index: 0 }],
      handled: true,
    });
    expect(editKey(at(1, 'edit'), key('ArrowDown', { edge: true }), 3).state).toEqual(at(2, 'edit'));
    // Not past the first or last cell, and not from inside the text.
    expect(editKey(at(0, 'edit'), key('ArrowUp', { edge: true }), 3).handled).toBe(false);
    expect(editKey(at(2, 'edit'), key('ArrowDown', { edge: true }), 3).handled).toBe(false);
    expect(editKey(at(1, 'edit'), key('ArrowUp'), 3).handled).toBe(false);
  });

  it('leaves typing to the editor', () => {
    for (const press of [key('a'), key('d'), key('Enter'), key('ArrowUp'), key('m')]) {
      expect(editKey(at(0, 'edit'), press, 2).handled).toBe(false);
    }
  });
});

it('starts in command mode on the first cell, and follows clicks', () => {
  expect(initialKeyboard()).toEqual(at(0));
  expect(focusCell(3, 'edit')).toEqual(at(3, 'edit'));
  // Shift+click: from the selection's anchor to the cell clicked.
  expect(focusCell(3, 'command', at(1), true)).toEqual(range(1, 3));
});
