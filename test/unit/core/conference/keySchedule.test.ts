import { describe, expect, it } from 'vitest';
import type { CallPeer } from '../../../../electron/core/calls/conference/keySchedule';
import { KEY_ROTATION_PERIOD_MS, keyGenerator, nextRatchetAt, ratchetStepAt, removalsDue } from '../../../../electron/core/calls/conference/keySchedule';

const peer = (leafIndex: number, flags: Partial<Omit<CallPeer, 'leafIndex'>> = {}): CallPeer => ({
  leafIndex,
  saidLeft: false,
  goneFromSfu: false,
  lastHeardAt: undefined,
  ...flags,
});

describe('conference key generator (seed 001 on MLS)', () => {
  const now = 1_000_000;

  it('is the device at the lowest leaf index, whatever the order of the list', () => {
    expect(keyGenerator([peer(4), peer(2), peer(7)], now)).toBe(2);
    expect(keyGenerator([], now)).toBeUndefined();
  });

  it('passes to the next lowest leaf as soon as the key generator leaves, is reported gone or falls silent', () => {
    expect(keyGenerator([peer(0, { saidLeft: true }), peer(1), peer(3)], now)).toBe(1);
    expect(keyGenerator([peer(0, { goneFromSfu: true }), peer(3), peer(1)], now)).toBe(1);
    expect(keyGenerator([peer(0, { lastHeardAt: now - 25_000 }), peer(3)], now, 20_000)).toBe(3);
    expect(keyGenerator([peer(0, { lastHeardAt: now - 5_000 }), peer(3)], now, 20_000)).toBe(0);
  });

  it('makes only the key generator remove, and it removes everyone who left, was reported gone or stopped answering', () => {
    const peers = [peer(0), peer(1, { saidLeft: true }), peer(2), peer(3, { goneFromSfu: true }), peer(5, { lastHeardAt: now - 60_000 }), peer(6, { lastHeardAt: now })];
    expect(removalsDue(0, peers, now, 20_000)).toEqual([1, 3, 5]);
    expect(removalsDue(2, peers, now, 20_000)).toEqual([]);
    expect(removalsDue(6, peers, now, 20_000)).toEqual([]);
  });

  it('has the next device remove a key generator that left, together with anyone else who did', () => {
    const peers = [peer(0, { saidLeft: true }), peer(1), peer(2, { saidLeft: true })];
    expect(removalsDue(1, peers, now)).toEqual([0, 2]);
    expect(removalsDue(0, peers, now)).toEqual([]);
  });

  it('removes nobody whose silence is unknown', () => {
    expect(removalsDue(0, [peer(0), peer(1)], now)).toEqual([]);
  });
});

describe('conference ratchet schedule', () => {
  it('moves one step every 30 s by default, counted from when the epoch began', () => {
    expect(KEY_ROTATION_PERIOD_MS).toBe(30_000);
    const start = 5_000_000;
    expect(ratchetStepAt(start, start)).toBe(0);
    expect(ratchetStepAt(start, start + 29_999)).toBe(0);
    expect(ratchetStepAt(start, start + 30_000)).toBe(1);
    expect(ratchetStepAt(start, start + 95_000)).toBe(3);
    expect(nextRatchetAt(start, start + 95_000)).toBe(start + 120_000);
  });

  it('follows a shortened period (test setting) and never goes below step 0 for a clock behind the server', () => {
    expect(ratchetStepAt(1000, 1000 + 2_500, 500)).toBe(5);
    expect(ratchetStepAt(10_000, 9_000, 500)).toBe(0);
    expect(nextRatchetAt(10_000, 9_000, 500)).toBe(10_500);
    expect(() => ratchetStepAt(0, 0, 0)).toThrow(RangeError);
  });
});
