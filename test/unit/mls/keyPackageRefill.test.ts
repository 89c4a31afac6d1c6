import { describe, expect, it } from 'vitest';
import { keyPackagesToUpload } from '../../../electron/core/crypto/mls/keyPackageRefill';

describe('key package refill policy (seed 002: 100 per suite, refill below 50)', () => {
  it('uploads 100 on a fresh device', () => {
    expect(keyPackagesToUpload(0)).toBe(100);
  });

  it('uploads nothing while at least 50 remain', () => {
    expect(keyPackagesToUpload(50)).toBe(0);
    expect(keyPackagesToUpload(99)).toBe(0);
    expect(keyPackagesToUpload(150)).toBe(0);
  });

  it('tops up to 100 once fewer than 50 remain', () => {
    expect(keyPackagesToUpload(49)).toBe(51);
    expect(keyPackagesToUpload(1)).toBe(99);
  });

  it('treats a nonsensical count as none left', () => {
    expect(keyPackagesToUpload(-3)).toBe(100);
    expect(keyPackagesToUpload(Number.NaN)).toBe(100);
  });
});
