// An open notebook: its cells, the keyboard's state, runs and their queue,
// and autosave. Every native call goes through the NotebookBackend it is
// given (backend.ts in the app, fakes in tests).

import { explain, notebookBackend, toBackendError, type NotebookBackend } from '../backend';
import type { CellEdit, CellType, Completions, Help, InterruptOutcome, NotebookDoc } from '../types';
import { Autosaver, type SaveStatus } from './autosave';
import { CellModel, newCellId } from './cell.svelte';
import {
  commandKey,
  editKey,
  focusCell,
  initialKeyboard,
  type CellAction,
  type KeyboardState,
  type KeyPress,
  type Mode,
} from './keyboard';

export interface NotebookOptions {
  backend?: NotebookBackend;
  autosaveDelayMs?: number;
}

/** A run asked for and not sent to the kernel yet. */
interface Queued {
  cell: CellModel;
  /** The source when the run was asked for: what runs, whatever is typed after. */
  code: string;
}

/** What the window says after an interrupt, when there is something to say. */
export function interruptMessage(outcome: InterruptOutcome): string | null {
  switch (outcome) {
    case 'needsRestart':
      return 'The kernel did not stop. Restart it to run cells again (its variables will be lost).';
    case 'signalled':
      return 'The kernel was stopped with a signal.';
    default:
      return null;
  }
}

export class NotebookModel {
  /** Its name in the workspace: the key every command takes (a rename changes it). */
  path = $state('');
  cells = $state<CellModel[]>([]);
  keys = $state<KeyboardState>(initialKeyboard());
  save = $state<SaveStatus>({ kind: 'saved', at: null });
  /** A message about the kernel for the toolbar (an interrupt that did not work, a failed restart). */
  kernelNote = $state<string | null>(null);
  readonly #backend: NotebookBackend;
  readonly #autosave: Autosaver;
  /** Cells the file on disk has: a run of any other one saves first. */
  #saved = new Set<string>();
  #queue: Queued[] = [];
  #sending = false;

  constructor(doc: NotebookDoc, options: NotebookOptions = {}) {
    this.path = doc.path;
    this.#backend = options.backend ?? notebookBackend;
    this.#load(doc);
    this.#autosave = new Autosaver({
      save: (force) => this.#write(force),
      onStatus: (status) => (this.save = status),
      delayMs: options.autosaveDelayMs,
    });
  }

  #load(doc: NotebookDoc) {
    this.cells = doc.cells.map((cell) => new CellModel(cell));
    if (this.cells.length === 0) this.cells = [this.#newCell('code')];
    this.#saved = new Set(doc.cells.map((cell) => cell.id));
    this.keys = { ...this.keys, selected: Math.min(this.keys.selected, this.cells.length - 1) };
  }

  async #write(force: boolean) {
    const cells: CellEdit[] = this.cells.map((cell) => ({ id: cell.id, cellType: cell.cellType, source: cell.source }));
    const result = await this.#backend.saveNotebook(this.path, cells, force);
    this.#saved = new Set(cells.map((cell) => cell.id));
    return result;
  }

  #newCell(cellType: CellType): CellModel {
    const id = newCellId((candidate) => this.cells.some((cell) => cell.id === candidate));
    const cell = new CellModel({ id, cellType, source: '', outputs: [], executionCount: null });
    if (cellType === 'markdown') cell.rendered = false;
    return cell;
  }

  get selectedCell(): CellModel | undefined {
    return this.cells[this.keys.selected];
  }

  // Editing ------------------------------------------------------------------

  /** The source of `cell` became `source` (typed in its editor). */
  edit(cell: CellModel, source: string): void {
    if (cell.source === source) return;
    cell.source = source;
    this.#autosave.edited();
  }

  /** Inserts a new empty cell at `index`; returns it. */
  insert(index: number, cellType: CellType = 'code'): CellModel {
    const cell = this.#newCell(cellType);
    this.cells.splice(Math.max(0, Math.min(index, this.cells.length)), 0, cell);
    this.#autosave.edited();
    return cell;
  }

  remove(index: number): void {
    if (index < 0 || index >= this.cells.length) return;
    this.cells.splice(index, 1);
    this.#autosave.edited();
  }

  setType(index: number, cellType: CellType): void {
    const cell = this.cells[index];
    if (!cell || cell.cellType === cellType) return;
    cell.cellType = cellType;
    // The shell keeps outputs for code cells only; a markdown cell shows its rendering.
    if (cellType !== 'code') {
      cell.outputs.reset();
      cell.executionCount = null;
    }
    cell.rendered = false;
    this.#autosave.edited();
  }

  // Keyboard -----------------------------------------------------------------

  /** A key pressed with the notebook (not an editor) focused; true if it was the notebook's. */
  commandKey(press: KeyPress): boolean {
    return this.#perform(commandKey(this.keys, press, this.cells.length));
  }

  /** A key pressed in the selected cell's editor; true if it was the notebook's. */
  editKey(press: KeyPress): boolean {
    return this.#perform(editKey(this.keys, press, this.cells.length));
  }

  /** A cell was clicked (command mode) or its editor focused (edit mode). */
  focus(index: number, mode: Mode): void {
    if (this.keys.selected === index && this.keys.mode === mode) return;
    this.keys = focusCell(index, mode);
    const cell = this.cells[index];
    if (mode === 'edit' && cell?.cellType === 'markdown') cell.rendered = false;
  }

  #perform(result: { state: KeyboardState; actions: CellAction[]; handled: boolean }): boolean {
    this.keys = result.state;
    for (const action of result.actions) this.#act(action);
    return result.handled;
  }

  #act(action: CellAction) {
    switch (action.type) {
      case 'run':
        this.run(action.index);
        break;
      case 'insert':
        this.insert(action.index, action.cellType);
        break;
      case 'delete':
        this.remove(action.index);
        break;
      case 'setType':
        this.setType(action.index, action.cellType);
        break;
      case 'edit': {
        const cell = this.cells[action.index];
        if (cell?.cellType === 'markdown') cell.rendered = false;
        break;
      }
      case 'select':
      case 'leaveEdit':
        // The selection and mode are in `keys`; the view moves the focus.
        break;
    }
  }

  // Running ------------------------------------------------------------------

  /** Runs the cell at `index`: a code cell goes to the kernel, a markdown cell is rendered. */
  run(index: number): void {
    const cell = this.cells[index];
    if (!cell) return;
    if (cell.cellType === 'markdown') {
      cell.rendered = true;
      return;
    }
    if (cell.cellType !== 'code') return;
    cell.queued();
    this.#queue.push({ cell, code: cell.source });
    void this.#send();
  }

  runAll(): void {
    for (let i = 0; i < this.cells.length; i += 1) this.run(i);
  }

  /**
   * Sends the queued runs to the kernel, in order, one command at a time
   * (so they reach the kernel in the order they were asked for). A cell the
   * file does not have yet is saved first, so that the shell can keep its
   * outputs.
   */
  async #send() {
    if (this.#sending) return;
    this.#sending = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        const { cell, code } = next;
        if (!this.#saved.has(cell.id)) await this.#autosave.flush();
        try {
          await this.#backend.executeCell(this.path, cell.id, code, (batch) => {
            for (const update of batch) {
              if (update.kind === 'payload' && update.payload.kind === 'nextInput') {
                this.#nextInput(cell, update.payload.text, update.payload.replace);
              }
              if (cell.receive(update)) this.#ended(cell);
            }
          });
        } catch (reason) {
          cell.failed(explain(reason));
          this.#dropQueue();
        }
      }
    } finally {
      this.#sending = false;
    }
  }

  /**
   * The kernel's source for a next cell (`%load`, `%recall`): as JupyterLab
   * does, it replaces the source of the cell that ran when `replace` is set,
   * and is a new code cell below it otherwise.
   */
  #nextInput(cell: CellModel, text: string, replace: boolean) {
    const index = this.cells.indexOf(cell);
    if (index < 0) return;
    if (replace) {
      this.edit(cell, text);
      return;
    }
    const next = this.insert(index + 1, 'code');
    next.source = text;
  }

  #ended(cell: CellModel) {
    this.#autosave.cellFinished();
    // As Jupyter does: after an error (an interrupt is one), the cells queued after it do not run.
    if (cell.status !== 'ok') this.#dropQueue();
  }

  #dropQueue() {
    for (const { cell } of this.#queue) cell.unqueued();
    this.#queue = [];
  }

  async interrupt(): Promise<void> {
    this.#dropQueue();
    try {
      this.kernelNote = interruptMessage(await this.#backend.interruptKernel(this.path));
    } catch (reason) {
      this.kernelNote = `Could not interrupt the kernel: ${explain(reason)}`;
    }
  }

  async restart(): Promise<void> {
    this.#dropQueue();
    this.kernelNote = null;
    try {
      await this.#backend.restartKernel(this.path);
    } catch (reason) {
      this.kernelNote = `Could not restart the kernel: ${explain(reason)}`;
    }
  }

  /** Answers the `input()` of `cell`. */
  async answer(cell: CellModel, value: string): Promise<void> {
    cell.answered(value);
    try {
      await this.#backend.inputReply(this.path, value);
    } catch (reason) {
      cell.notice = `The answer did not reach the kernel: ${explain(reason)}`;
    }
  }

  complete(code: string, cursorPos: number): Promise<Completions> {
    return this.#backend.complete(this.path, code, cursorPos);
  }

  inspect(code: string, cursorPos: number): Promise<Help> {
    return this.#backend.inspect(this.path, code, cursorPos);
  }

  // Saving -------------------------------------------------------------------

  /** The file changed on disk: take its version (this notebook's unsaved edits are dropped). */
  async reload(): Promise<void> {
    const doc = await this.#backend.reloadNotebook(this.path);
    this.#autosave.reloaded();
    this.#load(doc);
  }

  /** The file changed on disk: write this version over it. */
  keepMine(): Promise<void> {
    return this.#autosave.keepMine();
  }

  /** Saves what is not saved yet, now. */
  flush(): Promise<void> {
    return this.#autosave.flush();
  }

  /** Opens everything `cell` printed in its last run in the system's viewer. */
  async openWholeOutput(cell: CellModel): Promise<void> {
    try {
      await this.#backend.openWholeOutput(this.path, cell.id);
    } catch (reason) {
      cell.notice = explain(reason);
      if (toBackendError(reason).code === 'no_whole_output') cell.wholeOutputBytes = null;
    }
  }

  /** Saves what is not saved yet and stops autosaving (the notebook is being closed). */
  async close(): Promise<void> {
    await this.#autosave.flush();
    this.#autosave.dispose();
  }

  /** Stops autosaving without saving (the view is gone and so is what it would save). */
  dispose(): void {
    this.#autosave.dispose();
  }
}
