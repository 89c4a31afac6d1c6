import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../../protocol';
import { CHAT_REQUEST_TTL_MS, ChatRequestListSchema } from '../../../protocol';
import type { ApiResponse } from './support/api';
import { readOutbox } from './support/mail';
import { fetchNotifications } from './support/notifications';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import type { TestClient } from './support/users';
import { refreshed, uniqueEmail, userWithClient } from './support/users';

/** Polls `probe` until it returns a value, or fails after the deadline (the server works after it answers). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function ofType<T extends Notification['event']['type']>(notifications: readonly Notification[], type: T): Extract<Notification['event'], { type: T }>[] {
  return notifications.map((n) => n.event).filter((event): event is Extract<Notification['event'], { type: T }> => event.type === type);
}

/** Everything of an answer a requester can see, but the `Date` header. */
function visible(response: ApiResponse): unknown {
  const { date: _date, ...headers } = response.headers;
  return { status: response.status, headers, raw: response.raw.toString('base64') };
}

describe('chat requests by e-mail', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  /** The outbox once `count` chat-request mails to `to` are in it (the mail follows the stored request). */
  const mailsTo = (to: string, count: number) =>
    eventually(async () => {
      const mails = await readOutbox(t.dataDir);
      return mails.filter((mail) => mail.to === to && mail.kind === 'chat-request').length >= count ? mails : undefined;
    }, `${count} mails to ${to}`);
  const send = (from: TestClient, email: string) => t.api.post('/chat-requests', { token: from.clientToken, body: { email } });
  const requestsOf = async (user: TestClient) => ChatRequestListSchema.parse((await t.api.get('/chat-requests', { token: user.clientToken })).body).requests;
  const requestFor = (target: TestClient, requester: TestClient) =>
    eventually(async () => (await requestsOf(target)).find((request) => request.requester.qualifiedId.id === requester.id), 'the chat request');

  it('answers byte for byte alike whether the address has an account, and mails only an owner', async () => {
    const alice = await userWithClient(t.api, t.dataDir, 'Alice');
    const bob = await userWithClient(t.api, t.dataDir, 'Bob');
    const stranger = uniqueEmail('nobody');
    const unknown = await send(alice, stranger);
    const known = await send(alice, bob.email);
    expect(known.status).toBe(202);
    expect(visible(unknown)).toEqual(visible(known));
    const request = await requestFor(bob, alice);
    expect(request.requester).toEqual({ qualifiedId: { id: alice.id, domain: 'cairn.test' }, name: 'Alice', handle: null, accentId: 0, picture: null });
    const pushed = ofType(await fetchNotifications(t.api, bob), 'user.chat-request');
    expect(pushed.map((event) => event.request)).toEqual([request]);
    const mails = await mailsTo(bob.email, 1);
    expect(mails.filter((mail) => mail.to === bob.email && mail.kind === 'chat-request').map((mail) => mail.text)).toEqual([
      expect.stringContaining('Alice wants to chat with you on Cairn. Open Cairn to accept or ignore.'),
    ]);
    expect(mails.filter((mail) => mail.to === stranger)).toEqual([]);
    // Nothing reached Alice: she learns nothing until Bob accepts.
    expect(ofType(await fetchNotifications(t.api, alice), 'user.chat-request-accepted')).toEqual([]);
  });

  it('no longer answers a search by exact e-mail for someone the searcher does not know', async () => {
    const alice = await userWithClient(t.api, t.dataDir, 'Alice');
    const bob = await userWithClient(t.api, t.dataDir, 'Bob');
    const search = await t.api.get(`/search/users?q=${encodeURIComponent(bob.email)}`, { token: alice.clientToken });
    expect(search.status).toBe(200);
    expect(search.body).toEqual({ results: [] });
  });

  it('lets only the target accept; accepting tells the requester who it is, and search then finds them', async () => {
    const alice = await userWithClient(t.api, t.dataDir, 'Alice');
    const bob = await userWithClient(t.api, t.dataDir, 'Bob');
    const eve = await userWithClient(t.api, t.dataDir, 'Eve');
    await send(alice, bob.email);
    const request = await requestFor(bob, alice);
    for (const other of [eve, alice]) {
      const refused = await t.api.post(`/chat-requests/${request.id}/accept`, { token: other.clientToken });
      expect(refused.status).toBe(404);
      expect(refused.body).toMatchObject({ code: 'chat-request-not-found' });
      expect((await t.api.post(`/chat-requests/${request.id}/ignore`, { token: other.clientToken })).status).toBe(404);
    }
    const accepted = await t.api.post(`/chat-requests/${request.id}/accept`, { token: bob.clientToken });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ requester: request.requester });
    expect(await requestsOf(bob)).toEqual([]);
    expect((await t.api.post(`/chat-requests/${request.id}/accept`, { token: bob.clientToken })).status).toBe(404);
    const told = ofType(await fetchNotifications(t.api, alice), 'user.chat-request-accepted');
    expect(told).toEqual([{ type: 'user.chat-request-accepted', request: request.id, user: expect.objectContaining({ qualifiedId: { id: bob.id, domain: 'cairn.test' }, name: 'Bob' }) }]);
    const search = await t.api.get(`/search/users?q=${encodeURIComponent(bob.email)}`, { token: alice.clientToken });
    expect(search.body).toMatchObject({ results: [{ qualifiedId: { id: bob.id } }] });
    expect((await t.api.get(`/search/users?q=${encodeURIComponent(bob.email)}`, { token: eve.clientToken })).body).toEqual({ results: [] });
  });

  it('keeps one request per requester and target, and an ignored one tells the requester nothing and cannot be repeated', async () => {
    const carol = await userWithClient(t.api, t.dataDir, 'Carol');
    const bob = await userWithClient(t.api, t.dataDir, 'Bob');
    await send(carol, bob.email);
    const request = await requestFor(bob, carol);
    await send(carol, bob.email);
    const ignored = await t.api.post(`/chat-requests/${request.id}/ignore`, { token: bob.clientToken });
    expect(ignored.status).toBe(200);
    const again = await send(carol, bob.email);
    expect(again.status).toBe(202);
    // A request from someone else after Carol's repeats shows those were processed (in order) and dropped.
    const dave = await userWithClient(t.api, t.dataDir, 'Dave');
    await send(dave, bob.email);
    await requestFor(bob, dave);
    expect((await requestsOf(bob)).map((pending) => pending.requester.name)).toEqual(['Dave']);
    expect((await mailsTo(bob.email, 2)).filter((mail) => mail.to === bob.email && mail.kind === 'chat-request').map((mail) => mail.subject)).toEqual([
      'Carol wants to chat with you on Cairn',
      'Dave wants to chat with you on Cairn',
    ]);
    expect(ofType(await fetchNotifications(t.api, bob), 'user.chat-request')).toHaveLength(2);
    const carolsEvents = (await fetchNotifications(t.api, carol)).map((n) => n.event.type);
    expect(carolsEvents.filter((type) => type.startsWith('user.chat-request'))).toEqual([]);
  });

  it('lets a request lapse after 30 days: it leaves the list, cannot be accepted, and may be sent again', async () => {
    const erin = await userWithClient(t.api, t.dataDir, 'Erin');
    const bob = await userWithClient(t.api, t.dataDir, 'Bob');
    await send(erin, bob.email);
    const request = await requestFor(bob, erin);
    t.clock.advance(CHAT_REQUEST_TTL_MS);
    const [laterBob, laterErin] = await Promise.all([refreshed(t.api, bob), refreshed(t.api, erin)]);
    expect(await requestsOf(laterBob)).toEqual([]);
    expect((await t.api.post(`/chat-requests/${request.id}/accept`, { token: laterBob.clientToken })).status).toBe(404);
    await send(laterErin, bob.email);
    const again = await requestFor(laterBob, laterErin);
    expect(again.id).not.toBe(request.id);
  });

  it('limits requests to 20 an hour per requester and 5 an hour per address, alike with or without an account', async () => {
    const mallory = await userWithClient(t.api, t.dataDir, 'Mallory');
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await send(mallory, uniqueEmail('probe'))).status);
    expect(statuses.slice(0, 20).every((status) => status === 202)).toBe(true);
    expect(statuses[20]).toBe(429);
    const bob = await userWithClient(t.api, t.dataDir, 'Bob');
    const stranger = uniqueEmail('nobody');
    for (const target of [bob.email, stranger]) {
      const askers = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => userWithClient(t.api, t.dataDir, `Asker ${n}`)));
      const answers: number[] = [];
      for (const asker of askers) answers.push((await send(asker, target)).status);
      expect(answers).toEqual([202, 202, 202, 202, 202, 429]);
    }
    t.clock.advance(3600_000);
    expect((await send(await refreshed(t.api, mallory), bob.email)).status).toBe(202);
  });
});
