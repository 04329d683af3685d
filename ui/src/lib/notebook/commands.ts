// The notebook's commands, as its menus offer them: the toolbar's File,
// Edit and Run menus and the window's native menu bar (menuBar.ts) are made
// from these lists, each command with its keys, so both say and do the same.

import { save } from '@tauri-apps/plugin-dialog';

import type { ExportFormat } from '../types';
import { selection } from './keyboard';
import type { NotebookModel } from './notebook.svelte';

export interface Command {
  /** Stable: the menu item's id and its `data-testid`. */
  id: string;
  label: string;
  /** The keys that do it, as the shortcut sheet writes them. */
  keys?: string;
  /** A native menu accelerator, for the keys that work wherever the focus is. */
  accelerator?: string;
  run: (notebook: NotebookModel) => unknown;
}

/** Asks where to write the notebook as `extension` (the system's save dialog), starting beside it. */
async function destination(notebook: NotebookModel, extension: string, kind: string): Promise<string | null> {
  const name = notebook.path.replace(/\.ipynb$/i, `.${extension}`);
  const start = notebook.folder ? `${notebook.folder}/${name}` : name;
  return save({ defaultPath: start, filters: [{ name: kind, extensions: [extension] }] });
}

async function exportAs(notebook: NotebookModel, format: ExportFormat, kind: string) {
  const to = await destination(notebook, format, kind);
  if (to) await notebook.exportTo(format, to);
}

async function pdf(notebook: NotebookModel) {
  const to = await destination(notebook, 'pdf', 'PDF');
  if (to) await notebook.printToPdf(to);
}

const range = (notebook: NotebookModel) => selection(notebook.keys);

export const FILE: Command[] = [
  { id: 'menu-save', label: 'Save now', keys: 'Ctrl+S', accelerator: 'CmdOrCtrl+S', run: (n) => n.flush() },
  { id: 'export-html', label: 'Export as HTML…', run: (n) => exportAs(n, 'html', 'Web page') },
  { id: 'export-pdf', label: 'Export as PDF…', run: (n) => pdf(n) },
  { id: 'export-sage', label: 'Export as Sage script…', run: (n) => exportAs(n, 'sage', 'Sage script') },
  { id: 'export-py', label: 'Export as Python script…', run: (n) => exportAs(n, 'py', 'Python script') },
  { id: 'menu-print', label: 'Print…', keys: 'Ctrl+P', accelerator: 'CmdOrCtrl+P', run: (n) => n.print() },
  { id: 'menu-checkpoint', label: 'Save checkpoint', run: (n) => n.saveCheckpoint() },
  {
    id: 'menu-revert',
    label: 'Revert to checkpoint',
    run: (n) => {
      if (window.confirm('Revert the notebook to its checkpoint? What was saved since is replaced.')) {
        void n.revertToCheckpoint();
      }
    },
  },
];

export const EDIT: Command[] = [
  { id: 'menu-cut', label: 'Cut cells', keys: 'X', run: (n) => n.cut() },
  { id: 'menu-copy', label: 'Copy cells', keys: 'C', run: (n) => n.copy() },
  { id: 'menu-paste', label: 'Paste cells below', keys: 'V', run: (n) => n.paste(range(n).to + 1) },
  { id: 'menu-paste-above', label: 'Paste cells above', keys: 'Shift+V', run: (n) => n.paste(range(n).from) },
  { id: 'menu-undo', label: 'Undo cell operation', keys: 'Z', run: (n) => n.undo() },
  { id: 'menu-redo', label: 'Redo cell operation', keys: 'Shift+Z', run: (n) => n.redo() },
  { id: 'menu-move-up', label: 'Move cells up', keys: 'Ctrl+Shift+↑', run: (n) => n.move(range(n), -1) },
  { id: 'menu-move-down', label: 'Move cells down', keys: 'Ctrl+Shift+↓', run: (n) => n.move(range(n), 1) },
  { id: 'menu-merge', label: 'Merge cells', keys: 'Shift+M', run: (n) => n.merge() },
  { id: 'menu-delete', label: 'Delete cells', keys: 'D D', run: (n) => n.remove(range(n)) },
  { id: 'menu-find-only', label: 'Find…', keys: 'Ctrl+F', accelerator: 'CmdOrCtrl+F', run: (n) => (n.finding = 'find') },
  {
    id: 'menu-find',
    label: 'Find and replace…',
    keys: 'Ctrl+H',
    accelerator: 'CmdOrCtrl+H',
    run: (n) => (n.finding = 'replace'),
  },
  { id: 'menu-clear', label: 'Clear outputs', run: (n) => n.clearOutputs() },
  { id: 'menu-clear-all', label: 'Clear all outputs', run: (n) => n.clearOutputs('all') },
];

export const VIEW: Command[] = [
  { id: 'menu-line-numbers', label: 'Show line numbers', keys: 'L', run: (n) => n.toggleLineNumbers(range(n)) },
  { id: 'menu-shortcuts', label: 'Keyboard shortcuts', keys: 'H', run: (n) => (n.showingShortcuts = true) },
];

export const RUN: Command[] = [
  { id: 'menu-run-selected', label: 'Run selected cells', keys: 'Ctrl+Enter', run: (n) => n.runSelected() },
  { id: 'menu-run-above', label: 'Run cells above', run: (n) => n.runAbove() },
  { id: 'menu-run-below', label: 'Run selected cell and below', run: (n) => n.runBelow() },
  { id: 'menu-run-all', label: 'Run all cells', run: (n) => n.runAll() },
];

export const KERNEL: Command[] = [
  { id: 'menu-interrupt', label: 'Interrupt kernel', keys: 'I I', run: (n) => n.interrupt() },
  { id: 'menu-restart', label: 'Restart kernel', keys: '0 0', run: (n) => n.restart() },
  { id: 'menu-restart-clear', label: 'Restart kernel and clear outputs', run: (n) => n.restartAndClear() },
  { id: 'menu-restart-run-all', label: 'Restart kernel and run all', run: (n) => n.restartAndRunAll() },
];
