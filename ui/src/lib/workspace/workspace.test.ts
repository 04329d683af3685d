import { describe, expect, it } from 'vitest';
import { notebookBackend } from '../backend';
import type { NotebookDoc, NotebookItem } from '../types';
import { notebookFileName, untitledName, WorkspaceModel, type WorkspaceBackend } from './workspace.svelte';
import { failure } from '../testing/failure';

const entry = (name: string): NotebookItem => ({ name, path: name });

describe('untitledName', () => {
  it('takes the first name no notebook has', () => {
    expect(untitledName([])).toBe('Untitled.ipynb');
    expect(untitledName([entry('Untitled.ipynb'), entry('untitled 2.ipynb')])).toBe('Untitled 3.ipynb');
    expect(untitledName([entry('ch1/Untitled.ipynb')])).toBe('Untitled.ipynb');
  });
});

describe('WorkspaceModel', () => {
  function backend(taken: string[]): WorkspaceBackend & { created: string[] } {
    const created: string[] = [];
    return {
      created,
      listNotebooks: async () => [],
      createNotebook: async (name) => {
        created.push(name);
        if (taken.includes(name)) throw failure('already_exists', `"${name}" already exists`);
        return entry(name);
      },
      openNotebook: async (path): Promise<NotebookDoc> => ({ path, cells: [] }),
      renameNotebook: async (_, to) => entry(to),
      deleteNotebook: async (path) => ({ trashedTo: `.trash/${path}` }),
      notebook: notebookBackend,
    };
  }

  it('tries the next name when another program took one meanwhile, then opens the notebook', async () => {
    const api = backend(['Untitled.ipynb']);
    const workspace = new WorkspaceModel({ path: '/w', notebooks: [] }, api);
    await workspace.create();
    expect(api.created).toEqual(['Untitled.ipynb', 'Untitled 2.ipynb']);
    expect(workspace.notebooks).toEqual([entry('Untitled 2.ipynb')]);
    expect(workspace.current?.path).toBe('Untitled 2.ipynb');
    // An empty notebook still has a cell to type in.
    expect(workspace.current?.cells).toHaveLength(1);
    workspace.current?.dispose();
  });

  it('says why a notebook could not be opened', async () => {
    const api = backend([]);
    api.openNotebook = async () => {
      throw failure('notebook_invalid', 'calculus.ipynb is not a notebook (line 3: expected value)');
    };
    const workspace = new WorkspaceModel({ path: '/w', notebooks: [entry('calculus.ipynb')] }, api);
    await workspace.open(entry('calculus.ipynb'));
    expect(workspace.current).toBeNull();
    expect(workspace.error).toBe('Could not open calculus.ipynb: calculus.ipynb is not a notebook (line 3: expected value)');
  });
});

describe('renaming and deleting', () => {
  function backend(): WorkspaceBackend & { calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      listNotebooks: async () => [],
      createNotebook: async (name) => entry(name),
      openNotebook: async (path): Promise<NotebookDoc> => ({ path, cells: [] }),
      renameNotebook: async (from, to) => {
        calls.push(`rename ${from} ${to}`);
        if (to.includes('..')) throw failure('outside_workspace', `"${to}" leaves the workspace`);
        return entry(to);
      },
      deleteNotebook: async (path) => {
        calls.push(`delete ${path}`);
        return { trashedTo: `.trash/${path}` };
      },
      notebook: {
        ...notebookBackend,
        saveNotebook: async (path) => {
          calls.push(`save ${path}`);
          return { savedAt: '2026-11-25T15:00:00Z' };
        },
      },
    };
  }

  it('adds .ipynb to a typed name when it is missing', () => {
    expect(notebookFileName(' limits ')).toBe('limits.ipynb');
    expect(notebookFileName('ch1/limits.IPYNB')).toBe('ch1/limits.IPYNB');
  });

  it('renames the open notebook after saving it, and keeps it open under its new name', async () => {
    const api = backend();
    const workspace = new WorkspaceModel({ path: '/w', notebooks: [entry('a.ipynb'), entry('c.ipynb')] }, api);
    await workspace.open(entry('a.ipynb'));
    const open = workspace.current;
    open!.edit(open!.cells[0], 'x = 1');
    expect(await workspace.rename(entry('a.ipynb'), 'd')).toBe(true);
    expect(api.calls).toEqual(['save a.ipynb', 'rename a.ipynb d.ipynb']);
    expect(workspace.current).toBe(open);
    expect(workspace.current?.path).toBe('d.ipynb');
    expect(workspace.notebooks.map((e) => e.path)).toEqual(['c.ipynb', 'd.ipynb']);
    workspace.current?.dispose();
  });

  it('says why a rename was refused and changes nothing', async () => {
    const workspace = new WorkspaceModel({ path: '/w', notebooks: [entry('a.ipynb')] }, backend());
    expect(await workspace.rename(entry('a.ipynb'), '../a')).toBe(false);
    expect(workspace.error).toBe('Could not rename a.ipynb: "../a.ipynb" leaves the workspace');
    expect(workspace.notebooks).toEqual([entry('a.ipynb')]);
  });

  it('saves an open notebook before moving it to the trash, closes it and says where it went', async () => {
    const api = backend();
    const workspace = new WorkspaceModel({ path: '/w', notebooks: [entry('a.ipynb'), entry('b.ipynb')] }, api);
    await workspace.open(entry('a.ipynb'));
    workspace.current!.edit(workspace.current!.cells[0], 'y = 2');
    await workspace.remove(entry('a.ipynb'));
    expect(api.calls).toEqual(['save a.ipynb', 'delete a.ipynb']);
    expect(workspace.current).toBeNull();
    expect(workspace.notebooks).toEqual([entry('b.ipynb')]);
    expect(workspace.notice).toBe('Moved a.ipynb to .trash/a.ipynb.');
  });
});

describe('tabs', () => {
  function backend(): WorkspaceBackend & { opened: string[] } {
    const opened: string[] = [];
    return {
      opened,
      listNotebooks: async () => [],
      createNotebook: async (name) => entry(name),
      openNotebook: async (path): Promise<NotebookDoc> => {
        opened.push(path);
        return { path, cells: [] };
      },
      renameNotebook: async (_, to) => entry(to),
      deleteNotebook: async (path) => ({ trashedTo: `.trash/${path}` }),
      notebook: { ...notebookBackend, saveNotebook: async () => ({ savedAt: 't' }) },
    };
  }

  it('opens each notebook in a tab of its own, shows one again without reopening it, and goes round with Ctrl+Tab', async () => {
    const api = backend();
    const names = ['a.ipynb', 'b.ipynb', 'c.ipynb'];
    const workspace = new WorkspaceModel({ path: '/w', notebooks: names.map(entry) }, api);
    for (const name of names) await workspace.open(entry(name));
    expect(workspace.tabs.map((tab) => tab.path)).toEqual(names);
    expect(workspace.current?.path).toBe('c.ipynb');
    const [a, b, c] = workspace.tabs;
    await workspace.open(entry('a.ipynb'));
    expect(workspace.current).toBe(a);
    expect(api.opened).toEqual(names);
    expect(workspace.tabs.map((tab) => tab.active)).toEqual([true, false, false]);
    workspace.cycle(-1);
    expect(workspace.current).toBe(c);
    workspace.cycle(1);
    workspace.cycle(1);
    expect(workspace.current).toBe(b);

    // Closing the tab shown shows its neighbour; deleting a notebook closes its tab.
    await workspace.close(b);
    expect(workspace.current).toBe(c);
    await workspace.remove(entry('c.ipynb'));
    expect(workspace.tabs).toEqual([a]);
    expect(workspace.current).toBe(a);
    // Renaming a notebook renames its tab.
    await workspace.rename(entry('a.ipynb'), 'algebra');
    expect(a.path).toBe('algebra.ipynb');
    await workspace.close(a);
    expect(workspace.current).toBeNull();
  });
});

describe('the list from the shell', () => {
  it("takes the shell's new list of its own folder only", () => {
    const workspace = new WorkspaceModel({ path: '/w', notebooks: [entry('a.ipynb')] });
    workspace.listed('/elsewhere', [entry('x.ipynb')]);
    expect(workspace.notebooks).toEqual([entry('a.ipynb')]);
    workspace.listed('/w', [entry('a.ipynb'), entry('from-git.ipynb')]);
    expect(workspace.notebooks.map((e) => e.path)).toEqual(['a.ipynb', 'from-git.ipynb']);
  });
});
