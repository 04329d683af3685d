// One cell of an open notebook: its source, its outputs (following the core's
// through the run's updates), and where its runs are.

import { LiveOutputs } from '../outputs/live.svelte';
import type { CellStatus, CellType, CellUpdate, CellView, Output, Payload, RunTimes } from '../types';

/** Where a cell's runs are: waiting for the kernel, running, or neither. */
export type RunPhase = 'idle' | 'queued' | 'running';

/** An `input()` waiting for its answer. */
export interface InputPrompt {
  prompt: string;
  password: boolean;
}

/**
 * An `input()` answered during the run (a password masked), shown where it
 * was asked: before the output at index `at`. The kernel does not echo
 * answers, so they are not among the outputs the core keeps.
 */
export interface Answer {
  prompt: string;
  shown: string;
  at: number;
}

/** A new cell id: nbformat 4.5 ids are 1–64 of [A-Za-z0-9-_]. */
export function newCellId(taken: (id: string) => boolean = () => false): string {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    const id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    if (!taken(id)) return id;
  }
}

export class CellModel {
  readonly id: string;
  cellType = $state<CellType>('code');
  source = $state('');
  executionCount = $state<number | null>(null);
  /** How the last run ended. */
  status = $state<CellStatus | null>(null);
  prompt = $state<InputPrompt | null>(null);
  answers = $state<Answer[]>([]);
  /** Why the last run did not end normally (the kernel died, the command failed). */
  notice = $state<string | null>(null);
  /** The size of everything the last run printed, when its outputs leave lines out and the shell keeps it all. */
  wholeOutputBytes = $state<number | null>(null);
  /** The kernel's help from the last run (`factor?`): shown, never saved. */
  help = $state<Record<string, string> | null>(null);
  /** What the last run did beyond its outputs (`exit`), said under it. */
  note = $state<string | null>(null);
  /** A markdown cell shows its rendering, not its source. */
  rendered = $state(true);
  /** When its last run started and ended (RFC 3339), kept in the file as JupyterLab keeps it. */
  times = $state<RunTimes | null>(null);
  /** Its editor shows line numbers (L); not saved, as in JupyterLab. */
  lineNumbers = $state(false);
  /**
   * For a pasted cell not saved yet: the id of the cell it copies, whose
   * outputs (as the file has them) the shell gives it at the next save.
   */
  copyOf: string | null = null;
  /** A markdown cell's attached images, as the file has them (name → MIME type → base64), and those pasted since. */
  attachments = $state<Record<string, Record<string, string>> | null>(null);
  /** Images pasted or dropped in and not saved yet: the next save sends them. */
  addedAttachments: Record<string, Record<string, string>> | null = null;
  readonly outputs: LiveOutputs;
  /** Runs asked for and not finished (the kernel runs them in order). */
  #waiting = $state(0);
  #running = $state(false);

  constructor(cell: CellView) {
    this.id = cell.id;
    this.cellType = cell.cellType;
    this.source = cell.source;
    this.executionCount = cell.executionCount;
    this.times = cell.times ?? null;
    this.attachments = cell.attachments ?? null;
    this.outputs = new LiveOutputs(cell.outputs);
  }

  /** A copy of `cell` under the id `id`: its text, type and outputs (pasted, or part of a split). */
  static copy(cell: CellModel, id: string, source = cell.source): CellModel {
    const copy = new CellModel({
      id,
      cellType: cell.cellType,
      source,
      outputs: structuredClone($state.snapshot(cell.outputs.outputs)) as Output[],
      executionCount: cell.executionCount,
      times: cell.times ?? undefined,
      attachments: cell.attachments ?? undefined,
    });
    copy.copyOf = cell.copyOf ?? cell.id;
    copy.rendered = cell.rendered;
    return copy;
  }

  /** Clears its outputs, count and times, as JupyterLab's Clear Outputs does. */
  clearOutputs(): void {
    this.outputs.reset();
    this.executionCount = null;
    this.times = null;
    this.help = null;
    this.note = null;
    this.notice = null;
    this.wholeOutputBytes = null;
  }

  get phase(): RunPhase {
    if (this.#running) return 'running';
    return this.#waiting > 0 ? 'queued' : 'idle';
  }

  /** A run was asked for. */
  queued(): void {
    this.#waiting += 1;
  }

  /** A run asked for will not happen (an earlier one failed, or the kernel was interrupted). */
  unqueued(): void {
    this.#waiting = Math.max(0, this.#waiting - 1);
  }

  /** A run could not be sent: the command's error, shown with the cell. */
  failed(message: string): void {
    this.unqueued();
    this.#running = false;
    this.notice = message;
  }

  /** Applies one item of a run's batch. Returns true when the run ended. */
  receive(update: CellUpdate): boolean {
    switch (update.kind) {
      case 'started':
        this.#start();
        return false;
      case 'outputs':
        // Updates start from an empty list: a run whose start was not seen starts here.
        if (!this.#running) this.#start();
        this.outputs.apply(update.updates);
        return false;
      case 'inputRequest':
        if (!this.#running) this.#start();
        this.prompt = { prompt: update.prompt, password: update.password };
        return false;
      case 'finished':
        this.#end();
        this.status = update.status;
        if (update.status !== 'aborted' || update.execution_count !== null) {
          this.executionCount = update.execution_count;
        }
        return true;
      case 'kernelDied':
        // The run did not end, the kernel did: no end time (the file has none either).
        this.#end(false);
        this.status = 'error';
        this.notice = update.message;
        return true;
      case 'wholeOutputKept':
        this.wholeOutputBytes = update.bytes;
        return false;
      case 'payload':
        this.#payload(update.payload);
        return false;
    }
  }

  /** What the cell itself does with a payload; a next cell is the notebook's. */
  #payload(payload: Payload) {
    switch (payload.kind) {
      case 'help':
        this.help = payload.data;
        break;
      case 'exit':
        this.note = payload.keepKernel
          ? 'The cell asked to exit, keeping the kernel: it goes on, with its variables.'
          : 'The cell asked the kernel to exit: a new kernel was started, and variables from earlier cells are gone.';
        break;
      case 'nextInput':
        break;
    }
  }

  /** The answer to the prompt was sent. */
  answered(value: string): void {
    if (!this.prompt) return;
    const shown = this.prompt.password ? '•'.repeat(Math.min(value.length, 12)) : value;
    this.answers = [...this.answers, { prompt: this.prompt.prompt, shown, at: this.outputs.items.length }];
    this.prompt = null;
  }

  #start() {
    this.#running = true;
    this.times = { started: new Date().toISOString(), ended: null };
    this.outputs.reset();
    this.prompt = null;
    this.answers = [];
    this.notice = null;
    this.help = null;
    this.note = null;
    this.status = null;
    this.wholeOutputBytes = null;
  }

  #end(ended = true) {
    if (this.#running && this.times && ended) this.times = { ...this.times, ended: new Date().toISOString() };
    this.#running = false;
    this.#waiting = Math.max(0, this.#waiting - 1);
    this.prompt = null;
  }
}
