import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { HashOutcome, HashPool } from './hashPool';

/** Seed 002: scrypt with N = 2^14, r = 8, p = 1 and a random 256-bit salt. */
const LOG_N = 14;
const R = 8;
const P = 1;
const HASH_BYTES = 64;

/** Seed 002: scrypt by default, argon2id when the operator chooses it. */
export type PasswordAlgorithm = 'scrypt' | 'argon2id';

const ARGON2ID_PREFIX = '$argon2id$';

/**
 * Hashes in seed 002's stored form `log2(N)|r|p|base64(salt)|base64(hash)` for scrypt, or the
 * libsodium `$argon2id$…` string (interactive limits: 2 passes, 64 MiB). The work runs on the
 * server's hashing threads (`hashPool.ts`), never on the event loop; when their queue is full the
 * answer is `busy` and nothing was hashed. `address` is the client's, for its share of the queue.
 */
export async function hashPassword(pool: HashPool, password: string, algorithm: PasswordAlgorithm = 'scrypt', address?: string): Promise<HashOutcome<string>> {
  if (algorithm === 'argon2id') return pool.argon2idHash(password.normalize('NFC'), address);
  const salt = randomBytes(32);
  const hash = await pool.scrypt({ password: password.normalize('NFC'), salt, logN: LOG_N, r: R, p: P, keyBytes: HASH_BYTES }, address);
  if (hash.kind !== 'done') return hash;
  return { kind: 'done', value: [LOG_N, R, P, salt.toString('base64'), hash.value.toString('base64')].join('|') };
}

/** Scrypt parameters a stored hash may name: seed 002's and stronger, never absurd ones. */
function plausible(logN: number, r: number, p: number): boolean {
  return Number.isInteger(logN) && logN >= 10 && logN <= 22 && Number.isInteger(r) && r >= 1 && r <= 32 && Number.isInteger(p) && p >= 1 && p <= 16;
}

/** Checks a password against a stored hash of either algorithm, with the parameters stored with it. */
export async function verifyPassword(pool: HashPool, password: string, stored: string, address?: string): Promise<HashOutcome<boolean>> {
  if (stored.startsWith(ARGON2ID_PREFIX)) return pool.argon2idVerify(password.normalize('NFC'), stored, address);
  const [logN, r, p, salt, hash] = stored.split('|');
  if (logN === undefined || r === undefined || p === undefined || salt === undefined || hash === undefined) return { kind: 'done', value: false };
  if (!plausible(Number(logN), Number(r), Number(p))) return { kind: 'done', value: false };
  const expected = Buffer.from(hash, 'base64');
  const actual = await pool.scrypt(
    { password: password.normalize('NFC'), salt: Buffer.from(salt, 'base64'), logN: Number(logN), r: Number(r), p: Number(p), keyBytes: HASH_BYTES },
    address,
  );
  if (actual.kind !== 'done') return actual;
  return { kind: 'done', value: expected.length === actual.value.length && timingSafeEqual(expected, actual.value) };
}
