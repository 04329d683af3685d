// Autosave: a notebook is saved a moment after the last edit and after every
// finished cell (whose outputs the shell then writes with it). One save at a
// time; edits made during a save are saved right after it. A conflict (the
// file changed on disk, code `notebook_conflict`) stops saving until the person
// chooses to reload or to keep their version.

import { toBackendError } from '../backend';
import type { Saved } from '../types';

export type SaveStatus =
  | { kind: 'saved'; at: string | null }
  /** Edits waiting for their save. */
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'failed'; message: string }
  | { kind: 'conflict'; message: string };

/** The words the indicator shows. */
export function saveLabel(status: SaveStatus): string {
  switch (status.kind) {
    case 'saved':
      return 'Saved';
    case 'pending':
    case 'saving':
      return 'Saving…';
    case 'failed':
    case 'conflict':
      return `Not saved: ${status.message}`;
  }
}

/** How long after the last edit a notebook is saved (the settings' `autosaveDelayMs`). */
export const AUTOSAVE_DELAY_MS = 1000;

export interface AutosaveOptions {
  /** Saves the notebook as it is now; `force` writes over a file changed on disk. */
  save: (force: boolean) => Promise<Saved>;
  onStatus: (status: SaveStatus) => void;
  delayMs?: number;
}

export class Autosaver {
  readonly #save: AutosaveOptions['save'];
  readonly #onStatus: AutosaveOptions['onStatus'];
  readonly #delayMs: number;
  #dirty = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #inFlight: Promise<void> | null = null;
  #again = false;
  #status: SaveStatus = { kind: 'saved', at: null };

  constructor(options: AutosaveOptions) {
    this.#save = options.save;
    this.#onStatus = options.onStatus;
    this.#delayMs = options.delayMs ?? AUTOSAVE_DELAY_MS;
  }

  get status(): SaveStatus {
    return this.#status;
  }

  /** Whether something is not saved yet. */
  get dirty(): boolean {
    return this.#dirty || this.#inFlight !== null;
  }

  /** A cell was edited, added, removed or moved: save after the delay. */
  edited(): void {
    this.#dirty = true;
    if (this.#status.kind === 'conflict') return;
    if (this.#status.kind !== 'saving') this.#set({ kind: 'pending' });
    this.#schedule(this.#delayMs);
  }

  /** A cell's run ended: save now. */
  cellFinished(): void {
    this.#dirty = true;
    if (this.#status.kind === 'conflict') return;
    this.#schedule(0);
  }

  /** Saves now what is not saved yet, and waits for it. Does nothing while in conflict. */
  async flush(): Promise<void> {
    this.#clearTimer();
    if (this.#inFlight) await this.#inFlight;
    if (this.#dirty && this.#status.kind !== 'conflict') await this.#run(false);
  }

  /** The person keeps their version over the one on disk. */
  async keepMine(): Promise<void> {
    this.#clearTimer();
    if (this.#inFlight) await this.#inFlight;
    this.#dirty = true;
    await this.#run(true);
  }

  /** The person took the version on disk: nothing of theirs is left to save. */
  reloaded(): void {
    this.#clearTimer();
    this.#dirty = false;
    this.#set({ kind: 'saved', at: null });
  }

  /** Stops the timer (the notebook is closed; flush first to keep its edits). */
  dispose(): void {
    this.#clearTimer();
  }

  #set(status: SaveStatus) {
    this.#status = status;
    this.#onStatus(status);
  }

  #clearTimer() {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(ms: number) {
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#run(false);
    }, ms);
  }

  async #run(force: boolean): Promise<void> {
    if (this.#inFlight) {
      // Saved right after the save under way, with what is there then.
      this.#again = true;
      return this.#inFlight;
    }
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#again = false;
    this.#set({ kind: 'saving' });
    this.#inFlight = this.#save(force).then(
      (result) => {
        this.#set(this.#dirty ? { kind: 'pending' } : { kind: 'saved', at: result.savedAt });
      },
      (reason: unknown) => {
        const error = toBackendError(reason);
        this.#dirty = true;
        this.#again = false;
        this.#set({ kind: error.code === 'notebook_conflict' ? 'conflict' : 'failed', message: error.message });
      },
    );
    try {
      await this.#inFlight;
    } finally {
      this.#inFlight = null;
    }
    if (this.#again && this.#dirty && this.#timer === null) await this.#run(false);
  }
}
