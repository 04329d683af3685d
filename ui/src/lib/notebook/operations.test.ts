// The cell operations of a notebook, on the model with a fake shell: what
// JupyterLab users reach for (cut, copy, paste across notebooks, undo, merge,
// split, move, several cells at once), running parts of a notebook, taking a
// cell out of the queue, clearing outputs, find and replace.

import { clearMocks } from '@tauri-apps/api/mocks';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeShell } from '../testing/shell';
import type { CellView, NotebookDoc } from '../types';
import { NotebookModel } from './notebook.svelte';

const opened: NotebookModel[] = [];

afterEach(() => {
  for (const notebook of opened.splice(0)) notebook.dispose();
  clearMocks();
});

function code(id: string, source: string, printed?: string): CellView {
  return {
    id,
    cellType: 'code',
    source,
    outputs: printed ? [{ output_type: 'stream', name: 'stdout', text: printed }] : [],
    executionCount: printed ? 1 : null,
  };
}

function doc(path: string, cells: CellView[]): NotebookDoc {
  return { path, cells };
}

function open(d: NotebookDoc): NotebookModel {
  const notebook = new NotebookModel(structuredClone(d), { autosaveDelayMs: 10_000 });
  opened.push(notebook);
  return notebook;
}

const sources = (notebook: NotebookModel) => notebook.cells.map((cell) => cell.source);
const ids = (notebook: NotebookModel) => notebook.cells.map((cell) => cell.id);
const press = (notebook: NotebookModel, key: string, extra: Record<string, boolean | number> = {}) =>
  notebook.commandKey({ key, at: Date.now(), ...extra });

describe('cell operations', () => {
  it('cuts cells and pastes them into another notebook, outputs and all, saved as copies', async () => {
    const a = doc('a.ipynb', [code('a1', 'x = 1', 'one\n'), code('a2', 'y = 2'), code('a3', 'z = 3')]);
    const b = doc('b.ipynb', [code('b1', 'w = 0')]);
    const shell = fakeShell({ docs: [a, b] });
    const first = open(a);
    const second = open(b);
    first.focus(0, 'command');
    press(first, 'ArrowDown', { shift: true });
    press(first, 'x');
    expect(sources(first)).toEqual(['z = 3']);
    expect(shell.callsOf('copy_cells')).toEqual([{ path: 'a.ipynb', ids: ['a1', 'a2'] }]);

    press(second, 'v');
    expect(sources(second)).toEqual(['w = 0', 'x = 1', 'y = 2']);
    const pasted = second.cells[1];
    expect(pasted.id).not.toBe('a1');
    expect(pasted.outputs.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'one\n' }]);
    // The pasted cells are selected.
    expect(second.selected.map((cell) => cell.source)).toEqual(['x = 1', 'y = 2']);
    await second.flush();
    const saved = shell.callsOf('save_notebook').at(-1)!.cells as Array<Record<string, unknown>>;
    expect(saved.map((cell) => cell.copyOf)).toEqual([undefined, 'a1', 'a2']);
    // Once saved, they are the file's own cells.
    second.edit(second.cells[1], 'x = 10');
    await second.flush();
    expect((shell.callsOf('save_notebook').at(-1)!.cells as Array<Record<string, unknown>>)[1].copyOf).toBeUndefined();
  });

  it('undoes and redoes deletes, pastes, moves and type changes, keeping the cells as they were', () => {
    const a = doc('a.ipynb', [code('a1', 'x = 1', 'one\n'), code('a2', 'y = 2'), code('a3', 'z = 3')]);
    fakeShell({ docs: [a] });
    const notebook = open(a);
    const kept = notebook.cells[0];
    notebook.focus(0, 'command');
    press(notebook, 'd', { at: 1 });
    press(notebook, 'd', { at: 2 });
    expect(ids(notebook)).toEqual(['a2', 'a3']);
    press(notebook, 'z');
    expect(ids(notebook)).toEqual(['a1', 'a2', 'a3']);
    expect(notebook.cells[0]).toBe(kept);
    expect(kept.outputs.outputs).toHaveLength(1);
    press(notebook, 'Z', { shift: true });
    expect(ids(notebook)).toEqual(['a2', 'a3']);
    press(notebook, 'z');

    notebook.focus(2, 'command');
    press(notebook, 'ArrowUp', { ctrl: true, shift: true });
    expect(ids(notebook)).toEqual(['a1', 'a3', 'a2']);
    expect(notebook.keys.selected).toBe(1);
    press(notebook, 'm');
    expect(notebook.cells[1].cellType).toBe('markdown');
    press(notebook, 'z');
    expect(notebook.cells[1].cellType).toBe('code');
    press(notebook, 'z');
    expect(ids(notebook)).toEqual(['a1', 'a2', 'a3']);
    // Nothing more to undo: nothing happens.
    press(notebook, 'z');
    press(notebook, 'z');
    expect(ids(notebook)).toEqual(['a1', 'a2', 'a3']);
  });

  it('merges the selected cells (Shift+M), or one with the next, into a new cell with no outputs', () => {
    const a = doc('a.ipynb', [code('a1', 'x = 1', 'one\n'), code('a2', 'y = 2'), code('a3', 'z = 3')]);
    fakeShell({ docs: [a] });
    const notebook = open(a);
    notebook.focus(0, 'command');
    press(notebook, 'M', { shift: true });
    expect(sources(notebook)).toEqual(['x = 1\n\ny = 2', 'z = 3']);
    expect(notebook.cells[0].id).not.toBe('a1');
    expect(notebook.cells[0].outputs.outputs).toEqual([]);
    press(notebook, 'z');
    expect(ids(notebook)).toEqual(['a1', 'a2', 'a3']);
    notebook.focus(0, 'command');
    notebook.focus(2, 'command', true);
    press(notebook, 'M', { shift: true });
    expect(sources(notebook)).toEqual(['x = 1\n\ny = 2\n\nz = 3']);
  });

  it('splits a cell at the cursor, the outputs going with the second part', () => {
    const a = doc('a.ipynb', [code('a1', 'x = 1\n\ny = 2', 'one\n')]);
    fakeShell({ docs: [a] });
    const notebook = open(a);
    notebook.split(notebook.cells[0], 'x = 1\n'.length);
    expect(sources(notebook)).toEqual(['x = 1', 'y = 2']);
    expect(notebook.cells[0].outputs.outputs).toEqual([]);
    expect(notebook.cells[1].outputs.outputs).toHaveLength(1);
    expect(notebook.cells[1].copyOf).toBe('a1');
    expect(notebook.keys).toMatchObject({ selected: 1, mode: 'edit' });
    notebook.undo();
    expect(ids(notebook)).toEqual(['a1']);
  });

  it('moves dragged cells to where they are dropped', () => {
    const a = doc('a.ipynb', [code('a', ''), code('b', ''), code('c', ''), code('d', '')]);
    fakeShell({ docs: [a] });
    const notebook = open(a);
    notebook.moveTo({ from: 0, to: 1 }, 4);
    expect(ids(notebook)).toEqual(['c', 'd', 'a', 'b']);
    expect(notebook.selected.map((cell) => cell.id)).toEqual(['a', 'b']);
    notebook.moveTo({ from: 3, to: 3 }, 0);
    expect(ids(notebook)).toEqual(['b', 'c', 'd', 'a']);
    // Onto itself: nothing.
    notebook.moveTo({ from: 1, to: 1 }, 2);
    expect(ids(notebook)).toEqual(['b', 'c', 'd', 'a']);
  });

  it('toggles line numbers in the selected cells (L) or all (Shift+L)', () => {
    const a = doc('a.ipynb', [code('a', ''), code('b', '')]);
    fakeShell({ docs: [a] });
    const notebook = open(a);
    press(notebook, 'l');
    expect(notebook.cells.map((cell) => cell.lineNumbers)).toEqual([true, false]);
    press(notebook, 'L', { shift: true });
    expect(notebook.cells.map((cell) => cell.lineNumbers)).toEqual([true, true]);
    press(notebook, 'L', { shift: true });
    expect(notebook.cells.map((cell) => cell.lineNumbers)).toEqual([false, false]);
  });
});

describe('running parts of a notebook', () => {
  it('runs above, below and the selection, and restarts before running all', async () => {
    const a = doc('a.ipynb', [code('a', '1'), code('b', '2'), code('c', '3'), code('d', '4')]);
    const shell = fakeShell({ docs: [a] });
    const notebook = open(a);
    notebook.focus(2, 'command');
    notebook.runAbove();
    await Promise.resolve();
    await notebook.flush();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(shell.runs.map((run) => run.cellId)).toEqual(['a', 'b']);
    notebook.runBelow();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(shell.runs.map((run) => run.cellId).slice(2)).toEqual(['c', 'd']);
    notebook.focus(0, 'command');
    notebook.focus(1, 'command', true);
    notebook.runSelected();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(shell.runs.map((run) => run.cellId).slice(4)).toEqual(['a', 'b']);
    await notebook.restartAndRunAll();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(shell.callsOf('restart_kernel')).toHaveLength(1);
    expect(shell.runs.map((run) => run.cellId).slice(6)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('takes a queued cell out of the queue, and the cells after it still run', async () => {
    const a = doc('a.ipynb', [code('a', 'sleep(9)'), code('b', 'print(1)', 'old\n'), code('c', 'x')]);
    const shell = fakeShell({ docs: [a] });
    const notebook = open(a);
    notebook.runAll();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const [, b, c] = notebook.cells;
    shell.runs[0].send([{ kind: 'started' }]);
    flushSync();
    expect([b.phase, c.phase]).toEqual(['queued', 'queued']);
    await notebook.unqueue(b);
    expect(shell.callsOf('unqueue_cell')).toEqual([{ path: 'a.ipynb', cellId: 'b' }]);
    // The shell ends it as not run; it keeps what it printed before.
    shell.runs[1].send([{ kind: 'finished', status: 'aborted', execution_count: null }]);
    flushSync();
    expect(b.phase).toBe('idle');
    expect(b.outputs.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'old\n' }]);
    expect(c.phase).toBe('queued');
    shell.runs[0].send([{ kind: 'finished', status: 'ok', execution_count: 5 }]);
    shell.runs[2].send([{ kind: 'started' }, { kind: 'finished', status: 'ok', execution_count: 6 }]);
    flushSync();
    expect(c.executionCount).toBe(6);
  });

  it('times each run, and clears outputs, counts and times in the window and the file', async () => {
    const a = doc('a.ipynb', [code('a', '1', 'one\n'), code('b', '2', 'two\n')]);
    const shell = fakeShell({ docs: [a] });
    const notebook = open(a);
    notebook.run(0);
    await new Promise((resolve) => setTimeout(resolve, 0));
    shell.runs[0].send([{ kind: 'started' }]);
    flushSync();
    const cell = notebook.cells[0];
    expect(cell.times?.started).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(cell.times?.ended).toBeNull();
    shell.runs[0].send([{ kind: 'finished', status: 'ok', execution_count: 2 }]);
    flushSync();
    expect(Date.parse(cell.times!.ended!)).toBeGreaterThanOrEqual(Date.parse(cell.times!.started));

    await notebook.clearOutputs('all');
    expect(notebook.cells.map((c) => [c.outputs.outputs.length, c.executionCount, c.times])).toEqual([
      [0, null, null],
      [0, null, null],
    ]);
    expect(shell.callsOf('clear_outputs')).toEqual([{ path: 'a.ipynb', ids: ['a', 'b'] }]);
  });
});

describe('find and replace', () => {
  it('counts matches in sources and, when asked, outputs; replaces in sources only', () => {
    const a = doc('a.ipynb', [code('a', 'factor(2^64+1)', '274177 * 67280421310721\n'), code('b', 'factor(10); Factor')]);
    fakeShell({ docs: [a] });
    const notebook = open(a);
    const find = notebook.find;
    find.query = 'factor';
    expect(find.matches.map((m) => [m.cell.id, m.from])).toEqual([
      ['a', 0],
      ['b', 0],
      ['b', 12],
    ]);
    find.caseSensitive = true;
    expect(find.matches).toHaveLength(2);
    expect(find.index).toBe(0);
    find.next();
    expect(find.current?.cell.id).toBe('b');
    find.next();
    expect(find.index).toBe(0);
    find.previous();
    expect(find.index).toBe(1);

    find.query = '274177';
    expect(find.matches).toHaveLength(0);
    find.inOutputs = true;
    expect(find.matches.map((m) => [m.cell.id, m.in])).toEqual([['a', 'outputs']]);

    find.query = 'factor\\((\\d+)\\)';
    find.regexp = true;
    find.inOutputs = false;
    find.replacement = 'divisors($1)';
    expect(find.replaceAll((cell, source) => notebook.edit(cell, source))).toBe(1);
    expect(sources(notebook)).toEqual(['factor(2^64+1)', 'divisors(10); Factor']);
    // An invalid expression finds nothing, and says nothing went wrong.
    find.query = 'factor(';
    expect(find.matches).toEqual([]);
  });
});

describe('images pasted into markdown', () => {
  it('attaches them to the cell under names of their own, saved once with the cell', async () => {
    const a = doc('a.ipynb', [{ id: 'm', cellType: 'markdown', source: 'Look:', outputs: [], executionCount: null }]);
    const shell = fakeShell({ docs: [a] });
    const notebook = open(a);
    const cell = notebook.cells[0];
    const png = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'image.png', { type: 'image/png' });
    expect(await notebook.attachImage(cell, png)).toBe('![image.png](attachment:image.png)');
    expect(await notebook.attachImage(cell, png)).toBe('![image-2.png](attachment:image-2.png)');
    expect(cell.attachments).toEqual({ 'image.png': { 'image/png': 'iVBORw==' }, 'image-2.png': { 'image/png': 'iVBORw==' } });
    // Not an image, or not a markdown cell: not taken.
    expect(await notebook.attachImage(cell, new File(['x'], 'a.txt', { type: 'text/plain' }))).toBeNull();
    notebook.setType({ from: 0, to: 0 }, 'code');
    expect(await notebook.attachImage(notebook.cells[0], png)).toBeNull();
    notebook.setType({ from: 0, to: 0 }, 'markdown');

    await notebook.flush();
    const saved = shell.callsOf('save_notebook').at(-1)!.cells as Array<Record<string, unknown>>;
    expect(Object.keys(saved[0].attachments as object)).toEqual(['image.png', 'image-2.png']);
    notebook.edit(notebook.cells[0], 'Look again:');
    await notebook.flush();
    expect((shell.callsOf('save_notebook').at(-1)!.cells as Array<Record<string, unknown>>)[0].attachments).toBeUndefined();
  });
});
