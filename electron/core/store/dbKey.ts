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

/** SQLite3 Multiple Ciphers' prefix for a binary raw key (`sqlite3mcExtractRawKey`). */
const RAW_PREFIX = Buffer.from('raw:', 'latin1');

/**
 * Runs `use` with the bytes to hand `sqlite3_key` / `sqlite3_rekey` (better-sqlite3-multiple-
 * ciphers' `db.key(buffer)`, `db.rekey(buffer)`): `raw:` followed by the 32 key bytes, which
 * SQLite3 Multiple Ciphers takes as the raw key and so skips its PBKDF2 step (sub-millisecond
 * open, PLATFORM-NOTES "Storage"); the key is already uniformly random, so a password KDF would
 * add nothing. It replaces `PRAGMA key="x'<64 hex>'"`, whose hex text was a JS string the core
 * could not erase (security review, item 5). The buffer is allocated outside Node's shared
 * pool and zeroed as soon as SQLite has copied the key.
 */
export function withKeyingBytes<T>(key: Uint8Array, use: (bytes: Buffer) => T): T {
  if (!isDbKey(key)) throw new RangeError(`database key must be ${DB_KEY_BYTES} bytes`);
  const bytes = Buffer.alloc(RAW_PREFIX.length + DB_KEY_BYTES);
  RAW_PREFIX.copy(bytes, 0);
  bytes.set(key, RAW_PREFIX.length);
  try {
    return use(bytes);
  } finally {
    bytes.fill(0);
  }
}
