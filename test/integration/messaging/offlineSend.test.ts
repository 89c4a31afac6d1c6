/**
 * Optimistic sending (issue 12): `messages.send` stores the message as pending and announces it
 * before the server answers; while the server cannot be reached it stays pending and goes out by
 * itself when the connection returns (as in Signal and Wire); a message the server refuses for
 * good becomes failed with a plain reason. Real cores, the real server over TLS, the network cut
 * by a TCP relay (test/support/tcpProxy.ts).
 */
import Database from 'better-sqlite3-multiple-ciphers';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import type { Logger } from '../../../electron/core/log';
import { createLogger } from '../../../electron/core/log';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { eventsOf, registerThroughCore, startCore, startCores } from '../../support/cores';
import type { TcpProxy } from '../../support/tcpProxy';
import { startTcpProxy } from '../../support/tcpProxy';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('offline-send');
const cores: ObservedCore[] = [];
let proxy: TcpProxy;
/** Alice's log, as JSON lines: the only place that says an attempt to send met the outage. */
const aliceLog: string[] = [];

let alice: ObservedCore;
let bob: ObservedCore;
let aliceUser: SignedInUser;
let bobUser: SignedInUser;
let conversationId: string;

beforeAll(async () => {
  proxy = await startTcpProxy(env.server.url);
  const log: Logger = createLogger('alice', (line) => aliceLog.push(line), 'info');
  alice = startCore(env.root, 'alice', { log });
  cores.push(alice);
  [bob] = startCores(env.root, cores, 'bob');
  // Alice reaches the server through the relay, so the test can cut her network.
  aliceUser = await registerThroughCore(alice, { ...env.server, url: proxy.url }, env.root, 'alice@example.test', 'Alice');
  bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
  conversationId = await newConversation('Moraine');
}, 60_000);

// A test that failed half-way leaves the network as it found it for the next.
afterEach(() => proxy.restore());

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
  await proxy.close();
});

type Settled<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

async function value<T>(result: Promise<Settled<T>>): Promise<T> {
  const settled = await result;
  if (!settled.ok) throw new Error(`${settled.error.code}: ${settled.error.message}`);
  return settled.value;
}

/** The result, or a failure with a reason if it takes longer than `ms` (the server never answers here). */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not resolve within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A conversation of Alice and Bob that `creator` made (its admin), once both devices hold its group. */
async function newConversation(name: string, creator: 'alice' | 'bob' = 'alice'): Promise<string> {
  const [maker, other, invited] = creator === 'alice' ? [alice, bob, bobUser] : [bob, alice, aliceUser];
  const id = (await value(maker.core.router.request('conversations.create', { name, members: [{ id: invited.id, domain: invited.domain }] }))).id;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const list = await other.core.router.request('conversations.list', {});
    if (list.ok && list.value.conversations.some((c) => c.id === id && c.epoch !== null)) return id;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${other.profile} did not join the conversation within 15 s`);
}

async function messagesOf(o: ObservedCore, conversation: string): Promise<StoredMessage[]> {
  return (await value(o.core.router.request('messages.list', { conversationId: conversation, limit: 200 }))).messages.filter((m) => m.kind !== 'system');
}

async function messageOf(o: ObservedCore, conversation: string, id: string): Promise<StoredMessage | undefined> {
  return (await messagesOf(o, conversation)).find((m) => m.id === id);
}

/** The statuses `message.updated` announced for one message, in order. */
function updates(o: ObservedCore, messageId: string): string[] {
  const Updated = z.object({ id: z.string(), status: z.string() });
  return eventsOf(o, 'message.updated').flatMap((payload) => {
    const parsed = Updated.safeParse(payload);
    return parsed.success && parsed.data.id === messageId ? [parsed.data.status] : [];
  });
}

/** Whether `message.added` announced the message. */
function announced(o: ObservedCore, messageId: string): boolean {
  return eventsOf(o, 'message.added').some((payload) => z.object({ id: z.literal(messageId) }).safeParse(payload).success);
}

/** How many times Alice's log says an attempt to send this message met no server. */
function waitedForConnection(messageId: string): number {
  return aliceLog.filter((line) => line.includes('"a message was not sent"') && line.includes(messageId) && line.includes('"failure":"offline"')).length;
}

/** How many times the device reported `online` (connected and caught up). */
function onlineCount(o: ObservedCore): number {
  return eventsOf(o, 'connection.state').filter((p) => z.object({ state: z.literal('online') }).safeParse(p).success).length;
}

/** Messages a device posted, counted at the server. */
function postedBy(clientId: string): number {
  const server = new Database(path.join(env.serverDir, 'cairn.db'), { readonly: true, fileMustExist: true });
  try {
    return Number(
      server
        .prepare(`SELECT count(*) FROM events WHERE json_extract(payload, '$.type') = 'conversation.mls-message-add' AND json_extract(payload, '$.fromClient') = ?`)
        .pluck()
        .get(clientId),
    );
  } finally {
    server.close();
  }
}

describe('sending', () => {
  it('announces the message as pending before the server answered', async () => {
    const posted = postedBy(aliceUser.clientId);
    // Nothing Alice sends reaches the server: it cannot answer.
    proxy.hold('requests');
    const message = await within(5_000, 'messages.send', value(alice.core.router.request('messages.send', { conversationId, text: 'on its way' })));
    expect(message).toMatchObject({ text: 'on its way', status: 'pending', failure: null });
    expect(announced(alice, message.id)).toBe(true);
    expect(updates(alice, message.id)).toEqual([]);
    expect(postedBy(aliceUser.clientId)).toBe(posted);

    // The network goes and comes back: the message goes out by itself, once.
    const online = onlineCount(alice);
    proxy.outage();
    proxy.restore();
    await expect.poll(() => onlineCount(alice), { timeout: 30_000 }).toBeGreaterThan(online);
    await expect.poll(async () => (await messageOf(alice, conversationId, message.id))?.status, { timeout: 30_000 }).toBe('sent');
    await expect.poll(async () => (await messagesOf(bob, conversationId)).filter((m) => m.id === message.id).map((m) => m.text), { timeout: 15_000 }).toEqual([
      'on its way',
    ]);
  }, 90_000);

  it('sending while offline shows the message as pending and delivers it when the connection returns, without Retry', async () => {
    proxy.outage();
    const first = await value(alice.core.router.request('messages.send', { conversationId, text: 'written in the tunnel' }));
    const second = await value(alice.core.router.request('messages.send', { conversationId, text: 'and another one' }));
    expect([first.status, second.status]).toEqual(['pending', 'pending']);
    expect(announced(alice, first.id) && announced(alice, second.id)).toBe(true);

    // The attempts to send met no server (the API client's own retries included): still pending, not "Not sent".
    await expect.poll(() => waitedForConnection(first.id) > 0 && waitedForConnection(second.id) > 0, { timeout: 30_000 }).toBe(true);
    expect((await messageOf(alice, conversationId, first.id))?.status).toBe('pending');
    expect((await messageOf(alice, conversationId, second.id))?.status).toBe('pending');
    expect(updates(alice, first.id)).toEqual([]);

    // The connection returns: both go out by themselves, in order, and Bob shows each once.
    proxy.restore();
    await expect.poll(async () => (await messagesOf(bob, conversationId)).filter((m) => m.id === first.id || m.id === second.id).map((m) => m.text), { timeout: 30_000 }).toEqual([
      'written in the tunnel',
      'and another one',
    ]);
    await expect.poll(async () => (await messageOf(alice, conversationId, second.id))?.status, { timeout: 15_000 }).toBe('sent');
    expect(updates(alice, first.id)).toEqual(['sent']);
    expect(updates(alice, second.id)).toEqual(['sent']);
  }, 90_000);

  it('marks a message that the server refuses for good failed, with a plain reason', async () => {
    const other = await newConversation('Cirque', 'bob');
    proxy.outage();
    const message = await value(alice.core.router.request('messages.send', { conversationId: other, text: 'am I still in?' }));
    await expect.poll(() => waitedForConnection(message.id), { timeout: 30_000 }).toBeGreaterThan(0);
    // Meanwhile Bob removes Alice: the message can never be sent in this conversation.
    await value(bob.core.router.request('conversations.removeMember', { conversationId: other, member: { id: aliceUser.id, domain: aliceUser.domain } }));
    proxy.restore();

    await expect.poll(async () => (await messageOf(alice, other, message.id))?.status, { timeout: 30_000 }).toBe('failed');
    const failed = await messageOf(alice, other, message.id);
    // Refused by Alice's device once it learnt of the removal, or by the server if the message got there first.
    expect(['conversation-left', 'conversation-not-found']).toContain(failed?.failure?.code);
    expect(failed?.failure?.message).toMatch(/^[A-Z].{10,}\.$/);
    expect(updates(alice, message.id)).toEqual(['failed']);
    expect((await messagesOf(bob, other)).some((m) => m.id === message.id)).toBe(false);
  }, 90_000);
});
