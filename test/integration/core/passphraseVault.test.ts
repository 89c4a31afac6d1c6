import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KDF_PARAMS } from '../../../electron/core/vault/kdfParams';
import { deriveKek } from '../../../electron/core/vault/keyWrap';
import { PassphraseVault } from '../../../electron/core/vault/passphraseVault';
import { loadSodium } from '../../../electron/core/vault/sodium';
import { snapshot, useTempDirs } from './tempProfile';

// Argon2 runs here, not in the unit project: it is slow and its WASM memory never shrinks.
// Tests that are not about the cost use the cheapest parameters the reader accepts.
const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
const tempDir = useTempDirs();
const key = new Uint8Array(32).map((_, i) => 255 - i);

function vaultIn(dir: string, passphrase: string | undefined): PassphraseVault {
  return new PassphraseVault({ file: join(dir, 'db-key.json'), passphrase, kdf: MODEST });
}

describe('passphrase vault', () => {
  it('gives back the key with the right passphrase', async () => {
    const dir = tempDir();
    expect((await vaultIn(dir, 'correct horse battery').storeKey(key)).ok).toBe(true);
    expect(await vaultIn(dir, 'correct horse battery').loadKey()).toEqual({ ok: true, value: key });
  });

  it('writes neither the key nor the passphrase into the file', async () => {
    const dir = tempDir();
    await vaultIn(dir, 'correct horse battery').storeKey(key);
    const text = readFileSync(join(dir, 'db-key.json'), 'utf8');
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain(Buffer.from(key).toString('base64'));
    expect(text).not.toContain(Buffer.from(key).toString('hex'));
    expect(JSON.parse(text)).toMatchObject({ format: 'cairn-wrapped-db-key', version: 1, kdf: { alg: 'argon2id13', opsLimit: 1 } });
  });

  it('accepts the same passphrase typed with decomposed accents', async () => {
    const dir = tempDir();
    await vaultIn(dir, 'crème brûlée 2026').storeKey(key);
    expect(await vaultIn(dir, 'cre\u0300me bru\u0302le\u0301e 2026').loadKey()).toEqual({ ok: true, value: key });
  });

  it('says vault-wrong-passphrase for a wrong passphrase and leaves the file untouched', async () => {
    const dir = tempDir();
    await vaultIn(dir, 'correct horse battery').storeKey(key);
    const before = snapshot(dir);
    const result = await vaultIn(dir, 'wrong horse battery').loadKey();
    expect(result).toMatchObject({ ok: false, error: { code: 'vault-wrong-passphrase', message: 'That passphrase is not correct. Nothing was changed. Try again.' } });
    expect(snapshot(dir)).toEqual(before);
  });

  it('treats a file whose KDF cost was lowered as a wrong passphrase, because the header is authenticated', async () => {
    const dir = tempDir();
    const file = join(dir, 'db-key.json');
    await new PassphraseVault({ file, passphrase: 'correct horse battery', kdf: { opsLimit: 2, memLimitBytes: 8 * 1024 * 1024 } }).storeKey(key);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"opsLimit": 2', '"opsLimit": 1'));
    expect(await vaultIn(dir, 'correct horse battery').loadKey()).toMatchObject({ ok: false, error: { code: 'vault-wrong-passphrase' } });
  });

  it('asks for the passphrase by code when none was given', async () => {
    const dir = tempDir();
    await vaultIn(dir, 'correct horse battery').storeKey(key);
    expect(await vaultIn(dir, undefined).loadKey()).toMatchObject({ ok: false, error: { code: 'vault-passphrase-required' } });
    expect(await vaultIn(dir, undefined).availability()).toEqual({ available: false, reason: 'no passphrase was given' });
  });

  it('refuses a passphrase shorter than 8 characters and writes nothing', async () => {
    const dir = tempDir();
    expect(await vaultIn(dir, 'short').storeKey(key)).toMatchObject({ ok: false, error: { code: 'vault-passphrase-too-short' } });
    expect(snapshot(dir)).toEqual({});
  });

  it('reports a damaged or missing key file as vault-file-unreadable', async () => {
    const dir = tempDir();
    expect(await vaultIn(dir, 'correct horse battery').loadKey()).toMatchObject({ ok: false, error: { code: 'vault-file-unreadable' } });
    writeFileSync(join(dir, 'db-key.json'), '{"format":"cairn-wrapped-db-key","version":1');
    expect(await vaultIn(dir, 'correct horse battery').loadKey()).toMatchObject({ ok: false, error: { code: 'vault-file-unreadable' } });
  });

  it('replaces the file atomically, leaving no temporary files behind', async () => {
    const dir = tempDir();
    await vaultIn(dir, 'first passphrase').storeKey(key);
    await vaultIn(dir, 'second passphrase').storeKey(key);
    expect(Object.keys(snapshot(dir))).toEqual(['db-key.json']);
    expect(await vaultIn(dir, 'second passphrase').loadKey()).toEqual({ ok: true, value: key });
  });

  it('unlocks with the new passphrase, and no longer with the old one, after a change', async () => {
    const dir = tempDir();
    await vaultIn(dir, 'old passphrase').storeKey(key);
    expect((await vaultIn(dir, 'old passphrase').changePassphrase('new passphrase')).ok).toBe(true);
    expect(await vaultIn(dir, 'new passphrase').loadKey()).toEqual({ ok: true, value: key });
    expect(await vaultIn(dir, 'old passphrase').loadKey()).toMatchObject({ ok: false, error: { code: 'vault-wrong-passphrase' } });
  });

  it('refuses to change the passphrase without the current one and keeps the file', async () => {
    const dir = tempDir();
    await vaultIn(dir, 'old passphrase').storeKey(key);
    const before = snapshot(dir);
    expect(await vaultIn(dir, 'guessed passphrase').changePassphrase('new passphrase')).toMatchObject({
      ok: false,
      error: { code: 'vault-wrong-passphrase' },
    });
    expect(await vaultIn(dir, 'old passphrase').changePassphrase('short')).toMatchObject({ ok: false, error: { code: 'vault-passphrase-too-short' } });
    expect(snapshot(dir)).toEqual(before);
  });

  it('derives the same key-encryption key from the same passphrase and salt, and another from another salt', async () => {
    // Its cost (time at the default parameters) is measured by `npm run bench kdf`, not asserted here.
    const sodium = await loadSodium();
    const salt = sodium.randombytes_buf(16);
    const first = deriveKek(sodium, 'correct horse battery', salt, DEFAULT_KDF_PARAMS);
    expect(deriveKek(sodium, 'correct horse battery', salt, DEFAULT_KDF_PARAMS)).toEqual(first);
    expect(deriveKek(sodium, 'correct horse battery', sodium.randombytes_buf(16), DEFAULT_KDF_PARAMS)).not.toEqual(first);
    expect(deriveKek(sodium, 'correct horse batterY', salt, DEFAULT_KDF_PARAMS)).not.toEqual(first);
  });
});
