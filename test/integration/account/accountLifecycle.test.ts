import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../electron/core/core';
import { createCore } from '../../../electron/core/core';
import { silentLogger } from '../../../electron/core/log';
import type { RunningServer } from '../../../server/server';
import { startServer } from '../../support/testDatabase';
import { mailedCode as mailedCodeIn } from '../../support/outbox';
import { apiClient } from '../../support/serverAccounts';

const PASSWORD = 'Correct-Horse-9';
const MODEST_KDF = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

let root: string;
let server: RunningServer;
let serverConfig: { url: string; pins: string[] };

function core(profile: string): Core {
  return createCore({
    dataDir: path.join(root, profile),
    appVersion: 'test',
    defaultServer: null,
    log: silentLogger,
    store: { prefer: 'passphrase', passphrase: 'profile-passphrase', kdf: MODEST_KDF },
  });
}

function mailedCode(email: string): Promise<string> {
  return mailedCodeIn(path.join(root, 'server'), email);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-account-'));
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
  serverConfig = { url: server.url, pins: [server.pin] };
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('account lifecycle through the core', () => {
  it('registers with the e-mailed code, stays signed in across a restart, signs out and back in', async () => {
    const email = 'alice@example.test';
    let alice = core('alice');
    expect(await alice.router.request('account.status', {})).toEqual({ ok: true, value: { state: 'signed-out' } });

    const registered = await alice.router.request('account.register', {
      server: serverConfig,
      email,
      name: 'Alice',
      password: PASSWORD,
    });
    expect(registered).toMatchObject({ ok: true, value: { state: 'awaiting-code', email } });

    const code = await mailedCode(email);
    const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await alice.router.request('account.activate', { email, code: wrongCode });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid-code' } });

    const activated = await alice.router.request('account.activate', { email, code });
    expect(activated).toMatchObject({ ok: true, value: { state: 'signed-in', user: { email, name: 'Alice' }, temporary: false } });
    expect(await alice.router.request('account.self', {})).toMatchObject({ ok: true, value: { email, name: 'Alice' } });

    // This computer is now a registered device, with 100 prekeys and 100 MLS key packages at the server.
    const clientId = activated.ok && activated.value.state === 'signed-in' ? activated.value.clientId : '';
    const devices = await alice.router.request('account.devices', {});
    expect(devices).toMatchObject({ ok: true, value: { devices: [{ id: clientId, current: true, type: 'permanent' }] } });
    if (devices.ok) expect(devices.value.devices[0]?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const probe = apiClient(server);
    const access = await probe.call('login', { body: { email, password: PASSWORD } });
    probe.session.setToken(access.accessToken, access.expiresIn);
    expect(await probe.call('countPrekeys', { params: { client: clientId } })).toEqual({ count: 100 });

    // A permanent device keeps its cookie in the encrypted store: a restart stays signed in,
    // and the first request refreshes the access token from that cookie.
    await alice.close();
    alice = core('alice');
    expect(await alice.router.request('account.status', {})).toMatchObject({ ok: true, value: { state: 'signed-in' } });
    expect(await alice.router.request('account.self', {})).toMatchObject({ ok: true, value: { email } });

    expect(await alice.router.request('account.logout', {})).toEqual({ ok: true, value: { state: 'signed-out' } });
    expect(await alice.router.request('account.self', {})).toMatchObject({ ok: false, error: { code: 'account-signed-out' } });

    const badPassword = await alice.router.request('account.login', { server: serverConfig, email, password: 'Wrong-Pass-1' });
    expect(badPassword).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
    const back = await alice.router.request('account.login', { server: serverConfig, email, password: PASSWORD });
    // Signing out erased this device's keys, so signing in again registers a new device; the
    // server keeps listing the old one until the user removes it (seed 002).
    expect(back).toMatchObject({ ok: true, value: { state: 'signed-in', user: { email } } });
    const newClientId = back.ok && back.value.state === 'signed-in' ? back.value.clientId : clientId;
    expect(newClientId).not.toBe(clientId);
    const listed = await alice.router.request('account.devices', {});
    expect(listed.ok ? listed.value.devices.map((d) => d.id).sort() : []).toEqual([clientId, newClientId].sort());
    await alice.close();
  });

  it('signs a temporary device out when it restarts, since its cookie never touches the disk', async () => {
    const email = 'bob@example.test';
    let bob = core('bob');
    await bob.router.request('account.register', { server: serverConfig, email, name: 'Bob', password: PASSWORD });
    await bob.router.request('account.activate', { email, code: await mailedCode(email) });
    await bob.router.request('account.logout', {});
    const temporary = await bob.router.request('account.login', { server: serverConfig, email, password: PASSWORD, temporary: true });
    expect(temporary).toMatchObject({ ok: true, value: { state: 'signed-in', temporary: true } });
    expect(await bob.router.request('account.self', {})).toMatchObject({ ok: true, value: { email } });
    await bob.close();
    bob = core('bob');
    expect(await bob.router.request('account.status', {})).toEqual({ ok: true, value: { state: 'signed-out' } });
    await bob.close();
  });

  it('refuses a server whose pin does not match without sending the password', async () => {
    const carol = core('carol');
    const result = await carol.router.request('account.login', {
      server: { url: server.url, pins: [`sha256/${'Z'.repeat(43)}=`] },
      email: 'carol@example.test',
      password: PASSWORD,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'tls-pin-mismatch' } });
    await carol.close();
  });
});
