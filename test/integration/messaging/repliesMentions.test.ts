import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { eventsOf, registerThroughCore, settled, startCore, startCores } from '../../support/cores';
import { postedMessagesBy } from '../../support/serverDatabase';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('replies');
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let bob: ObservedCore;
let carol: ObservedCore;
let aliceUser: SignedInUser;
let bobUser: SignedInUser;
let carolUser: SignedInUser;
let id: string;

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function value<T>(result: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const settled = await result;
  if (!settled.ok) throw new Error(`${settled.error.code}: ${settled.error.message}`);
  return settled.value;
}

const qualified = (u: SignedInUser): string => `${u.id}@${u.domain}`;

async function messages(o: ObservedCore): Promise<StoredMessage[]> {
  const result = await o.core.router.request('messages.list', { conversationId: id, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind !== 'system') : [];
}

async function find(o: ObservedCore, messageId: string): Promise<StoredMessage | undefined> {
  return (await messages(o)).find((m) => m.id === messageId);
}

/** Waits until `o` stored the message and returns it. */
async function arrived(o: ObservedCore, messageId: string): Promise<StoredMessage> {
  await expect.poll(() => find(o, messageId), { timeout: 15_000 }).toBeDefined();
  const found = await find(o, messageId);
  if (!found) throw new Error('gone again');
  return found;
}

beforeAll(async () => {
  [alice, bob, carol] = startCores(env.root, cores, 'alice', 'bob', 'carol');
  aliceUser = await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
  bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
  carolUser = await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');
  const created = await value(
    alice.core.router.request('conversations.create', {
      name: 'Trail',
      members: [
        { id: bobUser.id, domain: bobUser.domain },
        { id: carolUser.id, domain: carolUser.domain },
      ],
    }),
  );
  id = created.id;
  // Both have joined the group (expect.poll only works inside a test).
  const deadline = Date.now() + 15_000;
  for (const o of [bob, carol]) {
    for (;;) {
      const list = await o.core.router.request('conversations.list', {});
      if (list.ok && list.value.conversations.some((c) => c.id === id && c.epoch !== null)) break;
      if (Date.now() > deadline) throw new Error(`${o.profile} did not join the group`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
});

describe('replies and mentions', () => {
  it('shows a reply with the quoted message, marks the quote edited after an edit, and tells a mentioned user', async () => {
    const lunch = await value(alice.core.router.request('messages.send', { conversationId: id, text: 'Lunch at noon?' }));
    await arrived(bob, lunch.id);
    const text = '@Alice yes, at the hut';
    const reply = await value(
      bob.core.router.request('messages.send', {
        conversationId: id,
        text,
        quote: { messageId: lunch.id },
        mentions: [{ start: 0, length: 6, user: { id: aliceUser.id, domain: aliceUser.domain } }],
      }),
    );
    const aliceId = qualified(aliceUser);
    const expectedQuote = { messageId: lunch.id, sender: aliceId, senderName: 'Alice', text: 'Lunch at noon?', edited: false };
    expect(reply).toMatchObject({ quote: expectedQuote, mentions: [{ start: 0, length: 6, user: aliceId }], mentionsMe: false });

    const atAlice = await arrived(alice, reply.id);
    expect(atAlice).toMatchObject({ text, quote: expectedQuote, mentions: [{ start: 0, length: 6, user: aliceId }], mentionsMe: true });
    const atCarol = await arrived(carol, reply.id);
    expect(atCarol).toMatchObject({ quote: expectedQuote, mentionsMe: false });

    // Alice edits the quoted message: the quote shows the new text, marked as edited since.
    await value(alice.core.router.request('messages.edit', { conversationId: id, messageId: lunch.id, text: 'Lunch at one?' }));
    await expect.poll(async () => (await find(carol, reply.id))?.quote, { timeout: 15_000 }).toEqual({ ...expectedQuote, text: 'Lunch at one?', edited: true });
    expect((await find(alice, reply.id))?.quote).toEqual({ ...expectedQuote, text: 'Lunch at one?', edited: true });

    // Deleted for everyone: the quote has no text left.
    await value(alice.core.router.request('messages.delete', { conversationId: id, messageId: lunch.id }));
    await expect.poll(async () => (await find(carol, reply.id))?.quote?.text, { timeout: 15_000 }).toBeNull();
  });

  it('refuses a mention of a non-member, a mention outside the text and a reply to an unknown message, sending nothing', async () => {
    const before = (await messages(alice)).length;
    const stranger = await bob.core.router.request('messages.send', {
      conversationId: id,
      text: '@Zed hello',
      mentions: [{ start: 0, length: 4, user: { id: '00000000-0000-4000-8000-000000000000', domain: aliceUser.domain } }],
    });
    expect(stranger).toMatchObject({ ok: false, error: { code: 'mention-not-member' } });
    if (!stranger.ok) expect(stranger.error.message).toMatch(/Nothing was sent/);
    const outside = await bob.core.router.request('messages.send', {
      conversationId: id,
      text: 'hi',
      mentions: [{ start: 1, length: 6, user: { id: aliceUser.id, domain: aliceUser.domain } }],
    });
    expect(outside).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    const unknown = await bob.core.router.request('messages.send', { conversationId: id, text: 're?', quote: { messageId: 'no-such-message' } });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'message-not-found' } });
    const ok = await value(bob.core.router.request('messages.send', { conversationId: id, text: 'marker after refusals' }));
    await arrived(alice, ok.id);
    expect((await messages(alice)).length).toBe(before + 1);
    expect((await messages(bob)).map((m) => m.text)).not.toContain('@Zed hello');
  });

  it('notifies a mentioned user even in a muted conversation, and only for the mention', async () => {
    await value(alice.core.router.request('conversations.setMuted', { conversationId: id, until: Date.now() + 3600_000 }));
    const before = eventsOf(alice, 'notify').length;
    const plain = await value(carol.core.router.request('messages.send', { conversationId: id, text: 'quiet news' }));
    await arrived(alice, plain.id);
    const mention = await value(
      carol.core.router.request('messages.send', {
        conversationId: id,
        text: 'Alice, look',
        mentions: [{ start: 0, length: 5, user: { id: aliceUser.id, domain: aliceUser.domain } }],
      }),
    );
    await arrived(alice, mention.id);
    expect(eventsOf(alice, 'notify').slice(before)).toEqual([{ conversationId: id, title: 'Carol in Trail', body: 'Alice, look' }]);
    await value(alice.core.router.request('conversations.setMuted', { conversationId: id, until: null }));
  });
});

describe('knocks', () => {
  it('stores a knock on every device and notifies the others', async () => {
    const before = eventsOf(bob, 'notify').length;
    const knock = await value(carol.core.router.request('messages.knock', { conversationId: id }));
    expect(knock).toMatchObject({ kind: 'knock', text: null, sender: qualified(carolUser), status: 'pending' });
    expect(await settled(carol, knock.id)).toBe('sent');
    expect(await arrived(bob, knock.id)).toMatchObject({ kind: 'knock', text: null, sender: qualified(carolUser) });
    expect(await arrived(alice, knock.id)).toMatchObject({ kind: 'knock' });
    expect(eventsOf(bob, 'notify').slice(before)).toEqual([{ conversationId: id, title: 'Carol in Trail', body: 'Sent a ping.' }]);
    // A knock counts as unread.
    const list = await value(bob.core.router.request('conversations.list', {}));
    expect(list.conversations.find((c) => c.id === id)?.unread).toBeGreaterThan(0);
  });
});

describe('delivery receipts', () => {
  it('tells the sender whose devices stored a message, with read receipts turned off too', async () => {
    await value(bob.core.router.request('preferences.set', { sendReadReceipts: false }));
    const sent = await value(alice.core.router.request('messages.send', { conversationId: id, text: 'did this arrive?' }));
    expect(sent.deliveredTo).toEqual([]);
    await expect
      .poll(async () => [...((await find(alice, sent.id))?.deliveredTo ?? [])].sort(), { timeout: 15_000 })
      .toEqual([qualified(bobUser), qualified(carolUser)].sort());
    // Receipts for Alice's message are not kept by the others, and nobody read it yet.
    expect((await find(carol, sent.id))?.deliveredTo).toEqual([]);
    expect((await find(alice, sent.id))?.readBy).toEqual([]);
    await value(bob.core.router.request('preferences.set', { sendReadReceipts: true }));
  });

  it('sends a few receipts for a catch-up of many messages, not one each', async () => {
    await bob.core.close();
    cores.splice(cores.indexOf(bob), 1);
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) sent.push((await value(alice.core.router.request('messages.send', { conversationId: id, text: `queued ${i}` }))).id);
    // All at the server before Bob's device starts, so that it meets them as one catch-up.
    for (const messageId of sent) expect(await settled(alice, messageId)).toBe('sent');
    // What Bob's device has posted so far, counted at the server.
    const postedByBob = (): Promise<number> => postedMessagesBy(env.serverDir, bobUser.clientId);
    const before = await postedByBob();
    bob = startCore(env.root, 'bob');
    cores.push(bob);
    await bob.core.router.request('account.status', {});
    await expect
      .poll(async () => {
        const list = await value(alice.core.router.request('messages.list', { conversationId: id, limit: 100 }));
        return list.messages.filter((m) => sent.includes(m.id) && m.deliveredTo.includes(qualified(bobUser))).length;
      }, { timeout: 30_000 })
      .toBe(40);
    const receipts = (await postedByBob()) - before;
    expect(receipts).toBeGreaterThanOrEqual(1);
    expect(receipts).toBeLessThanOrEqual(4);
  });
});

describe('delete for me', () => {
  it('hides a message for this user only: gone from the list, the search and the preview', async () => {
    const secret = await value(alice.core.router.request('messages.send', { conversationId: id, text: 'zebra crossing plans' }));
    await arrived(bob, secret.id);
    await arrived(carol, secret.id);
    const reply = await value(bob.core.router.request('messages.send', { conversationId: id, text: 'noted', quote: { messageId: secret.id } }));
    await arrived(carol, reply.id);
    const last = await value(carol.core.router.request('messages.send', { conversationId: id, text: 'zebra again' }));
    await arrived(bob, last.id);

    expect(await bob.core.router.request('messages.hide', { conversationId: id, messageId: secret.id })).toEqual({ ok: true, value: { synced: true } });
    expect(await bob.core.router.request('messages.hide', { conversationId: id, messageId: last.id })).toEqual({ ok: true, value: { synced: true } });
    expect(eventsOf(bob, 'message.hidden')).toEqual([
      { conversationId: id, messageId: secret.id },
      { conversationId: id, messageId: last.id },
    ]);
    const bobIds = (await messages(bob)).map((m) => m.id);
    expect(bobIds).not.toContain(secret.id);
    expect(bobIds).not.toContain(last.id);
    expect((await find(bob, reply.id))?.quote).toMatchObject({ messageId: secret.id, text: null });
    const search = await value(bob.core.router.request('messages.search', { text: 'zebra' }));
    expect(search.messages).toEqual([]);
    const summary = (await value(bob.core.router.request('conversations.list', {}))).conversations.find((c) => c.id === id);
    expect(summary?.lastMessage).toBe('noted');
    // Hidden twice or never there: a clear error, nothing changes.
    expect(await bob.core.router.request('messages.hide', { conversationId: id, messageId: secret.id })).toMatchObject({
      ok: false,
      error: { code: 'message-not-found' },
    });
    // The others keep it.
    expect((await find(alice, secret.id))?.text).toBe('zebra crossing plans');
    expect((await find(carol, secret.id))?.text).toBe('zebra crossing plans');
    const carolSearch = await value(carol.core.router.request('messages.search', { text: 'zebra' }));
    expect(carolSearch.messages.map((m) => m.id).sort()).toEqual([secret.id, last.id].sort());
  });
});
