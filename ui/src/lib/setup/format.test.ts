import { describe, expect, it } from 'vitest';
import { formatBytes, shortImageId } from './format';

describe('formatBytes', () => {
  it('uses decimal units as docker images does', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_500)).toBe('1.5 kB');
    expect(formatBytes(812_000_000)).toBe('812 MB');
    expect(formatBytes(5_300_000_000)).toBe('5.3 GB');
  });
});

describe('shortImageId', () => {
  it('drops the digest algorithm and keeps 12 characters', () => {
    expect(shortImageId('sha256:2a44ffde7ab3c0ffee1234567890')).toBe('2a44ffde7ab3');
  });
});
