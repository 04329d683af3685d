import { clearMocks } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../kernel/fixtures';
import { fakeShell } from '../testing/shell';
import type { NotebookDoc } from '../types';
import calculus from './fixtures/notebook-doc';
import { NotebookModel } from './notebook.svelte';
import NotebookView from './NotebookView.svelte';
import { failure } from '../testing/failure';

const opened: NotebookModel[] = [];

afterEach(() => {
  // A notebook left open would save into the next test's shell.
  for (const notebook of opened.splice(0)) notebook.dispose();
  clearMocks();
  vi.useRealTimers();
});

function oneCell(source = 'factor(2^64+1)'): NotebookDoc {
  return { path: 'Untitled.ipynb', cells: [{ id: 'a1', cellType: 'code', source, outputs: [], executionCount: null }] };
}

function open(doc: NotebookDoc, shell = fakeShell({ docs: [doc] })) {
  const notebook = new NotebookModel(structuredClone(doc));
  opened.push(notebook);
  const view = render(NotebookView, { notebook });
  return { notebook, shell, ...view };
}

const cells = () => screen.getAllByTestId('cell');
const count = (cell: HTMLElement) => cell.querySelector('[data-testid="execution-count"]')!.textContent;

describe('NotebookView', () => {
  it('shows the cells of the notebook with their outputs', async () => {
    open(calculus);
    expect(cells()).toHaveLength(5);
    const [markdown, factor, plot, error, raw] = cells();
    expect(markdown.dataset.cellType).toBe('markdown');
    expect(markdown.querySelector('h1')?.textContent).toBe('Calculus');
    expect(markdown.querySelector('[data-testid="cell-editor"]')).toBeNull();
    expect(factor.querySelector('[data-testid="cell-editor"]')?.textContent).toBe('factor(2^64+1)');
    expect(factor.querySelector('[data-testid="cell-output"]')?.textContent).toContain('274177 * 67280421310721');
    expect(count(factor)).toBe('[2]');
    expect(plot.querySelector('img')?.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(error.querySelector('[data-output-type="error"]')?.textContent).toContain('ZeroDivisionError');
    expect(raw.querySelector('[data-testid="cell-output"]')).toBeNull();
    await waitFor(() => expect(markdown.querySelector('mjx-container')).not.toBeNull(), { timeout: 5000 });
  });

  it('shows every cell when one output cannot be drawn, with a notice in its place', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const broken = { output_type: 'display_data', metadata: {} } as unknown as NotebookDoc['cells'][0]['outputs'][0];
    const doc: NotebookDoc = {
      path: 'bad.ipynb',
      cells: [
        { id: 'a', cellType: 'code', source: 'show(x)', outputs: [broken], executionCount: 1 },
        { id: 'b', cellType: 'markdown', source: '# After', outputs: [], executionCount: null },
        {
          id: 'c',
          cellType: 'code',
          source: '1+1',
          outputs: [{ output_type: 'execute_result', execution_count: 2, data: { 'text/plain': '2' }, metadata: {} }],
          executionCount: 2,
        },
      ],
    };
    open(doc);
    const [first, second, third] = cells();
    expect(cells()).toHaveLength(3);
    expect(first.querySelector('[data-testid="output-failed"]')).not.toBeNull();
    expect(second.querySelector('h1')?.textContent).toBe('After');
    expect(third.querySelector('[data-testid="cell-output"]')?.textContent).toContain('2');
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
  });

  it('runs a cell from its button: busy marker, outputs as they come, then its count', async () => {
    const { shell } = open(oneCell());
    const [cell] = cells();
    await fireEvent.click(cell.querySelector('[data-testid="run-cell"]')!);
    expect(count(cell)).toBe('[*]');
    await waitFor(() => expect(shell.runs).toHaveLength(1));
    expect(shell.runs[0]).toMatchObject({ path: 'Untitled.ipynb', cellId: 'a1', code: 'factor(2^64+1)' });
    const [started, outputs, finished] = run('run-factor').batches;
    shell.runs[0].send(started);
    shell.runs[0].send(outputs);
    flushSync();
    expect(cell.querySelector('[data-testid="cell-output"]')?.textContent).toContain('274177 * 67280421310721');
    expect(count(cell)).toBe('[*]');
    shell.runs[0].send(finished);
    flushSync();
    expect(count(cell)).toBe('[2]');
    expect(cell.dataset.phase).toBe('idle');
    // A finished cell is saved at once (the shell writes its outputs with it).
    await waitFor(() => expect(shell.callsOf('save_notebook')).toHaveLength(1));
    expect(shell.callsOf('save_notebook')[0]).toEqual({
      path: 'Untitled.ipynb',
      cells: [{ id: 'a1', cellType: 'code', source: 'factor(2^64+1)' }],
      force: false,
    });
  });

  it('clears the old outputs when the new run starts', async () => {
    const { shell } = open(calculus);
    const factor = cells()[1];
    await fireEvent.click(factor.querySelector('[data-testid="run-cell"]')!);
    await waitFor(() => expect(shell.runs).toHaveLength(1));
    // Queued: the old outputs stay until the kernel starts the run.
    expect(factor.textContent).toContain('274177');
    shell.runs[0].send([{ kind: 'started' }]);
    flushSync();
    expect(factor.querySelectorAll('[data-testid="cell-output"] .output')).toHaveLength(0);
  });

  it('runs every cell in order with Run all, and drops the rest after an error', async () => {
    const { shell } = open(calculus);
    await fireEvent.click(screen.getByTestId('run-all'));
    await waitFor(() => expect(shell.runs).toHaveLength(3));
    expect(shell.runs.map((r) => r.cellId)).toEqual(['8b0d4e71', 'c5a7f0b2', 'd9e2b6c4']);
    const [, factor, plot, error] = cells();
    expect([count(factor), count(plot), count(error)]).toEqual(['[*]', '[*]', '[*]']);
    shell.runs[0].send([{ kind: 'started' }, { kind: 'finished', status: 'error', execution_count: 11 }]);
    shell.runs[1].send([{ kind: 'finished', status: 'aborted', execution_count: null }]);
    shell.runs[2].send([{ kind: 'finished', status: 'aborted', execution_count: null }]);
    flushSync();
    expect([count(factor), count(plot), count(error)]).toEqual(['[11]', '[7]', '[10]']);
  });

  it('answers input() inline, masked when the kernel asks for a password', async () => {
    const { shell } = open(oneCell('name = input("Your name? ")'));
    await fireEvent.click(screen.getByTestId('run-cell'));
    await waitFor(() => expect(shell.runs).toHaveLength(1));
    shell.runs[0].send([{ kind: 'started' }]);
    shell.runs[0].send([{ kind: 'inputRequest', prompt: 'Password: ', password: true }]);
    flushSync();
    const box = screen.getByTestId('input-prompt') as HTMLInputElement;
    expect(box.type).toBe('password');
    expect(box.closest('label')?.textContent).toContain('Password:');
    await fireEvent.input(box, { target: { value: 'hunter2' } });
    await fireEvent.submit(box.closest('form')!);
    await waitFor(() => expect(shell.callsOf('input_reply')).toEqual([{ path: 'Untitled.ipynb', value: 'hunter2' }]));
    expect(screen.queryByTestId('input-prompt')).toBeNull();
    expect(screen.getByTestId('cell-output').textContent).toContain('Password: •••••••');
    expect(screen.getByTestId('cell-output').textContent).not.toContain('hunter2');
  });

  it('says what happened when the kernel dies under a cell', async () => {
    const { shell } = open(oneCell('x = [0] * 10^12'));
    await fireEvent.click(screen.getByTestId('run-cell'));
    await waitFor(() => expect(shell.runs).toHaveLength(1));
    for (const batch of run('run-died').batches) shell.runs[0].send(batch);
    flushSync();
    const output = screen.getByTestId('cell-output');
    expect(output.textContent).toContain('allocating');
    expect(output.querySelector('[role="alert"]')?.textContent).toContain('ran out of memory (limit 2 GiB)');
    expect(count(cells()[0])).toBe('[ ]');
  });

  it('interrupts and restarts the kernel from the toolbar', async () => {
    const { shell } = open(oneCell('while True: pass'), fakeShell({ docs: [oneCell()], interrupt: 'needsRestart' }));
    await fireEvent.click(screen.getByTestId('interrupt'));
    await waitFor(() => expect(shell.callsOf('interrupt_kernel')).toEqual([{ path: 'Untitled.ipynb' }]));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Restart it'));
    await fireEvent.click(screen.getByTestId('restart'));
    await waitFor(() => expect(shell.callsOf('restart_kernel')).toEqual([{ path: 'Untitled.ipynb' }]));
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('works with the keyboard in command mode: B, A, M, Y, D D, arrows', async () => {
    const { notebook } = open(oneCell());
    const press = (key: string, init: KeyboardEventInit = {}) =>
      fireEvent.keyDown(document.activeElement ?? document.body, { key, ...init });
    const [first] = cells();
    await fireEvent.click(first);
    expect(document.activeElement).toBe(first);
    await press('b');
    expect(cells()).toHaveLength(2);
    expect(document.activeElement).toBe(cells()[1]);
    await press('m');
    expect(cells()[1].dataset.cellType).toBe('markdown');
    await press('y');
    expect(cells()[1].dataset.cellType).toBe('code');
    await press('ArrowUp');
    expect(document.activeElement).toBe(cells()[0]);
    await press('a');
    expect(cells()).toHaveLength(3);
    expect(cells()[1].dataset.cellId).toBe('a1');
    await press('d');
    await press('d');
    expect(cells()).toHaveLength(2);
    expect(cells()[0].dataset.cellId).toBe('a1');
    expect(notebook.keys).toMatchObject({ mode: 'command', selected: 0 });
    // Enter edits the selected cell.
    await press('Enter');
    expect(notebook.keys.mode).toBe('edit');
  });

  it('takes command keys after a cell was run from its button, and leaves Enter to the button', async () => {
    open(oneCell());
    const run = screen.getByTestId('run-cell');
    run.focus();
    await fireEvent.keyDown(run, { key: 'Enter' });
    expect(cells()).toHaveLength(1);
    await fireEvent.keyDown(run, { key: 'b' });
    expect(cells()).toHaveLength(2);
  });

  it('autosaves a second after typing, with the indicator', async () => {
    vi.useFakeTimers();
    const { shell, notebook } = open(oneCell('1'));
    notebook.edit(notebook.cells[0], '1 + 1');
    expect(notebook.save.kind).toBe('pending');
    await vi.advanceTimersByTimeAsync(999);
    expect(shell.callsOf('save_notebook')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(shell.callsOf('save_notebook')[0].cells).toEqual([{ id: 'a1', cellType: 'code', source: '1 + 1' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(notebook.save).toEqual({ kind: 'saved', at: '2025-01-31T10:15:00.000Z' });
  });

  it('offers Reload or Keep mine when the file changed on disk', async () => {
    let conflict = true;
    const shell = fakeShell({
      docs: [oneCell('on disk')],
      save: () => {
        if (conflict) throw failure('notebook_conflict', 'Untitled.ipynb was changed by another program');
        return { savedAt: 't' };
      },
    });
    const { notebook } = open(oneCell('mine'), shell);
    notebook.edit(notebook.cells[0], 'mine, edited');
    await waitFor(() => expect(screen.getByTestId('save-conflict')).toBeTruthy(), { timeout: 3000 });
    conflict = false;
    await fireEvent.click(screen.getByTestId('keep-mine'));
    await waitFor(() => expect(shell.callsOf('save_notebook').at(-1)).toMatchObject({ force: true }));
    await waitFor(() => expect(screen.queryByTestId('save-conflict')).toBeNull());

    conflict = true;
    notebook.edit(notebook.cells[0], 'mine again');
    await waitFor(() => expect(screen.getByTestId('save-conflict')).toBeTruthy(), { timeout: 3000 });
    await fireEvent.click(screen.getByTestId('reload'));
    await waitFor(() => expect(notebook.cells[0].source).toBe('mine, edited'));
    expect(screen.queryByTestId('save-conflict')).toBeNull();
  });
  it("shows the kernel's help in a pager under the cell, closed by its button, gone at the next run", async () => {
    const { shell } = open(oneCell('factor?'));
    const [cell] = cells();
    await fireEvent.click(cell.querySelector('[data-testid="run-cell"]')!);
    await waitFor(() => expect(shell.runs).toHaveLength(1));
    for (const batch of run('run-help').batches) shell.runs[0].send(batch);
    flushSync();
    const pager = screen.getByTestId('help-pager');
    expect(pager.textContent).toContain('Signature:      factor(n, proof=None');
    expect(pager.textContent).not.toContain('\u001b');
    // Coloured as IPython colours it.
    expect(pager.querySelector('pre span')).not.toBeNull();
    // Not an output of the cell.
    expect(cell.querySelectorAll('[data-testid="cell-output"] .output')).toHaveLength(0);
    await fireEvent.click(pager.querySelector('button')!);
    expect(screen.queryByTestId('help-pager')).toBeNull();

    for (const batch of run('run-help').batches) shell.runs[0].send(batch);
    flushSync();
    expect(screen.getByTestId('help-pager')).toBeTruthy();
    await fireEvent.click(cell.querySelector('[data-testid="run-cell"]')!);
    await waitFor(() => expect(shell.runs).toHaveLength(2));
    shell.runs[1].send([{ kind: 'started' }]);
    flushSync();
    expect(screen.queryByTestId('help-pager')).toBeNull();
  });

  it('puts the source the kernel offers in a new cell below, or in the cell that ran (%load)', async () => {
    const { shell, notebook } = open(oneCell('%recall 1'));
    notebook.run(0);
    await waitFor(() => expect(shell.runs).toHaveLength(1));
    shell.runs[0].send([
      { kind: 'started' },
      { kind: 'payload', payload: { kind: 'nextInput', text: 'factor(2^64+1)', replace: false } },
      { kind: 'finished', status: 'ok', execution_count: 2 },
    ]);
    flushSync();
    expect(notebook.cells.map((c) => c.source)).toEqual(['%recall 1', 'factor(2^64+1)']);
    expect(cells()[1].querySelector('[data-testid="cell-editor"]')?.textContent).toBe('factor(2^64+1)');

    notebook.edit(notebook.cells[0], '%load f.py');
    notebook.run(0);
    await waitFor(() => expect(shell.runs).toHaveLength(2));
    shell.runs[1].send([
      { kind: 'started' },
      { kind: 'payload', payload: { kind: 'nextInput', text: '# %load f.py\nx = 1\n', replace: true } },
      { kind: 'finished', status: 'ok', execution_count: 3 },
    ]);
    flushSync();
    expect(notebook.cells.map((c) => c.source)).toEqual(['# %load f.py\nx = 1\n', 'factor(2^64+1)']);
    // Saved with the new sources.
    await waitFor(() =>
      expect(shell.callsOf('save_notebook').at(-1)?.cells).toEqual([
        { id: 'a1', cellType: 'code', source: '# %load f.py\nx = 1\n' },
        { id: notebook.cells[1].id, cellType: 'code', source: 'factor(2^64+1)' },
      ]),
    );
  });

  it('says what exit did', async () => {
    const { shell, notebook } = open(oneCell('exit()'));
    notebook.run(0);
    await waitFor(() => expect(shell.runs).toHaveLength(1));
    shell.runs[0].send([
      { kind: 'started' },
      { kind: 'payload', payload: { kind: 'exit', keepKernel: false } },
      { kind: 'finished', status: 'ok', execution_count: 1 },
    ]);
    flushSync();
    expect(screen.getByTestId('cell-note').textContent).toContain('a new kernel was started');
  });
});
