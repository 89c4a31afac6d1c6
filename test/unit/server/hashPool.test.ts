import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { HashPoolOptions } from '../../../server/auth/hashPool';
import { defaultHashPoolOptions, HashPool } from '../../../server/auth/hashPool';

const job = { password: 'Correct-horse-9', salt: randomBytes(32), logN: 14, r: 8, p: 1, keyBytes: 64 };

describe('password hashing pool', () => {
  const pools: HashPool[] = [];
  const open = (options: HashPoolOptions): HashPool => {
    const pool = new HashPool(options);
    pools.push(pool);
    return pool;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });

  it('computes the same scrypt hash in its threads as in this one', async () => {
    const threads = await open({ workers: 1, maxQueued: 4, maxPerAddress: 4 }).scrypt(job);
    const inProcess = await open({ workers: 0, maxQueued: 0, maxPerAddress: 0 }).scrypt(job);
    expect(threads.kind).toBe('done');
    expect(threads).toEqual(inProcess);
  });

  it('refuses jobs beyond its queue at once with a wait, and runs the queued ones', async () => {
    const pool = open({ workers: 1, maxQueued: 2, maxPerAddress: 10 });
    const accepted = [pool.scrypt(job), pool.scrypt(job), pool.scrypt(job)];
    const refused = await pool.scrypt(job);
    expect(refused.kind).toBe('busy');
    expect(refused.kind === 'busy' && refused.retryAfterMs).toBeGreaterThan(0);
    expect(pool.stats()).toMatchObject({ workers: 1, running: 1, queued: 2, refused: 1 });
    for (const outcome of await Promise.all(accepted)) expect(outcome.kind).toBe('done');
    expect(pool.stats()).toMatchObject({ running: 0, queued: 0, completed: 3 });
  });

  it('lets one client address hold only its share of the queue, counting an IPv6 /64 as one address', async () => {
    const pool = open({ workers: 1, maxQueued: 10, maxPerAddress: 2 });
    const first = [pool.scrypt(job, '2001:db8::1'), pool.scrypt(job, '2001:db8::2')];
    const third = await pool.scrypt(job, '2001:db8::3');
    expect(third.kind).toBe('address-busy');
    const other = pool.scrypt(job, '192.0.2.7');
    for (const outcome of await Promise.all([...first, other])) expect(outcome.kind).toBe('done');
    expect((await pool.scrypt(job, '2001:db8::3')).kind).toBe('done');
  });

  it('verifies argon2id in its threads', async () => {
    const pool = open({ workers: 1, maxQueued: 4, maxPerAddress: 4 });
    const made = await pool.argon2idHash('Correct-horse-9');
    if (made.kind !== 'done') throw new Error(made.kind);
    expect(await pool.argon2idVerify('Correct-horse-9', made.value)).toEqual({ kind: 'done', value: true });
    expect(await pool.argon2idVerify('Correct-horse-0', made.value)).toEqual({ kind: 'done', value: false });
  });

  it('fails a job the thread cannot compute and keeps serving', async () => {
    const pool = open({ workers: 1, maxQueued: 4, maxPerAddress: 4 });
    await expect(pool.scrypt({ ...job, logN: 40 })).rejects.toThrow(/password hashing failed/);
    expect((await pool.scrypt(job)).kind).toBe('done');
  });

  it('hashes in threads of lower priority than the event loop, so under contention other requests go first', async () => {
    const niceOf = (tid: string): number => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]);
    const before = new Set(readdirSync('/proc/self/task'));
    const pool = open({ workers: 1, maxQueued: 4, maxPerAddress: 4 });
    expect((await pool.scrypt(job)).kind).toBe('done');
    const added = readdirSync('/proc/self/task').filter((tid) => !before.has(tid));
    const lowered = added.filter((tid) => niceOf(tid) > niceOf(String(process.pid)));
    expect(lowered).toHaveLength(1);
  });

  it('leaves one core to the event loop by default', () => {
    expect(defaultHashPoolOptions(3)).toMatchObject({ workers: 3, maxQueued: 96 });
    expect(defaultHashPoolOptions().workers).toBeGreaterThanOrEqual(1);
  });
});
