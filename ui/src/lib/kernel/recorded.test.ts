// The update protocol against the core's own fold: each file in recorded/ is
// a run the Rust fold took (src/kernel/outputs/tests/recorded.rs writes and
// checks them), with the batches of updates it sent and the outputs it ended
// with.
// Replayed here through the UI's applyUpdate, every run must end with
// exactly those outputs.

import { describe, expect, it } from 'vitest';
import type { Output, OutputUpdate } from '../types';
import { applyUpdate } from './outputs';

interface Recording {
  description: string;
  batches: OutputUpdate[][];
  outputs: Output[];
}

const recordings = import.meta.glob<Recording>('./recorded/*.json', { eager: true, import: 'default' });

describe('applyUpdate against the core fold', () => {
  it('has the recordings', () => {
    expect(Object.keys(recordings).length).toBeGreaterThanOrEqual(6);
  });

  it.each(Object.entries(recordings))('replays %s to the outputs the core holds', (_, recording) => {
    const outputs: Output[] = [];
    for (const batch of structuredClone(recording.batches)) {
      for (const update of batch) applyUpdate(outputs, update);
    }
    expect(outputs).toEqual(recording.outputs);
  });
});
