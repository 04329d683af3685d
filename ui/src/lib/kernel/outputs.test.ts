import { describe, expect, it } from 'vitest';
import type { Output, OutputUpdate, StreamTail } from '../types';
import { run, runs } from './fixtures';
import { applyUpdate, groupDigits, omittedTextMarker, UpdateError } from './outputs';

function replay(batches: ReturnType<typeof run>['batches']): Output[] {
  const outputs: Output[] = [];
  for (const batch of batches) {
    for (const item of batch) {
      if (item.kind === 'started') outputs.length = 0;
      if (item.kind === 'outputs') for (const update of item.updates) applyUpdate(outputs, update);
    }
  }
  return outputs;
}

const stream = (text: string, tail?: StreamTail): Output =>
  tail ? { output_type: 'stream', name: 'stdout', text, tail } : { output_type: 'stream', name: 'stdout', text };

describe('applyUpdate', () => {
  it.each(Object.keys(runs))('replays %s to the outputs the core holds', (name) => {
    const fixture = run(name);
    expect(replay(fixture.batches)).toEqual(fixture.outputs);
  });

  it('appends to the live text: the tail once the stream is cut', () => {
    const outputs = [stream('a'), stream('h\n', { omitted_lines: 1, omitted_bytes: 2, text: 't' })];
    applyUpdate(outputs, { kind: 'appendText', index: 0, text: 'b\nc' });
    applyUpdate(outputs, { kind: 'appendText', index: 1, text: 'ail' });
    expect(outputs).toEqual([stream('ab\nc'), stream('h\n', { omitted_lines: 1, omitted_bytes: 2, text: 'tail' })]);
  });

  it('rewrites the last unterminated line only, or all of a text without a line break', () => {
    const outputs = [stream('done\n 10%'), stream(' 10%')];
    applyUpdate(outputs, { kind: 'rewriteLine', index: 0, text: ' 20%' });
    applyUpdate(outputs, { kind: 'rewriteLine', index: 1, text: ' 30%' });
    expect(outputs).toEqual([stream('done\n 20%'), stream(' 30%')]);
    // A text ending in a line break has an empty last line: rewriting appends.
    const ended = [stream('a\n')];
    applyUpdate(ended, { kind: 'rewriteLine', index: 0, text: 'b' });
    expect(ended).toEqual([stream('a\nb')]);
  });

  it('trims whole lines off the tail and sets the omitted counts', () => {
    const outputs = [stream('h\n', { omitted_lines: 1, omitted_bytes: 2, text: 'é\nb\nc' })];
    applyUpdate(outputs, { kind: 'trimText', index: 0, lines: 2, omitted_lines: 3, omitted_bytes: 7 });
    expect(outputs).toEqual([stream('h\n', { omitted_lines: 3, omitted_bytes: 7, text: 'c' })]);
  });

  it('inserts, replaces and removes by index', () => {
    const a = stream('a');
    const b: Output = { output_type: 'error', ename: 'E', evalue: 'v', traceback: [] };
    const outputs: Output[] = [];
    applyUpdate(outputs, { kind: 'insert', index: 0, output: a });
    applyUpdate(outputs, { kind: 'insert', index: 0, output: b });
    expect(outputs).toEqual([b, a]);
    applyUpdate(outputs, { kind: 'replace', index: 1, output: b });
    applyUpdate(outputs, { kind: 'remove', index: 0, count: 1 });
    expect(outputs).toEqual([b]);
    applyUpdate(outputs, { kind: 'clear' });
    expect(outputs).toEqual([]);
  });

  it('does not change the update it took a stream from', () => {
    const update: OutputUpdate = { kind: 'insert', index: 0, output: stream('a') };
    const outputs: Output[] = [];
    applyUpdate(outputs, update);
    applyUpdate(outputs, { kind: 'appendText', index: 0, text: 'b' });
    expect(update.output).toEqual(stream('a'));
  });

  // The same failures as the core's `an_update_that_does_not_fit_is_an_error`.
  it('refuses an update that does not fit the list', () => {
    const outputs: Output[] = [{ output_type: 'error', ename: 'E', evalue: '', traceback: [] }];
    const fail = (update: OutputUpdate) => {
      try {
        applyUpdate(outputs, update);
      } catch (error) {
        return error;
      }
      throw new Error('no error');
    };
    const notStream = fail({ kind: 'appendText', index: 0, text: 'x' });
    expect(notStream).toBeInstanceOf(UpdateError);
    expect((notStream as Error).message).toBe('output 0 is not a stream with the text this update expects');
    expect((fail({ kind: 'remove', index: 1, count: 1 }) as Error).message).toBe('no output at index 1: the list has 1');
    expect((fail({ kind: 'insert', index: 2, output: stream('a') }) as Error).message).toBe('no output at index 2: the list has 1');
    expect((fail({ kind: 'replace', index: 1, output: stream('a') }) as Error).message).toBe('no output at index 1: the list has 1');
    expect(fail({ kind: 'rewriteLine', index: 3, text: '' })).toBeInstanceOf(UpdateError);
    // Trimming needs a cut stream with enough lines.
    expect(fail({ kind: 'trimText', index: 0, lines: 1, omitted_lines: 1, omitted_bytes: 1 })).toBeInstanceOf(UpdateError);
    const cut: Output[] = [stream('', { omitted_lines: 0, omitted_bytes: 0, text: 'one\nopen' })];
    expect(() => applyUpdate(cut, { kind: 'trimText', index: 0, lines: 2, omitted_lines: 0, omitted_bytes: 0 })).toThrow(UpdateError);
    expect(outputs).toHaveLength(1);
  });
});

describe('omittedTextMarker', () => {
  // The same words as the core's `omitted_text_marker` (src/notebook/output.rs).
  it('words the left-out middle of a stream as the core does', () => {
    expect(omittedTextMarker(999_000, 6_883_500)).toBe('… 999,000 lines (6.9 MB) not kept …');
    expect(omittedTextMarker(1, 2)).toBe('… 1 line (2 bytes) not kept …');
    expect(omittedTextMarker(0, 1_800)).toBe('… 1.8 kB of one line not kept …');
  });

  it('groups digits as the core does', () => {
    expect(groupDigits(999_000)).toBe('999,000');
    expect(groupDigits(1_000_000)).toBe('1,000,000');
    expect(groupDigits(12)).toBe('12');
  });
});
