import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../protocol/result';
import type { ProfileStore, ProfileStoreOptions } from '../../../electron/core/store/openProfileStore';
import { openProfileStore, PROFILE_FILES } from '../../../electron/core/store/openProfileStore';
import { wipeProfileStore } from '../../../electron/core/store/wipeProfileStore';
import { FakeKeychain } from '../../fixtures/fakeKeychain';
import { snapshot, useTempDirs } from './tempProfile';

const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
const tempDir = useTempDirs();

function withKeychain(keychain: FakeKeychain, extra: ProfileStoreOptions = {}): ProfileStoreOptions {
  return { keychain: { service: 'Cairn-test', load: async () => keychain }, kdf: MODEST, ...extra };
}

const noKeychain = (extra: ProfileStoreOptions = {}): ProfileStoreOptions => ({
  keychain: {
    load: async () => {
      throw new Error("Cannot find module 'keytar'");
    },
  },
  kdf: MODEST,
  ...extra,
});

function expectOpen(result: Result<ProfileStore>): ProfileStore {
  if (!result.ok) throw new Error(`expected the profile to open, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function remember(store: ProfileStore, value: string): void {
  store.db.prepare(`INSERT INTO kv (namespace, key, value, updated_at) VALUES ('profile', 'note', ?, 1)`).run(JSON.stringify(value));
}

function recall(store: ProfileStore): unknown {
  return store.db.prepare(`SELECT value FROM kv WHERE namespace = 'profile' AND key = 'note'`).pluck().get();
}

describe('openProfileStore with a keychain', () => {
  it('creates the key in the keychain on first run and finds it again on the next', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    const first = expectOpen(await openProfileStore(dir, withKeychain(keychain)));
    expect(first).toMatchObject({ vault: 'keychain', created: true });
    remember(first, 'hello');
    first.close();

    expect(keychain.entries.size).toBe(1);
    const [entry] = [...keychain.entries.keys()];
    expect(entry).toMatch(/^Cairn-test\/profile-[0-9a-f-]{36}$/);
    expect(JSON.parse(readFileSync(join(dir, PROFILE_FILES.vaultRecord), 'utf8'))).toMatchObject({ vault: 'keychain', service: 'Cairn-test' });
    expect(existsSync(join(dir, PROFILE_FILES.wrappedKey))).toBe(false);

    const second = expectOpen(await openProfileStore(dir, withKeychain(keychain)));
    expect(second).toMatchObject({ vault: 'keychain', created: false });
    expect(recall(second)).toBe('"hello"');
    second.close();
  });

  it('gives each profile its own keychain entry', async () => {
    const keychain = new FakeKeychain();
    expectOpen(await openProfileStore(tempDir(), withKeychain(keychain))).close();
    expectOpen(await openProfileStore(tempDir(), withKeychain(keychain))).close();
    expect(keychain.entries.size).toBe(2);
  });

  it('refuses with vault-key-missing when the keychain entry is gone, and changes nothing', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    expectOpen(await openProfileStore(dir, withKeychain(keychain))).close();
    keychain.entries.clear();
    const before = snapshot(dir);

    expect(await openProfileStore(dir, withKeychain(keychain))).toMatchObject({ ok: false, error: { code: 'vault-key-missing' } });
    expect(snapshot(dir)).toEqual(before);
    expect(keychain.entries.size).toBe(0);
  });

  it('refuses with store-wrong-key when the keychain holds another key, and changes nothing', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    expectOpen(await openProfileStore(dir, withKeychain(keychain))).close();
    for (const name of keychain.entries.keys()) keychain.entries.set(name, Buffer.alloc(32, 1).toString('base64'));
    const before = snapshot(dir);

    expect(await openProfileStore(dir, withKeychain(keychain))).toMatchObject({ ok: false, error: { code: 'store-wrong-key' } });
    expect(snapshot(dir)).toEqual(before);
  });

  it('does not fall back to a passphrase or a new key when the recorded keychain is unreachable', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    expectOpen(await openProfileStore(dir, withKeychain(keychain))).close();
    keychain.reachable = false;
    const before = snapshot(dir);

    const result = await openProfileStore(dir, withKeychain(keychain, { passphrase: 'a passphrase given anyway' }));
    expect(result).toMatchObject({ ok: false, error: { code: 'vault-unavailable', message: expect.stringMatching(/Unlock your keychain/) } });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('openProfileStore with a passphrase', () => {
  it('uses the passphrase when no keychain exists, and records that choice', async () => {
    const dir = tempDir();
    const first = expectOpen(await openProfileStore(dir, noKeychain({ passphrase: 'correct horse battery' })));
    expect(first).toMatchObject({ vault: 'passphrase', created: true });
    remember(first, 'kept');
    first.close();
    expect(JSON.parse(readFileSync(join(dir, PROFILE_FILES.vaultRecord), 'utf8'))).toEqual({
      format: 'cairn-key-vault',
      version: 1,
      vault: 'passphrase',
    });

    // A keychain that appears later does not change where this profile's key lives.
    const second = expectOpen(await openProfileStore(dir, withKeychain(new FakeKeychain(), { passphrase: 'correct horse battery' })));
    expect(second).toMatchObject({ vault: 'passphrase', created: false });
    expect(recall(second)).toBe('"kept"');
    second.close();
  });

  it('uses the passphrase over an available keychain when the user prefers it', async () => {
    const keychain = new FakeKeychain();
    const store = expectOpen(await openProfileStore(tempDir(), withKeychain(keychain, { prefer: 'passphrase', passphrase: 'correct horse battery' })));
    expect(store.vault).toBe('passphrase');
    expect(keychain.entries.size).toBe(0);
    store.close();
  });

  it('refuses a wrong passphrase with vault-wrong-passphrase and leaves every file as it was', async () => {
    const dir = tempDir();
    expectOpen(await openProfileStore(dir, noKeychain({ passphrase: 'correct horse battery' }))).close();
    const before = snapshot(dir);

    expect(await openProfileStore(dir, noKeychain({ passphrase: 'incorrect horse' }))).toMatchObject({
      ok: false,
      error: { code: 'vault-wrong-passphrase' },
    });
    expect(await openProfileStore(dir, noKeychain())).toMatchObject({ ok: false, error: { code: 'vault-passphrase-required' } });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('openProfileStore never leaves a key unprotected', () => {
  it('fails with vault-unavailable and creates nothing when there is neither a keychain nor a passphrase', async () => {
    const dir = tempDir();
    const result = await openProfileStore(dir, noKeychain());
    expect(result).toMatchObject({ ok: false, error: { code: 'vault-unavailable' } });
    expect(snapshot(dir)).toEqual({});
  });

  it('refuses to create a new database over one whose key record is lost', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    expectOpen(await openProfileStore(dir, withKeychain(keychain))).close();
    rmSync(join(dir, PROFILE_FILES.vaultRecord));
    const before = snapshot(dir);

    const result = await openProfileStore(dir, withKeychain(keychain));
    expect(result).toMatchObject({ ok: false, error: { code: 'store-key-lost', message: expect.stringMatching(/no new database was created/) } });
    expect(snapshot(dir)).toEqual(before);
    expect(keychain.entries.size).toBe(1);
  });

  it('reports a damaged key record instead of guessing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, PROFILE_FILES.vaultRecord), '{"vault":');
    expect(await openProfileStore(dir, withKeychain(new FakeKeychain()))).toMatchObject({ ok: false, error: { code: 'store-profile-unreadable' } });
  });

  it('refuses a key record from a newer version with store-too-new', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, PROFILE_FILES.vaultRecord), JSON.stringify({ format: 'cairn-key-vault', version: 2, vault: 'tpm' }));
    expect(await openProfileStore(dir, withKeychain(new FakeKeychain()))).toMatchObject({ ok: false, error: { code: 'store-too-new' } });
  });

  it('recovers from a crash between recording the key and creating the database', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    expectOpen(await openProfileStore(dir, withKeychain(keychain))).close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `${PROFILE_FILES.database}${suffix}`), { force: true });

    const store = expectOpen(await openProfileStore(dir, withKeychain(keychain)));
    expect(store.created).toBe(false);
    expect(keychain.entries.size).toBe(1);
    store.close();
  });
});

describe('wipeProfileStore', () => {
  it('erases the keychain entry and every profile file, after which a fresh profile can start', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    expectOpen(await openProfileStore(dir, withKeychain(keychain))).close();
    // The encrypted file cache goes too.
    mkdirSync(join(dir, 'files', 'cache'), { recursive: true });
    writeFileSync(join(dir, 'files', 'cache', `${'ab'.repeat(16)}.enc`), 'ciphertext');

    expect(await wipeProfileStore(dir, { keychain: { load: async () => keychain } })).toEqual({ ok: true, value: undefined });
    expect(keychain.entries.size).toBe(0);
    expect(snapshot(dir)).toEqual({});

    const fresh = expectOpen(await openProfileStore(dir, withKeychain(keychain)));
    expect(fresh.created).toBe(true);
    fresh.close();
  });

  it('erases the wrapped key file of a passphrase profile', async () => {
    const dir = tempDir();
    expectOpen(await openProfileStore(dir, noKeychain({ passphrase: 'correct horse battery' }))).close();
    expect((await wipeProfileStore(dir)).ok).toBe(true);
    expect(snapshot(dir)).toEqual({});
  });

  it('erases a keychain entry a key move left behind, the lock attempts and half-written files, and nothing that is not Cairn\'s', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    expectOpen(await openProfileStore(dir, noKeychain({ passphrase: 'correct horse battery' }))).close();
    // As an app lock turned on while the keychain could not delete the old entry leaves it.
    keychain.entries.set('Cairn-test/profile-old', 'the same key, hex');
    writeFileSync(
      join(dir, PROFILE_FILES.vaultRecord),
      JSON.stringify({ format: 'cairn-key-vault', version: 1, vault: 'passphrase', retired: { service: 'Cairn-test', account: 'profile-old' } }),
    );
    writeFileSync(join(dir, PROFILE_FILES.lockAttempts), '{"failed":2,"lastFailureAt":1}');
    writeFileSync(join(dir, `.${PROFILE_FILES.wrappedKey}.0a1b2c3d4e5f.tmp`), 'half a wrapped key');
    writeFileSync(join(dir, 'notes.txt'), 'the user keeps this here');

    expect(await wipeProfileStore(dir, { keychain: { load: async () => keychain } })).toEqual({ ok: true, value: undefined });
    expect(keychain.entries.size).toBe(0);
    expect(Object.keys(snapshot(dir))).toEqual(['notes.txt']);
  });

  it('deletes nothing while the keychain holding the key cannot be reached', async () => {
    const dir = tempDir();
    const keychain = new FakeKeychain();
    expectOpen(await openProfileStore(dir, withKeychain(keychain))).close();
    keychain.reachable = false;
    const before = snapshot(dir);

    expect(await wipeProfileStore(dir, { keychain: { load: async () => keychain } })).toMatchObject({ ok: false, error: { code: 'vault-unavailable' } });
    expect(snapshot(dir)).toEqual(before);
    expect(keychain.entries.size).toBe(1);
  });
});
