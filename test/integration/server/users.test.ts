import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import { createGroup } from './support/conversations';
import { fetchNotifications } from './support/notifications';
import { openPushSocket } from './support/socket';
import { addClient, registerUser, uniqueEmail, userWithClient } from './support/users';

describe('users and profiles', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  it('updates name, accent colour and locale, and shows others only the public profile', async () => {
    const ada = await registerUser(t.api, t.dataDir, 'Ada');
    const bob = await registerUser(t.api, t.dataDir, 'Bob');
    const updated = await t.api.put('/self', { token: ada.token, body: { name: 'Ada L.', accentId: 3, locale: 'de-CH' } });
    expect(updated.body).toMatchObject({ name: 'Ada L.', accentId: 3, locale: 'de-CH' });
    const seen = await t.api.get(`/users/cairn.test/${ada.id}`, { token: bob.token });
    expect(seen.status).toBe(200);
    expect(seen.body).toEqual({ qualifiedId: { id: ada.id, domain: 'cairn.test' }, name: 'Ada L.', handle: null, accentId: 3, picture: null });
    expect((await t.api.get(`/users/other.example/${ada.id}`, { token: bob.token })).status).toBe(404);
  });

  it('tells the user\'s devices and conversation partners about profile changes, and nobody else', async () => {
    const ada = await userWithClient(t.api, t.dataDir, 'Ada');
    const bob = await userWithClient(t.api, t.dataDir, 'Bob');
    const eve = await userWithClient(t.api, t.dataDir, 'Eve');
    await createGroup(t.api, ada, [bob]);
    await t.api.put('/self', { token: ada.token, body: { name: 'Ada Lovelace' } });
    for (const device of [ada, bob]) {
      expect((await fetchNotifications(t.api, device)).map((n) => n.event)).toContainEqual(
        expect.objectContaining({ type: 'user.update', user: expect.objectContaining({ name: 'Ada Lovelace', qualifiedId: { id: ada.id, domain: 'cairn.test' } }) }),
      );
    }
    expect((await fetchNotifications(t.api, eve)).map((n) => n.event.type)).not.toContain('user.update');
  });

  it('gives each handle to one user only', async () => {
    const ada = await registerUser(t.api, t.dataDir);
    const bob = await registerUser(t.api, t.dataDir);
    const handle = `ada_${ada.id.slice(0, 8)}`;
    expect((await t.api.put('/self/handle', { token: ada.token, body: { handle } })).body).toMatchObject({ handle });
    const taken = await t.api.put('/self/handle', { token: bob.token, body: { handle } });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: 'handle-exists' });
    expect((await t.api.put('/self/handle', { token: ada.token, body: { handle } })).status).toBe(200);
    expect((await t.api.put('/self/handle', { token: bob.token, body: { handle: 'No Spaces!' } })).status).toBe(400);
  });

  it('finds users by handle prefix, and by exact e-mail address only people the searcher shares a conversation with, at most 30 addresses an hour', async () => {
    const ada = await userWithClient(t.api, t.dataDir, 'Ada');
    const bob = await userWithClient(t.api, t.dataDir, 'Bob');
    const handle = `lovelace.${ada.id.slice(0, 6)}`;
    await t.api.put('/self/handle', { token: ada.token, body: { handle } });
    const byPrefix = await t.api.get(`/search/users?q=${encodeURIComponent(`@${handle.slice(0, 12)}`)}`, { token: bob.token });
    expect(byPrefix.body).toMatchObject({ results: [{ qualifiedId: { id: ada.id }, handle }] });
    // An address says nothing about a stranger (docs/SECURITY.md §10: chat requests reach them)…
    const stranger = await t.api.get(`/search/users?q=${encodeURIComponent(ada.email)}`, { token: bob.token });
    expect(stranger.body).toEqual({ results: [] });
    // …and finds someone the searcher already shares a conversation with.
    await createGroup(t.api, ada, [bob]);
    const byEmail = await t.api.get(`/search/users?q=${encodeURIComponent(ada.email)}`, { token: bob.token });
    expect(byEmail.body).toMatchObject({ results: [{ qualifiedId: { id: ada.id } }] });
    const partialEmail = await t.api.get(`/search/users?q=${encodeURIComponent(ada.email.slice(0, 8))}`, { token: bob.token });
    expect(partialEmail.body).toEqual({ results: [] });
    expect((await t.api.get('/search/users?q=ada')).status).toBe(401);
    // Looking up addresses one by one stops at the hourly budget (two used above; the partial
    // address is not an address and counts as a handle search).
    const statuses: number[] = [];
    for (let i = 0; i < 28; i++) statuses.push((await t.api.get(`/search/users?q=${encodeURIComponent(uniqueEmail())}`, { token: bob.token })).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(28);
    const limited = await t.api.get(`/search/users?q=${encodeURIComponent(ada.email)}`, { token: bob.token });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Handles stay searchable meanwhile.
    expect((await t.api.get(`/search/users?q=${encodeURIComponent(`@${handle}`)}`, { token: bob.token })).status).toBe(200);
  });

  it('ends every other session when the password changes, keeping the one that changed it', async () => {
    const ada = await userWithClient(t.api, t.dataDir, 'Ada');
    const laptop = await addClient(t.api, ada);
    const socket = await openPushSocket(t.api, laptop.clientToken);
    try {
      expect((await t.api.get('/self', { token: laptop.clientToken })).status).toBe(200);
      const changed = await t.api.put('/self/password', { token: ada.clientToken, body: { oldPassword: ada.password, newPassword: 'Another-pass-3' } });
      expect(changed.status).toBe(200);
      // The other session: cookie, access token and socket end at once.
      expect((await t.api.post(`/access?client_id=${laptop.clientId}`, { cookie: laptop.cookie })).status).toBe(401);
      expect((await t.api.get('/self', { token: laptop.clientToken })).status).toBe(401);
      expect(await socket.closed).toBe(4401);
      // The session that changed it goes on.
      expect((await t.api.get('/self', { token: ada.clientToken })).status).toBe(200);
      expect((await t.api.post(`/access?client_id=${ada.clientId}`, { cookie: ada.cookie })).status).toBe(200);
    } finally {
      socket.close();
    }
  });

  it('changes the password only with the old one', async () => {
    const ada = await registerUser(t.api, t.dataDir);
    const wrong = await t.api.put('/self/password', { token: ada.token, body: { oldPassword: 'Nope-nope-1', newPassword: 'Another-pass-3' } });
    expect(wrong.status).toBe(403);
    const right = await t.api.put('/self/password', { token: ada.token, body: { oldPassword: ada.password, newPassword: 'Another-pass-3' } });
    expect(right.status).toBe(200);
    expect((await t.api.post('/login', { body: { email: ada.email, password: 'Another-pass-3' } })).status).toBe(200);
  });
});
