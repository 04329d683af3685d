import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError, engineStatus, toBackendError } from './backend';
import { ready } from './setup/fixtures';

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
      throw { code: 'timeout', message: 'The engine check did not finish within 30 s' };
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
