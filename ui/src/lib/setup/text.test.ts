import { describe, expect, it } from 'vitest';
import { codeSpans, sentence } from './text';

describe('codeSpans', () => {
  it('shows backticked commands as code', () => {
    expect(codeSpans('Start it with `sudo dockerd`, then press Retry.')).toEqual([
      { text: 'Start it with ', code: false },
      { text: 'sudo dockerd', code: true },
      { text: ', then press Retry.', code: false },
    ]);
  });

  it('leaves text without a pair of backticks as it is', () => {
    expect(codeSpans('no `quote here')).toEqual([{ text: 'no `quote here', code: false }]);
    expect(codeSpans('')).toEqual([]);
  });
});

describe('sentence', () => {
  it('capitalises the first letter only', () => {
    expect(sentence('the SageMath image is missing')).toBe('The SageMath image is missing');
    expect(sentence('')).toBe('');
  });
});
