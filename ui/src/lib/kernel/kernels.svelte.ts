// The state of each notebook's kernel, as the shell's `kernel-status` events
// report it. The status word is derived from it (status.ts), never stored.

import { SvelteMap } from 'svelte/reactivity';
import { onAppEvent } from '../backend';
import type { KernelStatusEvent, SessionState } from '../types';

export class KernelStates {
  readonly #states = new SvelteMap<string, SessionState>();

  /** The kernel's state for the notebook at `path`; null until the shell reports one. */
  of(path: string): SessionState | null {
    return this.#states.get(path) ?? null;
  }

  update(event: KernelStatusEvent): void {
    this.#states.set(event.path, event.state);
  }

  /** Follows the shell's kernel-status events; resolves to the way to stop. */
  listen(subscribe: typeof onAppEvent = onAppEvent): Promise<() => void> {
    return subscribe((event) => {
      if (event.kind === 'kernelStatus') this.update(event);
    });
  }
}
