import { describe, expect, it } from 'vitest';
import { pageToWorkerSchema, transformOptionsSchema } from '../../../../renderer/calls/frameMessages';

describe('messages the frame worker accepts from the page', () => {
  it('takes an epoch key as { epoch, baseKey: 32-byte ArrayBuffer, selfLeaf }', () => {
    const message = { type: 'key', epoch: 3, baseKey: new ArrayBuffer(32), selfLeaf: 1 };
    expect(pageToWorkerSchema.safeParse(message).success).toBe(true);
  });

  it('refuses a short key, a typed array instead of a buffer, a leaf past 255, a negative epoch and unknown types', () => {
    const good = { type: 'key', epoch: 3, baseKey: new ArrayBuffer(32), selfLeaf: 1 };
    for (const bad of [
      { ...good, baseKey: new ArrayBuffer(16) },
      { ...good, baseKey: new Uint8Array(32) },
      { ...good, selfLeaf: 256 },
      { ...good, epoch: -1 },
      { ...good, epoch: 1.5 },
      { type: 'export-key' },
      null,
      'key',
    ]) {
      expect(pageToWorkerSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('accepts only the two operations and two media kinds as transform options', () => {
    expect(transformOptionsSchema.safeParse({ operation: 'encrypt', kind: 'video' }).success).toBe(true);
    expect(transformOptionsSchema.safeParse({ operation: 'passthrough', kind: 'video' }).success).toBe(false);
    expect(transformOptionsSchema.safeParse({ operation: 'decrypt', kind: 'data' }).success).toBe(false);
    expect(transformOptionsSchema.safeParse(undefined).success).toBe(false);
  });
});
