import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { meetsPasswordPolicy } from '../../../protocol';
import { HashPool } from '../../../server/auth/hashPool';
import type { PasswordAlgorithm } from '../../../server/auth/password';
import * as passwords from '../../../server/auth/password';
import { AccessTokens, ACCESS_TOKEN_TTL_SECONDS } from '../../../server/auth/tokens';
import { RateLimiter, DEFAULT_RATE_RULES } from '../../../server/http/rateLimit';
import { openSqliteStore } from '../../../server/store/sqlite';

describe('password hashing', () => {
  const pool = new HashPool({ workers: 1, maxQueued: 8, maxPerAddress: 8 });
  afterAll(() => pool.close());
  const hashPassword = async (password: string, algorithm?: PasswordAlgorithm): Promise<string> => {
    const made = await passwords.hashPassword(pool, password, algorithm);
    if (made.kind !== 'done') throw new Error(`hashing refused: ${made.kind}`);
    return made.value;
  };
  const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
    const checked = await passwords.verifyPassword(pool, password, stored);
    if (checked.kind !== 'done') throw new Error(`hashing refused: ${checked.kind}`);
    return checked.value;
  };

  it('stores scrypt N=2^14 r=8 p=1 with a 256-bit salt, and verifies only the right password', async () => {
    const stored = await hashPassword('Correct-horse-9');
    const [logN, r, p, salt] = stored.split('|');
    expect([logN, r, p]).toEqual(['14', '8', '1']);
    expect(Buffer.from(salt ?? '', 'base64')).toHaveLength(32);
    expect(await verifyPassword('Correct-horse-9', stored)).toBe(true);
    expect(await verifyPassword('Correct-horse-8', stored)).toBe(false);
    expect(await verifyPassword('Correct-horse-9', 'garbage')).toBe(false);
    expect(await hashPassword('Correct-horse-9')).not.toBe(stored);
  });

  it('hashes with argon2id when chosen, and verifies both kinds side by side', async () => {
    const argon = await hashPassword('Correct-horse-9', 'argon2id');
    expect(argon).toMatch(/^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
    expect(await verifyPassword('Correct-horse-9', argon)).toBe(true);
    expect(await verifyPassword('Correct-horse-0', argon)).toBe(false);
    expect(await verifyPassword('Correct-horse-9', await hashPassword('Correct-horse-9', 'scrypt'))).toBe(true);
  });

  it('applies the password policy of seed 002', () => {
    expect(meetsPasswordPolicy('Abcdef1!')).toBe(true);
    expect(meetsPasswordPolicy('Äbcdéf1 ')).toBe(true);
    for (const weak of ['Abcde1!', 'abcdef1!', 'ABCDEF1!', 'Abcdefg!', 'Abcdefg1']) expect(meetsPasswordPolicy(weak), weak).toBe(false);
  });
});

describe('access tokens', () => {
  const tokens = new AccessTokens(Buffer.alloc(32, 7));
  const claims = { u: '0b7b8f7e-6c1a-4f7e-9d3f-1d2f3a4b5c6d', r: '0011223344556677', c: '8899aabbccddeeff' };

  it('carry user, connection and client, and expire after 15 minutes', () => {
    const now = Date.now();
    const { token, expiresIn } = tokens.issue(claims, now);
    expect(expiresIn).toBe(ACCESS_TOKEN_TTL_SECONDS);
    expect(tokens.check(token, now)).toMatchObject({ kind: 'valid', claims });
    expect(tokens.check(token, now + 15 * 60 * 1000)).toEqual({ kind: 'expired' });
  });

  it('reject tokens signed with another key or altered in any byte', () => {
    const now = Date.now();
    const { token } = tokens.issue(claims, now);
    expect(new AccessTokens(Buffer.alloc(32, 8)).check(token, now)).toEqual({ kind: 'invalid' });
    const [payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, ...claims, u: '1b7b8f7e-6c1a-4f7e-9d3f-1d2f3a4b5c6d', e: 9e9 })).toString('base64url');
    expect(tokens.check(`${forged}.${signature ?? ''}`, now)).toEqual({ kind: 'invalid' });
    expect(tokens.check(`${payload ?? ''}.`, now)).toEqual({ kind: 'invalid' });
    expect(tokens.check('not-a-token', now)).toEqual({ kind: 'invalid' });
  });

  it('keep refusing altered tokens and expiring valid ones after a token was accepted', () => {
    const now = Date.now();
    const { token } = tokens.issue(claims, now);
    expect(tokens.check(token, now)).toMatchObject({ kind: 'valid', claims });
    expect(tokens.check(token, now + 60_000)).toMatchObject({ kind: 'valid', claims });
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(tokens.check(`${token.slice(0, -1)}${last}`, now)).toEqual({ kind: 'invalid' });
    expect(tokens.check(`${token}.x`, now)).toEqual({ kind: 'invalid' });
    expect(tokens.check(token, now + 15 * 60 * 1000)).toEqual({ kind: 'expired' });
  });

  it('still accept the first of many tokens once more tokens were checked than are remembered', () => {
    const many = new AccessTokens(Buffer.alloc(32, 9));
    const now = Date.now();
    const first = many.issue(claims, now).token;
    expect(many.check(first, now).kind).toBe('valid');
    for (let index = 0; index < 10_050; index += 1) many.check(many.issue({ ...claims, r: index.toString(16).padStart(16, '0') }, now).token, now);
    expect(many.check(first, now)).toMatchObject({ kind: 'valid', claims });
    expect(many.check(`${first.slice(0, -1)}${first.at(-1) === 'A' ? 'B' : 'A'}`, now)).toEqual({ kind: 'invalid' });
  });
});

describe('rate limiter', () => {
  it('allows the configured number of events per window, then refuses until the window passes', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'cairn-rate-'));
    const opened = openSqliteStore(path.join(folder, 'cairn.db'));
    if (!opened.ok) throw new Error(opened.error.message);
    try {
      let now = 0;
      const limiter = new RateLimiter(DEFAULT_RATE_RULES, opened.value.rateWindows, () => now);
      const results = [];
      for (let index = 0; index < 11; index += 1) results.push(await limiter.attempt('login', 'ada@example.org'));
      expect(results.filter((result) => result.ok)).toHaveLength(10);
      now += 20_000;
      expect(await limiter.attempt('login', 'ada@example.org')).toEqual({ ok: false, retryAfterMs: 40_000 });
      expect(await limiter.attempt('login', 'bob@example.org')).toEqual({ ok: true });
      now += 40_000;
      expect(await limiter.attempt('login', 'ada@example.org')).toEqual({ ok: true });
    } finally {
      await opened.value.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
