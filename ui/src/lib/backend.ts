// Every call from the UI into the native shell goes through this module, so
// that components never import @tauri-apps/api themselves and tests can stand
// in for the shell with `mockIPC` from @tauri-apps/api/mocks.

import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import type { Report } from './types';

/**
 * A failed command, as the shell reports it: `code` is stable and meant for
 * branching, `message` is for people.
 */
export class BackendError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
  }
}

/**
 * The shell's commands reject with `{ code, message }`; the IPC layer itself
 * (a command missing or refused by the capabilities) rejects with a string.
 */
export function toBackendError(reason: unknown): BackendError {
  if (reason instanceof BackendError) return reason;
  if (typeof reason === 'object' && reason !== null) {
    const { code, message } = reason as Record<string, unknown>;
    if (typeof code === 'string' && typeof message === 'string') {
      return new BackendError(code, message);
    }
  }
  if (reason instanceof Error) return new BackendError('ipc', reason.message);
  return new BackendError('ipc', String(reason));
}

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toBackendError(reason);
  }
}

/** Where the container engine is and whether the SageMath image is on it. */
export function engineStatus(): Promise<Report> {
  return call<Report>('engine_status');
}
