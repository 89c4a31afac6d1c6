import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../electron/core/core';
import { createCore } from '../../../electron/core/core';
import { silentLogger } from '../../../electron/core/log';
import { openProfileStore, PROFILE_FILES } from '../../../electron/core/store/openProfileStore';
import type { RunningServer } from '../../../server/server';
import { startServer } from '../../support/testDatabase';
import { FakeKeychain } from '../../fixtures/fakeKeychain';
import { mailedCode } from '../../support/outbox';

const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
const PASSCODE = 'Quiet-Stone-42';

let root: string;
let server: RunningServer;
const keychain = new FakeKeychain();

function core(profile: string, passphrase?: string): Core {
  return createCore({
    dataDir: path.join(root, profile),
    appVersion: 'test',
    defaultServer: null,
    log: silentLogger,
    store: { keychain: { service: 'Cairn-test', load: async () => keychain }, kdf: MODEST, ...(passphrase ? { passphrase } : {}) },
  });
}

async function signedUp(c: Core, email: string): Promise<void> {
  const serverConfig = { url: server.url, pins: [server.pin] };
  await c.router.request('account.register', { server: serverConfig, email, name: 'Hana', password: 'Granite-Path-7' });
  const activated = await c.router.request('account.activate', { email, code: await mailedCode(path.join(root, 'server'), email) });
  if (!activated.ok) throw new Error(activated.error.message);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-lock-'));
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('app lock', () => {
  it('locks cryptographically: no keychain copy, no open database, nothing readable until the passcode', async () => {
    let hana = core('hana');
    await signedUp(hana, 'hana@example.test');
    expect(keychain.entries.size).toBe(1);

    expect(await hana.router.request('appLock.enable', { passcode: 'short' })).toMatchObject({ ok: false, error: { code: 'app-lock-weak-passcode' } });
    expect(await hana.router.request('appLock.enable', { passcode: PASSCODE })).toMatchObject({
      ok: true,
      value: { enabled: true, locked: false, autoLockSeconds: 60 },
    });
    expect(keychain.entries.size).toBe(0);

    const states: unknown[] = [];
    hana.events.subscribe((event, payload) => event === 'appLock.state' && states.push(payload));
    expect(await hana.router.request('appLock.lock', {})).toMatchObject({ ok: true, value: { locked: true } });
    expect(states.at(-1)).toMatchObject({ locked: true });
    expect(await hana.router.request('account.status', {})).toMatchObject({ ok: false, error: { code: 'app-locked' } });
    expect(await hana.router.request('account.self', {})).toMatchObject({ ok: false, error: { code: 'app-locked' } });

    // The core let go of the database: another opener gets it (the store is exclusive while open),
    // and only with the passcode.
    const dir = path.join(root, 'hana');
    expect(await openProfileStore(dir, { kdf: MODEST })).toMatchObject({ ok: false, error: { code: 'vault-passphrase-required' } });
    const outside = await openProfileStore(dir, { passphrase: PASSCODE, kdf: MODEST });
    expect(outside.ok).toBe(true);
    if (outside.ok) outside.value.close();

    // Wrong passcodes slow down: three are free, then a wait is enforced.
    for (let i = 0; i < 3; i++) {
      expect(await hana.router.request('appLock.unlock', { passcode: 'Wrong-Guess-1' })).toMatchObject({
        ok: false,
        error: { code: 'app-lock-wrong-passcode' },
      });
    }
    expect(await hana.router.request('appLock.unlock', { passcode: PASSCODE })).toMatchObject({ ok: false, error: { code: 'app-lock-wait' } });

    // The count survives a restart, and a restarted app with the lock on starts locked.
    await hana.close();
    hana = core('hana');
    const restarted = await hana.router.request('appLock.status', {});
    expect(restarted).toMatchObject({ ok: true, value: { enabled: true, locked: true } });
    if (restarted.ok) expect(restarted.value.retryAfterMs).toBeGreaterThan(0);

    await expect
      .poll(async () => {
        const status = await hana.router.request('appLock.status', {});
        return status.ok ? status.value.retryAfterMs : -1;
      }, { timeout: 5000, interval: 100 })
      .toBe(0);
    expect(await hana.router.request('appLock.unlock', { passcode: PASSCODE })).toMatchObject({ ok: true, value: { locked: false } });
    expect(await hana.router.request('account.self', {})).toMatchObject({ ok: true, value: { email: 'hana@example.test', name: 'Hana' } });
    await hana.close();
  });

  it('locks by itself after the configured idle time, and when the screen locks', async () => {
    const ivo = core('ivo');
    await signedUp(ivo, 'ivo@example.test');
    await ivo.router.request('appLock.enable', { passcode: PASSCODE });
    expect(await ivo.router.request('appLock.setAutoLock', { seconds: 1 })).toMatchObject({ ok: true, value: { autoLockSeconds: 1 } });
    await ivo.router.request('appLock.activity', {});
    const locked = async (): Promise<boolean> => {
      const status = await ivo.router.request('appLock.status', {});
      return status.ok && status.value.locked;
    };
    expect(await locked()).toBe(false);
    await expect.poll(locked, { timeout: 5000, interval: 100 }).toBe(true);

    await ivo.router.request('appLock.unlock', { passcode: PASSCODE });
    await ivo.router.request('appLock.setAutoLock', { seconds: 0 });
    await ivo.systemLocked();
    expect(await locked()).toBe(true);
    await ivo.close();
  });

  it('turns off with the passcode: the key returns to the keychain and the wrapped file is gone', async () => {
    let jo = core('jo');
    await signedUp(jo, 'jo@example.test');
    await jo.router.request('appLock.enable', { passcode: PASSCODE });
    expect(await jo.router.request('appLock.disable', { passcode: 'Wrong-Guess-1' })).toMatchObject({
      ok: false,
      error: { code: 'app-lock-wrong-passcode' },
    });
    expect(await jo.router.request('appLock.disable', { passcode: PASSCODE })).toMatchObject({ ok: true, value: { enabled: false } });
    expect(existsSync(path.join(root, 'jo', PROFILE_FILES.wrappedKey))).toBe(false);
    expect(await jo.router.request('appLock.lock', {})).toMatchObject({ ok: false, error: { code: 'app-lock-disabled' } });
    await jo.close();
    jo = core('jo');
    expect(await jo.router.request('appLock.status', {})).toMatchObject({ ok: true, value: { enabled: false, locked: false } });
    expect(await jo.router.request('account.self', {})).toMatchObject({ ok: true, value: { email: 'jo@example.test' } });
    await jo.close();
  });

  it('erases the device when the passcode is forgotten, and starts over signed out', async () => {
    const lee = core('lee');
    await signedUp(lee, 'lee@example.test');
    await lee.router.request('appLock.enable', { passcode: PASSCODE });
    await lee.router.request('appLock.lock', {});
    expect(await lee.router.request('appLock.forgetDevice', {})).toMatchObject({ ok: true, value: { enabled: false, locked: false } });
    expect(existsSync(path.join(root, 'lee', PROFILE_FILES.database))).toBe(false);
    expect(existsSync(path.join(root, 'lee', PROFILE_FILES.wrappedKey))).toBe(false);
    expect(await lee.router.request('account.status', {})).toEqual({ ok: true, value: { state: 'signed-out' } });
    await lee.close();
  });

  it('changes the passcode only with the current one', async () => {
    const kai = core('kai');
    await signedUp(kai, 'kai@example.test');
    await kai.router.request('appLock.enable', { passcode: PASSCODE });
    expect(await kai.router.request('appLock.change', { current: 'Wrong-Guess-1', next: 'New-Passcode-9' })).toMatchObject({
      ok: false,
      error: { code: 'app-lock-wrong-passcode' },
    });
    expect(await kai.router.request('appLock.change', { current: PASSCODE, next: 'New-Passcode-9' })).toMatchObject({ ok: true });
    await kai.router.request('appLock.lock', {});
    expect(await kai.router.request('appLock.unlock', { passcode: PASSCODE })).toMatchObject({ ok: false, error: { code: 'app-lock-wrong-passcode' } });
    expect(await kai.router.request('appLock.unlock', { passcode: 'New-Passcode-9' })).toMatchObject({ ok: true, value: { locked: false } });
    await kai.close();
  });
});
