import { describe, expect, it } from 'vitest';
import { formatBytes, formatMemory } from './size';

describe('formatBytes', () => {
  it('words sizes as the core does (decimal_sizes_read_as_people_write_them)', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(1_500)).toBe('1.5 kB');
    expect(formatBytes(6_883_500)).toBe('6.9 MB');
    expect(formatBytes(999_999)).toBe('1.0 MB');
    expect(formatBytes(99_960)).toBe('100 kB');
    expect(formatBytes(312_000_000)).toBe('312 MB');
    expect(formatBytes(812_500_000)).toBe('812 MB');
    expect(formatBytes(7_000_000_000_000)).toBe('7000 GB');
    expect(formatBytes(5_300_000_000)).toBe('5.3 GB');
    expect(formatBytes(52_000_000_000)).toBe('52.0 GB');
  });

  it('rounds as Rust does: an exact tie to even, a near tie by the float', () => {
    expect(formatBytes(1_250)).toBe('1.2 kB');
    expect(formatBytes(1_350)).toBe('1.4 kB');
    expect(formatBytes(1_150)).toBe('1.1 kB');
  });
});

describe('formatMemory', () => {
  it('words memory limits as the core does (memory_limits_are_whole_when_they_can_be)', () => {
    expect(formatMemory(2 * 2 ** 30)).toBe('2 GiB');
    expect(formatMemory(3 * 2 ** 29)).toBe('1.5 GiB');
    expect(formatMemory(512 * 2 ** 20)).toBe('512 MiB');
    expect(formatMemory(12 * 2 ** 30)).toBe('12 GiB');
  });
});
