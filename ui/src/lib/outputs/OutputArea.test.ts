import { render } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Output } from '../types';
import { LiveOutputs } from './live.svelte';
import OutputArea from './OutputArea.svelte';

afterEach(() => {
  vi.restoreAllMocks();
});

const stream = (text: string): Output => ({ output_type: 'stream', name: 'stdout', text });
const plain = (text: string): Output => ({ output_type: 'display_data', data: { 'text/plain': text }, metadata: {} });

describe('an output that cannot be drawn', () => {
  it('shows a notice in its place, and the outputs around it as usual', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    // What the core never sends, but a bug or an older core might: an error
    // with no traceback, a display with no data.
    const broken = [
      { output_type: 'error', ename: 'ValueError', evalue: 'no traceback' },
      { output_type: 'display_data', metadata: {} },
    ] as unknown as Output[];
    const outputs = new LiveOutputs([stream('before\n'), ...broken, plain('after')]);
    const { container } = render(OutputArea, { outputs });
    flushSync();

    const shown = [...container.querySelectorAll('.output')];
    expect(shown).toHaveLength(4);
    expect(shown[0].textContent).toContain('before');
    expect(shown[3].textContent).toContain('after');
    for (const output of shown.slice(1, 3)) {
      const notice = output.querySelector('[data-testid="output-failed"]');
      expect(notice?.textContent).toMatch(/^This output could not be shown \(.+\)\.$/);
    }
    expect(container.querySelectorAll('[data-testid="output-failed"]')).toHaveLength(2);
    expect(logged).toHaveBeenCalledTimes(2);
  });

  it('does not stop the outputs of a run that come after it', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const outputs = new LiveOutputs([{ output_type: 'display_data', metadata: {} } as unknown as Output]);
    const { container } = render(OutputArea, { outputs });
    flushSync();
    outputs.apply([{ kind: 'insert', index: 1, output: stream('next\n') }]);
    outputs.apply([{ kind: 'appendText', index: 1, text: 'and more\n' }]);
    flushSync();
    expect(container.querySelectorAll('[data-testid="output-failed"]')).toHaveLength(1);
    expect(container.querySelectorAll('.output')[1].querySelector('pre')?.textContent).toBe('next\nand more\n');
  });

  it('names an error the file stored with no name, message or traceback', () => {
    const outputs = new LiveOutputs([{ output_type: 'error', ename: '', evalue: '', traceback: [] }]);
    const { container } = render(OutputArea, { outputs });
    flushSync();
    expect(container.querySelector('[data-output-type="error"]')?.textContent).toBe('An error with no name or message');
    expect(container.querySelector('[data-testid="output-failed"]')).toBeNull();
  });
});
