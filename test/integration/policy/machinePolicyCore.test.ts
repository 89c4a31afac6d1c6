import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../electron/core/core';
import { createCore } from '../../../electron/core/core';
import { silentLogger } from '../../../electron/core/log';
import { TEST_PASSWORD } from '../../support/serverAccounts';
import { useTestServer } from '../../support/testServer';

const preset = useTestServer('policy-preset');
const other = useTestServer('policy-other');
let root: string;
let core: Core;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-machine-policy-core-'));
  core = createCore({
    dataDir: path.join(root, 'profile'),
    appVersion: 'test',
    // What a user or a development setting would pre-fill: the machine policy wins over it.
    defaultServer: other.config,
    machinePolicy: { server: preset.config, appLock: { required: true, maxAutoLockSeconds: 120 } },
    log: silentLogger,
    store: { prefer: 'passphrase', passphrase: 'policy-profile-passphrase', kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } },
  });
});

afterAll(async () => {
  await core?.close();
  await rm(root, { recursive: true, force: true });
});

describe('a core started with a machine policy', () => {
  it('offers the policy’s server as the only one, over the pre-filled default', async () => {
    const info = await core.router.request('app.info', {});
    expect(info.ok && info.value.builtInServer).toEqual(preset.config);
    expect(info.ok && info.value.defaultServer).toEqual(preset.config);
  });

  it('refuses another server before contacting it', async () => {
    const probe = await core.router.request('server.probe', other.config);
    expect(probe.ok ? 'accepted' : probe.error.code).toBe('server-built-in');
    const login = await core.router.request('account.login', { server: other.config, email: 'eve@example.test', password: TEST_PASSWORD });
    expect(login.ok ? 'accepted' : login.error.code).toBe('server-built-in');
  });

  it('enforces the app lock with the policy’s limit before any server has answered', async () => {
    const status = await core.router.request('appLock.status', {});
    expect(status.ok && status.value).toMatchObject({ enforced: true, maxAutoLockSeconds: 120, autoLockSeconds: 120 });
  });

  it('refuses an auto-lock time longer than the policy allows', async () => {
    const set = await core.router.request('appLock.setAutoLock', { seconds: 600 });
    expect(set.ok ? 'accepted' : set.error.code).toBe('app-lock-timeout-too-long');
  });

  it('connects to the policy’s server with its pins', async () => {
    const probe = await core.router.request('server.probe', preset.config);
    expect(probe.ok && probe.value.domain).toBe(preset.server.domain);
  });
});
