// A notebook's widgets, as its outputs and cells see them: the stream of
// its kernel's widget events, followed once a run begins or a widget is
// shown, and the widget manager (ipywidgets' own, in manager.ts), loaded
// with its weight only when the kernel opens a first widget or the
// notebook shows one.

import type { NotebookBackend, WidgetState } from '../backend';
import type { Output, WidgetEvent } from '../types';
import type { WidgetManager } from './manager';

/** The Svelte context key under which outputs find their notebook's widgets (a function giving them). */
export const WIDGETS = Symbol('widgets');

/** What a widget shown in an output is doing. */
export type Shown = 'loading' | 'shown' | 'missing';

/** Whether a shown widget's kernel is there: `saved` is the state the file kept. */
export type Life = 'live' | 'gone' | 'saved';

/** The model ids `state` names from those of `roots` on (children, layouts, styles, links). */
export function reachable(state: WidgetState['state'], roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  const visit = (value: unknown) => {
    if (typeof value === 'string') {
      if (value.startsWith('IPY_MODEL_')) todo.push(value.slice('IPY_MODEL_'.length));
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (seen.has(id) || !(id in state)) continue;
    seen.add(id);
    visit(state[id].state);
  }
  return seen;
}

export class WidgetHost {
  readonly #path: () => string;
  readonly #backend: Pick<NotebookBackend, 'followWidgets' | 'sendComm' | 'commInfo'>;
  #following: Promise<void> | null = null;
  #manager: Promise<WidgetManager> | null = null;
  /** What the kernel said while the manager loads, in order. */
  #early: WidgetEvent[] = [];
  /** Why a widget's last message did not reach the kernel, while that holds. */
  trouble = $state<string | null>(null);
  /** The widget state the notebook's file kept, shown until the kernel has its widgets. */
  saved: WidgetState | null = null;
  /** The state last saved, as JSON: an unchanged one is not sent again. */
  #lastSaved: string | null = null;
  /** A cell's output shown with a display id was updated (from another cell, a widget): the notebook shows it. */
  onDisplayUpdated: (cellId: string, index: number, output: Output) => void = () => {};

  constructor(path: () => string, backend: Pick<NotebookBackend, 'followWidgets' | 'sendComm' | 'commInfo'>) {
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
      if (event.kind === 'displayUpdated') {
        this.onDisplayUpdated(event.cell_id, event.index, event.output);
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

  /**
   * The state of the widgets the notebook's outputs show (`shown`: their
   * model ids), with the models they use, to save in the file; `undefined`
   * when there is nothing new to save (no widget was ever loaded, or it
   * is what was saved last).
   */
  async stateToSave(shown: Iterable<string>): Promise<WidgetState | undefined> {
    if (!this.#manager) return undefined;
    const manager = await this.#manager;
    const all = (await manager.get_state({ drop_defaults: true })) as unknown as WidgetState;
    const keep = reachable(all.state, shown);
    const state: WidgetState = {
      version_major: all.version_major,
      version_minor: all.version_minor,
      state: Object.fromEntries(Object.entries(all.state).filter(([id]) => keep.has(id))),
    };
    const json = JSON.stringify(state);
    if (json === this.#lastSaved) return undefined;
    this.#lastSaved = json;
    return state;
  }

  /** The manager, loaded on first use. */
  manager(): Promise<WidgetManager> {
    this.#manager ??= import('./manager').then(({ WidgetManager }) => {
      const manager = new WidgetManager(
        (message) => this.#backend.sendComm(this.#path(), message),
        () => this.#backend.commInfo(this.#path(), 'jupyter.widget'),
        this,
      );
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
  show(modelId: string, element: HTMLElement, onShown: (shown: Shown, life: Life, why?: string) => void): () => void {
    let gone = false;
    let remove: (() => void) | null = null;
    // Followed first: a widget the kernel kept is asked for over it.
    void this.follow()
      .catch(() => {})
      .then(() => this.manager())
      .then((manager) => manager.display(modelId, element, (life) => !gone && onShown('shown', life)))
      .then(
        (undo) => {
          if (gone) undo();
          else remove = undo;
        },
        (error: unknown) => {
          if (!gone) onShown('missing', 'gone', error instanceof Error ? error.message : String(error));
        },
      );
    return () => {
      gone = true;
      remove?.();
    };
  }
}
