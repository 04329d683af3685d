import { describe, expect, it } from 'vitest';
import { shortImageId } from './format';

describe('shortImageId', () => {
  it('drops the digest algorithm and keeps 12 characters', () => {
    expect(shortImageId('sha256:2a44ffde7ab3c0ffee1234567890')).toBe('2a44ffde7ab3');
  });
});
