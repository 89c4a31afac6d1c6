import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../protocol/result';
import type { ProfileStore } from '../../../electron/core/store/openProfileStore';
import { openProfileStore } from '../../../electron/core/store/openProfileStore';
import { parseVaultRecord } from '../../../electron/core/store/vaultRecord';
import { KeytarVault } from '../../../electron/core/vault/keytarVault';
import { useTempDirs } from './tempProfile';

// The real keychain needs a Secret Service. CI runs this file under `dbus-run-session` with an
// unlocked gnome-keyring and CAIRN_REQUIRE_KEYCHAIN=1, so a missing keychain fails there;
// elsewhere the keychain tests are reported as skipped with the reason.
const SERVICE = 'Cairn-test';
const required = process.env.CAIRN_REQUIRE_KEYCHAIN === '1';
const probe = await new KeytarVault({ service: SERVICE, account: `probe-${randomUUID()}` }).availability();
const tempDir = useTempDirs();

function needKeychain(skip: (note: string) => never): void {
  if (probe.available) return;
  if (required) throw new Error(`CAIRN_REQUIRE_KEYCHAIN=1 but no keychain is reachable: ${probe.reason}`);
  skip(`no Secret Service reachable (${probe.reason}); run under dbus-run-session with an unlocked gnome-keyring`);
}

function expectOpen(result: Result<ProfileStore>): ProfileStore {
  if (!result.ok) throw new Error(`expected the profile to open, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function hasSecretTool(): boolean {
  return spawnSync('secret-tool', ['--version']).error === undefined;
}

describe('keychain vault on the real system keychain', () => {
  it('stores, finds and forgets a database key', async ({ skip }) => {
    needKeychain(skip);
    const account = `profile-${randomUUID()}`;
    const vault = new KeytarVault({ service: SERVICE, account });
    const key = new Uint8Array(32).map((_, i) => (i * 7) & 0xff);
    try {
      expect(await vault.storeKey(key)).toEqual({ ok: true, value: undefined });
      expect(await vault.loadKey()).toEqual({ ok: true, value: key });
      if (hasSecretTool()) {
        // Another Secret Service client sees the entry under the same service and account.
        const stored = execFileSync('secret-tool', ['lookup', 'service', SERVICE, 'account', account], { encoding: 'utf8' });
        expect(stored.trim()).toBe(Buffer.from(key).toString('base64'));
      }
    } finally {
      expect((await vault.deleteKey()).ok).toBe(true);
    }
    expect(await vault.loadKey()).toMatchObject({ ok: false, error: { code: 'vault-key-missing' } });
  });

  it('opens a profile with its key in the keychain across restarts', async ({ skip }) => {
    needKeychain(skip);
    const dir = tempDir();
    const first = expectOpen(await openProfileStore(dir, { keychain: { service: SERVICE } }));
    expect(first).toMatchObject({ vault: 'keychain', created: true });
    first.db.prepare(`INSERT INTO kv (namespace, key, value, updated_at) VALUES ('settings', 'theme', '"dark"', 1)`).run();
    first.close();

    const record = parseVaultRecord(readFileSync(join(dir, 'key-vault.json'), 'utf8'));
    if (record.kind !== 'ok' || record.record.vault !== 'keychain') throw new Error('expected a keychain record');
    const vault = new KeytarVault({ service: record.record.service, account: record.record.account });
    try {
      const second = expectOpen(await openProfileStore(dir, { keychain: { service: SERVICE } }));
      expect(second.created).toBe(false);
      expect(second.db.prepare(`SELECT value FROM kv WHERE key = 'theme'`).pluck().get()).toBe('"dark"');
      second.close();
    } finally {
      await vault.deleteKey();
    }
  });

  it('reports "unavailable", never a crash, when there is no Secret Service, and creates nothing', () => {
    const fixture = fileURLToPath(new URL('../../fixtures/keychainProbe.ts', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/cairn-bus' };
    delete env.DISPLAY;
    const child = spawnSync(process.execPath, ['--import', 'tsx', fixture], { env, encoding: 'utf8', timeout: 30_000 });
    expect(child.status, child.stderr).toBe(0);
    const report: unknown = JSON.parse(child.stdout.trim());
    expect(report).toMatchObject({ availability: { available: false }, opened: 'vault-unavailable', files: [] });
  });
});
