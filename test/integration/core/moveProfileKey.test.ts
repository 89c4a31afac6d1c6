import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../protocol/result';
import { moveProfileKey } from '../../../electron/core/store/moveProfileKey';
import type { ProfileStore, ProfileStoreOptions } from '../../../electron/core/store/openProfileStore';
import { openProfileStore, PROFILE_FILES } from '../../../electron/core/store/openProfileStore';
import { serializeVaultRecord } from '../../../electron/core/store/vaultRecord';
import { FakeKeychain } from '../../fixtures/fakeKeychain';
import { useTempDirs } from './tempProfile';

const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
const tempDir = useTempDirs();

function options(keychain: FakeKeychain, passphrase?: string): ProfileStoreOptions {
  return { keychain: { service: 'Cairn-test', load: async () => keychain }, kdf: MODEST, ...(passphrase ? { passphrase } : {}) };
}

function expectOpen(result: Result<ProfileStore>): ProfileStore {
  if (!result.ok) throw new Error(`expected the profile to open, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function profileWithNote(dir: string, keychain: FakeKeychain): Promise<void> {
  const store = expectOpen(await openProfileStore(dir, options(keychain)));
  store.db.prepare(`INSERT INTO kv (namespace, key, value, updated_at) VALUES ('profile', 'note', '"kept"', 1)`).run();
  store.close();
}

function note(store: ProfileStore): unknown {
  return store.db.prepare(`SELECT value FROM kv WHERE namespace = 'profile' AND key = 'note'`).pluck().get();
}

describe('moving the database key between vaults', () => {
  it('turns a keychain profile into a passcode profile and removes the keychain copy', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    await profileWithNote(dir, keychain);
    expect(keychain.entries.size).toBe(1);

    const moved = await moveProfileKey(dir, options(keychain), { kind: 'passphrase', passphrase: 'Lock-Code-2024', kdf: MODEST });
    expect(moved).toEqual({ ok: true, value: { vault: 'passphrase' } });
    expect(keychain.entries.size).toBe(0);

    expect(await openProfileStore(dir, options(keychain))).toMatchObject({ ok: false, error: { code: 'vault-passphrase-required' } });
    expect(await openProfileStore(dir, options(keychain, 'Wrong-Code-0000'))).toMatchObject({ ok: false, error: { code: 'vault-wrong-passphrase' } });
    const store = expectOpen(await openProfileStore(dir, options(keychain, 'Lock-Code-2024')));
    expect(note(store)).toBe('"kept"');
    expect(store.vault).toBe('passphrase');
    store.close();
  });

  it('moves the key back to the keychain and deletes the passcode-wrapped file', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    await profileWithNote(dir, keychain);
    await moveProfileKey(dir, options(keychain), { kind: 'passphrase', passphrase: 'Lock-Code-2024', kdf: MODEST });

    expect(await moveProfileKey(dir, options(keychain, 'Wrong-Code-0000'), { kind: 'keychain', service: 'Cairn-test', load: async () => keychain })).toMatchObject({
      ok: false,
      error: { code: 'vault-wrong-passphrase' },
    });
    const back = await moveProfileKey(dir, options(keychain, 'Lock-Code-2024'), { kind: 'keychain', service: 'Cairn-test', load: async () => keychain });
    expect(back).toMatchObject({ ok: true, value: { vault: 'keychain' } });
    expect(existsSync(join(dir, PROFILE_FILES.wrappedKey))).toBe(false);
    expect(keychain.entries.size).toBe(1);
    const store = expectOpen(await openProfileStore(dir, options(keychain)));
    expect(note(store)).toBe('"kept"');
    store.close();
  });

  it('refuses to disable the passcode where no keychain exists, and changes nothing', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    await profileWithNote(dir, keychain);
    await moveProfileKey(dir, options(keychain), { kind: 'passphrase', passphrase: 'Lock-Code-2024', kdf: MODEST });
    const before = readFileSync(join(dir, PROFILE_FILES.wrappedKey), 'utf8');
    keychain.reachable = false;
    const result = await moveProfileKey(dir, options(keychain, 'Lock-Code-2024'), { kind: 'keychain', service: 'Cairn-test', load: async () => keychain });
    expect(result).toMatchObject({ ok: false, error: { code: 'vault-unavailable' } });
    expect(readFileSync(join(dir, PROFILE_FILES.wrappedKey), 'utf8')).toBe(before);
    expect(expectOpen(await openProfileStore(dir, options(keychain, 'Lock-Code-2024'))).vault).toBe('passphrase');
  });

  it('finishes a move that a crash interrupted: no keychain copy outlives the switch to a passcode', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    await profileWithNote(dir, keychain);
    const [entry] = [...keychain.entries.keys()];
    const account = (entry ?? '').split('/')[1] ?? '';
    // As if the app died right after writing the new record and before deleting the old copy.
    await moveProfileKey(dir, options(keychain), { kind: 'passphrase', passphrase: 'Lock-Code-2024', kdf: MODEST });
    keychain.entries.set(`Cairn-test/${account}`, 'stale copy');
    writeFileSync(join(dir, PROFILE_FILES.vaultRecord), serializeVaultRecord({ vault: 'passphrase', retired: { service: 'Cairn-test', account } }));

    const store = expectOpen(await openProfileStore(dir, options(keychain, 'Lock-Code-2024')));
    store.close();
    expect(keychain.entries.size).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, PROFILE_FILES.vaultRecord), 'utf8'))).not.toHaveProperty('retired');
  });

  it('deletes a passcode-wrapped file left beside a keychain record by an interrupted move', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    await profileWithNote(dir, keychain);
    writeFileSync(join(dir, PROFILE_FILES.wrappedKey), '{"stale":true}');
    expectOpen(await openProfileStore(dir, options(keychain))).close();
    expect(existsSync(join(dir, PROFILE_FILES.wrappedKey))).toBe(false);
  });
});
