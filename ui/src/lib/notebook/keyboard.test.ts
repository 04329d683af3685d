import { describe, expect, it } from 'vitest';
import {
  commandKey,
  DELETE_CHORD_MS,
  editKey,
  focusCell,
  initialKeyboard,
  type KeyboardState,
  type KeyPress,
} from './keyboard';

const at = (selected: number, mode: KeyboardState['mode'] = 'command'): KeyboardState => ({
  mode,
  selected,
  pendingDelete: null,
});
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
    expect(first).toEqual({ state: { ...at(1), pendingDelete: 10_000 }, actions: [], handled: true });
    const second = commandKey(first.state, key('d', { at: 10_400 }), 3);
    expect(second).toEqual({
      state: at(1),
      actions: [
        { type: 'delete', index: 1 },
        { type: 'select', index: 1 },
      ],
      handled: true,
    });
    // Too slow: the second D starts a new chord.
    const slow = commandKey(first.state, key('d', { at: 10_000 + DELETE_CHORD_MS + 1 }), 3);
    expect(slow.actions).toEqual([]);
    expect(slow.state.pendingDelete).toBe(10_000 + DELETE_CHORD_MS + 1);
    // Another key in between breaks the chord.
    const other = commandKey(first.state, key('x', { at: 10_100 }), 3);
    expect(other.state.pendingDelete).toBeNull();
    expect(commandKey(other.state, key('d', { at: 10_200 }), 3).actions).toEqual([]);
  });

  it('selects the cell above after deleting the last, and keeps one cell', () => {
    const last = commandKey({ ...at(2), pendingDelete: 0 }, key('d', { at: 1 }), 3);
    expect(last.actions).toEqual([
      { type: 'delete', index: 2 },
      { type: 'select', index: 1 },
    ]);
    const only = commandKey({ ...at(0), pendingDelete: 0 }, key('d', { at: 1 }), 1);
    expect(only.actions).toEqual([
      { type: 'delete', index: 0 },
      { type: 'insert', index: 0, cellType: 'code' },
      { type: 'select', index: 0 },
    ]);
  });

  it('changes the cell type with M, Y and R', () => {
    expect(commandKey(at(0), key('m'), 1).actions).toEqual([{ type: 'setType', index: 0, cellType: 'markdown' }]);
    expect(commandKey(at(0), key('y'), 1).actions).toEqual([{ type: 'setType', index: 0, cellType: 'code' }]);
    expect(commandKey(at(0), key('r'), 1).actions).toEqual([{ type: 'setType', index: 0, cellType: 'raw' }]);
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
    for (const press of [key('x'), key('a', { ctrl: true }), key('s', { meta: true }), key('A', { shift: true }), key('Tab')]) {
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
});
