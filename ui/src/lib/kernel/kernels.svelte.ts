// What each notebook's kernel is doing, as the shell's `kernelStatus` events
// report it: the core's state, with the word and the line it derives from
// it (never derived again here).

import { SvelteMap } from 'svelte/reactivity';
import { onAppEvent } from '../backend';
import type { KernelStatusEvent, KernelView } from '../types';

export class KernelStates {
  readonly #kernels = new SvelteMap<string, KernelView>();

  /** The kernel of the notebook at `path`; null until the shell reports one. */
  of(path: string): KernelView | null {
    return this.#kernels.get(path) ?? null;
  }

  update({ path, state, status, detail, dropped_messages }: KernelStatusEvent): void {
    this.#kernels.set(path, { state, status, detail, dropped_messages });
  }

  /** Follows the shell's kernel-status events; resolves to the way to stop. */
  listen(subscribe: typeof onAppEvent = onAppEvent): Promise<() => void> {
    return subscribe((event) => {
      if (event.kind === 'kernelStatus') this.update(event);
    });
  }
}
