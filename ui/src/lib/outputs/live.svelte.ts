// A cell's outputs as the window shows them: the mirror of the core's list
// (kernel/outputs.ts applyUpdate) and, beside it, one item per output for the
// view. Adding, replacing or removing an output changes the item list (a
// keyed #each redraws those items only); a change to a stream's text goes to
// that stream's view as a StreamChange, with no redraw at all.

import { applyUpdate, UpdateError } from '../kernel/outputs';
import type { Output, OutputUpdate } from '../types';
import type { StreamChange } from './streamRenderer';

/** Tells a stream's view about changes to its text made in place. */
export class StreamFeed {
  #listeners = new Set<(change: StreamChange) => void>();

  /** Calls `listener` with every later change; returns the way to stop. */
  subscribe(listener: (change: StreamChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(change: StreamChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}

/** One output in the view: `key` is new whenever the output is replaced. */
export interface OutputItem {
  readonly key: number;
  readonly output: Output;
  /** For streams: their in-place changes, after the view drew `output`. */
  readonly feed: StreamFeed | null;
  /** Made by a run's update (not read from the notebook): its view follows new text. */
  readonly live: boolean;
}

export class LiveOutputs {
  /** The mirror of the core's list: what `applyUpdate` works on. */
  readonly outputs: Output[] = [];
  items = $state.raw<OutputItem[]>([]);
  /** Set when an update did not fit: the view stops following the run. */
  lostTrack = $state<string | null>(null);
  #nextKey = 0;

  constructor(initial: Output[] = []) {
    this.reset(initial);
  }

  /** Shows `outputs` (none: a run starting, whose updates start from an empty list). */
  reset(outputs: Output[] = []): void {
    this.outputs.length = 0;
    this.outputs.push(...outputs);
    this.items = this.outputs.map((output) => this.#item(output, false));
    this.lostTrack = null;
  }

  #item(output: Output, live = true): OutputItem {
    this.#nextKey += 1;
    return { key: this.#nextKey, output, feed: output.output_type === 'stream' ? new StreamFeed() : null, live };
  }

  /** Applies a batch of updates, in order. */
  apply(updates: OutputUpdate[]): void {
    if (this.lostTrack !== null) return;
    let items = this.items;
    let copied = false;
    const editable = () => {
      if (!copied) {
        items = items.slice();
        copied = true;
      }
      return items;
    };
    try {
      for (const update of updates) {
        applyUpdate(this.outputs, update);
        switch (update.kind) {
          case 'clear':
            items = [];
            copied = true;
            break;
          case 'insert':
            editable().splice(update.index, 0, this.#item(this.outputs[update.index]));
            break;
          case 'replace':
            editable()[update.index] = this.#item(this.outputs[update.index]);
            break;
          case 'remove':
            editable().splice(update.index, update.count);
            break;
          case 'appendText':
            items[update.index].feed?.emit({ kind: 'append', text: update.text });
            break;
          case 'rewriteLine':
            items[update.index].feed?.emit({ kind: 'rewrite', text: update.text });
            break;
          case 'trimText':
            items[update.index].feed?.emit({ kind: 'trim', lines: update.lines });
            break;
        }
      }
    } catch (error) {
      if (!(error instanceof UpdateError)) throw error;
      // The core's list and this one differ: showing more of the run would
      // show wrong outputs. The notebook saved by the core is still right.
      console.error('cell outputs out of step with the kernel', error);
      this.lostTrack = error.message;
    }
    if (copied) this.items = items;
  }
}
