// The open workspace: its notebooks and the one open in the window.

import { createNotebook, listNotebooks, notebookBackend, openNotebook, toBackendError, type NotebookBackend } from '../backend';
import { NotebookModel } from '../notebook/notebook.svelte';
import type { NotebookEntry, WorkspaceInfo } from '../types';

/** The commands a workspace uses (fakes in tests). */
export interface WorkspaceBackend {
  listNotebooks: typeof listNotebooks;
  createNotebook: typeof createNotebook;
  openNotebook: typeof openNotebook;
  notebook: NotebookBackend;
}

const defaultBackend: WorkspaceBackend = { listNotebooks, createNotebook, openNotebook, notebook: notebookBackend };

/** "Untitled.ipynb", else "Untitled 2.ipynb", … : the first name no notebook has. */
export function untitledName(entries: NotebookEntry[], from = 1): string {
  const taken = new Set(entries.map((entry) => entry.name.toLowerCase()));
  for (let n = from; ; n += 1) {
    const name = n === 1 ? 'Untitled.ipynb' : `Untitled ${n}.ipynb`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}

export class WorkspaceModel {
  readonly path: string;
  notebooks = $state<NotebookEntry[]>([]);
  current = $state<NotebookModel | null>(null);
  /** The notebook being opened or created, while it is. */
  busy = $state<string | null>(null);
  error = $state<string | null>(null);
  readonly #backend: WorkspaceBackend;

  constructor(info: WorkspaceInfo, backend: WorkspaceBackend = defaultBackend) {
    this.path = info.path;
    this.notebooks = info.notebooks;
    this.#backend = backend;
  }

  async refresh(): Promise<void> {
    try {
      this.notebooks = await this.#backend.listNotebooks();
    } catch (reason) {
      this.error = toBackendError(reason).message;
    }
  }

  /** Opens `entry`, saving the notebook open before. */
  async open(entry: NotebookEntry): Promise<void> {
    if (this.current?.path === entry.path || this.busy) return;
    this.busy = entry.path;
    this.error = null;
    try {
      await this.current?.close();
      const doc = await this.#backend.openNotebook(entry.path);
      this.current = new NotebookModel(doc, { backend: this.#backend.notebook });
    } catch (reason) {
      this.error = `Could not open ${entry.name}: ${toBackendError(reason).message}`;
    } finally {
      this.busy = null;
    }
  }

  /** Creates a new notebook with the first free "Untitled" name, and opens it. */
  async create(): Promise<void> {
    if (this.busy) return;
    this.busy = 'new';
    this.error = null;
    let entry: NotebookEntry | null = null;
    try {
      // Another program may have made the name meanwhile: take the next one.
      for (let n = 1; entry === null && n < 50; n += 1) {
        const name = untitledName(this.notebooks, n);
        try {
          entry = await this.#backend.createNotebook(name);
        } catch (reason) {
          const error = toBackendError(reason);
          if (error.code !== 'already_exists') throw error;
        }
      }
      if (!entry) throw new Error('every "Untitled" name is taken');
      const created = entry;
      this.notebooks = [...this.notebooks.filter((e) => e.path !== created.path), created].sort((a, b) =>
        a.name.localeCompare(b.name),
      );
    } catch (reason) {
      this.error = `Could not create a notebook: ${toBackendError(reason).message}`;
    } finally {
      this.busy = null;
    }
    if (entry) await this.open(entry);
  }
}
