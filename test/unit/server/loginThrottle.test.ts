import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addressKey, DEFAULT_LOGIN_THROTTLE, LoginThrottle } from '../../../server/auth/loginThrottle';
import { openSqliteStore } from '../../../server/store/sqlite';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A throttle on a real (SQLite) store of its own, with a clock the test moves. */
async function throttle() {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'cairn-throttle-'));
  const opened = openSqliteStore(path.join(folder, 'cairn.db'));
  if (!opened.ok) throw new Error(opened.error.message);
  cleanup.push(async () => {
    await opened.value.close();
    await rm(folder, { recursive: true, force: true });
  });
  const clock = { now: 0 };
  return { clock, throttle: new LoginThrottle(DEFAULT_LOGIN_THROTTLE, opened.value.loginThrottle, () => clock.now) };
}

describe('login throttle', () => {
  it('lets five wrong guesses through, then doubles the wait from one second up to fifteen minutes', async () => {
    const { clock, throttle: limits } = await throttle();
    for (let guess = 0; guess < 5; guess += 1) expect((await limits.begin('ada@example.org', '203.0.113.7')).ok).toBe(true);
    const waits: number[] = [];
    for (let guess = 0; guess < 14; guess += 1) {
      const refused = (await limits.begin('ada@example.org', '203.0.113.7'));
      if (refused.ok) throw new Error('expected a wait');
      waits.push(refused.retryAfterMs);
      clock.now += refused.retryAfterMs;
      expect((await limits.begin('ada@example.org', '203.0.113.7')).ok).toBe(true);
    }
    expect(waits.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(waits.at(-1)).toBe(15 * 60_000);
  });

  it('never delays the owner signing in from another address while an attacker hammers the account', async () => {
    const { throttle: limits } = await throttle();
    for (let guess = 0; guess < 50; guess += 1) await limits.begin('ada@example.org', '198.51.100.9');
    expect((await limits.begin('ada@example.org', '198.51.100.9')).ok).toBe(false);
    expect((await limits.begin('ada@example.org', '203.0.113.7')).ok).toBe(true);
  });

  it('clears a pair on success so the owner is not slowed by their own typos', async () => {
    const { throttle: limits } = await throttle();
    for (let guess = 0; guess < 4; guess += 1) await limits.begin('ada@example.org', '203.0.113.7');
    expect((await limits.begin('ada@example.org', '203.0.113.7')).ok).toBe(true);
    await limits.succeeded('ada@example.org', '203.0.113.7');
    for (let guess = 0; guess < 5; guess += 1) expect((await limits.begin('ada@example.org', '203.0.113.7')).ok).toBe(true);
    expect((await limits.begin('ada@example.org', '203.0.113.7')).ok).toBe(false);
  });

  it('gives one address a budget of 100 wrong guesses an hour across all accounts', async () => {
    const { clock, throttle: limits } = await throttle();
    for (let account = 0; account < 100; account += 1) expect((await limits.begin(`user${account}@example.org`, '198.51.100.9')).ok).toBe(true);
    const refused = (await limits.begin('fresh@example.org', '198.51.100.9'));
    expect(refused).toEqual({ ok: false, retryAfterMs: 3600_000 });
    expect((await limits.begin('fresh@example.org', '203.0.113.7')).ok).toBe(true);
    clock.now += 3600_000;
    expect((await limits.begin('fresh@example.org', '198.51.100.9')).ok).toBe(true);
  });

  it('treats an IPv6 /64 as one address and unwraps IPv4-mapped addresses', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
  });
});
