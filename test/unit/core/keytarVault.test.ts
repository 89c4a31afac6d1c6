import { describe, expect, it } from 'vitest';
import { KeytarVault } from '../../../electron/core/vault/keytarVault';
import { FakeKeychain } from '../../fixtures/fakeKeychain';

const key = new Uint8Array(32).map((_, i) => i);

function vaultWith(keychain: FakeKeychain): KeytarVault {
  return new KeytarVault({ service: 'Cairn-test', account: 'profile-a', load: async () => keychain });
}

describe('keychain vault', () => {
  it('gives back the key it stored', async () => {
    const vault = vaultWith(new FakeKeychain());
    expect(await vault.storeKey(key)).toEqual({ ok: true, value: undefined });
    expect(await vault.loadKey()).toEqual({ ok: true, value: key });
  });

  it('keeps one entry per profile under the given service', async () => {
    const keychain = new FakeKeychain();
    await vaultWith(keychain).storeKey(key);
    expect([...keychain.entries.keys()]).toEqual(['Cairn-test/profile-a']);
    const other = new KeytarVault({ service: 'Cairn-test', account: 'profile-b', load: async () => keychain });
    expect(await other.loadKey()).toMatchObject({ ok: false, error: { code: 'vault-key-missing' } });
  });

  it('is unavailable, not crashing, when keytar cannot be loaded', async () => {
    const vault = new KeytarVault({
      account: 'profile-a',
      load: async () => {
        throw new Error("Cannot find module 'keytar'");
      },
    });
    expect(await vault.availability()).toEqual({ available: false, reason: "keytar could not be loaded: Cannot find module 'keytar'" });
    expect(await vault.storeKey(key)).toMatchObject({ ok: false, error: { code: 'vault-unavailable' } });
    expect(await vault.loadKey()).toMatchObject({ ok: false, error: { code: 'vault-unavailable' } });
  });

  it('is unavailable when keytar loads but no Secret Service answers', async () => {
    const keychain = new FakeKeychain();
    keychain.reachable = false;
    const vault = vaultWith(keychain);
    const availability = await vault.availability();
    expect(availability.available).toBe(false);
    expect(await vault.loadKey()).toMatchObject({ ok: false, error: { code: 'vault-unavailable', message: expect.stringMatching(/Unlock your keychain/) } });
  });

  it('reports a damaged entry instead of opening with a wrong key', async () => {
    const keychain = new FakeKeychain();
    keychain.entries.set('Cairn-test/profile-a', 'not a key');
    expect(await vaultWith(keychain).loadKey()).toMatchObject({ ok: false, error: { code: 'vault-key-corrupt' } });
  });

  it('forgets the key when asked', async () => {
    const keychain = new FakeKeychain();
    const vault = vaultWith(keychain);
    await vault.storeKey(key);
    expect((await vault.deleteKey()).ok).toBe(true);
    expect(keychain.entries.size).toBe(0);
  });
});
