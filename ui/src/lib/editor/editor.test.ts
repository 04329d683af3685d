import { EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import completeReply from '../kernel/fixtures/complete';
import type { Completions } from '../types';
import { kernelCompletions } from './completion';
import { SHORT_HELP_LINES, shownHelp } from './help';
import { fromCodePoints, toCodePoints } from './positions';

describe('cursor positions', () => {
  it('count characters beyond the BMP once, as Jupyter does', () => {
    const text = 'F = 𝔽_7; x';
    const end = text.length; // UTF-16: 𝔽 is two units
    expect(toCodePoints(text, end)).toBe(end - 1);
    expect(fromCodePoints(text, end - 1)).toBe(end);
    expect(toCodePoints('abc', 2)).toBe(2);
    expect(fromCodePoints('abc', 9)).toBe(3);
    // Before the wide character, both counts agree.
    expect(toCodePoints(text, 4)).toBe(4);
  });
});

describe('kernel completion', () => {
  it('asks at the cursor in code points and maps the range back', async () => {
    const doc = '𝔽 = GF(7); fact';
    const asked: Array<[string, number]> = [];
    const kernel = {
      complete: async (code: string, cursorPos: number): Promise<Completions> => {
        asked.push([code, cursorPos]);
        return { matches: ['factor', 'factorial'], cursor_start: cursorPos - 4, cursor_end: cursorPos };
      },
    };
    const state = EditorState.create({ doc });
    const result = await kernelCompletions(kernel, state, doc.length);
    expect(asked).toEqual([[doc, doc.length - 1]]);
    expect(result).toMatchObject({ from: doc.length - 4, to: doc.length, options: [{ label: 'factor' }, { label: 'factorial' }] });
  });

  it('offers nothing when the kernel has nothing', async () => {
    const kernel = { complete: async () => ({ ...completeReply, matches: [] }) };
    expect(await kernelCompletions(kernel, EditorState.create({ doc: 'zzz' }), 3)).toBeNull();
  });
});

describe('kernel help', () => {
  it('shows the first lines at the first Shift+Tab, and all of it at the second', () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const short = shownHelp(text, false);
    expect(short.more).toBe(true);
    expect(short.text.split('\n')).toHaveLength(SHORT_HELP_LINES);
    expect(shownHelp(text, true)).toEqual({ text, more: false });
    expect(shownHelp('Signature: f(x)', false)).toEqual({ text: 'Signature: f(x)', more: false });
  });
});
