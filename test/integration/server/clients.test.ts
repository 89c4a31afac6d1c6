import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimedPrekeySchema, ClientListSchema, PrekeyBundleSchema } from '../../../protocol';
import { field } from './support/api';
import { readOutbox } from './support/mail';
import { eventTypes, fetchNotifications } from './support/notifications';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import { addClient, prekeys, registerUser, userWithClient } from './support/users';

describe('clients', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  const newClientBody = (password: string, type: 'permanent' | 'temporary' = 'permanent') => ({
    password,
    type,
    class: 'desktop',
    model: 'Linux',
    lastPrekey: { id: 65535, key: Buffer.alloc(32, 1).toString('base64') },
    prekeys: prekeys(3),
  });

  it('registers a client only with the re-entered password', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const wrong = await t.api.post('/clients', { token: user.token, body: newClientBody('Wrong-pass-1') });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ code: 'invalid-credentials' });
    const right = await t.api.post('/clients', { token: user.token, body: newClientBody(user.password) });
    expect(right.status).toBe(201);
    expect(field(right, 'id')).toMatch(/^[0-9a-f]{16}$/);
    expect(right.body).toMatchObject({ type: 'permanent', class: 'desktop', model: 'Linux' });
  });

  it('allows 7 permanent clients and refuses the 8th', async () => {
    const user = await registerUser(t.api, t.dataDir);
    for (let index = 0; index < 7; index += 1) {
      expect((await t.api.post('/clients', { token: user.token, body: newClientBody(user.password) })).status).toBe(201);
    }
    const eighth = await t.api.post('/clients', { token: user.token, body: newClientBody(user.password) });
    expect(eighth.status).toBe(403);
    expect(eighth.body).toMatchObject({ code: 'too-many-clients' });
    const temporary = await t.api.post('/clients', { token: user.token, body: newClientBody(user.password, 'temporary') });
    expect(temporary.status).toBe(201);
  });

  it('keeps one temporary client: a new one replaces the old', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const first = field(await t.api.post('/clients', { token: user.token, body: newClientBody(user.password, 'temporary') }), 'id');
    const second = field(await t.api.post('/clients', { token: user.token, body: newClientBody(user.password, 'temporary') }), 'id');
    const list = await t.api.get('/clients', { token: user.token });
    const ids = ClientListSchema.parse(list.body).clients.map((client) => client.id);
    expect(ids).toContain(second);
    expect(ids).not.toContain(first);
  });

  it('tells every existing client, and the user by e-mail, about a new client', async () => {
    const first = await userWithClient(t.api, t.dataDir);
    const second = await addClient(t.api, first);
    const events = await fetchNotifications(t.api, first);
    expect(events.map((n) => n.event)).toContainEqual(expect.objectContaining({ type: 'user.client-add', client: expect.objectContaining({ id: second.clientId }) }));
    expect(eventTypes(await fetchNotifications(t.api, second))).not.toContain('user.client-add');
    expect((await readOutbox(t.dataDir)).filter((mail) => mail.to === first.email && mail.kind === 'new-client')).toHaveLength(2);
  });

  it('deletes a client with the password, revoking its cookie and token and telling the others', async () => {
    const first = await userWithClient(t.api, t.dataDir);
    const second = await addClient(t.api, first);
    const wrong = await t.api.delete(`/clients/${second.clientId}`, { token: first.clientToken, body: { password: 'Wrong-pass-1' } });
    expect(wrong.status).toBe(403);
    const removed = await t.api.delete(`/clients/${second.clientId}`, { token: first.clientToken, body: { password: first.password } });
    expect(removed.status).toBe(200);
    expect((await t.api.post('/access', { cookie: second.cookie })).status).toBe(401);
    const stale = await t.api.get('/notifications', { token: second.clientToken });
    expect(stale.status).toBe(404);
    expect(stale.body).toMatchObject({ code: 'client-not-found' });
    const events = (await fetchNotifications(t.api, first)).map((n) => n.event);
    expect(events).toContainEqual({ type: 'user.client-remove', client: second.clientId });
  });

  it("never lets a user act on another user's client", async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const eve = await userWithClient(t.api, t.dataDir);
    expect((await t.api.delete(`/clients/${ada.clientId}`, { token: eve.token, body: { password: eve.password } })).status).toBe(404);
    expect((await t.api.post(`/clients/${ada.clientId}/prekeys`, { token: eve.token, body: { prekeys: prekeys(1, 100) } })).status).toBe(404);
    expect((await t.api.put(`/clients/${ada.clientId}`, { token: eve.token, body: { label: 'mine' } })).status).toBe(404);
    expect((await t.api.get('/clients', { token: ada.token })).body).toMatchObject({ clients: [{ id: ada.clientId }] });
  });
});

describe('proteus prekeys', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  it('hands out each prekey once, then only the last-resort prekey 65535, which is never deleted', async () => {
    const bob = await userWithClient(t.api, t.dataDir);
    const ada = await registerUser(t.api, t.dataDir);
    expect((await t.api.get(`/clients/${bob.clientId}/prekeys/count`, { token: bob.token })).body).toEqual({ count: 5 });
    const seen = new Set<number>();
    for (let index = 0; index < 5; index += 1) {
      const claimed = await t.api.post(`/users/cairn.test/${bob.id}/clients/${bob.clientId}/prekey`, { token: ada.token });
      const id = ClaimedPrekeySchema.parse(claimed.body).prekey.id;
      expect(id).not.toBe(65535);
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
    expect((await t.api.get(`/clients/${bob.clientId}/prekeys/count`, { token: bob.token })).body).toEqual({ count: 0 });
    for (let index = 0; index < 2; index += 1) {
      const last = await t.api.post(`/users/cairn.test/${bob.id}/clients/${bob.clientId}/prekey`, { token: ada.token });
      expect(last.body).toMatchObject({ client: bob.clientId, prekey: { id: 65535 } });
    }
    const refilled = await t.api.post(`/clients/${bob.clientId}/prekeys`, { token: bob.token, body: { prekeys: prekeys(100, 10) } });
    expect(refilled.body).toEqual({ count: 100 });
  });

  it('claims one prekey of every client of a user', async () => {
    const bob = await userWithClient(t.api, t.dataDir);
    const bob2 = await addClient(t.api, bob);
    const ada = await registerUser(t.api, t.dataDir);
    const bundle = await t.api.post(`/users/cairn.test/${bob.id}/prekeys`, { token: ada.token });
    const clients = PrekeyBundleSchema.parse(bundle.body).clients.map((entry) => entry.client).sort();
    expect(clients).toEqual([bob.clientId, bob2.clientId].sort());
  });

  it('refuses a prekey with the reserved id 65535 in the normal list', async () => {
    const bob = await userWithClient(t.api, t.dataDir);
    const response = await t.api.post(`/clients/${bob.clientId}/prekeys`, { token: bob.token, body: { prekeys: [{ id: 65535, key: 'AAAA' }] } });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'bad-request' });
  });
});
