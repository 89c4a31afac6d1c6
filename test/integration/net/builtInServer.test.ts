import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../electron/core/core';
import { createCore } from '../../../electron/core/core';
import { silentLogger } from '../../../electron/core/log';
import { TEST_PASSWORD } from '../../support/serverAccounts';
import { useTestServer } from '../../support/testServer';

const fixed = useTestServer('built-in-fixed');
const other = useTestServer('built-in-other');
let root: string;
let core: Core;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-built-in-core-'));
  core = createCore({
    dataDir: path.join(root, 'profile'),
    appVersion: 'test',
    defaultServer: null,
    builtInServer: fixed.config,
    log: silentLogger,
    store: { prefer: 'passphrase', passphrase: 'built-in-profile-passphrase', kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } },
  });
});

afterAll(async () => {
  await core?.close();
  await rm(root, { recursive: true, force: true });
});

describe('a core with a built-in server', () => {
  it('tells the page which server is built in, and pre-fills it', async () => {
    const info = await core.router.request('app.info', {});
    expect(info.ok && info.value.builtInServer).toEqual(fixed.config);
    expect(info.ok && info.value.defaultServer).toEqual(fixed.config);
  });

  it('refuses a page-supplied server or pins that differ, before contacting anything', async () => {
    const backup = `sha256/${'B'.repeat(43)}=`;
    const refusals = [
      await core.router.request('server.probe', other.config),
      await core.router.request('server.probe', { url: fixed.server.url, pins: [other.server.pin] }),
      await core.router.request('account.register', { server: other.config, email: 'eve@example.test', name: 'Eve', password: TEST_PASSWORD }),
      await core.router.request('account.login', { server: { url: fixed.server.url, pins: [fixed.server.pin, backup] }, email: 'eve@example.test', password: TEST_PASSWORD }),
    ];
    for (const result of refusals) {
      expect(result.ok ? 'accepted' : result.error.code).toBe('server-built-in');
      expect(result.ok ? '' : result.error.message).toContain('connects only to it');
    }
    const status = await core.router.request('account.status', {});
    expect(status.ok && status.value.state).toBe('signed-out');
  });

  it('connects to the built-in server with its pins', async () => {
    const probe = await core.router.request('server.probe', fixed.config);
    expect(probe.ok && probe.value.domain).toBe(fixed.server.domain);
    const registered = await core.router.request('account.register', { server: fixed.config, email: 'pia@example.test', name: 'Pia', password: TEST_PASSWORD });
    expect(registered.ok && registered.value).toMatchObject({ state: 'awaiting-code', server: fixed.config });
  });
});
