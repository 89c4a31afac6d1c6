import { randomBytes } from 'node:crypto';

/** The database key is 32 random bytes used raw by SQLCipher, so opening runs no KDF. */
export const DB_KEY_BYTES = 32;

/** A fresh random database key. The caller owns it and should `fill(0)` it when done. */
export function generateDbKey(): Uint8Array {
  return new Uint8Array(randomBytes(DB_KEY_BYTES));
}

export function isDbKey(key: Uint8Array): boolean {
  return key.length === DB_KEY_BYTES;
}

/**
 * The value for `PRAGMA key`: the `x'<64 hex>'` form tells SQLCipher the key is raw, which
 * skips its PBKDF2 step (sub-millisecond open, PLATFORM-NOTES "Storage"). The key is already
 * uniformly random, so a password KDF would add nothing.
 */
export function rawKeyPragma(key: Uint8Array): string {
  if (!isDbKey(key)) throw new RangeError(`database key must be ${DB_KEY_BYTES} bytes`);
  return `key="x'${Buffer.from(key).toString('hex')}'"`;
}
