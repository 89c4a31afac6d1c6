import { describe, expect, it } from 'vitest';
import { safetyNumber } from '../../../renderer/lib/safetyNumber';

const alice = 'a1@example.test';
const bob = 'b2@example.test';
const devices = [
  { user: alice, fingerprint: 'aaaa 1111 2222 3333' },
  { user: alice, fingerprint: 'aaaa 4444 5555 6666' },
  { user: bob, fingerprint: 'bbbb 7777 8888 9999' },
  { user: 'c3@example.test', fingerprint: 'cccc 0000 0000 0000' },
];

describe('the safety number', () => {
  it('is twelve groups of five digits, the same whoever computes it and in any device order', async () => {
    const mine = await safetyNumber(devices, alice, bob);
    const theirs = await safetyNumber([...devices].reverse(), bob, alice);
    expect(mine).toHaveLength(12);
    for (const group of mine ?? []) expect(group).toMatch(/^\d{5}$/);
    expect(theirs).toEqual(mine);
  });

  it('ignores third people, and changes when either person has another key', async () => {
    const mine = await safetyNumber(devices, alice, bob);
    expect(await safetyNumber(devices.slice(0, 3), alice, bob)).toEqual(mine);
    const swapped = devices.map((d) => (d.user === bob ? { ...d, fingerprint: 'bbbb 7777 8888 999a' } : d));
    expect(await safetyNumber(swapped, alice, bob)).not.toEqual(mine);
    expect(await safetyNumber([...devices, { user: bob, fingerprint: 'bbbb 0000 0000 0001' }], alice, bob)).not.toEqual(mine);
  });

  it('is not shown while a device has no key yet, or one of the two has no device', async () => {
    expect(await safetyNumber([...devices, { user: bob, fingerprint: null }], alice, bob)).toBeUndefined();
    expect(await safetyNumber(devices, alice, 'd4@example.test')).toBeUndefined();
  });
});
