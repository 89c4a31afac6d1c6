import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { unwrapKey, wrapKey } from '../../../electron/core/vault/keyWrap';
import type { Sodium } from '../../../electron/core/vault/sodium';
import { loadSodium } from '../../../electron/core/vault/sodium';
import type { WrappedKey, WrappedKeyHeader } from '../../../electron/core/vault/wrappedKeyFile';
import { headerAssociatedData, parseWrappedKeyFile, serializeWrappedKeyFile } from '../../../electron/core/vault/wrappedKeyFile';

// No Argon2 here: the key-encryption key is random, so these tests stay fast and small.
let sodium: Sodium;
beforeAll(async () => {
  sodium = await loadSodium();
});

const header = (overrides: Partial<WrappedKeyHeader> = {}): WrappedKeyHeader => ({
  version: 1,
  kdf: { opsLimit: 4, memLimitBytes: 128 * 1024 * 1024 },
  salt: new Uint8Array(16).fill(7),
  ...overrides,
});

function wrapped(): { key: Uint8Array; kek: Uint8Array; value: WrappedKey } {
  const key = sodium.randombytes_buf(32);
  const kek = sodium.randombytes_buf(32);
  return { key, kek, value: wrapKey(sodium, key, kek, header()) };
}

function reparse(text: string): WrappedKey {
  const parsed = parseWrappedKeyFile(text);
  if (parsed.kind !== 'ok') throw new Error(`expected a valid file, got ${parsed.kind}`);
  return parsed.value;
}

describe('wrapped key', () => {
  it('unwraps to the same key after a trip through the file format', () => {
    const { key, kek, value } = wrapped();
    const back = reparse(serializeWrappedKeyFile(value));
    expect(unwrapKey(sodium, back, kek)).toEqual(key);
  });

  it('does not unwrap with another key-encryption key', () => {
    const { value } = wrapped();
    expect(unwrapKey(sodium, value, sodium.randombytes_buf(32))).toBeUndefined();
  });

  it.each([
    ['a lowered Argon2 cost', { kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } }],
    ['another salt', { salt: new Uint8Array(16).fill(8) }],
    ['another version', { version: 2 }],
  ])('does not unwrap when the header was changed (%s)', (_name, change) => {
    const { kek, value } = wrapped();
    expect(unwrapKey(sodium, { ...value, header: header(change) }, kek)).toBeUndefined();
  });

  it('binds every header field into the associated data', () => {
    const base = Buffer.from(headerAssociatedData(header())).toString();
    expect(Buffer.from(headerAssociatedData(header({ version: 2 }))).toString()).not.toBe(base);
    expect(Buffer.from(headerAssociatedData(header({ kdf: { opsLimit: 5, memLimitBytes: 134217728 } }))).toString()).not.toBe(base);
    expect(Buffer.from(headerAssociatedData(header({ kdf: { opsLimit: 4, memLimitBytes: 67108864 } }))).toString()).not.toBe(base);
    expect(Buffer.from(headerAssociatedData(header({ salt: new Uint8Array(16) }))).toString()).not.toBe(base);
  });
});

describe('wrapped key file', () => {
  const shape = z.looseObject({ kdf: z.record(z.string(), z.unknown()) });
  const valid = () => shape.parse(JSON.parse(serializeWrappedKeyFile(wrapped().value)));
  const withKdf = (change: Record<string, unknown>): string => {
    const file = valid();
    return JSON.stringify({ ...file, kdf: { ...file.kdf, ...change } });
  };

  it('says "too new" for a file from a later version rather than "damaged"', () => {
    expect(parseWrappedKeyFile(JSON.stringify({ ...valid(), version: 2 }))).toEqual({ kind: 'too-new', version: 2 });
  });

  it.each([
    ['not JSON', '{oops'],
    ['an empty object', '{}'],
    ['a short salt', () => withKdf({ salt: 'AAAA' })],
    ['a gigantic memory cost', () => withKdf({ memLimitBytes: 64 * 1024 ** 3 })],
    ['an unknown algorithm', () => withKdf({ alg: 'argon2i13' })],
    ['an extra field', () => JSON.stringify({ ...valid(), plaintextKey: 'x' })],
  ])('rejects a file with %s', (_name, text) => {
    expect(parseWrappedKeyFile(typeof text === 'string' ? text : text()).kind).toBe('invalid');
  });
});
