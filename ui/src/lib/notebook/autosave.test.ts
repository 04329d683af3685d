import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Saved } from '../types';
import { AUTOSAVE_DELAY_MS, Autosaver, saveLabel, type SaveStatus } from './autosave';
import { failure } from '../testing/failure';

/** A save the test finishes by hand. */
interface PendingSave {
  force: boolean;
  resolve: (result: Saved) => void;
  reject: (reason: unknown) => void;
}

function setup() {
  const saves: PendingSave[] = [];
  const statuses: SaveStatus[] = [];
  const saver = new Autosaver({
    save: (force) =>
      new Promise<Saved>((resolve, reject) => {
        saves.push({ force, resolve, reject });
      }),
    onStatus: (status) => statuses.push(status),
  });
  const label = () => saveLabel(saver.status);
  return { saver, saves, statuses, label };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Autosaver', () => {
  it('saves once, a second after the last of several edits', async () => {
    const { saver, saves, label } = setup();
    expect(label()).toBe('Saved');
    saver.edited();
    expect(label()).toBe('Saving…');
    await vi.advanceTimersByTimeAsync(600);
    saver.edited();
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS - 1);
    expect(saves).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(saves).toHaveLength(1);
    expect(saves[0].force).toBe(false);
    saves[0].resolve({ savedAt: '2025-01-31T10:15:00Z' });
    await vi.advanceTimersByTimeAsync(0);
    expect(saver.status).toEqual({ kind: 'saved', at: '2025-01-31T10:15:00Z' });
    expect(label()).toBe('Saved');
    // Nothing more to save: no more saves.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(saves).toHaveLength(1);
  });

  it('saves at once after a finished cell', async () => {
    const { saver, saves } = setup();
    saver.cellFinished();
    await vi.advanceTimersByTimeAsync(0);
    expect(saves).toHaveLength(1);
  });

  it('saves edits made during a save right after it, one save at a time', async () => {
    const { saver, saves, label } = setup();
    saver.cellFinished();
    await vi.advanceTimersByTimeAsync(0);
    saver.cellFinished();
    saver.edited();
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS * 3);
    expect(saves).toHaveLength(1);
    saves[0].resolve({ savedAt: 't1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(label()).toBe('Saving…');
    expect(saves).toHaveLength(2);
    saves[1].resolve({ savedAt: 't2' });
    await vi.advanceTimersByTimeAsync(0);
    expect(saver.status).toEqual({ kind: 'saved', at: 't2' });
  });

  it('says why a save failed, and tries again at the next edit', async () => {
    const { saver, saves, label } = setup();
    saver.edited();
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS);
    saves[0].reject(failure('io', 'could not write calculus.ipynb: No space left on device'));
    await vi.advanceTimersByTimeAsync(0);
    expect(label()).toBe('Not saved: could not write calculus.ipynb: No space left on device');
    expect(saver.dirty).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(saves).toHaveLength(1);
    saver.edited();
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS);
    expect(saves).toHaveLength(2);
  });

  it('stops on a conflict until the person keeps their version or reloads', async () => {
    const { saver, saves, label } = setup();
    saver.edited();
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS);
    saves[0].reject(failure('notebook_conflict', 'calculus.ipynb was changed by another program'));
    await vi.advanceTimersByTimeAsync(0);
    expect(saver.status.kind).toBe('conflict');
    expect(label()).toBe('Not saved: calculus.ipynb was changed by another program');
    // Edits and runs do not overwrite the other program's version.
    saver.edited();
    saver.cellFinished();
    await saver.flush();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(saves).toHaveLength(1);

    const kept = saver.keepMine();
    await vi.advanceTimersByTimeAsync(0);
    expect(saves).toHaveLength(2);
    expect(saves[1].force).toBe(true);
    saves[1].resolve({ savedAt: 't' });
    await kept;
    expect(label()).toBe('Saved');

    saver.edited();
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS);
    saves[2].reject(failure('notebook_conflict', 'changed again'));
    await vi.advanceTimersByTimeAsync(0);
    saver.reloaded();
    expect(label()).toBe('Saved');
    expect(saver.dirty).toBe(false);
  });

  it('flushes at once, waiting for a save under way', async () => {
    const { saver, saves } = setup();
    saver.edited();
    const flushed = saver.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(saves).toHaveLength(1);
    let done = false;
    void flushed.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    saves[0].resolve({ savedAt: 't' });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    // The edit's timer was cancelled by the flush: no second save.
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS * 2);
    expect(saves).toHaveLength(1);
  });
});
