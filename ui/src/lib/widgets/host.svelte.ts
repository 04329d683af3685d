// A notebook's widgets, as its outputs and cells see them: the stream of
// its kernel's widget events, followed once a run begins or a widget is
// shown, and the widget manager (ipywidgets' own, in manager.ts), loaded
// with its weight only when the kernel opens a first widget or the
// notebook shows one.

import type { NotebookBackend } from '../backend';
import type { WidgetEvent } from '../types';
import type { WidgetManager } from './manager';

/** The Svelte context key under which outputs find their notebook's widgets (a function giving them). */
export const WIDGETS = Symbol('widgets');

/** What a widget shown in an output is doing. */
export type Shown = 'loading' | 'shown' | 'missing';

export class WidgetHost {
  readonly #path: () => string;
  readonly #backend: Pick<NotebookBackend, 'followWidgets' | 'sendComm'>;
  #following: Promise<void> | null = null;
  #manager: Promise<WidgetManager> | null = null;
  /** What the kernel said while the manager loads, in order. */
  #early: WidgetEvent[] = [];
  /** Why a widget's last message did not reach the kernel, while that holds. */
  trouble = $state<string | null>(null);
  /** Outputs shown with a display id take these data: the notebook applies them. */
  onUpdateDisplay: (displayId: string, data: Record<string, unknown>, metadata: Record<string, unknown>) => void = () => {};

  constructor(path: () => string, backend: Pick<NotebookBackend, 'followWidgets' | 'sendComm'>) {
    this.#path = path;
    this.#backend = backend;
  }

  /** Follows the kernel's widget events, if not already (again after a failure). */
  follow(): Promise<void> {
    this.#following ??= this.#backend
      .followWidgets(this.#path(), (batch) => this.receive(batch))
      .catch((reason: unknown) => {
        this.#following = null;
        throw reason;
      });
    return this.#following;
  }

  /** Takes one batch of the kernel's widget events. */
  receive(batch: WidgetEvent[]): void {
    for (const event of batch) {
      if (event.kind === 'updateDisplay') {
        this.onUpdateDisplay(event.display_id, event.data, event.metadata);
        continue;
      }
      if (this.#manager) {
        void this.#manager.then((manager) => manager.receive(event));
      } else if (event.kind === 'comm' && event.message.kind === 'open') {
        this.#early.push(event);
        void this.manager();
      }
      // Anything else is for widgets this window never had.
    }
  }

  /** The manager, loaded on first use. */
  manager(): Promise<WidgetManager> {
    this.#manager ??= import('./manager').then(({ WidgetManager }) => {
      const manager = new WidgetManager((message) => this.#backend.sendComm(this.#path(), message), this);
      for (const event of this.#early.splice(0)) manager.receive(event);
      return manager;
    });
    return this.#manager;
  }

  /**
   * Shows the widget `modelId` in `element`, telling `onShown` how that
   * goes; returns how to take it away. A widget the kernel does not have
   * (it was restarted, or the notebook was opened from a file) is missing.
   */
  show(modelId: string, element: HTMLElement, onShown: (shown: Shown, dead: boolean, why?: string) => void): () => void {
    let gone = false;
    let remove: (() => void) | null = null;
    // Followed first: a widget the kernel kept is asked for over it.
    void this.follow()
      .catch(() => {})
      .then(() => this.manager())
      .then((manager) => manager.display(modelId, element, (dead) => !gone && onShown('shown', dead)))
      .then(
        (undo) => {
          if (gone) undo();
          else remove = undo;
        },
        (error: unknown) => {
          if (!gone) onShown('missing', true, error instanceof Error ? error.message : String(error));
        },
      );
    return () => {
      gone = true;
      remove?.();
    };
  }
}
