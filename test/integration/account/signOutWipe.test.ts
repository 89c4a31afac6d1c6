import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openProfileStore } from '../../../electron/core/store/openProfileStore';
import { deleteKv } from '../../../electron/core/store/kv';
import type { ObservedCore } from '../../support/cores';
import { closeCore, eventsOf, registerThroughCore, startCore } from '../../support/cores';
import { mailedCode } from '../../support/outbox';
import { databaseValuesContaining, filesUnder } from '../../support/profileContents';
import { apiClient, TEST_PASSWORD } from '../../support/serverAccounts';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('signout');
const PASSPHRASE = 'shared-computer-passphrase';
// What startCore({ passphrase }) opens the profile with, so the test can open it the same way.
const STORE = { prefer: 'passphrase', passphrase: PASSPHRASE, kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } } as const;
const tracked: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(tracked.map((o) => o.core.close()));
});

function start(profile: string): ObservedCore {
  const o = startCore(env.root, profile, { passphrase: PASSPHRASE });
  tracked.push(o);
  return o;
}

async function conversationIds(o: ObservedCore): Promise<string[]> {
  const list = await o.core.router.request('conversations.list', {});
  if (!list.ok) throw new Error(list.error.message);
  return list.value.conversations.map((c) => c.id);
}

async function searchHits(o: ObservedCore, text: string): Promise<number> {
  const found = await o.core.router.request('messages.search', { text });
  if (!found.ok) throw new Error(found.error.message);
  return found.value.messages.length;
}

/** A conversation of `o` with `peer`, one text and one file carrying `marker` (the file lands in the cache). */
async function converse(o: ObservedCore, peer: { id: string; domain: string }, marker: string): Promise<string> {
  const created = await o.core.router.request('conversations.create', { name: `Plans ${marker}`, members: [{ id: peer.id, domain: peer.domain }] });
  if (!created.ok) throw new Error(created.error.message);
  const conversationId = created.value.id;
  const sent = await o.core.router.request('messages.send', { conversationId, text: `the key is under the stone ${marker}` });
  if (!sent.ok) throw new Error(sent.error.message);
  const file = path.join(env.root, `${marker}.txt`);
  await writeFile(file, `notes ${marker}`);
  const shared = await o.core.router.request('files.send', { conversationId, grant: o.core.grantFile('read', file) });
  if (!shared.ok) throw new Error(shared.error.message);
  return conversationId;
}

describe('signing out wipes the profile', () => {
  it('leaves nothing of the first account to the next one signing in on the same computer', async () => {
    const marker = `mk${randomBytes(8).toString('hex')}`;
    const shared = start('shared');
    const carol = start('carol');
    const alice = await registerThroughCore(shared, env.server, env.root, 'alice@example.test', 'Alice');
    const carolUser = await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');
    await converse(shared, carolUser, marker);
    expect(await conversationIds(shared)).toHaveLength(1);
    expect(await searchHits(shared, marker)).toBeGreaterThan(0);
    const profileDir = path.join(env.root, 'shared');
    expect((await filesUnder(profileDir)).some((f) => f.startsWith('files'))).toBe(true);

    expect(await shared.core.router.request('account.logout', {})).toEqual({ ok: true, value: { state: 'signed-out' } });
    expect(eventsOf(shared, 'account.changed')).toContainEqual({ state: 'signed-out' });
    // The key, the database, the file cache: the folder is empty.
    expect(await filesUnder(profileDir)).toEqual([]);
    expect(await shared.core.router.request('account.status', {})).toEqual({ ok: true, value: { state: 'signed-out' } });
    expect(await shared.core.router.request('conversations.list', {})).toMatchObject({ ok: false, error: { code: 'account-signed-out' } });

    // The server keeps listing the signed-out device (seed 002) until the user removes it.
    const probe = apiClient(env.server);
    const access = await probe.call('login', { body: { email: 'alice@example.test', password: TEST_PASSWORD } });
    probe.session.setToken(access.accessToken, access.expiresIn);
    expect((await probe.call('listClients', {})).clients.map((c) => c.id)).toContain(alice.clientId);
    probe.close();

    const bob = await registerThroughCore(shared, env.server, env.root, 'bob@example.test', 'Bob');
    expect(bob.clientId).not.toBe(alice.clientId);
    expect(await conversationIds(shared)).toEqual([]);
    expect(await searchHits(shared, marker)).toBe(0);
    expect(await searchHits(shared, 'stone')).toBe(0);
    expect((await filesUnder(profileDir)).filter((f) => f.startsWith('files'))).toEqual([]);
    const devices = await shared.core.router.request('account.devices', {});
    expect(devices).toMatchObject({ ok: true, value: { devices: [{ id: bob.clientId, current: true }] } });

    // Bob's database, opened with its own key, holds nothing of Alice's.
    await closeCore(tracked, shared);
    expect(await databaseValuesContaining(profileDir, STORE, marker)).toEqual([]);
    expect(await databaseValuesContaining(profileDir, STORE, alice.id)).toEqual([]);
    expect(await databaseValuesContaining(profileDir, STORE, alice.clientId)).toEqual([]);
  });

  it('wipes a temporary device when it restarts, since that signs it out', async () => {
    const o = start('kiosk');
    await registerThroughCore(o, env.server, env.root, 'dana@example.test', 'Dana');
    await o.core.router.request('account.logout', {});
    const login = await o.core.router.request('account.login', { server: env.config, email: 'dana@example.test', password: TEST_PASSWORD, temporary: true });
    expect(login).toMatchObject({ ok: true, value: { state: 'signed-in', temporary: true } });
    const created = await o.core.router.request('conversations.create', { name: 'Kiosk notes', members: [] });
    expect(created.ok).toBe(true);
    await closeCore(tracked, o);

    const again = start('kiosk');
    expect(await again.core.router.request('account.status', {})).toEqual({ ok: true, value: { state: 'signed-out' } });
    expect(await filesUnder(path.join(env.root, 'kiosk'))).toEqual([]);
  });

  it('wipes what an earlier version left after signing out before the next account signs in', async () => {
    const marker = `mk${randomBytes(8).toString('hex')}`;
    const first = start('old-version');
    await registerThroughCore(first, env.server, env.root, 'erin@example.test', 'Erin');
    const peer = start('erin-peer');
    const peerUser = await registerThroughCore(peer, env.server, env.root, 'frank@example.test', 'Frank');
    await converse(first, peerUser, marker);
    await closeCore(tracked, first);
    // What the earlier sign-out did: delete the account row, keep everything else.
    const profileDir = path.join(env.root, 'old-version');
    const opened = await openProfileStore(profileDir, STORE);
    if (!opened.ok) throw new Error(opened.error.message);
    deleteKv(opened.value.db, 'profile', 'account');
    opened.value.close();

    const next = start('old-version');
    const registered = await next.core.router.request('account.register', { server: env.config, email: 'gil@example.test', name: 'Gil', password: TEST_PASSWORD });
    expect(registered).toMatchObject({ ok: true, value: { state: 'awaiting-code' } });
    const code = await mailedCode(env.serverDir, 'gil@example.test');
    expect(await next.core.router.request('account.activate', { email: 'gil@example.test', code })).toMatchObject({ ok: true, value: { state: 'signed-in' } });
    expect(await conversationIds(next)).toEqual([]);
    expect(await searchHits(next, marker)).toBe(0);
    await closeCore(tracked, next);
    expect(await databaseValuesContaining(profileDir, STORE, marker)).toEqual([]);
  });
});
