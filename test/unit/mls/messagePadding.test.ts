import { describe, expect, it } from 'vitest';
import { MIN_PADDED_CONTENT, padme, paddedContentLength } from '../../../electron/core/crypto/mls/messagePadding';

describe('message padding', () => {
  it('gives all short texts the same padded length', () => {
    const lengths = new Set([0, 1, 30, 90].map(paddedContentLength));
    expect([...lengths]).toEqual([MIN_PADDED_CONTENT]);
  });

  it('never pads below the content and overhead it must hold', () => {
    for (let n = 0; n < 70_000; n += 97) expect(paddedContentLength(n)).toBeGreaterThanOrEqual(n + 156);
  });

  it('costs at most 12 % above the minimum (padmé)', () => {
    for (let n = 2; n < 1_000_000; n = Math.ceil(n * 1.07) + 1) {
      expect(padme(n)).toBeGreaterThanOrEqual(n);
      expect(padme(n)).toBeLessThanOrEqual(n * 1.12 + 1);
    }
  });

  it('maps many lengths onto few sizes', () => {
    const sizes = new Set<number>();
    for (let n = 1024; n < 2048; n++) sizes.add(padme(n));
    expect(sizes.size).toBeLessThanOrEqual(17);
    expect(padme(1000)).toBe(1024);
  });
});
