import { describe, expect, it } from 'vitest';
import { classifyOpenError } from '../../../electron/core/store/classifyOpenError';
import { DB_KEY_BYTES, generateDbKey, withKeyingBytes } from '../../../electron/core/store/dbKey';
import { STORE_ERRORS, storeError } from '../../../electron/core/store/storeErrors';
import { VAULT_ERRORS } from '../../../electron/core/vault/vaultErrors';

function sqliteError(code: string): Error {
  return Object.assign(new Error('sqlite says no'), { code });
}

describe('store error codes', () => {
  it.each([
    ['SQLITE_NOTADB', 'store-wrong-key'],
    ['SQLITE_CORRUPT', 'store-corrupt'],
    ['SQLITE_CORRUPT_VTAB', 'store-corrupt'],
    ['SQLITE_BUSY', 'store-busy'],
    ['SQLITE_CANTOPEN', 'store-cannot-open'],
  ])('reports SQLite %s as %s', (code, expected) => {
    expect(classifyOpenError(sqliteError(code))).toBe(expected);
  });

  it('reports anything that is not a SQLite error as store-cannot-open', () => {
    expect(classifyOpenError(new TypeError('x'))).toBe('store-cannot-open');
    expect(classifyOpenError('text')).toBe('store-cannot-open');
    expect(classifyOpenError(Object.assign(new Error('fs'), { code: 'EACCES' }))).toBe('store-cannot-open');
  });

  it('gives every code a plain sentence that ends like a sentence', () => {
    for (const sentence of [...Object.values(STORE_ERRORS), ...Object.values(VAULT_ERRORS)]) {
      expect(sentence).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('lets a caller give a more specific sentence under the same code', () => {
    expect(storeError('store-too-new', 'Schema 9 is newer than 3.')).toEqual({
      ok: false,
      error: { code: 'store-too-new', message: 'Schema 9 is newer than 3.' },
    });
  });
});

describe('database key', () => {
  it('is 32 fresh random bytes each time', () => {
    const a = generateDbKey();
    const b = generateDbKey();
    expect(a).toHaveLength(DB_KEY_BYTES);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('is handed to SQLite as raw: and the bytes (no KDF, no hex string), and the buffer is zeroed afterwards', () => {
    const key = new Uint8Array(32).fill(0xab);
    let seen: Buffer | undefined;
    const copy = withKeyingBytes(key, (bytes) => {
      seen = bytes;
      return Buffer.from(bytes);
    });
    expect(copy.subarray(0, 4).toString('latin1')).toBe('raw:');
    expect(copy.subarray(4).equals(Buffer.from(key))).toBe(true);
    expect(seen?.every((byte) => byte === 0)).toBe(true);
  });

  it('refuses a key of the wrong length instead of padding it', () => {
    expect(() => withKeyingBytes(new Uint8Array(16), () => undefined)).toThrow(RangeError);
  });
});
