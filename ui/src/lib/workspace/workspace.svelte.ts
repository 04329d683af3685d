// The open workspace: its notebooks, those open in tabs, and the one shown.

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
  /** The notebooks open in tabs, in their order; each keeps its kernel and its state. */
  tabs = $state<NotebookModel[]>([]);
  /** The tab shown. */
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
      const open = this.#tab(entry.path);
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
    const open = this.#tab(from);
    if (open) open.path = to;
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
      const open = this.#tab(entry.path);
      await open?.flush();
      const { trashedTo } = await this.#backend.deleteNotebook(entry.path);
      if (open) {
        open.dispose();
        this.#drop(open);
      }
      this.notebooks = this.notebooks.filter((e) => e.path !== entry.path);
      this.notice = `Moved ${entry.name} to ${trashedTo}.`;
    } catch (reason) {
      this.error = `Could not delete ${entry.name}: ${explain(reason)}`;
    } finally {
      this.busy = null;
    }
  }

  /** The shell's new list of the notebooks of the workspace at `folder` (another program changed it). */
  listed(folder: string, notebooks: NotebookItem[]): void {
    if (folder === this.path) this.notebooks = [...notebooks].sort(byName);
  }

  async refresh(): Promise<void> {
    try {
      this.notebooks = await this.#backend.listNotebooks();
    } catch (reason) {
      this.error = explain(reason);
    }
  }

  /** The open tab of the notebook at `path`. */
  #tab(path: string): NotebookModel | undefined {
    return this.tabs.find((tab) => tab.path === path);
  }

  /** Shows the tab `notebook`. */
  show(notebook: NotebookModel): void {
    if (!this.tabs.includes(notebook)) return;
    for (const tab of this.tabs) tab.active = tab === notebook;
    this.current = notebook;
  }

  /** Shows the next tab (1, Ctrl+Tab) or the one before (-1, Ctrl+Shift+Tab), going round. */
  cycle(by: 1 | -1): void {
    if (this.tabs.length < 2 || !this.current) return;
    const at = this.tabs.indexOf(this.current);
    this.show(this.tabs[(at + by + this.tabs.length) % this.tabs.length]);
  }

  /** Closes the tab `notebook`, saving it first; its kernel runs on until the workspace closes, as in JupyterLab. */
  async close(notebook: NotebookModel): Promise<void> {
    await notebook.close();
    this.#drop(notebook);
  }

  /** Takes `notebook` out of the tabs, showing its neighbour if it was shown. */
  #drop(notebook: NotebookModel) {
    const at = this.tabs.indexOf(notebook);
    if (at < 0) return;
    this.tabs = this.tabs.filter((tab) => tab !== notebook);
    if (this.current === notebook) {
      const next = this.tabs[Math.min(at, this.tabs.length - 1)];
      if (next) this.show(next);
      else this.current = null;
    }
  }

  /** Opens `entry` in a tab of its own, or shows its tab if it has one. */
  async open(entry: NotebookItem): Promise<void> {
    const open = this.#tab(entry.path);
    if (open) {
      this.show(open);
      return;
    }
    if (this.busy) return;
    this.busy = entry.path;
    this.error = null;
    try {
      const doc = await this.#backend.openNotebook(entry.path);
      const notebook = new NotebookModel(doc, { backend: this.#backend.notebook, autosaveDelayMs: this.autosaveDelayMs });
      notebook.folder = this.path;
      this.tabs = [...this.tabs, notebook];
      this.show(notebook);
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
