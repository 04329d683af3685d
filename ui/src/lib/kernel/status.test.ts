import { describe, expect, it } from 'vitest';
import states from './fixtures/session-states';
import { describeDeath, humanBytes, statusDetail, statusWord } from './status';

describe('statusWord', () => {
  it('is one of the four words, restarting reading as starting', () => {
    const words = states.map(statusWord);
    expect(words).toEqual(['starting', 'idle', 'busy', 'starting', ...Array(7).fill('dead')]);
  });
});

describe('describeDeath', () => {
  // The same sentences as the core's DeathReason::describe.
  it('says what happened to the kernel', () => {
    expect(describeDeath({ kind: 'outOfMemory', limit_bytes: 2 * 2 ** 30 })).toBe(
      'The Sage kernel ran out of memory (limit 2 GiB).',
    );
    expect(describeDeath({ kind: 'killed', signal: 9 })).toBe('The Sage kernel was killed (SIGKILL) from outside SageDesk.');
    expect(describeDeath({ kind: 'killed', signal: 15 })).toBe('The Sage kernel was stopped by signal 15.');
    expect(describeDeath({ kind: 'crashed', exit_code: 1 })).toBe('The Sage kernel stopped unexpectedly (exit code 1).');
    expect(humanBytes(512 * 2 ** 20)).toBe('512 MiB');
    expect(humanBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
  });

  it('is the detail of a dead kernel in the status bar', () => {
    expect(statusDetail({ state: 'dead', reason: { kind: 'gaveUp', restarts: 5 } })).toBe(
      'The Sage kernel died 5 times in a short while; SageDesk stopped restarting it.',
    );
  });
});
