/**
 * `conversation.changed` carries the conversation's row (issue 12), so the list patches one row
 * instead of reading every conversation again. The row must be the one a fresh
 * `conversations.list` shows, after each kind of change: a received message, a read, mute,
 * archive (and an archived conversation that gets a message), a rename, a member's new name, a
 * leave. Real cores, the real server over TLS.
 */
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationSummary, EventOf } from '../../../electron/core/ipc/contract';
import { events } from '../../../electron/core/ipc/contract';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { apiClient, TEST_PASSWORD } from '../../support/serverAccounts';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('conversation-summaries');
const cores: ObservedCore[] = [];
const HOUR = 3600_000;

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

type Settled<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

async function value<T>(result: Promise<Settled<T>>): Promise<T> {
  const settled = await result;
  if (!settled.ok) throw new Error(`${settled.error.code}: ${settled.error.message}`);
  return settled.value;
}

async function listed(o: ObservedCore, id: string): Promise<ConversationSummary | undefined> {
  return (await value(o.core.router.request('conversations.list', {}))).conversations.find((c) => c.id === id);
}

/** The `conversation.changed` events `o` sent for `id` since event number `since`. */
function changesSince(o: ObservedCore, id: string, since: number): Array<EventOf<'conversation.changed'>> {
  return o.events
    .slice(since)
    .filter((e) => e.event === 'conversation.changed')
    .map((e) => events['conversation.changed'].parse(e.payload))
    .filter((p) => p.id === id);
}

/**
 * Runs `change`, waits until the list shows what `shows` expects, and checks that the newest
 * `conversation.changed` for `id` since then carries exactly that row.
 */
async function expectRowSent(o: ObservedCore, id: string, change: () => Promise<unknown>, shows: (row: ConversationSummary) => boolean): Promise<ConversationSummary> {
  const since = o.events.length;
  await change();
  await expect.poll(async () => {
    const row = await listed(o, id);
    return row !== undefined && shows(row);
  }, { timeout: 20_000 }).toBe(true);
  // The event leaves once the transaction the list read committed: wait for it, then compare.
  await expect
    .poll(async () => ({ sent: changesSince(o, id, since).at(-1), listed: await listed(o, id) }), { timeout: 5_000 })
    .toSatisfy(({ sent, listed: row }) => isDeepStrictEqual(sent, { id, summary: row }));
  const row = await listed(o, id);
  expect(changesSince(o, id, since).at(-1)).toEqual({ id, summary: row });
  if (row === undefined) throw new Error('the conversation left the list');
  return row;
}

describe('conversation.changed', () => {
  let alice: ObservedCore;
  let bob: ObservedCore;
  let aliceUser: SignedInUser;
  let bobUser: SignedInUser;
  let groupId: string;

  beforeAll(async () => {
    [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
    aliceUser = await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    groupId = (await value(alice.core.router.request('conversations.create', { name: 'Ridge', members: [{ id: bobUser.id, domain: bobUser.domain }] }))).id;
    const deadline = Date.now() + 20_000;
    while ((await listed(bob, groupId))?.epoch == null) {
      if (Date.now() > deadline) throw new Error('Bob did not join the group within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);

  it('carries the row a fresh list shows after a received message and after reading it', async () => {
    const received = await expectRowSent(
      bob,
      groupId,
      () => value(alice.core.router.request('messages.send', { conversationId: groupId, text: 'first light' })),
      (row) => row.lastMessage === 'first light' && row.unread === 1,
    );
    expect(received).toMatchObject({ name: 'Ridge', archived: false, mutedUntil: null, left: false });
    await expectRowSent(
      bob,
      groupId,
      () => value(bob.core.router.request('messages.markRead', { conversationId: groupId })),
      (row) => row.unread === 0,
    );
  }, 60_000);

  it('carries the row after mute and archive, and after a message brings an archived conversation back', async () => {
    const until = Date.now() + HOUR;
    await expectRowSent(bob, groupId, () => value(bob.core.router.request('conversations.setMuted', { conversationId: groupId, until })), (row) => row.mutedUntil === until);
    await expectRowSent(bob, groupId, () => value(bob.core.router.request('conversations.setMuted', { conversationId: groupId, until: null })), (row) => row.mutedUntil === null);
    await expectRowSent(bob, groupId, () => value(bob.core.router.request('conversations.setArchived', { conversationId: groupId, archived: true })), (row) => row.archived);

    // A new message from someone else brings it back to the main list, and its row says so.
    const back = await expectRowSent(
      bob,
      groupId,
      () => value(alice.core.router.request('messages.send', { conversationId: groupId, text: 'still there?' })),
      (row) => row.lastMessage === 'still there?',
    );
    expect(back).toMatchObject({ archived: false, unread: 1 });

    // Muted and archived, it stays archived, and the row sent says that too.
    await value(bob.core.router.request('conversations.setMuted', { conversationId: groupId, until }));
    await value(bob.core.router.request('conversations.setArchived', { conversationId: groupId, archived: true }));
    const quiet = await expectRowSent(
      bob,
      groupId,
      () => value(alice.core.router.request('messages.send', { conversationId: groupId, text: 'hello?' })),
      (row) => row.lastMessage === 'hello?',
    );
    expect(quiet).toMatchObject({ archived: true, mutedUntil: until, unread: 2 });
  }, 60_000);

  it("carries the row after the group is renamed and after a 1:1 partner's new name", async () => {
    const aliceApi = apiClient(env.server);
    const access = await aliceApi.call('login', { body: { email: 'alice@example.test', password: TEST_PASSWORD } });
    aliceApi.session.setToken(access.accessToken, access.expiresIn);
    await expectRowSent(
      bob,
      groupId,
      () => aliceApi.call('renameConversation', { params: { conv: groupId }, body: { name: 'North ridge' } }),
      (row) => row.name === 'North ridge',
    );

    const oneToOne = await value(bob.core.router.request('conversations.openOneToOne', { user: { id: aliceUser.id, domain: aliceUser.domain } }));
    expect(oneToOne.name).toBe('Alice');
    await expectRowSent(bob, oneToOne.id, () => value(alice.core.router.request('account.updateProfile', { name: 'Alice Fern' })), (row) => row.name === 'Alice Fern');
  }, 60_000);

  it('carries the row, marked left, after leaving: the conversation stays in the list', async () => {
    const left = await expectRowSent(bob, groupId, () => value(bob.core.router.request('conversations.leave', { conversationId: groupId })), (row) => row.left);
    expect(left).toMatchObject({ name: 'North ridge', lastMessage: 'You left.' });
  }, 60_000);
});
