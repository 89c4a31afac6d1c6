import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDbKey } from '../../../electron/core/store/dbKey';
import { openProfileStore } from '../../../electron/core/store/openProfileStore';
import { rekeyStore } from '../../../electron/core/store/openStore';
import { PROFILE_FILES } from '../../../electron/core/store/profileFiles';
import { rekeyProfile } from '../../../electron/core/store/rekeyProfile';
import { PassphraseVault } from '../../../electron/core/vault/passphraseVault';

const kdf = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-rekey-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function open(dir: string, passphrase: string) {
  return openProfileStore(dir, { prefer: 'passphrase', passphrase, kdf });
}

describe('re-keying a passcode-protected profile', () => {
  it('gives the database a new key under the new passcode; the old passcode and key no longer open it', async () => {
    const dir = path.join(root, 'plain');
    const first = await open(dir, 'Old-Pass-1!');
    if (!first.ok) throw new Error(first.error.message);
    first.value.db.exec("CREATE TABLE note(t); INSERT INTO note VALUES ('kept')");
    expect(await rekeyProfile(dir, first.value, 'New-Pass-2!', kdf)).toEqual({ ok: true, value: undefined });
    first.value.close();
    expect(existsSync(path.join(dir, PROFILE_FILES.pendingKey))).toBe(false);
    expect(await open(dir, 'Old-Pass-1!')).toMatchObject({ ok: false, error: { code: 'vault-wrong-passphrase' } });
    const again = await open(dir, 'New-Pass-2!');
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.db.prepare('SELECT t FROM note').get()).toEqual({ t: 'kept' });
    again.value.close();
  });

  it('after a crash once the database took the new key, opens with the new passcode and keeps that key file', async () => {
    const dir = path.join(root, 'crash-after');
    const first = await open(dir, 'Old-Pass-1!');
    if (!first.ok) throw new Error(first.error.message);
    // Steps 1 and 2 of rekeyProfile, then the crash before the rename.
    const key = generateDbKey();
    await new PassphraseVault({ file: path.join(dir, PROFILE_FILES.pendingKey), passphrase: 'New-Pass-2!', kdf }).storeKey(key);
    rekeyStore(first.value, key);
    first.value.close();

    expect(await open(dir, 'Old-Pass-1!')).toMatchObject({ ok: false });
    const reopened = await open(dir, 'New-Pass-2!');
    expect(reopened.ok).toBe(true);
    if (reopened.ok) reopened.value.close();
    expect(existsSync(path.join(dir, PROFILE_FILES.pendingKey))).toBe(false);
    const settled = await open(dir, 'New-Pass-2!');
    expect(settled.ok).toBe(true);
    if (settled.ok) settled.value.close();
  });

  it('after a crash before the database took the new key, opens with the old passcode and drops the pending key', async () => {
    const dir = path.join(root, 'crash-before');
    const first = await open(dir, 'Old-Pass-1!');
    if (!first.ok) throw new Error(first.error.message);
    first.value.close();
    await new PassphraseVault({ file: path.join(dir, PROFILE_FILES.pendingKey), passphrase: 'New-Pass-2!', kdf }).storeKey(generateDbKey());

    const reopened = await open(dir, 'Old-Pass-1!');
    expect(reopened.ok).toBe(true);
    if (reopened.ok) reopened.value.close();
    expect(existsSync(path.join(dir, PROFILE_FILES.pendingKey))).toBe(false);
    expect(await open(dir, 'New-Pass-2!')).toMatchObject({ ok: false, error: { code: 'vault-wrong-passphrase' } });
  });
});
