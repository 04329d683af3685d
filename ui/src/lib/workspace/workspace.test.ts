import { describe, expect, it } from 'vitest';
import { notebookBackend } from '../backend';
import type { NotebookDoc, NotebookEntry } from '../types';
import { untitledName, WorkspaceModel, type WorkspaceBackend } from './workspace.svelte';

const entry = (name: string): NotebookEntry => ({ name, path: name });

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
        if (taken.includes(name)) throw { code: 'already_exists', message: `"${name}" already exists` };
        return entry(name);
      },
      openNotebook: async (path): Promise<NotebookDoc> => ({ path, cells: [] }),
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
      throw { code: 'invalid_notebook', message: 'calculus.ipynb is not a notebook (line 3: expected value)' };
    };
    const workspace = new WorkspaceModel({ path: '/w', notebooks: [entry('calculus.ipynb')] }, api);
    await workspace.open(entry('calculus.ipynb'));
    expect(workspace.current).toBeNull();
    expect(workspace.error).toBe('Could not open calculus.ipynb: calculus.ipynb is not a notebook (line 3: expected value)');
  });
});
