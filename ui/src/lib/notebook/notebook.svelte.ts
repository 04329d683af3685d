// An open notebook: its cells, the keyboard's state, runs and their queue,
// and autosave. Every native call goes through the NotebookBackend it is
// given (backend.ts in the app, fakes in tests).

import { tick } from 'svelte';

import { explain, notebookBackend, toBackendError, type NotebookBackend, type WidgetState } from '../backend';
import type { CellEdit, CellType, Completions, ExportFormat, Help, InterruptOutcome, NotebookDoc } from '../types';
import { Autosaver, type SaveStatus } from './autosave';
import { CellModel, newCellId } from './cell.svelte';
import { copiedCells, copyCells } from './clipboard';
import { NotebookFind } from './find.svelte';
import { CellHistory, type Snapshot } from './history';
import { mathSettled } from '../outputs/mathjax';
import { ATTACHABLE, base64Of } from '../editor/images';
import { WidgetHost } from '../widgets/host.svelte';

/** The largest image a markdown cell takes as an attachment. */
const ATTACHMENT_MAX_BYTES = 20_000_000;
import { CellWindow } from './window.svelte';
import {
  commandKey,
  editKey,
  focusCell,
  initialKeyboard,
  selection,
  type CellAction,
  type KeyboardState,
  type KeyPress,
  type Mode,
  type Range,
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
  /** The find bar: closed, open to find, or open to find and replace (Ctrl+F, Ctrl+H). */
  finding = $state<'closed' | 'find' | 'replace'>('closed');
  /** What the last export or print did, for the toolbar. */
  fileNote = $state<string | null>(null);
  /** The workspace's folder, where export dialogs start. */
  folder: string | null = null;
  /** Its tab is the one shown: only then does its selected cell take the focus. */
  active = $state(true);
  /** The sheet of keys is shown (H). */
  showingShortcuts = $state(false);
  /** Which cells are drawn (those near the screen). */
  readonly cellWindow = new CellWindow();
  readonly #history = new CellHistory<CellModel>();
  /** Find and replace across the notebook's cells. */
  readonly find = new NotebookFind(() => this.cells);
  readonly #backend: NotebookBackend;
  readonly #autosave: Autosaver;
  /** Cells the file on disk has: a run of any other one saves first. */
  #saved = new Set<string>();
  #queue: Queued[] = [];
  #sending = false;
  /** Cells being taken out of the kernel's queue: their end drops nothing else. */
  #leaving = new Set<CellModel>();
  /** Its kernel's widgets. */
  readonly widgets: WidgetHost;

  constructor(doc: NotebookDoc, options: NotebookOptions = {}) {
    this.path = doc.path;
    this.#backend = options.backend ?? notebookBackend;
    this.widgets = new WidgetHost(() => this.path, this.#backend);
    // `update_display_data` from a later cell or a widget: the output it
    // names, in a cell that is not running (that one follows its own run).
    this.widgets.onDisplayUpdated = (cellId, index, output) => {
      const cell = this.cells.find((c) => c.id === cellId);
      if (cell && cell.phase === 'idle' && index < cell.outputs.outputs.length) {
        cell.outputs.apply([{ kind: 'replace', index, output }]);
      }
    };
    this.#load(doc);
    this.#autosave = new Autosaver({
      save: (force) => this.#write(force),
      onStatus: (status) => (this.save = status),
      delayMs: options.autosaveDelayMs,
    });
  }

  /** The model ids of the widgets the cells' outputs show. */
  #widgetsShown(): string[] {
    const ids: string[] = [];
    for (const cell of this.cells) {
      for (const output of cell.outputs.outputs) {
        if (output.output_type !== 'display_data' && output.output_type !== 'execute_result') continue;
        const view = output.data['application/vnd.jupyter.widget-view+json'] as { model_id?: unknown } | undefined;
        if (typeof view?.model_id === 'string') ids.push(view.model_id);
      }
    }
    return ids;
  }

  #load(doc: NotebookDoc) {
    this.widgets.saved = (doc.widgetState as WidgetState | undefined) ?? null;
    this.cells = doc.cells.map((cell) => new CellModel(cell));
    if (this.cells.length === 0) this.cells = [this.#newCell('code')];
    this.#saved = new Set(doc.cells.map((cell) => cell.id));
    const selected = Math.min(this.keys.selected, this.cells.length - 1);
    this.keys = { ...this.keys, selected, anchor: selected };
    this.#history.clear();
  }

  async #write(force: boolean) {
    const pasted = this.cells.filter((cell) => cell.copyOf !== null);
    const attaching = this.cells.filter((cell) => cell.addedAttachments !== null);
    const sent = new Map(attaching.map((cell) => [cell, cell.addedAttachments]));
    const cells: CellEdit[] = this.cells.map((cell) => {
      const edit: CellEdit = { id: cell.id, cellType: cell.cellType, source: cell.source };
      if (cell.copyOf !== null) edit.copyOf = cell.copyOf;
      if (cell.addedAttachments !== null) edit.attachments = cell.addedAttachments;
      return edit;
    });
    const widgets = await this.widgets.stateToSave(this.#widgetsShown()).catch((error: unknown) => {
      console.error('the widget state could not be read', error);
      return undefined;
    });
    const result = await this.#backend.saveNotebook(this.path, cells, force, widgets);
    this.#saved = new Set(cells.map((cell) => cell.id));
    // The file has them now, with what they copied and the images attached.
    for (const cell of pasted) cell.copyOf = null;
    for (const cell of attaching) if (cell.addedAttachments === sent.get(cell)) cell.addedAttachments = null;
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
    this.#change(() => this.cells.splice(Math.max(0, Math.min(index, this.cells.length)), 0, cell));
    return cell;
  }

  /** Deletes the cells `range` covers; a notebook keeps one cell (an empty one). */
  remove(range: Range | number): void {
    const { from, to } = typeof range === 'number' ? { from: range, to: range } : range;
    if (from < 0 || from >= this.cells.length) return;
    this.#change(() => {
      this.cells.splice(from, to - from + 1);
      if (this.cells.length === 0) this.cells.push(this.#newCell('code'));
    });
    this.#selectOnly(Math.min(from, this.cells.length - 1));
  }

  setType(range: Range | number, cellType: CellType): void {
    const { from, to } = typeof range === 'number' ? { from: range, to: range } : range;
    const cells = this.cells.slice(from, to + 1).filter((cell) => cell.cellType !== cellType);
    if (cells.length === 0) return;
    this.#change(() => {
      for (const cell of cells) {
        cell.cellType = cellType;
        // The shell keeps outputs for code cells only; a markdown cell shows its rendering.
        if (cellType !== 'code') cell.clearOutputs();
        cell.rendered = false;
      }
    });
  }

  /** The selected cells, in order. */
  get selected(): CellModel[] {
    const { from, to } = selection(this.keys);
    return this.cells.slice(from, to + 1);
  }

  /** Copies the cells `range` covers to the clipboard (C), whole. */
  copy(range: Range = selection(this.keys)): void {
    const cells = this.cells.slice(range.from, range.to + 1);
    copyCells(
      this.path,
      cells.map((cell) => CellModel.copy(cell, cell.id)),
    );
    // The shell keeps them whole too, for the paste's first save; a failure leaves the paste its text.
    this.#backend.copyCells(this.path, cells.map((cell) => cell.id)).catch(() => {});
  }

  /** Cuts the cells `range` covers (X). */
  cut(range: Range = selection(this.keys)): void {
    this.copy(range);
    this.remove(range);
  }

  /** Pastes the copied cells at `index` (V below, Shift+V above), selecting them. */
  paste(index: number): void {
    const copied = copiedCells<CellModel>();
    if (!copied || copied.cells.length === 0) return;
    const taken = (id: string) => this.cells.some((cell) => cell.id === id);
    const pasted = copied.cells.map((cell) => CellModel.copy(cell, newCellId(taken)));
    const at = Math.max(0, Math.min(index, this.cells.length));
    this.#change(() => this.cells.splice(at, 0, ...pasted));
    this.#selectRange(at, at + pasted.length - 1);
  }

  /** Moves the cells `range` covers one place up (-1) or down (1). */
  move(range: Range, by: -1 | 1): void {
    const { from, to } = range;
    if (from + by < 0 || to + by >= this.cells.length) return;
    this.#change(() => {
      const moving = this.cells.splice(from, to - from + 1);
      this.cells.splice(from + by, 0, ...moving);
    });
    const { selected, anchor } = this.keys;
    this.keys = { ...this.keys, selected: selected + by, anchor: anchor + by };
  }

  /** Moves the cells `range` covers to before the cell at `index` (dragged by their prompt). */
  moveTo(range: Range, index: number): void {
    const { from, to } = range;
    if (index >= from && index <= to + 1) return;
    const count = to - from + 1;
    const at = index > to ? index - count : index;
    this.#change(() => {
      const moving = this.cells.splice(from, count);
      this.cells.splice(at, 0, ...moving);
    });
    this.#selectRange(at, at + count - 1);
  }

  /**
   * Merges the cells `range` covers into one, as JupyterLab does: their
   * sources joined by a blank line, in a new cell of the first one's type,
   * with no outputs. One cell merges with the one below.
   */
  merge(range: Range = selection(this.keys)): void {
    const to = range.from === range.to ? range.to + 1 : range.to;
    if (to >= this.cells.length) return;
    const parts = this.cells.slice(range.from, to + 1);
    const merged = this.#newCell(parts[0].cellType);
    merged.source = parts.map((cell) => cell.source).join('\n\n');
    this.#change(() => this.cells.splice(range.from, parts.length, merged));
    this.#selectOnly(range.from);
  }

  /**
   * Splits `cell` at `offset` in its source (Ctrl+Shift+-), as JupyterLab
   * does: two new cells, blank lines at the cut dropped; the outputs go with
   * the second. The cursor's cell is then the second, in edit mode.
   */
  split(cell: CellModel, offset: number): void {
    const index = this.cells.indexOf(cell);
    if (index < 0) return;
    const trim = (text: string) => text.replace(/^\n+/, '').replace(/\n+$/, '');
    const taken = (id: string) => this.cells.some((c) => c.id === id);
    const first = this.#newCell(cell.cellType);
    first.source = trim(cell.source.slice(0, offset));
    const second = CellModel.copy(cell, newCellId(taken), trim(cell.source.slice(offset)));
    this.#change(() => this.cells.splice(index, 1, first, second));
    this.keys = focusCell(index + 1, 'edit');
  }

  undo(): void {
    this.#restore(this.#history.undo(this.#snapshot()));
  }

  redo(): void {
    this.#restore(this.#history.redo(this.#snapshot()));
  }

  /** Shows or hides line numbers in the cells `range` covers, or every cell. */
  toggleLineNumbers(range: Range | 'all'): void {
    const cells = range === 'all' ? this.cells : this.cells.slice(range.from, range.to + 1);
    const show = !cells.every((cell) => cell.lineNumbers);
    for (const cell of cells) cell.lineNumbers = show;
  }

  /** Runs `change` to the cell list, recorded for undo, and saves after it. */
  #change(change: () => void) {
    this.#history.record(this.#snapshot());
    change();
    this.#autosave.edited();
  }

  #snapshot(): Snapshot<CellModel> {
    return {
      cells: this.cells.slice(),
      types: this.cells.map((cell) => cell.cellType),
      selected: this.keys.selected,
      anchor: this.keys.anchor,
    };
  }

  #restore(snapshot: Snapshot<CellModel> | null) {
    if (!snapshot) return;
    snapshot.cells.forEach((cell, i) => {
      if (cell.cellType !== snapshot.types[i]) cell.cellType = snapshot.types[i];
    });
    this.cells = snapshot.cells;
    const last = this.cells.length - 1;
    this.keys = {
      ...this.keys,
      mode: 'command',
      selected: Math.min(snapshot.selected, last),
      anchor: Math.min(snapshot.anchor, last),
    };
    this.#autosave.edited();
  }

  #selectOnly(index: number) {
    this.keys = { ...this.keys, selected: index, anchor: index };
  }

  #selectRange(from: number, to: number) {
    this.keys = { ...this.keys, mode: 'command', selected: to, anchor: from };
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

  /** A cell was clicked (command mode; with Shift, the selection grows to it) or its editor focused (edit mode). */
  focus(index: number, mode: Mode, extend = false): void {
    if (this.keys.selected === index && this.keys.mode === mode && !extend && this.keys.anchor === index) return;
    this.keys = focusCell(index, mode, this.keys, extend);
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
        this.remove(action.range);
        break;
      case 'setType':
        this.setType(action.range, action.cellType);
        break;
      case 'edit': {
        const cell = this.cells[action.index];
        if (cell?.cellType === 'markdown') cell.rendered = false;
        break;
      }
      case 'cut':
        this.cut(action.range);
        break;
      case 'copy':
        this.copy(action.range);
        break;
      case 'paste':
        this.paste(action.index);
        break;
      case 'undo':
        this.undo();
        break;
      case 'redo':
        this.redo();
        break;
      case 'merge':
        this.merge(action.range);
        break;
      case 'move':
        this.move(action.range, action.by);
        break;
      case 'lineNumbers':
        this.toggleLineNumbers(action.range);
        break;
      case 'interrupt':
        void this.interrupt();
        break;
      case 'restart':
        void this.restart();
        break;
      case 'save':
        void this.flush();
        break;
      case 'find':
        this.finding = action.replace ? 'replace' : 'find';
        break;
      case 'shortcuts':
        this.showingShortcuts = true;
        break;
      case 'print':
        void this.print();
        break;
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
    this.#runRange(0, this.cells.length - 1);
  }

  /** Runs the cells above the selected one (not it). */
  runAbove(): void {
    this.#runRange(0, selection(this.keys).from - 1);
  }

  /** Runs the selected cell and every one below it. */
  runBelow(): void {
    this.#runRange(selection(this.keys).from, this.cells.length - 1);
  }

  /** Runs the selected cells. */
  runSelected(): void {
    const { from, to } = selection(this.keys);
    this.#runRange(from, to);
  }

  #runRange(from: number, to: number) {
    for (let i = Math.max(0, from); i <= to && i < this.cells.length; i += 1) this.run(i);
  }

  /** Clears the outputs of the cells `range` covers, or of every cell, in the window and in the file. */
  async clearOutputs(range: Range | 'all' = selection(this.keys)): Promise<void> {
    const cells = (range === 'all' ? this.cells : this.cells.slice(range.from, range.to + 1)).filter(
      (cell) => cell.cellType === 'code',
    );
    for (const cell of cells) cell.clearOutputs();
    try {
      await this.#backend.clearOutputs(
        this.path,
        cells.map((cell) => cell.id),
      );
    } catch (reason) {
      this.kernelNote = `The outputs were cleared here but not in the file: ${explain(reason)}`;
    }
  }

  /** Restarts the kernel, then runs every cell. */
  async restartAndRunAll(): Promise<void> {
    if (await this.restart()) this.runAll();
  }

  /** Restarts the kernel and clears every output. */
  async restartAndClear(): Promise<void> {
    await this.restart();
    await this.clearOutputs('all');
  }

  /**
   * Takes a queued cell out of the queue: it will not run, and keeps the
   * outputs it had; the cells queued after it still run.
   */
  async unqueue(cell: CellModel): Promise<void> {
    const waiting = this.#queue.findIndex((queued) => queued.cell === cell);
    if (waiting >= 0) {
      this.#queue.splice(waiting, 1);
      cell.unqueued();
      return;
    }
    if (cell.phase !== 'queued') return;
    this.#leaving.add(cell);
    try {
      if (!(await this.#backend.unqueueCell(this.path, cell.id))) this.#leaving.delete(cell);
    } catch (reason) {
      this.#leaving.delete(cell);
      cell.notice = `Could not take the cell out of the queue: ${explain(reason)}`;
    }
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
        // What the cell opens (widgets) reaches the window from the start.
        await this.widgets.follow().catch(() => {});
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
    // Taken out of the queue on purpose: the others still run.
    if (this.#leaving.delete(cell)) return;
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

  /** Replaces the kernel with a new one; false when it could not be restarted. */
  async restart(): Promise<boolean> {
    this.#dropQueue();
    this.kernelNote = null;
    try {
      await this.#backend.restartKernel(this.path);
      return true;
    } catch (reason) {
      this.kernelNote = `Could not restart the kernel: ${explain(reason)}`;
      return false;
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

  /** Writes the notebook, saved first, exported to `format` at `destination`. */
  async exportTo(format: ExportFormat, destination: string): Promise<void> {
    this.fileNote = null;
    try {
      await this.#autosave.flush();
      await this.#backend.exportNotebook(this.path, format, destination);
      this.fileNote = `Exported to ${destination}`;
    } catch (reason) {
      this.fileNote = `Could not export: ${explain(reason)}`;
    }
  }

  /** Saves the notebook, then a checkpoint of it (Jupyter's `.ipynb_checkpoints`). */
  async saveCheckpoint(): Promise<void> {
    this.fileNote = null;
    try {
      await this.#autosave.flush();
      const at = await this.#backend.saveCheckpoint(this.path);
      this.fileNote = `Checkpoint saved at ${new Date(at).toLocaleTimeString()}`;
    } catch (reason) {
      this.fileNote = `Could not save a checkpoint: ${explain(reason)}`;
    }
  }

  /** Puts the checkpoint back: the notebook shows it (this version's unsaved edits are dropped). */
  async revertToCheckpoint(): Promise<void> {
    this.fileNote = null;
    try {
      const doc = await this.#backend.revertToCheckpoint(this.path);
      this.#autosave.reloaded();
      this.#load(doc);
      this.fileNote = 'Reverted to the checkpoint';
    } catch (reason) {
      this.fileNote = `Could not revert: ${explain(reason)}`;
    }
  }

  /**
   * Attaches the image `file` (pasted or dropped) to the markdown cell
   * `cell`, under a name of its own (`image.png`, `image-2.png`…); returns
   * the markdown that shows it, for the editor to insert. Saved with the
   * cell, as JupyterLab keeps pasted images.
   */
  async attachImage(cell: CellModel, file: File): Promise<string | null> {
    if (cell.cellType !== 'markdown' || !ATTACHABLE.includes(file.type)) return null;
    if (file.size > ATTACHMENT_MAX_BYTES) {
      this.fileNote = `The image is larger than ${ATTACHMENT_MAX_BYTES / 1e6} MB: it was not attached`;
      return null;
    }
    const data = await base64Of(file);
    const extension = file.type.slice('image/'.length).replace('jpeg', 'jpg');
    const base = (file.name && file.name !== 'image.png' ? file.name.replace(/\.[^.]*$/, '') : 'image')
      .replace(/[^\w.-]+/g, '-')
      .slice(0, 100) || 'image';
    let name = `${base}.${extension}`;
    for (let n = 2; cell.attachments?.[name]; n += 1) name = `${base}-${n}.${extension}`;
    const image = { [file.type]: data };
    cell.attachments = { ...(cell.attachments ?? {}), [name]: image };
    cell.addedAttachments = { ...(cell.addedAttachments ?? {}), [name]: image };
    this.#autosave.edited();
    return `![${name}](attachment:${encodeURIComponent(name)})`;
  }

  /** Prints the notebook as the window shows it to the PDF file `destination`. */
  async printToPdf(destination: string): Promise<void> {
    this.fileNote = null;
    await this.#drawEverything();
    try {
      await this.#backend.printToPdf(destination);
      this.fileNote = `Printed to ${destination}`;
    } catch (reason) {
      this.fileNote = `Could not print to PDF: ${explain(reason)}`;
    } finally {
      this.cellWindow.everything = false;
    }
  }

  /** Prints the notebook, whole, through the system's print dialog (Ctrl+P). */
  async print(): Promise<void> {
    await this.#drawEverything();
    const done = () => {
      this.cellWindow.everything = false;
      window.removeEventListener('afterprint', done);
    };
    window.addEventListener('afterprint', done);
    window.print();
  }

  /** Draws every cell, even those far from the screen, and waits for their maths: a print shows them all. */
  async #drawEverything(): Promise<void> {
    this.cellWindow.everything = true;
    await tick();
    await mathSettled();
    await new Promise((resolve) => requestAnimationFrame(resolve));
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
