/**
 * A message post is idempotent end to end (issue 12): the core sends a key with each post and
 * keeps it across the API client's retries, and the server answers a repeat as the first time.
 * The connection is cut after the server stored the post and before its answer reaches the
 * sender (test/support/tcpProxy.ts holds the answers, then cuts); the core's retry must not
 * deliver the ciphertext a second time. Real cores, the real server over TLS.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import { StoredMessageSchema } from '../../../electron/core/ipc/contract';
import { createLogger } from '../../../electron/core/log';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { eventsOf, registerThroughCore, startCore, startCores } from '../../support/cores';
import type { TcpProxy } from '../../support/tcpProxy';
import { startTcpProxy } from '../../support/tcpProxy';
import { postedMessagesBy } from '../../support/serverDatabase';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('idempotent-post');
const cores: ObservedCore[] = [];
let proxy: TcpProxy;

beforeAll(async () => {
  proxy = await startTcpProxy(env.server.url);
});

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

async function joined(o: ObservedCore, conversationId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const list = await o.core.router.request('conversations.list', {});
    if (list.ok && list.value.conversations.some((c) => c.id === conversationId && c.epoch !== null)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${o.profile} did not join the conversation within 15 s`);
}

async function messagesOf(o: ObservedCore, conversationId: string): Promise<StoredMessage[]> {
  return (await value(o.core.router.request('messages.list', { conversationId, limit: 200 }))).messages.filter((m) => m.kind !== 'system');
}

/**
 * The application messages the server stored from one device, each fanned out once to every
 * other device of the group (one event in the conversation log per post).
 */
function postedBy(clientId: string): Promise<number> {
  return postedMessagesBy(env.serverDir, clientId);
}

/** Each receiver's log lines (JSON), kept to count the repeated ciphertexts it was handed. */
const receiverLogs = new Map<string, string[]>();

function startReceiver(profile: string): ObservedCore {
  const lines: string[] = [];
  receiverLogs.set(profile, lines);
  const started = startCore(env.root, profile, { log: createLogger(profile, (line) => lines.push(line), 'debug') });
  cores.push(started);
  return started;
}

const LogLineSchema = z.object({ code: z.string().optional() }).loose();

/**
 * How many application messages `o` was handed again after it had decrypted them (MLS refuses
 * a second decryption of the same ciphertext; the core logs it with `mls-duplicate` and moves on).
 */
function repeatsHandedTo(o: ObservedCore): number {
  return (receiverLogs.get(o.profile) ?? []).filter((line) => LogLineSchema.parse(JSON.parse(line)).code === 'mls-duplicate').length;
}

/** How many times `o` told its UI that message `id` arrived. */
function arrivals(o: ObservedCore, id: string): number {
  return eventsOf(o, 'message.added').filter((payload) => StoredMessageSchema.parse(payload).id === id).length;
}

describe('a message post whose answer was lost', () => {
  let alice: ObservedCore;
  let bob: ObservedCore;
  let carol: ObservedCore;
  let aliceUser: SignedInUser;
  let conversationId: string;

  beforeAll(async () => {
    [alice] = startCores(env.root, cores, 'alice');
    bob = startReceiver('bob');
    carol = startReceiver('carol');
    // Alice reaches the server through the proxy, so the test can cut her connection.
    aliceUser = await registerThroughCore(alice, { ...env.server, url: proxy.url }, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const carolUser = await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');
    const members = [bobUser, carolUser].map((u) => ({ id: u.id, domain: u.domain }));
    conversationId = (await value(alice.core.router.request('conversations.create', { name: 'Col', members }))).id;
    await joined(bob, conversationId);
    await joined(carol, conversationId);
  }, 60_000);

  it('is retried by the core and delivered exactly once to every receiver', async () => {
    // A first message, so that every connection is warm and the group is in use.
    const first = await value(alice.core.router.request('messages.send', { conversationId, text: 'roped up' }));
    for (const receiver of [bob, carol]) {
      await expect.poll(async () => (await messagesOf(receiver, conversationId)).filter((m) => m.id === first.id).length, { timeout: 15_000 }).toBe(1);
    }
    const before = await postedBy(aliceUser.clientId);

    // The server stores the post, but its answer is held; then the connection is cut under it.
    proxy.hold('answers');
    const sending = alice.core.router.request('messages.send', { conversationId, text: 'on belay' });
    await expect.poll(() => postedBy(aliceUser.clientId), { timeout: 15_000, interval: 20 }).toBe(before + 1);
    proxy.outage();
    proxy.restore();

    // Stored and answered at once, as pending; the API client's retry reaches the server and is
    // answered as the first post was.
    const sent = await value(sending);
    expect(sent.status).toBe('pending');
    await expect.poll(async () => (await messagesOf(alice, conversationId)).find((m) => m.id === sent.id)?.status, { timeout: 15_000 }).toBe('sent');
    for (const receiver of [bob, carol]) {
      await expect.poll(async () => (await messagesOf(receiver, conversationId)).filter((m) => m.id === sent.id).map((m) => m.text), { timeout: 15_000 }).toEqual(['on belay']);
    }
    // A later message arrives after it: every notification before it, a repeat of 'on belay'
    // included, was handed to the receivers by then (one queue per device, in order).
    const after = await value(alice.core.router.request('messages.send', { conversationId, text: 'climbing' }));
    for (const receiver of [bob, carol]) {
      await expect.poll(async () => (await messagesOf(receiver, conversationId)).filter((m) => m.id === after.id).length, { timeout: 15_000 }).toBe(1);
    }
    // Each receiving device was handed the ciphertext once: shown once, never handed again,
    // nothing undecryptable.
    for (const receiver of [bob, carol]) {
      expect({ receiver: receiver.profile, arrivals: arrivals(receiver, sent.id), repeats: repeatsHandedTo(receiver) }).toEqual({
        receiver: receiver.profile,
        arrivals: 1,
        repeats: 0,
      });
      expect((await messagesOf(receiver, conversationId)).filter((m) => m.kind === 'undecryptable')).toEqual([]);
    }
    // The server stored each post once (one event fanned out to every device of the group).
    expect(await postedBy(aliceUser.clientId)).toBe(before + 2);
  }, 90_000);
});
