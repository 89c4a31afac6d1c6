import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openProfileStore } from '../../../electron/core/store/openProfileStore';
import { readKv, writeKv } from '../../../electron/core/store/kv';
import { z } from 'zod';
import type { ObservedCore } from '../../support/cores';
import { closeCore, startCore } from '../../support/cores';
import { mailedCode } from '../../support/outbox';
import { databaseValuesContaining, filesContaining } from '../../support/profileContents';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('password');
const PASSPHRASE = 'profile-passphrase';
// What startCore({ passphrase }) opens the profile with, so the test can open it the same way.
const STORE = { prefer: 'passphrase', passphrase: PASSPHRASE, kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } } as const;

/** A password that passes the policy and appears nowhere else. */
function uniquePassword(): string {
  return `Pw-${randomBytes(9).toString('base64url')}-7a!`;
}

describe('the account password is never stored', () => {
  it('keeps the password out of the profile between registration and activation, and asks for it again after a restart', async () => {
    const tracked: ObservedCore[] = [];
    const email = 'pat@example.test';
    const password = uniquePassword();
    const first = startCore(env.root, 'pat', { passphrase: PASSPHRASE });
    tracked.push(first);
    const registered = await first.core.router.request('account.register', { server: env.config, email, name: 'Pat', password });
    expect(registered).toEqual({ ok: true, value: { state: 'awaiting-code', email, server: env.config, passwordNeeded: false } });
    await closeCore(tracked, first);

    // Nothing in the folder, and nothing in the database opened with its own key.
    const profileDir = path.join(env.root, 'pat');
    expect(await filesContaining(profileDir, password)).toEqual([]);
    expect(await databaseValuesContaining(profileDir, STORE, password)).toEqual([]);

    // After the restart the core knows the registration but not the password.
    const second = startCore(env.root, 'pat', { passphrase: PASSPHRASE });
    tracked.push(second);
    expect(await second.core.router.request('account.status', {})).toEqual({
      ok: true,
      value: { state: 'awaiting-code', email, server: env.config, passwordNeeded: true },
    });
    const code = await mailedCode(env.serverDir, email);
    expect(await second.core.router.request('account.activate', { email, code })).toMatchObject({ ok: false, error: { code: 'account-password-needed' } });
    const activated = await second.core.router.request('account.activate', { email, code, password });
    expect(activated).toMatchObject({ ok: true, value: { state: 'signed-in', user: { email, name: 'Pat' } } });
    await closeCore(tracked, second);

    // The account has the password given at activation: another computer signs in with it.
    const other = startCore(env.root, 'pat-laptop', { passphrase: PASSPHRASE });
    tracked.push(other);
    expect(await other.core.router.request('account.login', { server: env.config, email, password })).toMatchObject({ ok: true, value: { state: 'signed-in' } });
    await closeCore(tracked, other);
    expect(await filesContaining(profileDir, password)).toEqual([]);
    expect(await databaseValuesContaining(profileDir, STORE, password)).toEqual([]);
  });

  it('activates without asking again while the core that registered is still running', async () => {
    const email = 'quinn@example.test';
    const o = startCore(env.root, 'quinn', { passphrase: PASSPHRASE });
    await o.core.router.request('account.register', { server: env.config, email, name: 'Quinn', password: uniquePassword() });
    const activated = await o.core.router.request('account.activate', { email, code: await mailedCode(env.serverDir, email) });
    expect(activated).toMatchObject({ ok: true, value: { state: 'signed-in' } });
    await o.core.close();
  });

  it('removes a password an earlier version stored with the waiting registration', async () => {
    const email = 'robin@example.test';
    const password = uniquePassword();
    const profileDir = path.join(env.root, 'robin');
    const created = await openProfileStore(profileDir, STORE);
    if (!created.ok) throw new Error(created.error.message);
    writeKv(created.value.db, 'profile', 'pendingRegistration', { server: env.config, email, name: 'Robin', password, temporary: false });
    created.value.close();

    const o = startCore(env.root, 'robin', { passphrase: PASSPHRASE });
    expect(await o.core.router.request('account.status', {})).toMatchObject({ ok: true, value: { state: 'awaiting-code', email, passwordNeeded: true } });
    await o.core.close();
    expect(await databaseValuesContaining(profileDir, STORE, password)).toEqual([]);
    const reopened = await openProfileStore(profileDir, STORE);
    if (!reopened.ok) throw new Error(reopened.error.message);
    expect(readKv(reopened.value.db, 'profile', 'pendingRegistration', z.object({ email: z.string() }))).toEqual({ email });
    reopened.value.close();
  });
});
