import type { Channel } from '@tauri-apps/api/core';
import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BackendError,
  complete,
  createNotebook,
  engineStatus,
  executeCell,
  inputReply,
  inspect,
  interruptKernel,
  onAppEvent,
  prepareImage,
  saveNotebook,
  toBackendError,
} from './backend';
import { ready } from './setup/fixtures';
import type { BuildEvent, CellUpdate } from './types';
import { failure } from './testing/failure';

afterEach(() => {
  clearMocks();
});

describe('engineStatus', () => {
  it('invokes engine_status with no arguments and returns the report', async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((command, args) => {
      seen.push([command, args]);
      return ready;
    });
    await expect(engineStatus()).resolves.toEqual(ready);
    expect(seen).toEqual([['engine_status', {}]]);
  });

  it("rejects with the shell's code and message", async () => {
    mockIPC(() => {
      throw failure('timeout', 'The engine check did not finish within 30 s');
    });
    const error = await engineStatus().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'timeout', message: 'The engine check did not finish within 30 s' });
  });
});

describe('toBackendError', () => {
  it('keeps a string rejection from the IPC layer as its message', () => {
    const error = toBackendError('Command engine_status not allowed by ACL');
    expect(error.code).toBe('ipc');
    expect(error.message).toBe('Command engine_status not allowed by ACL');
  });
});

describe('notebook commands', () => {
  it('send their arguments in camelCase, as the shell takes them', async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((command, args) => {
      seen.push([command, args]);
      if (command === 'complete') return { matches: ['factor'], cursor_start: 0, cursor_end: 3 };
      if (command === 'interrupt_kernel') return 'interrupted';
      return null;
    });
    await saveNotebook('a.ipynb', [{ id: 'x', cellType: 'code', source: '1' }]);
    await saveNotebook('a.ipynb', [], true);
    await expect(complete('a.ipynb', 'fac', 3)).resolves.toEqual({ matches: ['factor'], cursor_start: 0, cursor_end: 3 });
    await inspect('a.ipynb', 'factor', 2);
    await expect(interruptKernel('a.ipynb')).resolves.toBe('interrupted');
    await inputReply('a.ipynb', 'Ada');
    await createNotebook('Untitled.ipynb');
    expect(seen).toEqual([
      ['save_notebook', { path: 'a.ipynb', cells: [{ id: 'x', cellType: 'code', source: '1' }], force: false }],
      ['save_notebook', { path: 'a.ipynb', cells: [], force: true }],
      ['complete', { path: 'a.ipynb', code: 'fac', cursorPos: 3 }],
      ['inspect', { path: 'a.ipynb', code: 'factor', cursorPos: 2 }],
      ['interrupt_kernel', { path: 'a.ipynb' }],
      ['input_reply', { path: 'a.ipynb', value: 'Ada' }],
      ['create_notebook', { name: 'Untitled.ipynb' }],
    ]);
  });

  it('runs a cell with a channel that delivers its batches in order', async () => {
    let channel: Channel<CellUpdate[]> | undefined;
    mockIPC((command, args) => {
      if (command !== 'execute_cell') throw new Error(command);
      const { onUpdate, ...rest } = args as { onUpdate: Channel<CellUpdate[]> };
      expect(rest).toEqual({ path: 'a.ipynb', cellId: 'c1', code: '1+1' });
      channel = onUpdate;
      return null;
    });
    const batches: CellUpdate[][] = [];
    await executeCell('a.ipynb', 'c1', '1+1', (batch) => batches.push(batch));
    const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback(id: number, data: unknown): void } })
      .__TAURI_INTERNALS__;
    // Out of order on the wire: the channel puts them back in order.
    internals.runCallback(channel!.id, { index: 1, message: [{ kind: 'finished', status: 'ok', execution_count: 1 }] });
    internals.runCallback(channel!.id, { index: 0, message: [{ kind: 'started' }] });
    expect(batches).toEqual([[{ kind: 'started' }], [{ kind: 'finished', status: 'ok', execution_count: 1 }]]);
  });

  it("prepares the image, passing on the shell's setup events while it runs, and gives failures their code", async () => {
    let fail = false;
    mockIPC(
      async (command, args) => {
        if (command !== 'prepare_image') throw new Error(command);
        expect(args ?? {}).toEqual({});
        await emit('app-event', { kind: 'setup', event: { kind: 'step', index: 1, total: 2, instruction: 'FROM x' } });
        await emit('app-event', { kind: 'kernelStatus', path: 'a.ipynb', state: { state: 'idle' } });
        await emit('app-event', { kind: 'setup', event: { kind: 'output', line: 'ok' } });
        if (fail) throw failure('image_build_failed', 'step 12 failed');
        return ready.image;
      },
      { shouldMockEvents: true },
    );
    const events: BuildEvent[] = [];
    await expect(prepareImage((event) => events.push(event))).resolves.toEqual(ready.image);
    expect(events).toEqual([
      { kind: 'step', index: 1, total: 2, instruction: 'FROM x' },
      { kind: 'output', line: 'ok' },
    ]);
    // Once it is over, later events are not passed on.
    await emit('app-event', { kind: 'setup', event: { kind: 'output', line: 'late' } });
    expect(events).toHaveLength(2);

    fail = true;
    const failed = prepareImage(() => {});
    await expect(failed).rejects.toBeInstanceOf(BackendError);
    await expect(failed).rejects.toMatchObject({ code: 'image_build_failed', message: 'step 12 failed' });
  });

  it("passes the shell's events on, with the payload only", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const seen: unknown[] = [];
    const stop = await onAppEvent((event) => seen.push(event));
    await emit('app-event', { kind: 'kernelStatus', path: 'a.ipynb', state: { state: 'busy' } });
    stop();
    await emit('app-event', { kind: 'kernelStatus', path: 'a.ipynb', state: { state: 'idle' } });
    expect(seen).toEqual([{ kind: 'kernelStatus', path: 'a.ipynb', state: { state: 'busy' } }]);
  });

  it('gives a conflict its code, for the UI to branch on', async () => {
    mockIPC(() => {
      throw failure('notebook_conflict', 'a.ipynb was changed by another program');
    });
    await expect(saveNotebook('a.ipynb', [])).rejects.toMatchObject({ code: 'notebook_conflict' });
  });
});
