import { EditorView } from '@codemirror/view';
import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, expect, it } from 'vitest';
import App from './App.svelte';
import { kernelView, run } from './lib/kernel/fixtures';
import { noEngine, noImage, ready } from './lib/setup/fixtures';
import { fakeShell } from './lib/testing/shell';

afterEach(() => {
  // Unmount first: the app stops listening to the shell's events as it goes.
  cleanup();
  clearMocks();
});

it('goes from setup to a workspace, a new notebook, and a cell run with Shift+Enter', async () => {
  const shell = fakeShell();
  render(App);

  // Setup first; the workspace's folder is asked for once the engine and image are there.
  await waitFor(() => expect(screen.getByTestId('engine-status').dataset.state).toBe('found'));
  // A first run: a kernel is tried once the image is there.
  await waitFor(() => expect(screen.getByTestId('kernel-check').dataset.state).toBe('done'));
  expect(screen.getByTestId('kernel-check').textContent).toContain('passagemath version 10.8.13, Release Date: 2026-10-11');
  expect(screen.getByTestId('kernel-check').textContent).toContain('answered in 3.9 s');
  expect(shell.callsOf('check_kernel')).toHaveLength(1);
  const folder = (await screen.findByTestId('workspace-path')) as HTMLInputElement;
  expect(folder.value).toBe('~/SageDesk');
  await fireEvent.input(folder, { target: { value: '/home/ada/Maths' } });
  await fireEvent.click(screen.getByTestId('open-workspace'));
  await waitFor(() => expect(shell.callsOf('open_workspace')).toEqual([{ path: '/home/ada/Maths' }]));

  // A new notebook: created with the first free name, then opened.
  await fireEvent.click(await screen.findByTestId('new-notebook'));
  await waitFor(() => expect(screen.getAllByTestId('cell')).toHaveLength(1));
  expect(shell.callsOf('create_notebook')).toEqual([{ name: 'Untitled.ipynb' }]);
  expect(shell.callsOf('open_notebook')).toEqual([{ path: 'Untitled.ipynb' }]);
  expect(screen.getByTestId('notebook-entry').textContent).toBe('Untitled');

  // The status bar shows the kernel's state as the shell reports it.
  expect(screen.getByTestId('kernel-status').textContent).toBe('starting');
  await shell.kernelStatus('Untitled.ipynb', kernelView('idle'));
  await waitFor(() => expect(screen.getByTestId('kernel-status').textContent).toBe('idle'));
  expect(screen.getByTestId('kernel-status').parentElement!.title).toBe('Ready');
  await shell.kernelStatus('Other.ipynb', kernelView('dead-stopped'));
  expect(screen.getByTestId('kernel-status').textContent).toBe('idle');

  // Typing, then Shift+Enter in the editor: the cell runs and a new cell is made to edit.
  const editor = screen.getByTestId('cell-editor');
  const view = EditorView.findFromDOM(editor.closest<HTMLElement>('.cm-editor')!)!;
  view.focus();
  view.dispatch(view.state.replaceSelection('factor(2^64+1)'));
  await fireEvent.keyDown(editor, { key: 'Enter', code: 'Enter', keyCode: 13, shiftKey: true });
  await waitFor(() => expect(shell.runs).toHaveLength(1));
  expect(shell.runs[0]).toMatchObject({ path: 'Untitled.ipynb', cellId: 'new1', code: 'factor(2^64+1)' });
  expect(screen.getAllByTestId('cell')).toHaveLength(2);
  for (const batch of run('run-factor').batches) shell.runs[0].send(batch);
  flushSync();
  expect(screen.getAllByTestId('cell-output')[0].textContent).toContain('274177 * 67280421310721');
  await waitFor(() => expect(screen.getByTestId('save-status').textContent).toBe('Saved'));
  expect(shell.callsOf('save_notebook').length).toBeGreaterThan(0);
});

it('asks for no workspace while the image is missing', async () => {
  fakeShell({ report: noImage });
  render(App);
  await waitFor(() => expect(screen.getByTestId('image-status').dataset.state).toBe('missing'));
  expect(screen.queryByTestId('workspace-path')).toBeNull();
});

it('goes straight back to the last workspace and its last notebook, whose kernel warms', async () => {
  const shell = fakeShell({
    settings: { recentWorkspaces: ['/home/ada/Maths'], lastNotebook: 'limits.ipynb' },
    docs: [
      { path: 'limits.ipynb', cells: [{ id: 'c1', cellType: 'code', source: 'limit(sin(x)/x, x=0)', outputs: [], executionCount: null }] },
      { path: 'series.ipynb', cells: [] },
    ],
  });
  render(App);
  await waitFor(() => expect(screen.getAllByTestId('cell')).toHaveLength(1));
  expect(shell.callsOf('open_workspace')).toEqual([{ path: '/home/ada/Maths' }]);
  expect(shell.callsOf('open_notebook')).toEqual([{ path: 'limits.ipynb' }]);
  expect(screen.queryByTestId('workspace-path')).toBeNull();
  // Not a first run: no kernel is tried besides the notebook's own.
  expect(shell.callsOf('check_kernel')).toEqual([]);
});

it('offers the folder again, saying why, when the last workspace cannot be reopened', async () => {
  const shell = fakeShell({ settings: { recentWorkspaces: ['/media/usb/Maths'] }, missingFolders: ['/media/usb/Maths'] });
  render(App);
  const folder = (await screen.findByTestId('workspace-path')) as HTMLInputElement;
  expect(folder.value).toBe('/media/usb/Maths');
  expect(screen.getByRole('alert').textContent).toBe('Could not reopen /media/usb/Maths: /media/usb/Maths is not a folder');
  expect(shell.callsOf('open_notebook')).toEqual([]);
});

it('renames a notebook in place and moves another to the trash after asking', async () => {
  const shell = fakeShell({
    settings: { recentWorkspaces: ['/home/ada/Maths'] },
    docs: [
      { path: 'a.ipynb', cells: [] },
      { path: 'b.ipynb', cells: [] },
    ],
  });
  render(App);
  await waitFor(() => expect(screen.getAllByTestId('notebook-entry')).toHaveLength(2));

  await fireEvent.click(screen.getAllByTestId('notebook-menu')[0]);
  await fireEvent.click(screen.getByTestId('rename-notebook'));
  const input = screen.getByTestId('rename-input') as HTMLInputElement;
  expect(input.value).toBe('a');
  await fireEvent.input(input, { target: { value: 'limits' } });
  await fireEvent.keyDown(input, { key: 'Enter' });
  await waitFor(() => expect(shell.callsOf('rename_notebook')).toEqual([{ from: 'a.ipynb', to: 'limits.ipynb' }]));
  await waitFor(() => expect(screen.getAllByTestId('notebook-entry').map((e) => e.textContent)).toEqual(['b', 'limits']));

  await fireEvent.click(screen.getAllByTestId('notebook-menu')[0]);
  await fireEvent.click(screen.getByTestId('delete-notebook'));
  expect(shell.callsOf('delete_notebook')).toEqual([]);
  await fireEvent.click(screen.getByTestId('confirm-delete'));
  await waitFor(() => expect(shell.callsOf('delete_notebook')).toEqual([{ path: 'b.ipynb' }]));
  await waitFor(() => expect(screen.getAllByTestId('notebook-entry').map((e) => e.textContent)).toEqual(['limits']));
  expect(screen.getByRole('status').textContent).toBe('Moved b.ipynb to .trash/b.ipynb.');
});

it('says so over the notebook when the engine stops, and stops saying so when it is back', async () => {
  const shell = fakeShell({ settings: { recentWorkspaces: ['/home/ada/Maths'] }, docs: [{ path: 'a.ipynb', cells: [] }] });
  render(App);
  await screen.findByTestId('new-notebook');
  expect(screen.queryByTestId('engine-banner')).toBeNull();

  await shell.engineState(noEngine);
  const banner = await screen.findByTestId('engine-banner');
  expect(banner.textContent).toContain(noEngine.problem!.fix);
  expect(screen.getByTestId('new-notebook')).toBeTruthy();

  await shell.engineState(ready);
  await waitFor(() => expect(screen.queryByTestId('engine-banner')).toBeNull());
});

it('offers everything a cut output printed, once the shell says it kept it', async () => {
  const shell = fakeShell({
    settings: { recentWorkspaces: ['/home/ada/Maths'], lastNotebook: 'a.ipynb' },
    docs: [{ path: 'a.ipynb', cells: [{ id: 'c1', cellType: 'code', source: 'for i in range(10^6): print(i)', outputs: [], executionCount: null }] }],
  });
  render(App);
  await waitFor(() => expect(screen.getAllByTestId('cell')).toHaveLength(1));
  await fireEvent.click(screen.getByTestId('run-cell'));
  await waitFor(() => expect(shell.runs).toHaveLength(1));
  shell.runs[0].send([{ kind: 'started' }]);
  flushSync();
  expect(screen.queryByTestId('open-whole-output')).toBeNull();
  shell.runs[0].send([{ kind: 'wholeOutputKept', bytes: 6_888_890 }, { kind: 'finished', status: 'ok', execution_count: 1 }]);
  flushSync();
  const open = screen.getByTestId('open-whole-output');
  expect(open.textContent).toContain('6.9 MB');
  await fireEvent.click(open);
  await waitFor(() => expect(shell.callsOf('open_whole_output')).toEqual([{ path: 'a.ipynb', cellId: 'c1' }]));
});

it('goes on under the new name, and says why, when the shell keeps a notebook aside', async () => {
  const shell = fakeShell({
    settings: { recentWorkspaces: ['/home/ada/Maths'], lastNotebook: 'a.ipynb' },
    docs: [{ path: 'a.ipynb', cells: [{ id: 'c1', cellType: 'code', source: '1', outputs: [], executionCount: null }] }],
  });
  render(App);
  await waitFor(() => expect(screen.getAllByTestId('cell')).toHaveLength(1));
  const why = 'a.ipynb was replaced by a link to a file outside the workspace. Your notebook is saved as a (kept).ipynb.';
  await shell.notebookMoved('a.ipynb', 'a (kept).ipynb', why);
  await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('outside the workspace'));
  expect(screen.getAllByTestId('notebook-entry').map((e) => e.textContent)).toEqual(['a (kept)']);
  await fireEvent.click(screen.getByTestId('run-cell'));
  await waitFor(() => expect(shell.runs).toHaveLength(1));
  expect(shell.runs[0].path).toBe('a (kept).ipynb');
});
