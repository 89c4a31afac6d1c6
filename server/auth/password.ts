import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';

/** Seed 002: scrypt with N = 2^14, r = 8, p = 1 and a random 256-bit salt. */
const LOG_N = 14;
const R = 8;
const P = 1;
const HASH_BYTES = 64;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, HASH_BYTES, { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Seed 002: scrypt by default, argon2id when the operator chooses it. */
export type PasswordAlgorithm = 'scrypt' | 'argon2id';

const ARGON2ID_PREFIX = '$argon2id$';

/**
 * Hashes in seed 002's stored form `log2(N)|r|p|base64(salt)|base64(hash)` for scrypt, or the
 * libsodium `$argon2id$…` string (interactive limits: 2 passes, 64 MiB). Argon2id runs in WASM
 * on the event loop (~0.1 s per hash), which is why scrypt, run on the thread pool, is the default.
 */
export async function hashPassword(password: string, algorithm: PasswordAlgorithm = 'scrypt'): Promise<string> {
  if (algorithm === 'argon2id') {
    await sodium.ready;
    return sodium.crypto_pwhash_str(password.normalize('NFC'), sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE, sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE);
  }
  const salt = randomBytes(32);
  const hash = await derive(password, salt, LOG_N, R, P);
  return [LOG_N, R, P, salt.toString('base64'), hash.toString('base64')].join('|');
}

/** Checks a password against a stored hash of either algorithm, with the parameters stored with it. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith(ARGON2ID_PREFIX)) {
    await sodium.ready;
    return sodium.crypto_pwhash_str_verify(stored, password.normalize('NFC'));
  }
  const [logN, r, p, salt, hash] = stored.split('|');
  if (logN === undefined || r === undefined || p === undefined || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(logN), Number(r), Number(p));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A hash to verify against when the account does not exist, so timing does not reveal that. */
export const DUMMY_PASSWORD_HASH = `${LOG_N}|${R}|${P}|${Buffer.alloc(32).toString('base64')}|${Buffer.alloc(HASH_BYTES).toString('base64')}`;
