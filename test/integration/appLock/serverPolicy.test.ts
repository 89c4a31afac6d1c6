import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../electron/core/core';
import { createCore } from '../../../electron/core/core';
import type { LockState } from '../../../electron/core/ipc/contract';
import { silentLogger } from '../../../electron/core/log';
import { PROFILE_FILES } from '../../../electron/core/store/openProfileStore';
import type { RunningServer } from '../../../server/server';
import { startServer } from '../../support/testDatabase';
import { FakeKeychain } from '../../fixtures/fakeKeychain';
import { mailedCode } from '../../support/outbox';

const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
const PASSCODE = 'Quiet-Stone-42';

let root: string;
const keychain = new FakeKeychain();
const open: Core[] = [];

function core(profile: string): Core {
  const c = createCore({
    dataDir: path.join(root, profile),
    appVersion: 'test',
    defaultServer: null,
    log: silentLogger,
    store: { keychain: { service: 'Cairn-test', load: async () => keychain }, kdf: MODEST },
  });
  open.push(c);
  return c;
}

async function stop(c: Core): Promise<void> {
  open.splice(open.indexOf(c), 1);
  await c.close();
}

async function serverIn(dir: string): Promise<RunningServer> {
  const started = await startServer({ dataDir: path.join(root, dir), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  return started.value;
}

async function writePolicy(dir: string, appLock: { enforced: boolean; inactivityTimeoutSecs: number }): Promise<void> {
  await writeFile(path.join(root, dir, 'policy.json'), JSON.stringify({ appLock }));
}

async function signedUp(c: Core, server: RunningServer, dir: string, email: string): Promise<void> {
  const serverConfig = { url: server.url, pins: [server.pin] };
  await c.router.request('account.register', { server: serverConfig, email, name: 'Noor', password: 'Granite-Path-7' });
  const activated = await c.router.request('account.activate', { email, code: await mailedCode(path.join(root, dir), email) });
  if (!activated.ok) throw new Error(activated.error.message);
}

async function lockState(c: Core): Promise<LockState> {
  const status = await c.router.request('appLock.status', {});
  if (!status.ok) throw new Error(status.error.message);
  return status.value;
}

/** Waits until the server's answer (fetched when the stream connects) has reached the lock. */
async function policyArrived(c: Core, enforced: boolean): Promise<LockState> {
  await expect.poll(async () => (await lockState(c)).enforced, { timeout: 10_000, interval: 50 }).toBe(enforced);
  return lockState(c);
}

/** A restarted core with the lock on starts locked; unlocking and asking for the account starts its sync. */
async function restarted(profile: string): Promise<Core> {
  const c = core(profile);
  expect(await c.router.request('appLock.unlock', { passcode: PASSCODE })).toMatchObject({ ok: true, value: { locked: false } });
  expect(await c.router.request('account.status', {})).toMatchObject({ ok: true, value: { state: 'signed-in' } });
  return c;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-lock-policy-'));
});

afterAll(async () => {
  for (const c of open) await c.close();
  await rm(root, { recursive: true, force: true });
});

describe('app lock enforced by the server', () => {
  it('asks for the lock when the policy arrives while it is off, then refuses to turn it off or to lock later than the policy, and locks after its idle time', async () => {
    const server = await serverIn('strict');
    try {
      await writePolicy('strict', { enforced: true, inactivityTimeoutSecs: 2 });
      const noor = core('noor');
      const states: LockState[] = [];
      noor.events.subscribe((event, payload) => event === 'appLock.state' && states.push(payload as LockState));
      await signedUp(noor, server, 'strict', 'noor@example.test');

      expect(await policyArrived(noor, true)).toMatchObject({ enabled: false, enforced: true, maxAutoLockSeconds: 2 });
      // The UI learns it from an event, without asking.
      expect(states.at(-1)).toMatchObject({ enabled: false, enforced: true, maxAutoLockSeconds: 2 });

      // The user never chose a time: the policy's applies, and the app locks after it.
      expect(await noor.router.request('appLock.enable', { passcode: PASSCODE })).toMatchObject({
        ok: true,
        value: { enabled: true, enforced: true, autoLockSeconds: 2, maxAutoLockSeconds: 2 },
      });
      const idleFrom = Date.now();
      await noor.router.request('appLock.activity', {});
      await expect.poll(async () => (await lockState(noor)).locked, { timeout: 8000, interval: 50 }).toBe(true);
      expect(Date.now() - idleFrom).toBeGreaterThanOrEqual(1900);
      expect(await noor.router.request('account.self', {})).toMatchObject({ ok: false, error: { code: 'app-locked' } });
      expect(await noor.router.request('appLock.unlock', { passcode: PASSCODE })).toMatchObject({ ok: true, value: { locked: false } });

      // Each refusal below is immediate, well inside the 2 s the app stays unlocked.
      await noor.router.request('appLock.activity', {});
      for (const seconds of [0, 3, 3600]) {
        expect(await noor.router.request('appLock.setAutoLock', { seconds })).toMatchObject({
          ok: false,
          error: { code: 'app-lock-timeout-too-long', message: expect.stringContaining('at most 2 seconds') },
        });
      }
      expect(await noor.router.request('appLock.setAutoLock', { seconds: 1 })).toMatchObject({ ok: true, value: { autoLockSeconds: 1 } });
      expect(await noor.router.request('appLock.setAutoLock', { seconds: 2 })).toMatchObject({ ok: true, value: { autoLockSeconds: 2 } });

      // Refused before the passcode is even checked: the key stays wrapped, out of the keychain.
      const entries = keychain.entries.size;
      expect(await noor.router.request('appLock.disable', { passcode: PASSCODE })).toMatchObject({ ok: false, error: { code: 'app-lock-enforced' } });
      expect(existsSync(path.join(root, 'noor', PROFILE_FILES.wrappedKey))).toBe(true);
      expect(keychain.entries.size).toBe(entries);
      expect(await lockState(noor)).toMatchObject({ enabled: true, retryAfterMs: 0 });
    } finally {
      await server.close();
    }
  });

  it('clamps a longer time chosen before, gives it back when the policy is lifted, and keeps the last policy offline', async () => {
    const server = await serverIn('org');
    let ola = core('ola');
    let kai = core('kai');
    try {
      await signedUp(ola, server, 'org', 'ola@example.test');
      await signedUp(kai, server, 'org', 'kai@example.test');
      await ola.router.request('appLock.enable', { passcode: PASSCODE });
      expect(await ola.router.request('appLock.setAutoLock', { seconds: 3600 })).toMatchObject({ ok: true, value: { autoLockSeconds: 3600, enforced: false } });

      // The administrator enforces the lock; the clients learn it when they next connect.
      await writePolicy('org', { enforced: true, inactivityTimeoutSecs: 300 });
      await stop(ola);
      ola = await restarted('ola');
      expect(await policyArrived(ola, true)).toMatchObject({ autoLockSeconds: 300, maxAutoLockSeconds: 300 });

      await writePolicy('org', { enforced: false, inactivityTimeoutSecs: 300 });
      await stop(ola);
      ola = await restarted('ola');
      expect(await policyArrived(ola, false)).toMatchObject({ autoLockSeconds: 3600, maxAutoLockSeconds: null });

      await writePolicy('org', { enforced: true, inactivityTimeoutSecs: 120 });
      await stop(ola);
      ola = await restarted('ola');
      expect(await policyArrived(ola, true)).toMatchObject({ autoLockSeconds: 120 });
      await stop(kai);
      kai = core('kai');
      expect(await kai.router.request('account.status', {})).toMatchObject({ ok: true, value: { state: 'signed-in' } });
      expect(await policyArrived(kai, true)).toMatchObject({ enabled: false, maxAutoLockSeconds: 120 });
      await stop(ola);
      await stop(kai);
    } finally {
      await server.close();
    }

    // The server is gone: the policy stored in the encrypted database still holds, as soon as it is open.
    ola = core('ola');
    expect(await ola.router.request('appLock.unlock', { passcode: PASSCODE })).toMatchObject({
      ok: true,
      value: { locked: false, enforced: true, autoLockSeconds: 120, maxAutoLockSeconds: 120 },
    });
    expect(await ola.router.request('appLock.disable', { passcode: PASSCODE })).toMatchObject({ ok: false, error: { code: 'app-lock-enforced' } });
    expect(await ola.router.request('appLock.setAutoLock', { seconds: 900 })).toMatchObject({ ok: false, error: { code: 'app-lock-timeout-too-long' } });
    // Changing the passcode stays the user's choice.
    expect(await ola.router.request('appLock.change', { current: PASSCODE, next: 'New-Passcode-9' })).toMatchObject({ ok: true, value: { enabled: true } });
    // With the lock off, loading the account is what opens the store and applies the stored policy.
    kai = core('kai');
    expect(await kai.router.request('account.status', {})).toMatchObject({ ok: true, value: { state: 'signed-in' } });
    expect(await lockState(kai)).toMatchObject({ enabled: false, enforced: true, maxAutoLockSeconds: 120 });
  });
});
