import { describe, expect, it } from 'vitest';
import { codeSpans, pullSummary, sentence, stepSummary } from './text';

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

describe('stepSummary', () => {
  it('keeps the first line and cuts long ones with an ellipsis', () => {
    expect(stepSummary('RUN apt-get update \\\n && apt-get install -y sagemath')).toBe('RUN apt-get update \\');
    expect(stepSummary('COPY . /opt')).toBe('COPY . /opt');
    const long = `RUN ${'x'.repeat(100)}`;
    expect(stepSummary(long, 20)).toBe(`RUN ${'x'.repeat(15)}…`);
    expect(stepSummary(long, 20)).toHaveLength(20);
  });
});

describe('pullSummary', () => {
  it('gives bytes once a size is known, and layers always', () => {
    expect(pullSummary({ bytesDone: 0, bytesTotal: 0, layersDone: 0, layersTotal: 1, statusLine: '' })).toBe(
      'Downloading: 0 of 1 layer',
    );
    expect(
      pullSummary({ bytesDone: 1_500_000, bytesTotal: 52_000_000, layersDone: 2, layersTotal: 7, statusLine: 'Pulling fs layer' }),
    ).toBe('Downloading: 1.5 MB of 52.0 MB · 2 of 7 layers');
  });
});
