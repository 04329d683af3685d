// What a command of the shell rejects with, for tests standing in for the
// shell: typed, so that a test can fail a command only with a code the core
// sends (`ErrorCode`, generated from the Rust enum).

import type { ErrorBody, ErrorCode } from '../types';

export function failure(code: ErrorCode, message: string, fix: string | null = null): ErrorBody {
  return { code, message, fix };
}
