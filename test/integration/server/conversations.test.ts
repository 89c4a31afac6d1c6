import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationListSchema, ConversationSchema, GroupInfoResponseSchema } from '../../../protocol';
import { createGroup, postCommit } from './support/conversations';
import { fakeApplicationMessage, fakeCommitHeader, fakeOpaque } from './support/mls';
import { eventTypes, fetchNotifications } from './support/notifications';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import { addClient, userWithClient } from './support/users';

describe('conversations', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  it('creates a group with the creator as admin and the creating device in the MLS group at epoch 0', async () => {
    const ada = await userWithClient(t.api, t.dataDir, 'Ada');
    const bob = await userWithClient(t.api, t.dataDir, 'Bob');
    const group = await createGroup(t.api, ada, [bob], 'Climbers');
    expect(group).toMatchObject({ type: 'group', name: 'Climbers', epoch: 0, cipherSuite: 1, messageTimer: null });
    expect(group.members).toContainEqual({ user: { id: ada.id, domain: 'cairn.test' }, role: 'admin' });
    expect(group.members).toContainEqual({ user: { id: bob.id, domain: 'cairn.test' }, role: 'member' });
    expect(group.clients).toEqual([{ user: { id: ada.id, domain: 'cairn.test' }, client: ada.clientId }]);
    expect(Buffer.from(group.groupId, 'base64')).toHaveLength(32);
    const bobEvents = await fetchNotifications(t.api, bob);
    expect(bobEvents.map((n) => n.event)).toContainEqual(expect.objectContaining({ type: 'conversation.create' }));
    const listed = ConversationListSchema.parse((await t.api.get('/conversations', { token: bob.token })).body);
    expect(listed.conversations.map((c) => c.qualifiedId.id)).toContain(group.qualifiedId.id);
  });

  it('keeps one 1:1 conversation per pair of users', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const body = { type: 'one2one', users: [{ id: bob.id, domain: 'cairn.test' }] };
    const first = ConversationSchema.parse((await t.api.post('/conversations', { token: ada.clientToken, body })).body);
    const again = ConversationSchema.parse(
      (await t.api.post('/conversations', { token: bob.clientToken, body: { type: 'one2one', users: [{ id: ada.id, domain: 'cairn.test' }] } })).body,
    );
    expect(again.qualifiedId).toEqual(first.qualifiedId);
    expect(first.name).toBeNull();
    const rename = await t.api.put(`/conversations/${first.qualifiedId.id}/name`, { token: ada.token, body: { name: 'x' } });
    expect(rename.body).toMatchObject({ code: 'invalid-operation' });
  });

  it('keeps one self-conversation per user, holding only that user', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const first = ConversationSchema.parse((await t.api.post('/conversations', { token: ada.clientToken, body: { type: 'self' } })).body);
    const again = ConversationSchema.parse((await t.api.post('/conversations', { token: ada.clientToken, body: { type: 'self' } })).body);
    expect(again.qualifiedId).toEqual(first.qualifiedId);
    expect(first).toMatchObject({ type: 'self', name: null, members: [{ user: { id: ada.id } }] });
    const bobs = ConversationSchema.parse((await t.api.post('/conversations', { token: bob.clientToken, body: { type: 'self' } })).body);
    expect(bobs.qualifiedId).not.toEqual(first.qualifiedId);
    const withOthers = await t.api.post('/conversations', { token: ada.clientToken, body: { type: 'self', users: [{ id: bob.id, domain: 'cairn.test' }] } });
    expect(withOthers.body).toMatchObject({ code: 'invalid-operation' });
    const add = await t.api.post(`/conversations/${first.qualifiedId.id}/members`, { token: ada.token, body: { users: [{ id: bob.id, domain: 'cairn.test' }] } });
    expect(add.body).toMatchObject({ code: 'invalid-operation' });
  });

  it("hides a conversation from non-members as if it did not exist", async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const eve = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, []);
    for (const response of [
      await t.api.get(`/conversations/${group.qualifiedId.id}`, { token: eve.token }),
      await t.api.get(`/conversations/${group.qualifiedId.id}/mls/group-info`, { token: eve.token }),
      await t.api.put(`/conversations/${group.qualifiedId.id}/name`, { token: eve.token, body: { name: 'mine' } }),
      await t.api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, {
        token: eve.clientToken,
        body: { message: fakeApplicationMessage(Buffer.from(group.groupId, 'base64'), 0) },
      }),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'conversation-not-found' });
    }
  });

  it('lets admins add and remove members and change roles, and members only leave', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const cyd = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob]);
    const id = group.qualifiedId.id;
    const byMember = await t.api.post(`/conversations/${id}/members`, { token: bob.token, body: { users: [{ id: cyd.id, domain: 'cairn.test' }] } });
    expect(byMember.status).toBe(403);
    expect(byMember.body).toMatchObject({ code: 'action-denied' });
    const byAdmin = await t.api.post(`/conversations/${id}/members`, { token: ada.token, body: { users: [{ id: cyd.id, domain: 'cairn.test' }] } });
    expect(ConversationSchema.parse(byAdmin.body).members).toHaveLength(3);
    expect(eventTypes(await fetchNotifications(t.api, bob))).toContain('conversation.member-join');
    expect((await t.api.delete(`/conversations/${id}/members/cairn.test/${cyd.id}`, { token: bob.token })).status).toBe(403);
    expect((await t.api.put(`/conversations/${id}/members/cairn.test/${bob.id}/role`, { token: ada.token, body: { role: 'admin' } })).status).toBe(200);
    expect((await t.api.delete(`/conversations/${id}/members/cairn.test/${cyd.id}`, { token: bob.token })).status).toBe(200);
    expect((await t.api.get(`/conversations/${id}`, { token: cyd.token })).status).toBe(404);
    expect((await fetchNotifications(t.api, cyd)).map((n) => n.event)).toContainEqual(
      expect.objectContaining({ type: 'conversation.member-leave', users: [{ id: cyd.id, domain: 'cairn.test' }] }),
    );
    expect((await t.api.delete(`/conversations/${id}/members/cairn.test/${bob.id}`, { token: bob.token })).status).toBe(200);
    const after = ConversationSchema.parse((await t.api.get(`/conversations/${id}`, { token: ada.token })).body);
    expect(after.members.map((m) => m.user.id)).toEqual([ada.id]);
  });

  it('shares name and self-deleting message timer changes with every member', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob]);
    const id = group.qualifiedId.id;
    expect((await t.api.put(`/conversations/${id}/name`, { token: bob.token, body: { name: 'Renamed' } })).status).toBe(200);
    expect((await t.api.put(`/conversations/${id}/message-timer`, { token: bob.token, body: { messageTimer: 60_000 } })).status).toBe(403);
    expect((await t.api.put(`/conversations/${id}/message-timer`, { token: ada.token, body: { messageTimer: 60_000 } })).status).toBe(200);
    const events = (await fetchNotifications(t.api, bob)).map((n) => n.event);
    expect(events).toContainEqual(expect.objectContaining({ type: 'conversation.rename', name: 'Renamed' }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'conversation.message-timer-update', messageTimer: 60_000 }));
    expect(ConversationSchema.parse((await t.api.get(`/conversations/${id}`, { token: bob.token })).body)).toMatchObject({ name: 'Renamed', messageTimer: 60_000 });
  });
});

describe('MLS delivery', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  it('accepts a commit at the current epoch, delivers the Welcome to the added devices and stores the GroupInfo', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const bob2 = await addClient(t.api, bob);
    const group = await createGroup(t.api, ada, [bob]);
    const committed = await postCommit(t.api, group, ada, 0, { adds: [bob, bob2] });
    expect(committed.status, committed.raw.toString()).toBe(201);
    expect(committed.body).toMatchObject({ epoch: 1 });
    for (const device of [bob, bob2]) {
      const welcomes = (await fetchNotifications(t.api, device)).filter((n) => n.event.type === 'conversation.mls-welcome');
      expect(welcomes).toHaveLength(1);
      expect(welcomes[0]?.event).toMatchObject({ conversation: group.qualifiedId, fromClient: ada.clientId });
    }
    const info = GroupInfoResponseSchema.parse((await t.api.get(`/conversations/${group.qualifiedId.id}/mls/group-info`, { token: bob.token })).body);
    expect(info.epoch).toBe(1);
    const after = ConversationSchema.parse((await t.api.get(`/conversations/${group.qualifiedId.id}`, { token: ada.token })).body);
    expect(after.clients.map((c) => c.client).sort()).toEqual([ada.clientId, bob.clientId, bob2.clientId].sort());
  });

  it('refuses a stale commit with 409 and the current epoch, changing nothing', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const cyd = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob, cyd]);
    expect((await postCommit(t.api, group, ada, 0, { adds: [bob] })).status).toBe(201);
    const stale = await postCommit(t.api, group, bob, 0, { adds: [cyd] });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'mls-stale-message', epoch: 1 });
    const state = ConversationSchema.parse((await t.api.get(`/conversations/${group.qualifiedId.id}`, { token: ada.token })).body);
    expect(state.epoch).toBe(1);
    expect(state.clients.map((c) => c.client)).not.toContain(cyd.clientId);
    expect(eventTypes(await fetchNotifications(t.api, cyd))).not.toContain('conversation.mls-welcome');
    expect((await postCommit(t.api, group, bob, 1, { adds: [cyd] })).status).toBe(201);
  });

  it('orders concurrent commits: exactly one of many racing commits for an epoch wins', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob]);
    await postCommit(t.api, group, ada, 0, { adds: [bob] });
    const racing = await Promise.all(Array.from({ length: 20 }, (_, index) => postCommit(t.api, group, index % 2 === 0 ? ada : bob, 1)));
    expect(racing.filter((r) => r.status === 201)).toHaveLength(1);
    expect(racing.filter((r) => r.status === 409)).toHaveLength(19);
  });

  it('fans application messages out to every other device in the group, and only members may send', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const cyd = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob, cyd]);
    await postCommit(t.api, group, ada, 0, { adds: [bob, cyd] });
    const message = fakeApplicationMessage(Buffer.from(group.groupId, 'base64'), 1);
    const sent = await t.api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, { token: bob.clientToken, body: { message } });
    expect(sent.status).toBe(201);
    for (const device of [ada, cyd]) {
      const received = (await fetchNotifications(t.api, device)).filter((n) => n.event.type === 'conversation.mls-message-add' && n.event.fromClient === bob.clientId);
      expect(received.map((n) => n.event)).toEqual([expect.objectContaining({ data: message, from: { id: bob.id, domain: 'cairn.test' } })]);
    }
    expect((await fetchNotifications(t.api, bob)).filter((n) => n.event.type === 'conversation.mls-message-add')).toHaveLength(0);
    // Bob leaves: he can no longer send, and stops receiving.
    await t.api.delete(`/conversations/${group.qualifiedId.id}/members/cairn.test/${bob.id}`, { token: bob.token });
    const refused = await t.api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, { token: bob.clientToken, body: { message } });
    expect(refused.status).toBe(404);
    const before = (await fetchNotifications(t.api, bob)).length;
    await t.api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, { token: cyd.clientToken, body: { message: fakeApplicationMessage(Buffer.from(group.groupId, 'base64'), 1) } });
    expect(await fetchNotifications(t.api, bob)).toHaveLength(before);
    // Any member may then commit the removal of the departed user's devices.
    const removal = await postCommit(t.api, group, cyd, 1, { removes: [bob] });
    expect(removal.status, removal.raw.toString()).toBe(201);
  });

  it('answers a repeated message post with the same key as the first time, and delivers it once', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const cyd = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob, cyd]);
    await postCommit(t.api, group, ada, 0, { adds: [bob, cyd] });
    const route = `/conversations/${group.qualifiedId.id}/mls/messages`;
    const message = fakeApplicationMessage(Buffer.from(group.groupId, 'base64'), 1);
    const idempotencyKey = randomUUID();
    const first = await t.api.post(route, { token: bob.clientToken, body: { message, idempotencyKey } });
    expect(first.status).toBe(201);
    const again = await t.api.post(route, { token: bob.clientToken, body: { message, idempotencyKey } });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const fromBob = async (device: typeof ada): Promise<number> =>
      (await fetchNotifications(t.api, device)).filter((n) => n.event.type === 'conversation.mls-message-add' && n.event.fromClient === bob.clientId).length;
    expect(await fromBob(ada)).toBe(1);
    expect(await fromBob(cyd)).toBe(1);
    // The key is the device's: another device may use the same one for its own post.
    const fromCyd = await t.api.post(route, { token: cyd.clientToken, body: { message, idempotencyKey } });
    expect(fromCyd.status).toBe(201);
    // The same key for a different message is refused.
    const other = fakeApplicationMessage(Buffer.from(group.groupId, 'base64'), 1);
    const reused = await t.api.post(route, { token: bob.clientToken, body: { message: other, idempotencyKey } });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 'idempotency-key-reused' });
    // A new key is a new post.
    const fresh = await t.api.post(route, { token: bob.clientToken, body: { message, idempotencyKey: randomUUID() } });
    expect(fresh.status).toBe(201);
    expect(await fromBob(ada)).toBe(2);
    // Keys outside 16 to 64 URL-safe characters are refused before anything else.
    for (const bad of ['short', 'x'.repeat(65), 'has spaces in the key ok', 'slash/slash/slash/slash']) {
      const refused = await t.api.post(route, { token: bob.clientToken, body: { message, idempotencyKey: bad } });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'bad-request' });
    }
    expect(await fromBob(ada)).toBe(2);
  });

  it('refuses messages for another group, commits on the message route, plaintext application messages and junk', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, []);
    const other = await createGroup(t.api, ada, []);
    const route = `/conversations/${group.qualifiedId.id}/mls/messages`;
    const wrongGroup = await t.api.post(route, { token: ada.clientToken, body: { message: fakeApplicationMessage(Buffer.from(other.groupId, 'base64'), 0) } });
    expect(wrongGroup.body).toMatchObject({ code: 'mls-group-mismatch' });
    const commitHere = await t.api.post(route, { token: ada.clientToken, body: { message: fakeCommitHeader(Buffer.from(group.groupId, 'base64'), 0) } });
    expect(commitHere.body).toMatchObject({ code: 'mls-invalid-message' });
    const junk = await t.api.post(route, { token: ada.clientToken, body: { message: fakeOpaque(3) } });
    expect(junk.body).toMatchObject({ code: 'mls-invalid-message' });
    // A message from an epoch the group has left behind is refused with the current epoch.
    await postCommit(t.api, group, ada, 0, {});
    const stale = await t.api.post(route, { token: ada.clientToken, body: { message: fakeApplicationMessage(Buffer.from(group.groupId, 'base64'), 0) } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'mls-stale-message', epoch: 1 });
    const future = await t.api.post(route, { token: ada.clientToken, body: { message: fakeApplicationMessage(Buffer.from(group.groupId, 'base64'), 5) } });
    expect(future.status).toBe(409);
  });

  it('refuses messages from a member whose device is not in the MLS group, and for unknown conversations', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob]);
    const message = fakeApplicationMessage(Buffer.from(group.groupId, 'base64'), 0);
    // Bob is a member, but no commit has added his device to the group yet.
    const outside = await t.api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, { token: bob.clientToken, body: { message } });
    expect(outside.status).toBe(403);
    expect(outside.body).toMatchObject({ code: 'not-member' });
    const unknown = await t.api.post(`/conversations/${randomUUID()}/mls/messages`, { token: ada.clientToken, body: { message } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'conversation-not-found' });
    expect((await fetchNotifications(t.api, ada)).filter((n) => n.event.type === 'conversation.mls-message-add')).toHaveLength(0);
  });

  it('asks the group to remove a deleted device, and lets any member commit that removal', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const bobPhone = await addClient(t.api, bob);
    const group = await createGroup(t.api, ada, [bob]);
    await postCommit(t.api, group, ada, 0, { adds: [bob, bobPhone] });
    expect((await t.api.delete(`/clients/${bobPhone.clientId}`, { token: bob.clientToken, body: { password: bob.password } })).status).toBe(200);
    for (const device of [ada, bob]) {
      expect((await fetchNotifications(t.api, device)).map((n) => n.event)).toContainEqual({
        type: 'conversation.mls-client-gone',
        conversation: group.qualifiedId,
        user: { id: bob.id, domain: 'cairn.test' },
        client: bobPhone.clientId,
      });
    }
    const removal = await postCommit(t.api, group, bob, 1, { removes: [bobPhone] });
    expect(removal.status, removal.raw.toString()).toBe(201);
    const after = ConversationSchema.parse((await t.api.get(`/conversations/${group.qualifiedId.id}`, { token: ada.token })).body);
    expect(after.clients.map((c) => c.client)).not.toContain(bobPhone.clientId);
  });

  it('lets only admins remove devices of current members, and lets a new device join by external commit', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob]);
    await postCommit(t.api, group, ada, 0, { adds: [bob] });
    const denied = await postCommit(t.api, group, bob, 1, { removes: [ada] });
    expect(denied.body).toMatchObject({ code: 'action-denied' });
    const bob2 = await addClient(t.api, bob);
    const notInGroup = await postCommit(t.api, group, bob2, 1);
    expect(notInGroup.body).toMatchObject({ code: 'not-member' });
    const joined = await postCommit(t.api, group, bob2, 1, { adds: [bob2], external: true });
    expect(joined.status, joined.raw.toString()).toBe(201);
    const commitsSeen = (await fetchNotifications(t.api, ada)).filter((n) => n.event.type === 'conversation.mls-message-add' && n.event.fromClient === bob2.clientId);
    expect(commitsSeen).toHaveLength(1);
    const sneaky = await postCommit(t.api, group, bob2, 2, { adds: [bob2, ada], external: true });
    expect(sneaky.body).toMatchObject({ code: 'mls-client-mismatch' });
  });
});
