// What the window says about a kernel, derived from the core's session state
// (never stored beside it): the status word and, once it died, why.

import type { DeathReason, KernelStatus, SessionState } from '../types';

/** `SessionState::status()`: restarting reads as starting. */
export function statusWord(state: SessionState): KernelStatus {
  switch (state.state) {
    case 'starting':
    case 'restarting':
      return 'starting';
    case 'idle':
      return 'idle';
    case 'busy':
      return 'busy';
    case 'dead':
      return 'dead';
  }
}

/** `DeathReason::describe()`: one sentence for a person. */
export function describeDeath(reason: DeathReason): string {
  switch (reason.kind) {
    case 'crashed':
      return `The Sage kernel stopped unexpectedly (exit code ${reason.exit_code}).`;
    case 'killed':
      return reason.signal === 9
        ? 'The Sage kernel was killed (SIGKILL) from outside SageDesk.'
        : `The Sage kernel was stopped by signal ${reason.signal}.`;
    case 'outOfMemory':
      return `The Sage kernel ran out of memory (limit ${humanBytes(reason.limit_bytes)}).`;
    case 'engineGone':
      return `The Docker engine stopped answering (${reason.message}).`;
    case 'startTimedOut':
      return `The Sage kernel did not start within ${reason.after_secs} s.`;
    case 'startFailed':
      return `The Sage kernel could not be started: ${reason.message}`;
    case 'gaveUp':
      return `The Sage kernel died ${reason.restarts} times in a short while; SageDesk stopped restarting it.`;
    case 'stopped':
      return 'The Sage kernel was stopped.';
  }
}

/** `human_bytes`: "2 GiB", "1.5 GiB", "512 MiB". */
export function humanBytes(bytes: number): string {
  const gib = 2 ** 30;
  if (bytes >= gib && bytes % gib === 0) return `${bytes / gib} GiB`;
  if (bytes >= gib) return `${(bytes / gib).toFixed(1)} GiB`;
  return `${Math.floor(bytes / 2 ** 20)} MiB`;
}

/** A line for the status bar beside the word: what the kernel is doing, or why it is gone. */
export function statusDetail(state: SessionState): string {
  switch (state.state) {
    case 'starting':
      return 'Starting SageMath…';
    case 'restarting':
      return `${describeDeath(state.reason)} Starting a new kernel…`;
    case 'idle':
      return 'Ready';
    case 'busy':
      return 'Running';
    case 'dead':
      return describeDeath(state.reason);
  }
}
