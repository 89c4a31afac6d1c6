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

function wrong(code: string, by: number): string {
  return String((Number(code) + by) % 1_000_000).padStart(6, '0');
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-registration-'));
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
  serverConfig = { url: server.url, pins: [server.pin] };
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the waiting registration through the core', () => {
  it('replaces a code entered wrongly too often with a new one that signs in', async () => {
    const email = 'erin@example.test';
    const erin = core('erin');
    await erin.router.request('account.register', { server: serverConfig, email, name: 'Erin', password: PASSWORD });
    const first = await mailedCode(email);
    for (let attempt = 1; attempt <= 4; attempt++) await erin.router.request('account.activate', { email, code: wrong(first, attempt) });
    expect(await erin.router.request('account.activate', { email, code: first })).toMatchObject({ ok: false, error: { code: 'code-exhausted' } });

    expect(await erin.router.request('account.resendCode', {})).toMatchObject({ ok: true, value: { state: 'awaiting-code', email } });
    await expect.poll(() => mailedCode(email)).not.toBe(first);
    const second = await mailedCode(email);
    expect(await erin.router.request('account.activate', { email, code: first })).toMatchObject({ ok: false });
    expect(await erin.router.request('account.activate', { email, code: second })).toMatchObject({ ok: true, value: { state: 'signed-in' } });
    // Signed in, there is no registration to resend or cancel.
    expect(await erin.router.request('account.resendCode', {})).toMatchObject({ ok: false, error: { code: 'account-signed-in' } });
    await erin.close();
  });

  it('forgets a cancelled registration, also after a restart', async () => {
    const email = 'finn@example.test';
    let finn = core('finn');
    await finn.router.request('account.register', { server: serverConfig, email, name: 'Finn', password: PASSWORD });
    const code = await mailedCode(email);
    expect(await finn.router.request('account.cancelRegistration', {})).toEqual({ ok: true, value: { state: 'signed-out' } });
    expect(await finn.router.request('account.activate', { email, code, password: PASSWORD })).toMatchObject({
      ok: false,
      error: { code: 'account-no-pending-registration' },
    });
    expect(await finn.router.request('account.resendCode', {})).toMatchObject({ ok: false, error: { code: 'account-no-pending-registration' } });
    await finn.close();
    finn = core('finn');
    expect(await finn.router.request('account.status', {})).toEqual({ ok: true, value: { state: 'signed-out' } });
    await finn.close();
  });
});
