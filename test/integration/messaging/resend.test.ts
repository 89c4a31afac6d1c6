/**
 * Sending a message again under its own id (services/resend.ts): "Retry" on a message that
 * failed, and the automatic resend of a message that waited for the connection or that a kill -9
 * left pending. Real cores, the real server over TLS, the network cut by a relay
 * (test/support/tcpProxy.ts); a message fails for good when its sender was removed from the
 * conversation while offline (and is added back to retry it).
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { closeCore, eventsOf, registerThroughCore, signInThroughCore, startCore, startCores } from '../../support/cores';
import type { TcpProxy } from '../../support/tcpProxy';
import { startTcpProxy } from '../../support/tcpProxy';
import { postedMessagesBy, serverQuery } from '../../support/serverDatabase';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('resend');
const cores: ObservedCore[] = [];
let proxy: TcpProxy;
const PASSPHRASE = 'resend-profile-pass';

beforeAll(async () => {
  proxy = await startTcpProxy(env.server.url);
});

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

async function failure<T>(result: Promise<Settled<T>>): Promise<{ code: string; message: string }> {
  const settled = await result;
  if (settled.ok) throw new Error('expected a refusal');
  return settled.error;
}

/** A core whose database key is wrapped by a passphrase, so a separate process can open the profile too. */
function passphraseCore(profile: string): ObservedCore {
  const observed = startCore(env.root, profile, { passphrase: PASSPHRASE });
  cores.push(observed);
  return observed;
}

/** Waits (in setup too, where expect.poll is not available) until the device holds the conversation's group. */
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

async function statusOf(o: ObservedCore, conversationId: string, messageId: string): Promise<string | undefined> {
  return (await messagesOf(o, conversationId)).find((m) => m.id === messageId)?.status;
}

/** How many copies of a message a device shows (its text and the number of rows with its id). */
async function copiesOf(o: ObservedCore, conversationId: string, messageId: string): Promise<{ count: number; text: string | null | undefined }> {
  const rows = (await messagesOf(o, conversationId)).filter((m) => m.id === messageId);
  return { count: rows.length, text: rows[0]?.text };
}

/** The statuses `message.updated` announced for one message, in order. */
function updates(o: ObservedCore, messageId: string): string[] {
  const Updated = z.object({ id: z.string(), status: z.string() });
  return eventsOf(o, 'message.updated').flatMap((payload) => {
    const parsed = Updated.safeParse(payload);
    return parsed.success && parsed.data.id === messageId ? [parsed.data.status] : [];
  });
}

/** Messages a device posted, counted at the server (every copy, also one sent again). */
function postedBy(clientId: string): Promise<number> {
  return postedMessagesBy(env.serverDir, clientId);
}

async function assetsAtServer(): Promise<number> {
  return Number((await serverQuery(env.serverDir, 'SELECT count(*) AS n FROM assets'))[0]?.n);
}

/** Waits until the device reported `online` (connected and caught up) `times` times in all. */
async function online(o: ObservedCore, times = 1): Promise<void> {
  const Online = z.object({ state: z.literal('online') });
  await expect.poll(() => eventsOf(o, 'connection.state').filter((p) => Online.safeParse(p).success).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(times);
}

describe('Retry', () => {
  let alice: ObservedCore;
  let bob: ObservedCore;
  let aliceUser: SignedInUser;
  let bobUser: SignedInUser;
  let conversationId: string;

  beforeAll(async () => {
    [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
    // Alice reaches the server through the proxy, so the test can cut her connection.
    aliceUser = await registerThroughCore(alice, { ...env.server, url: proxy.url }, env.root, 'alice@example.test', 'Alice');
    bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    // Bob makes it (an admin), so that he can remove Alice and add her back.
    conversationId = await bobsConversation('Ridge');
  }, 60_000);

  async function bobsConversation(name: string): Promise<string> {
    const id = (await value(bob.core.router.request('conversations.create', { name, members: [{ id: aliceUser.id, domain: aliceUser.domain }] }))).id;
    await joined(alice, id);
    return id;
  }

  /** Whether Alice's device is in the conversation now (not left, holding its group). */
  async function inConversation(conversation: string): Promise<boolean> {
    const list = await value(alice.core.router.request('conversations.list', {}));
    return list.conversations.some((c) => c.id === conversation && !c.left && c.epoch !== null);
  }

  /**
   * A message of Alice's that can never be sent as it is: written while she was offline, and
   * Bob removed her from the conversation meanwhile (refused by her device once it learnt of the
   * removal, or by the server). `failed` with the reason. With `addBack`, Bob adds her back
   * afterwards, so that Retry can send it.
   */
  async function refusedMessage(conversation: string, text: string, addBack: boolean): Promise<StoredMessage> {
    const me = { id: aliceUser.id, domain: aliceUser.domain };
    proxy.outage();
    const pending = await value(alice.core.router.request('messages.send', { conversationId: conversation, text }));
    expect(pending.status).toBe('pending');
    await value(bob.core.router.request('conversations.removeMember', { conversationId: conversation, member: me }));
    proxy.restore();
    await expect.poll(() => statusOf(alice, conversation, pending.id), { timeout: 30_000 }).toBe('failed');
    await expect.poll(() => inConversation(conversation), { timeout: 30_000 }).toBe(false);
    if (addBack) {
      await value(bob.core.router.request('conversations.addMembers', { conversationId: conversation, members: [me] }));
      await expect.poll(() => inConversation(conversation), { timeout: 30_000 }).toBe(true);
      // Bob's next message is in the epoch that brought her back: once she reads it, her device
      // holds the new group (not only the member list that arrived first).
      const back = await value(bob.core.router.request('messages.send', { conversationId: conversation, text: 'welcome back' }));
      await expect.poll(async () => (await copiesOf(alice, conversation, back.id)).count, { timeout: 30_000 }).toBe(1);
    }
    const failed = (await messagesOf(alice, conversation)).find((m) => m.id === pending.id);
    if (!failed) throw new Error('the failed message is not stored');
    return failed;
  }

  it('sends a message that could not be sent again with Retry, with its id, and the receiver shows it once', async () => {
    const first = await value(alice.core.router.request('messages.send', { conversationId, text: 'before the outage' }));
    await expect.poll(async () => (await copiesOf(bob, conversationId, first.id)).count, { timeout: 15_000 }).toBe(1);

    const failed = await refusedMessage(conversationId, 'lost in the outage', true);
    expect(failed.status).toBe('failed');
    expect(failed.failure?.message).toMatch(/^[A-Z].+\.$/);

    const retried = await value(alice.core.router.request('messages.retry', { conversationId, messageId: failed.id }));
    expect(retried).toMatchObject({ id: failed.id, status: 'sent', text: 'lost in the outage', sentAt: failed.sentAt, failure: null });
    expect(updates(alice, failed.id)).toEqual(['failed', 'pending', 'sent']);
    await expect.poll(() => copiesOf(bob, conversationId, failed.id), { timeout: 15_000 }).toEqual({ count: 1, text: 'lost in the outage' });
    // Bob's delivery receipt names the id Alice's device knows.
    await expect
      .poll(async () => (await messagesOf(alice, conversationId)).find((m) => m.id === failed.id)?.deliveredTo, { timeout: 15_000 })
      .toEqual([`${bobUser.id}@${bobUser.domain}`]);

    // Sent now: a second retry is refused, and nothing more is posted.
    const posted = await postedBy(aliceUser.clientId);
    const again = await failure(alice.core.router.request('messages.retry', { conversationId, messageId: failed.id }));
    expect(again).toEqual({ code: 'message-not-failed', message: 'This message was sent already; only a message that was not sent can be sent again.' });
    expect(await postedBy(aliceUser.clientId)).toBe(posted);
  }, 120_000);

  it('keeps a message retried while offline pending, and sends it when the connection is back', async () => {
    const failed = await refusedMessage(conversationId, 'retried in the tunnel', true);
    proxy.outage();
    const retried = await value(alice.core.router.request('messages.retry', { conversationId, messageId: failed.id }));
    expect(retried.status).toBe('pending');
    proxy.restore();
    await expect.poll(() => copiesOf(bob, conversationId, failed.id), { timeout: 30_000 }).toEqual({ count: 1, text: 'retried in the tunnel' });
    await expect.poll(() => statusOf(alice, conversationId, failed.id), { timeout: 15_000 }).toBe('sent');
    expect(updates(alice, failed.id)).toEqual(['failed', 'pending', 'sent']);
  }, 120_000);

  it('keeps receiving while a post of its own hangs, and posts to one conversation in the order they were written', async () => {
    // Online again after the last test's outage first (its reconnect waits out a backoff, which
    // takes longer on a loaded machine): this test is about pushes while a post hangs.
    await expect.poll(() => eventsOf(alice, 'connection.state').at(-1), { timeout: 30_000 }).toMatchObject({ state: 'online' });
    // Alice's requests stop reaching the server; what the server pushes still reaches her.
    proxy.hold('requests');
    const hanging = await value(alice.core.router.request('messages.send', { conversationId, text: 'stuck on the wire' }));
    const behind = await value(alice.core.router.request('messages.send', { conversationId, text: 'written after it' }));
    const fromBob = await value(bob.core.router.request('messages.send', { conversationId, text: 'are you there?' }));
    // Stored although Alice's post holds no answer: the post runs outside the group-state lock.
    await expect.poll(async () => (await copiesOf(alice, conversationId, fromBob.id)).count, { timeout: 30_000 }).toBe(1);
    expect((await messagesOf(alice, conversationId)).filter((m) => m.id === hanging.id || m.id === behind.id).map((m) => m.status)).toEqual(['pending', 'pending']);
    // The network goes and comes back: both wait (never "Not sent"), then go out by themselves, in order.
    proxy.outage();
    proxy.restore();
    for (const m of [hanging, behind]) await expect.poll(() => copiesOf(bob, conversationId, m.id), { timeout: 30_000 }).toEqual({ count: 1, text: m.text });
    expect((await messagesOf(bob, conversationId)).filter((m) => m.id === hanging.id || m.id === behind.id).map((m) => m.text)).toEqual([
      'stuck on the wire',
      'written after it',
    ]);
    expect([...updates(alice, hanging.id), ...updates(alice, behind.id)]).not.toContain('failed');
  }, 90_000);

  it('sends the current text of a failed message that was edited before it was sent again', async () => {
    const failed = await refusedMessage(conversationId, 'first words', true);
    // The edit reaches Bob before the message does: his device has nothing to apply it to.
    await value(alice.core.router.request('messages.edit', { conversationId, messageId: failed.id, text: 'better words' }));
    await value(alice.core.router.request('messages.retry', { conversationId, messageId: failed.id }));
    await expect.poll(() => copiesOf(bob, conversationId, failed.id), { timeout: 15_000 }).toEqual({ count: 1, text: 'better words' });
  }, 120_000);

  it('sends a file message whose post met an outage when the connection is back, without a new upload; the receiver can open the file', async () => {
    const file = path.join(env.root, 'files', 'map.txt');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'contour lines every ten metres\n'.repeat(200));
    const assetsBefore = await assetsAtServer();
    // The server takes the upload, but its answer and the message after it never arrive.
    proxy.hold('answers');
    const sending = alice.core.router.request('files.send', { conversationId, grant: alice.core.grantFile('read', file) });
    await expect.poll(assetsAtServer, { timeout: 15_000, interval: 20 }).toBe(assetsBefore + 1);
    // The server stores the file before it answers: wait until its answer is held, or the outage
    // would cut the upload itself (a TLS record of an HTTP answer is well over 100 bytes; a
    // WebSocket ping is about 30).
    await expect.poll(() => proxy.heldAnswerBytes, { timeout: 15_000, interval: 20 }).toBeGreaterThan(100);
    proxy.outage({ deliverHeldAnswers: true });
    const pending = await value(sending);
    expect(pending).toMatchObject({ kind: 'asset', status: 'pending' });
    if (!pending.asset) throw new Error('the file message has no file');

    proxy.restore();
    await expect.poll(() => statusOf(alice, conversationId, pending.id), { timeout: 30_000 }).toBe('sent');
    expect(await assetsAtServer()).toBe(assetsBefore + 1);
    await expect.poll(async () => (await messagesOf(bob, conversationId)).filter((m) => m.id === pending.id).length, { timeout: 15_000 }).toBe(1);
    const saved = path.join(env.root, 'files', 'map-at-bob.txt');
    await value(bob.core.router.request('files.download', { assetId: pending.asset.id, grant: bob.core.grantFile('write', saved) }));
    expect(await readFile(saved, 'utf8')).toBe(await readFile(file, 'utf8'));
  }, 60_000);

  it('refuses, with a sentence, what is not a failed message of this user, a deleted one and one in a conversation left', async () => {
    const bobs = await value(bob.core.router.request('messages.send', { conversationId, text: 'from Bob' }));
    await expect.poll(async () => (await copiesOf(alice, conversationId, bobs.id)).count, { timeout: 15_000 }).toBe(1);
    expect(await failure(alice.core.router.request('messages.retry', { conversationId, messageId: bobs.id }))).toEqual({
      code: 'message-not-yours',
      message: 'Only your own messages can be sent again.',
    });
    expect((await failure(alice.core.router.request('messages.retry', { conversationId, messageId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' }))).code).toBe(
      'message-not-found',
    );

    // A failed message deleted for everyone stays deleted.
    const hasty = await refusedMessage(conversationId, 'said in haste', true);
    await value(alice.core.router.request('messages.delete', { conversationId, messageId: hasty.id }));
    expect(await failure(alice.core.router.request('messages.retry', { conversationId, messageId: hasty.id }))).toEqual({
      code: 'message-deleted',
      message: 'This message was deleted, so it cannot be sent again.',
    });

    // A conversation Alice is no longer in takes nothing more from her.
    const other = await bobsConversation('Col');
    const goodbye = await refusedMessage(other, 'goodbye', false);
    const posted = await postedBy(aliceUser.clientId);
    expect(await failure(alice.core.router.request('messages.retry', { conversationId: other, messageId: goodbye.id }))).toEqual({
      code: 'conversation-left',
      message: 'You are no longer in this conversation, so nothing can be sent in it.',
    });
    expect(await statusOf(alice, other, goodbye.id)).toBe('failed');
    expect(await postedBy(aliceUser.clientId)).toBe(posted);
  }, 120_000);

  it('refuses a failed message in a degraded conversation, as any send, until the user accepts the new device', async () => {
    const waiting = await refusedMessage(conversationId, 'before the new device', true);
    // Alice verifies Bob's device; then Bob adds a phone Alice has not verified.
    const fingerprint = (await value(bob.core.router.request('account.devices', {}))).devices.find((d) => d.current)?.mlsFingerprint;
    if (!fingerprint) throw new Error('Bob shows no fingerprint');
    await value(alice.core.router.request('devices.verify', { user: { id: bobUser.id, domain: bobUser.domain }, clientId: bobUser.clientId, fingerprint, verified: true }));
    const [phone] = startCores(env.root, cores, 'bob-phone');
    await signInThroughCore(phone, env.server, 'bob@example.test');
    const verification = async (): Promise<string | undefined> =>
      (await value(alice.core.router.request('conversations.list', {}))).conversations.find((c) => c.id === conversationId)?.verification;
    await expect.poll(verification, { timeout: 30_000 }).toBe('degraded');

    expect((await failure(alice.core.router.request('messages.retry', { conversationId, messageId: waiting.id }))).code).toBe('conversation-degraded');
    expect(await statusOf(alice, conversationId, waiting.id)).toBe('failed');
    await value(alice.core.router.request('conversations.acceptDegraded', { conversationId }));
    await value(alice.core.router.request('messages.retry', { conversationId, messageId: waiting.id }));
    await expect.poll(async () => (await copiesOf(phone, conversationId, waiting.id)).count, { timeout: 15_000 }).toBe(1);
    expect((await copiesOf(bob, conversationId, waiting.id)).count).toBe(1);
  }, 120_000);
});

/**
 * Runs the profile in its own process; `send` makes it send a text and resolves with the
 * message's id once the message is stored as pending, before any answer from the server.
 */
function pendingSender(profile: string): {
  online: Promise<void>;
  warm: () => Promise<void>;
  send: (conversationId: string, text: string) => Promise<string>;
  kill: () => Promise<void>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/pendingSenderProcess.ts', path.join(env.root, profile)], {
    env: { ...process.env, CAIRN_DB_PASSPHRASE: PASSPHRASE },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // Never left running: killed after two minutes whatever happened.
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exit = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      resolve(signal);
    }),
  );
  let output = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters.splice(0)) waiter();
  });
  const line = (pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      // A line that never comes fails the test with a reason instead of running into its timeout.
      const timer = setTimeout(() => reject(new Error(`the sending process did not print ${String(pattern)} within 30 s`)), 30_000);
      const check = (): void => {
        const match = pattern.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        } else waiters.push(check);
      };
      void exit.then(() => reject(new Error('the sending process ended early')));
      check();
    });
  return {
    online: line(/^online$/m).then(() => undefined),
    // An idle connection to the server that the next request can use, with no handshake to make.
    warm: async () => {
      child.stdin.write('warm\n');
      await line(/^warm$/m);
    },
    send: async (conversationId, text) => {
      child.stdin.write(`send ${conversationId} ${text}\n`);
      return (await line(/^pending (\S+)$/m))[1] ?? '';
    },
    kill: async () => {
      child.kill('SIGKILL');
      expect(await exit).toBe('SIGKILL');
    },
  };
}

describe('a message left pending by a kill -9', () => {
  let carol: ObservedCore;
  let dave: ObservedCore;
  let carolUser: SignedInUser;
  let conversationId: string;

  beforeAll(async () => {
    carol = passphraseCore('carol');
    [dave] = startCores(env.root, cores, 'dave');
    carolUser = await registerThroughCore(carol, { ...env.server, url: proxy.url }, env.root, 'carol@example.test', 'Carol');
    const daveUser = await registerThroughCore(dave, env.server, env.root, 'dave@example.test', 'Dave');
    conversationId = (await value(carol.core.router.request('conversations.create', { name: 'Tarn', members: [{ id: daveUser.id, domain: daveUser.domain }] }))).id;
    await joined(dave, conversationId);
    await closeCore(cores, carol);
  }, 60_000);

  it('is sent after the restart when it never reached the server, and arrives once', async () => {
    const sender = pendingSender('carol');
    await sender.online;
    const before = await postedBy(carolUser.clientId);
    // Nothing the sender says reaches the server any more.
    proxy.hold('requests');
    const id = await sender.send(conversationId, 'written just before the crash');
    await sender.kill();
    proxy.restore();
    expect(await postedBy(carolUser.clientId)).toBe(before);
    expect(await copiesOf(dave, conversationId, id)).toEqual({ count: 0, text: undefined });

    carol = passphraseCore('carol');
    await carol.core.router.request('account.status', {});
    await expect.poll(() => statusOf(carol, conversationId, id), { timeout: 30_000 }).toBe('sent');
    await expect.poll(() => copiesOf(dave, conversationId, id), { timeout: 15_000 }).toEqual({ count: 1, text: 'written just before the crash' });
    expect(await postedBy(carolUser.clientId)).toBe(before + 1);
    expect(updates(carol, id)).toEqual(['sent']);
    await closeCore(cores, carol);
  }, 120_000);

  it('is sent again after the restart when the server had it already, and the receiver shows it once', async () => {
    const sender = pendingSender('carol');
    await sender.online;
    const before = await postedBy(carolUser.clientId);
    // The server takes the message, but its answer never reaches the sender before the kill.
    await sender.warm();
    proxy.hold('answers');
    const id = await sender.send(conversationId, 'posted, then the crash');
    await expect.poll(() => postedBy(carolUser.clientId), { timeout: 15_000, interval: 20 }).toBe(before + 1);
    await sender.kill();
    proxy.restore();
    await expect.poll(() => copiesOf(dave, conversationId, id), { timeout: 15_000 }).toEqual({ count: 1, text: 'posted, then the crash' });

    carol = passphraseCore('carol');
    await carol.core.router.request('account.status', {});
    await expect.poll(() => statusOf(carol, conversationId, id), { timeout: 30_000 }).toBe('sent');
    // Posted twice, shown once; and the conversation goes on in both directions.
    expect(await postedBy(carolUser.clientId)).toBe(before + 2);
    const after = await value(dave.core.router.request('messages.send', { conversationId, text: 'got it' }));
    await expect.poll(async () => (await copiesOf(carol, conversationId, after.id)).count, { timeout: 15_000 }).toBe(1);
    expect(await copiesOf(dave, conversationId, id)).toEqual({ count: 1, text: 'posted, then the crash' });
    expect((await messagesOf(dave, conversationId)).filter((m) => m.kind === 'undecryptable')).toEqual([]);
    // Carol's device owes nothing when it closes (its delivery receipt for Dave's answer went out).
    await expect
      .poll(async () => (await messagesOf(dave, conversationId)).find((m) => m.id === after.id)?.deliveredTo, { timeout: 15_000 })
      .toEqual([`${carolUser.id}@${carolUser.domain}`]);
    await closeCore(cores, carol);
  }, 120_000);

  it('stays pending when sending it again after the restart meets an outage, and goes out when the connection is back, without Retry', async () => {
    const sender = pendingSender('carol');
    await sender.online;
    proxy.hold('requests');
    const id = await sender.send(conversationId, 'the second crash');
    await sender.kill();
    proxy.restore();

    // Started again; the connection is cut the moment the resend begins.
    carol = passphraseCore('carol');
    const cutOnResend = carol.core.events.subscribe((event, payload) => {
      if (event === 'connection.state' && z.object({ state: z.literal('online') }).safeParse(payload).success) proxy.outage();
    });
    await carol.core.router.request('account.status', {});
    await online(carol, 1);
    cutOnResend();
    expect(await statusOf(carol, conversationId, id)).toBe('pending');
    proxy.restore();
    await expect.poll(() => copiesOf(dave, conversationId, id), { timeout: 30_000 }).toEqual({ count: 1, text: 'the second crash' });
    await expect.poll(() => statusOf(carol, conversationId, id), { timeout: 15_000 }).toBe('sent');
    expect(updates(carol, id)).toEqual(['sent']);
  }, 120_000);
});
