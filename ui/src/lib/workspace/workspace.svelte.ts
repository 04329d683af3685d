// The open workspace: its notebooks and the one open in the window.

import {
  createNotebook,
  deleteNotebook,
  explain,
  listNotebooks,
  notebookBackend,
  openNotebook,
  renameNotebook,
  toBackendError,
  type NotebookBackend,
} from '../backend';
import { NotebookModel } from '../notebook/notebook.svelte';
import type { NotebookItem, WorkspaceInfo } from '../types';

/** The commands a workspace uses (fakes in tests). */
export interface WorkspaceBackend {
  listNotebooks: typeof listNotebooks;
  createNotebook: typeof createNotebook;
  openNotebook: typeof openNotebook;
  renameNotebook: typeof renameNotebook;
  deleteNotebook: typeof deleteNotebook;
  notebook: NotebookBackend;
}

const defaultBackend: WorkspaceBackend = {
  listNotebooks,
  createNotebook,
  openNotebook,
  renameNotebook,
  deleteNotebook,
  notebook: notebookBackend,
};

/** What a person typed as a new name, as the workspace names notebooks: `.ipynb` added when missing. */
export function notebookFileName(typed: string): string {
  const name = typed.trim();
  return /\.ipynb$/i.test(name) ? name : `${name}.ipynb`;
}

const byName = (a: NotebookItem, b: NotebookItem) => a.name.localeCompare(b.name);

/** "Untitled.ipynb", else "Untitled 2.ipynb", … : the first name no notebook has. */
export function untitledName(entries: NotebookItem[], from = 1): string {
  const taken = new Set(entries.map((entry) => entry.name.toLowerCase()));
  for (let n = from; ; n += 1) {
    const name = n === 1 ? 'Untitled.ipynb' : `Untitled ${n}.ipynb`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}

export class WorkspaceModel {
  readonly path: string;
  notebooks = $state<NotebookItem[]>([]);
  current = $state<NotebookModel | null>(null);
  /** The notebook being opened or created, while it is. */
  busy = $state<string | null>(null);
  error = $state<string | null>(null);
  /** What the last rename or delete did, for people ("Moved to .trash/a.ipynb"). */
  notice = $state<string | null>(null);
  /** How long notebooks wait after an edit before saving. */
  autosaveDelayMs: number | undefined;
  readonly #backend: WorkspaceBackend;

  constructor(info: WorkspaceInfo, backend: WorkspaceBackend = defaultBackend, autosaveDelayMs?: number) {
    this.path = info.path;
    this.notebooks = info.notebooks;
    this.#backend = backend;
    this.autosaveDelayMs = autosaveDelayMs;
  }

  /** Opens the notebook the workspace names `path`, if it has one. */
  async openPath(path: string): Promise<void> {
    const entry = this.notebooks.find((e) => e.path === path);
    if (entry) await this.open(entry);
  }

  /**
   * Renames `entry` to what was typed (`.ipynb` added when missing). An open
   * notebook is saved first and stays open, with its kernel. Resolves to
   * whether it was renamed; when not, `error` says why.
   */
  async rename(entry: NotebookItem, typed: string): Promise<boolean> {
    const to = notebookFileName(typed);
    if (to === entry.path || this.busy) return to === entry.path;
    this.busy = entry.path;
    this.error = null;
    this.notice = null;
    try {
      const open = this.current?.path === entry.path ? this.current : null;
      await open?.flush();
      const renamed = await this.#backend.renameNotebook(entry.path, to);
      if (open) {
        open.path = renamed.path;
        // An edit made while the rename was under way saves under the new name.
        await open.flush();
      }
      this.notebooks = [...this.notebooks.filter((e) => e.path !== entry.path), renamed].sort(byName);
      return true;
    } catch (reason) {
      this.error = `Could not rename ${entry.name}: ${explain(reason)}`;
      return false;
    } finally {
      this.busy = null;
    }
  }

  /**
   * The shell moved an open notebook by itself, from `from` to `to`: its name
   * had become a link leading out of the workspace, so its work was saved
   * beside it (`why` says so, for the person). The open notebook goes on
   * under the new name; the link is not a notebook of the workspace.
   */
  moved(from: string, to: string, why: string): void {
    if (this.current?.path === from) this.current.path = to;
    const kept: NotebookItem = { name: to.replace(/\.ipynb$/, ''), path: to };
    this.notebooks = [...this.notebooks.filter((e) => e.path !== from && e.path !== to), kept].sort(byName);
    this.notice = null;
    this.error = why;
  }

  /**
   * Moves `entry` to the workspace's trash (saving it first when open, so the
   * trashed copy is the latest) and closes it.
   */
  async remove(entry: NotebookItem): Promise<void> {
    if (this.busy) return;
    this.busy = entry.path;
    this.error = null;
    this.notice = null;
    try {
      const open = this.current?.path === entry.path ? this.current : null;
      await open?.flush();
      const { trashedTo } = await this.#backend.deleteNotebook(entry.path);
      if (open) {
        open.dispose();
        this.current = null;
      }
      this.notebooks = this.notebooks.filter((e) => e.path !== entry.path);
      this.notice = `Moved ${entry.name} to ${trashedTo}.`;
    } catch (reason) {
      this.error = `Could not delete ${entry.name}: ${explain(reason)}`;
    } finally {
      this.busy = null;
    }
  }

  async refresh(): Promise<void> {
    try {
      this.notebooks = await this.#backend.listNotebooks();
    } catch (reason) {
      this.error = explain(reason);
    }
  }

  /** Opens `entry`, saving the notebook open before. */
  async open(entry: NotebookItem): Promise<void> {
    if (this.current?.path === entry.path || this.busy) return;
    this.busy = entry.path;
    this.error = null;
    try {
      await this.current?.close();
      const doc = await this.#backend.openNotebook(entry.path);
      this.current = new NotebookModel(doc, { backend: this.#backend.notebook, autosaveDelayMs: this.autosaveDelayMs });
    } catch (reason) {
      this.error = `Could not open ${entry.name}: ${explain(reason)}`;
    } finally {
      this.busy = null;
    }
  }

  /** Creates a new notebook with the first free "Untitled" name, and opens it. */
  async create(): Promise<void> {
    if (this.busy) return;
    this.busy = 'new';
    this.error = null;
    let entry: NotebookItem | null = null;
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
      this.notebooks = [...this.notebooks.filter((e) => e.path !== created.path), created].sort(byName);
    } catch (reason) {
      this.error = `Could not create a notebook: ${explain(reason)}`;
    } finally {
      this.busy = null;
    }
    if (entry) await this.open(entry);
  }
}
