import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../electron/core/core';
import { createCore } from '../../../electron/core/core';
import { silentLogger } from '../../../electron/core/log';
import { PROFILE_FILES } from '../../../electron/core/store/openProfileStore';
import type { RunningServer } from '../../../server/server';
import { startServer } from '../../support/testDatabase';
import { FakeKeychain } from '../../fixtures/fakeKeychain';
import { mailedCode } from '../../support/outbox';

const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
const PASSWORD = 'Granite-Path-7';
const EMAIL = 'olga@example.test';

let root: string;
let server: RunningServer;
const keychain = new FakeKeychain();

interface Observed {
  readonly core: Core;
  readonly events: Array<{ event: string; payload: unknown }>;
}

function start(profile: string): Observed {
  const core = createCore({
    dataDir: path.join(root, profile),
    appVersion: 'test',
    defaultServer: null,
    log: silentLogger,
    store: { keychain: { service: 'Cairn-test', load: async () => keychain }, kdf: MODEST },
  });
  const events: Observed['events'] = [];
  core.events.subscribe((event, payload) => events.push({ event, payload }));
  return { core, events };
}

const serverConfig = (): { url: string; pins: string[] } => ({ url: server.url, pins: [server.pin] });
const lastConnection = (o: Observed): unknown =>
  (o.events.filter((e) => e.event === 'connection.state').at(-1)?.payload as { state?: string } | undefined)?.state;
const addedDevices = (o: Observed): string[] =>
  o.events.filter((e) => e.event === 'device.added').map((e) => (e.payload as { id: string }).id);

async function signIn(o: Observed): Promise<string> {
  const result = await o.core.router.request('account.login', { server: serverConfig(), email: EMAIL, password: PASSWORD });
  if (!result.ok || result.value.state !== 'signed-in') throw new Error(result.ok ? 'not signed in' : result.error.message);
  return result.value.clientId;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-sync-'));
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('device events through the notification stream', () => {
  it('tells a device about new devices live, holds them while locked, delivers them after unlock, and wipes a removed device', async () => {
    const laptop = start('laptop');
    await laptop.core.router.request('account.register', { server: serverConfig(), email: EMAIL, name: 'Olga', password: PASSWORD });
    const activated = await laptop.core.router.request('account.activate', { email: EMAIL, code: await mailedCode(path.join(root, 'server'), EMAIL) });
    if (!activated.ok || activated.value.state !== 'signed-in') throw new Error('activation failed');
    const laptopId = activated.value.clientId;
    await expect.poll(() => lastConnection(laptop), { timeout: 10_000 }).toBe('online');

    const desktop = start('desktop');
    const desktopId = await signIn(desktop);
    await expect.poll(() => addedDevices(laptop), { timeout: 10_000 }).toEqual([desktopId]);

    // Locked: the connection closes and nothing arrives; after unlocking, nothing is lost.
    await laptop.core.router.request('appLock.enable', { passcode: 'Quiet-Stone-42' });
    await laptop.core.router.request('appLock.lock', {});
    expect(lastConnection(laptop)).toBe('offline');
    const tablet = start('tablet');
    const tabletId = await signIn(tablet);
    await expect.poll(() => addedDevices(desktop), { timeout: 10_000 }).toContain(tabletId);
    expect(addedDevices(laptop)).toEqual([desktopId]);
    await laptop.core.router.request('appLock.unlock', { passcode: 'Quiet-Stone-42' });
    await laptop.core.router.request('account.status', {});
    await expect.poll(() => addedDevices(laptop), { timeout: 10_000 }).toEqual([desktopId, tabletId]);

    // The desktop removes the laptop: the laptop is told and wipes itself.
    const removed = await desktop.core.router.request('account.removeDevice', { id: laptopId, password: PASSWORD });
    expect(removed).toMatchObject({ ok: true });
    if (removed.ok) expect(removed.value.devices.map((d) => d.id)).not.toContain(laptopId);
    await expect
      .poll(() => laptop.events.some((e) => e.event === 'account.changed' && (e.payload as { state: string }).state === 'signed-out'), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(existsSync(path.join(root, 'laptop', PROFILE_FILES.database))).toBe(false);
    expect(await laptop.core.router.request('account.status', {})).toEqual({ ok: true, value: { state: 'signed-out' } });

    await Promise.all([laptop.core.close(), desktop.core.close(), tablet.core.close()]);
  });
});
