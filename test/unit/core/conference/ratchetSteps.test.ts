import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { baseKeyAtStep, ratchetBaseKey } from '../../../../electron/core/calls/conference/ratchetSteps';
import { ratchetBaseKey as workerRatchet } from '../../../../renderer/calls/sframe';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('conference ratchet steps (RFC 9605 §5.1)', () => {
  it('computes each step from the previous one exactly as the frame worker does', async () => {
    const epochKey = new Uint8Array(randomBytes(32));
    let worker: Uint8Array<ArrayBuffer> = epochKey.slice();
    for (let step = 1; step <= 4; step += 1) {
      worker = await workerRatchet(worker);
      expect(hex(baseKeyAtStep(epochKey, step))).toBe(hex(worker));
      expect(hex(ratchetBaseKey(baseKeyAtStep(epochKey, step - 1)))).toBe(hex(baseKeyAtStep(epochKey, step)));
    }
  });

  it('gives every step its own key, and step 0 is the epoch key itself', () => {
    const epochKey = new Uint8Array(randomBytes(32));
    const steps = Array.from({ length: 8 }, (_, step) => hex(baseKeyAtStep(epochKey, step)));
    expect(steps[0]).toBe(hex(epochKey));
    expect(new Set(steps).size).toBe(8);
  });

  it('refuses a negative or fractional step', () => {
    expect(() => baseKeyAtStep(new Uint8Array(32), -1)).toThrow(RangeError);
    expect(() => baseKeyAtStep(new Uint8Array(32), 1.5)).toThrow(RangeError);
  });
});
