import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Notification } from '../../../protocol';
import { NotificationPageSchema } from '../../../protocol';
import { createGroup, postCommit } from './support/conversations';
import { fakeApplicationMessage } from './support/mls';
import { lastCode } from './support/mail';
import { fetchNotifications } from './support/notifications';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import { openPushSocket } from './support/socket';
import type { TestClient } from './support/users';
import { addClient, refreshed, userWithClient } from './support/users';

const WEEK = 7 * 24 * 3600 * 1000;

describe('notifications', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  async function pair(): Promise<{ ada: TestClient; bob: TestClient; group: Conversation }> {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob]);
    expect((await postCommit(t.api, group, ada, 0, { adds: [bob] })).status).toBe(201);
    return { ada, bob, group };
  }

  /** Sends `count` application messages in `epoch` (the group's current one; older ones are refused). */
  async function send(from: TestClient, group: Conversation, count: number, epoch = 1): Promise<string[]> {
    const sent: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const message = fakeApplicationMessage(Buffer.from(group.groupId, 'base64'), epoch, Buffer.from(`message ${index}`));
      const response = await t.api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, { token: from.clientToken, body: { message } });
      expect(response.status).toBe(201);
      sent.push(message);
    }
    return sent;
  }

  const messages = (notifications: readonly Notification[]) =>
    notifications.flatMap((n) => (n.event.type === 'conversation.mls-message-add' ? [n.event.data] : []));

  it('pages through the queue in increasing id order without gaps or repeats', async () => {
    const { ada, bob, group } = await pair();
    const sent = await send(ada, group, 25);
    const ids: number[] = [];
    const data: string[] = [];
    let since = 0;
    for (let page = 0; page < 10; page += 1) {
      const body = NotificationPageSchema.parse((await t.api.get(`/notifications?since=${since}&size=10`, { token: bob.clientToken })).body);
      ids.push(...body.notifications.map((n) => n.id));
      data.push(...messages(body.notifications));
      since = body.notifications.at(-1)?.id ?? since;
      if (!body.hasMore) break;
    }
    expect(data).toEqual(sent);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await t.api.get('/notifications/last', { token: bob.clientToken })).body).toEqual({ id: ids.at(-1) });
  });

  it('pushes new notifications over the WebSocket, identical to the queue', async () => {
    const { ada, bob, group } = await pair();
    const socket = await openPushSocket(t.api, bob.clientToken);
    const [message] = await send(ada, group, 1);
    const frame = await socket.waitFor((f) => f.type === 'notification' && f.notification.event.type === 'conversation.mls-message-add');
    const queued = (await fetchNotifications(t.api, bob)).at(-1);
    expect(frame).toEqual({ type: 'notification', notification: queued });
    expect(queued?.event).toMatchObject({ data: message });
    socket.close();
  });

  it('replays what a device missed after `since`, then continues live without duplicates', async () => {
    const { ada, bob, group } = await pair();
    const start = (await fetchNotifications(t.api, bob)).at(-1)?.id ?? 0;
    const missed = await send(ada, group, 30);
    const socket = await openPushSocket(t.api, bob.clientToken, start);
    const caughtUp = await socket.waitFor((f) => f.type === 'caught-up');
    const live = await send(ada, group, 5);
    // After the caught-up frame: the replay already holds a message with the same bytes as the last live one.
    await socket.waitFor(
      (f) => f.type === 'notification' && f.notification.event.type === 'conversation.mls-message-add' && f.notification.event.data === live.at(-1),
      10_000,
      socket.frames.indexOf(caughtUp) + 1,
    );
    const received = socket.frames.flatMap((f) => (f.type === 'notification' ? [f.notification] : []));
    expect(messages(received)).toEqual([...missed, ...live]);
    expect(caughtUp).toMatchObject({ lastId: received[29]?.id });
    socket.close();
  });

  it('refuses the WebSocket without a device-bound token, and never shows another device its queue', async () => {
    const { bob } = await pair();
    await expect(openPushSocket(t.api, undefined)).rejects.toThrow('401');
    await expect(openPushSocket(t.api, bob.token)).rejects.toThrow('403');
    expect((await t.api.get('/notifications', { token: bob.token })).body).toMatchObject({ code: 'client-required' });
    const eve = await userWithClient(t.api, t.dataDir);
    const eveView = await fetchNotifications(t.api, eve);
    expect(eveView.every((n) => n.event.type !== 'conversation.mls-message-add')).toBe(true);
  });

  it('limits one device to 8 open sockets', async () => {
    const { bob } = await pair();
    const sockets = [];
    for (let index = 0; index < 8; index += 1) sockets.push(await openPushSocket(t.api, bob.clientToken));
    await expect(openPushSocket(t.api, bob.clientToken)).rejects.toThrow('429');
    sockets.pop()?.close();
    const deadline = Date.now() + 5000;
    let reopened = false;
    while (!reopened && Date.now() < deadline) {
      reopened = await openPushSocket(t.api, bob.clientToken).then(
        (socket) => {
          sockets.push(socket);
          return true;
        },
        () => false,
      );
    }
    expect(reopened).toBe(true);
    for (const socket of sockets) socket.close();
  });

  it('disconnects every device of an account whose password was reset', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const socket = await openPushSocket(t.api, ada.clientToken);
    await t.api.post('/password-reset', { body: { email: ada.email } });
    const [key, code] = (await lastCode(t.dataDir, ada.email, 'password-reset')).split(':');
    expect((await t.api.post('/password-reset/complete', { body: { key, code, password: 'Fresh-password-4' } })).status).toBe(200);
    expect(await socket.closed).toBe(4401);
    expect((await t.api.post('/access', { cookie: ada.cookie })).status).toBe(401);
  });

  it('tells a connected device that it was removed, and disconnects it', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const laptop = await addClient(t.api, ada);
    const socket = await openPushSocket(t.api, laptop.clientToken);
    await t.api.delete(`/clients/${laptop.clientId}`, { token: ada.clientToken, body: { password: ada.password } });
    await socket.waitFor((f) => f.type === 'client-removed');
    expect(await socket.closed).toBe(4403);
  });

  it('keeps notifications 4 weeks, then tells a device that missed some to resync', async () => {
    const { ada, bob: bobBefore, group } = await pair();
    const bob2Before = await addClient(t.api, bobBefore);
    await postCommit(t.api, group, ada, 1, { adds: [bob2Before] });
    await send(ada, group, 3, 2);
    const bobLast = (await fetchNotifications(t.api, bobBefore)).at(-1)?.id ?? 0;
    expect((await t.api.post('/notifications/ack', { token: bobBefore.clientToken, body: { upTo: bobLast } })).status).toBe(200);
    t.clock.advance(3 * WEEK);
    await t.server.maintenance();
    const bob2Later = await refreshed(t.api, bob2Before);
    expect(await fetchNotifications(t.api, bob2Later)).not.toHaveLength(0);
    t.clock.advance(WEEK + 60_000);
    await t.server.maintenance();
    const bob = await refreshed(t.api, bobBefore);
    const bob2 = await refreshed(t.api, bob2Before);
    const behind = NotificationPageSchema.parse((await t.api.get('/notifications?since=0', { token: bob2.clientToken })).body);
    expect(behind.resyncRequired).toBe(true);
    expect(behind.notifications).toEqual([]);
    const acked = NotificationPageSchema.parse((await t.api.get(`/notifications?since=${bobLast}`, { token: bob.clientToken })).body);
    expect(acked.resyncRequired).toBe(false);
    const socket = await openPushSocket(t.api, bob2.clientToken, 0);
    await socket.waitFor((f) => f.type === 'resync-required');
    // Nothing was left to replay, yet caught-up names the newest expired id: a device that
    // resynced continues from there and is not asked to resync again.
    const caughtUp = await socket.waitFor((f) => f.type === 'caught-up');
    socket.close();
    const continueFrom = caughtUp.type === 'caught-up' ? caughtUp.lastId : 0;
    expect(continueFrom).toBeGreaterThan(0);
    const after = NotificationPageSchema.parse((await t.api.get(`/notifications?since=${continueFrom}`, { token: bob2.clientToken })).body);
    expect(after.resyncRequired).toBe(false);
    const again = await openPushSocket(t.api, bob2.clientToken, continueFrom);
    await again.waitFor((f) => f.type === 'caught-up');
    expect(again.frames.some((f) => f.type === 'resync-required')).toBe(false);
    again.close();
  });

  it('remembers a message post\'s idempotency key for a day, then forgets it at maintenance', async () => {
    const { ada: adaBefore, bob, group } = await pair();
    const message = fakeApplicationMessage(Buffer.from(group.groupId, 'base64'), 1);
    const post = async (from: TestClient): Promise<number> =>
      (await t.api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, { token: from.clientToken, body: { message, idempotencyKey: 'a-retry-key-of-ada-0001' } })).status;
    const fromAda = async (): Promise<number> => messages(await fetchNotifications(t.api, await refreshed(t.api, bob))).filter((data) => data === message).length;
    expect(await post(adaBefore)).toBe(201);
    t.clock.advance(23 * 3600 * 1000);
    await t.server.maintenance();
    // Within the day, a repeat is answered and not delivered again.
    expect(await post(await refreshed(t.api, adaBefore))).toBe(201);
    expect(await fromAda()).toBe(1);
    t.clock.advance(3600 * 1000 + 60_000);
    await t.server.maintenance();
    // Past it, the key is gone: the same post is a new one.
    expect(await post(await refreshed(t.api, adaBefore))).toBe(201);
    expect(await fromAda()).toBe(2);
  });

  it('delivers a group\'s messages only from when the device joined the group', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob]);
    const groupId = Buffer.from(group.groupId, 'base64');
    const before = fakeApplicationMessage(groupId, 0);
    expect((await t.api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, { token: ada.clientToken, body: { message: before } })).status).toBe(201);
    await postCommit(t.api, group, ada, 0, { adds: [bob] });
    const [after] = await send(ada, group, 1);
    expect(messages(await fetchNotifications(t.api, bob))).toEqual([after]);
  });

  it('asks for a resync when only group messages expired unacknowledged', async () => {
    const { ada, bob: bobBefore, group } = await pair();
    const acked = (await fetchNotifications(t.api, bobBefore)).at(-1)?.id ?? 0;
    await t.api.post('/notifications/ack', { token: bobBefore.clientToken, body: { upTo: acked } });
    await send(ada, group, 2);
    t.clock.advance(5 * WEEK);
    await t.server.maintenance();
    const bob = await refreshed(t.api, bobBefore);
    const page = NotificationPageSchema.parse((await t.api.get(`/notifications?since=${acked}`, { token: bob.clientToken })).body);
    expect(page.resyncRequired).toBe(true);
    expect(page.notifications).toEqual([]);
  });

  it('accepts acknowledgements over the WebSocket', async () => {
    const { ada, bob, group } = await pair();
    const socket = await openPushSocket(t.api, bob.clientToken, 0);
    await socket.waitFor((f) => f.type === 'caught-up');
    await send(ada, group, 1);
    const frame = await socket.waitFor((f) => f.type === 'notification' && f.notification.event.type === 'conversation.mls-message-add');
    if (frame.type !== 'notification') throw new Error('unreachable');
    socket.socket.send(JSON.stringify({ type: 'ack', upTo: frame.notification.id }));
    const seen = socket.frames.length;
    socket.socket.send(JSON.stringify({ type: 'ping' }));
    await socket.waitFor((f) => f.type === 'pong', 10_000, seen);
    t.clock.advance(5 * WEEK);
    await t.server.maintenance();
    const later = await refreshed(t.api, bob);
    const page = NotificationPageSchema.parse((await t.api.get(`/notifications?since=${frame.notification.id}`, { token: later.clientToken })).body);
    expect(page.resyncRequired).toBe(false);
    socket.socket.send('not json');
    expect(await socket.closed).toBe(1007);
  });
});

describe('WebSocket heartbeat', () => {
  it('drops a connection that stops answering pings, and keeps one that answers', async () => {
    const t = await startTestServer({ heartbeatMs: 1000 });
    try {
      const ada = await userWithClient(t.api, t.dataDir);
      const deaf = await openPushSocket(t.api, ada.clientToken, undefined, false);
      const healthy = await openPushSocket(t.api, ada.clientToken);
      let pings = 0;
      healthy.socket.on('ping', () => {
        pings += 1;
      });
      const code = await Promise.race([deaf.closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 15_000))]);
      expect(code).toBe(1006);
      expect(pings).toBeGreaterThan(0);
      expect(healthy.socket.readyState).toBe(healthy.socket.OPEN);
      healthy.close();
    } finally {
      await t.stop();
    }
  });
});
