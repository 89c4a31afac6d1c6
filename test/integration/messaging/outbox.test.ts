/**
 * The outbox (services/outbox.ts): delivery receipts and "delete for me" syncs that could not be
 * sent yet survive a kill, a restart and a network outage, and go out once the device is online.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openProfileStore } from '../../../electron/core/store/openProfileStore';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { closeCore, registerThroughCore, signInThroughCore, startCore, startCores } from '../../support/cores';
import type { TcpProxy } from '../../support/tcpProxy';
import { startTcpProxy } from '../../support/tcpProxy';
import { postedMessagesBy } from '../../support/serverDatabase';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('outbox');
const cores: ObservedCore[] = [];
let proxy: TcpProxy | undefined;
const PASSPHRASE = 'outbox-profile-pass';
const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
  await proxy?.close();
});

async function value<T>(result: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const settled = await result;
  if (!settled.ok) throw new Error(`${settled.error.code}: ${settled.error.message}`);
  return settled.value;
}

const qualified = (u: SignedInUser): string => `${u.id}@${u.domain}`;

/** A core whose database key is wrapped by a passphrase, so a separate process can open the profile too. */
function passphraseCore(profile: string): ObservedCore {
  const observed = startCore(env.root, profile, { passphrase: PASSPHRASE });
  cores.push(observed);
  return observed;
}

/** The outbox rows of a closed passphrase profile. */
async function outboxOf(profile: string): Promise<Array<{ kind: string; message_id: string }>> {
  const opened = await openProfileStore(path.join(env.root, profile), { prefer: 'passphrase', passphrase: PASSPHRASE, kdf: MODEST });
  if (!opened.ok) throw new Error(opened.error.message);
  try {
    return z.array(z.object({ kind: z.string(), message_id: z.string() })).parse(opened.value.db.prepare('SELECT kind, message_id FROM outbox ORDER BY kind, message_id').all());
  } finally {
    opened.value.close();
  }
}

/** Runs the profile in its own process until it stored a text message from someone else and killed itself; resolves once it is online. */
function startKillOnMessage(profile: string): { online: Promise<void>; exit: Promise<NodeJS.Signals | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/killOnMessageProcess.ts', path.join(env.root, profile)], {
    env: { ...process.env, CAIRN_DB_PASSPHRASE: PASSPHRASE },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Never left running: killed after a minute whatever happened.
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exit = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      resolve(signal);
    }),
  );
  const online = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('online')) resolve();
    });
    void exit.then(() => reject(new Error('the receiver process ended before it was online')));
  });
  return { online, exit };
}

/** Messages Bob's device posted, counted at the server. */
function postedBy(clientId: string): Promise<number> {
  return postedMessagesBy(env.serverDir, clientId);
}

async function joined(o: ObservedCore, conversationId: string): Promise<void> {
  await expect
    .poll(async () => {
      const list = await o.core.router.request('conversations.list', {});
      return list.ok && list.value.conversations.some((c) => c.id === conversationId && c.epoch !== null);
    }, { timeout: 15_000 })
    .toBe(true);
}

describe('delivery receipts', () => {
  it('sends a receipt that was still waiting when the receiving device was killed once it runs again', async () => {
    const [alice] = startCores(env.root, cores, 'alice');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    let bob = passphraseCore('bob');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const id = (await value(alice.core.router.request('conversations.create', { name: 'Quarry', members: [{ id: bobUser.id, domain: bobUser.domain }] }))).id;
    await joined(bob, id);
    const deliveredTo = async (messageId: string): Promise<string[] | undefined> => {
      const list = await value(alice.core.router.request('messages.list', { conversationId: id, limit: 100 }));
      return list.messages.find((m) => m.id === messageId)?.deliveredTo;
    };
    // Receipts work while Bob's device runs.
    const first = await value(alice.core.router.request('messages.send', { conversationId: id, text: 'first' }));
    await expect.poll(() => deliveredTo(first.id), { timeout: 15_000 }).toEqual([qualified(bobUser)]);
    await closeCore(cores, bob);

    // Bob's device runs as its own process and is killed right after it stored the next message.
    const receiver = startKillOnMessage('bob');
    await receiver.online;
    const before = await postedBy(bobUser.clientId);
    const second = await value(alice.core.router.request('messages.send', { conversationId: id, text: 'second' }));
    expect(await receiver.exit).toBe('SIGKILL');
    expect(await postedBy(bobUser.clientId)).toBe(before);
    expect(await deliveredTo(second.id)).toEqual([]);
    // The receipt waits in the store, noted with the message.
    expect(await outboxOf('bob')).toEqual([{ kind: 'delivered', message_id: second.id }]);

    // Started again, Bob's device sends it once online, and no more.
    bob = passphraseCore('bob');
    await bob.core.router.request('account.status', {});
    await expect.poll(() => deliveredTo(second.id), { timeout: 30_000 }).toEqual([qualified(bobUser)]);
    expect(await postedBy(bobUser.clientId)).toBe(before + 1);
    await closeCore(cores, bob);
    expect(await outboxOf('bob')).toEqual([]);
  }, 120_000);
});

describe('delete for me during an outage', () => {
  it("reaches the user's other device once the connection is back, and after a restart", async () => {
    proxy = await startTcpProxy(env.server.url);
    const viaProxy = { ...env.server, url: proxy.url };
    let phone = startCore(env.root, 'carol-phone');
    cores.push(phone);
    await registerThroughCore(phone, viaProxy, env.root, 'carol@example.test', 'Carol');
    const [laptop, dave] = startCores(env.root, cores, 'carol-laptop', 'dave');
    await signInThroughCore(laptop, env.server, 'carol@example.test');
    const daveUser = await registerThroughCore(dave, env.server, env.root, 'dave@example.test', 'Dave');
    const id = (await value(phone.core.router.request('conversations.create', { name: 'Hollow', members: [{ id: daveUser.id, domain: daveUser.domain }] }))).id;
    await joined(dave, id);
    await joined(laptop, id);
    const ids = async (o: ObservedCore): Promise<string[]> => {
      const result = await o.core.router.request('messages.list', { conversationId: id, limit: 100 });
      return result.ok ? result.value.messages.filter((m) => m.kind !== 'system').map((m) => m.id) : [];
    };
    const one = await value(dave.core.router.request('messages.send', { conversationId: id, text: 'one, hidden while offline' }));
    const two = await value(dave.core.router.request('messages.send', { conversationId: id, text: 'two, hidden before a restart' }));
    await expect.poll(() => ids(phone), { timeout: 15_000 }).toEqual([one.id, two.id]);
    await expect.poll(() => ids(laptop), { timeout: 15_000 }).toEqual([one.id, two.id]);

    // Offline (the self-conversation does not even exist yet): hidden here at once, not synced.
    proxy.outage();
    expect(await value(phone.core.router.request('messages.hide', { conversationId: id, messageId: one.id }))).toEqual({ synced: false });
    expect(await ids(phone)).toEqual([two.id]);
    expect(await ids(laptop)).toEqual([one.id, two.id]);
    // The connection comes back: the laptop hides it too.
    proxy.restore();
    await expect.poll(() => ids(laptop), { timeout: 60_000, interval: 200 }).toEqual([two.id]);

    // Offline again, and the app is closed before the connection comes back.
    proxy.outage();
    expect(await value(phone.core.router.request('messages.hide', { conversationId: id, messageId: two.id }))).toEqual({ synced: false });
    await phone.core.close();
    cores.splice(cores.indexOf(phone), 1);
    proxy.restore();
    expect(await ids(laptop)).toEqual([two.id]);
    phone = startCore(env.root, 'carol-phone');
    cores.push(phone);
    await phone.core.router.request('account.status', {});
    await expect.poll(() => ids(laptop), { timeout: 60_000, interval: 200 }).toEqual([]);
    expect(await ids(phone)).toEqual([]);
    // Dave, in the conversation, is told nothing.
    expect(await ids(dave)).toEqual([one.id, two.id]);
  }, 180_000);
});

describe('delivery receipts in a degraded conversation', () => {
  it('sends none for messages stored while the conversation is degraded, not even once it is accepted', async () => {
    const [firstErin, frank] = startCores(env.root, cores, 'erin', 'frank');
    let erin = firstErin;
    const erinUser = await registerThroughCore(erin, env.server, env.root, 'erin@example.test', 'Erin');
    const frankUser = await registerThroughCore(frank, env.server, env.root, 'frank@example.test', 'Frank');
    const id = (await value(erin.core.router.request('conversations.create', { name: 'Scree', members: [{ id: frankUser.id, domain: frankUser.domain }] }))).id;
    await joined(frank, id);
    const deliveredTo = async (messageId: string): Promise<string[] | undefined> => {
      const list = await value(frank.core.router.request('messages.list', { conversationId: id, limit: 100 }));
      return list.messages.find((m) => m.id === messageId)?.deliveredTo;
    };
    const verification = async (): Promise<string | undefined> =>
      (await value(erin.core.router.request('conversations.list', {}))).conversations.find((c) => c.id === id)?.verification;

    // Erin verifies Frank's device; then Frank adds a phone, which Erin has not verified.
    const frankDevices = await value(frank.core.router.request('account.devices', {}));
    const fingerprint = frankDevices.devices.find((d) => d.current)?.mlsFingerprint;
    if (!fingerprint) throw new Error('Frank shows no fingerprint');
    await value(erin.core.router.request('devices.verify', { user: { id: frankUser.id, domain: frankUser.domain }, clientId: frankUser.clientId, fingerprint, verified: true }));
    expect(await verification()).toBe('verified');
    const phone = startCore(env.root, 'frank-phone');
    cores.push(phone);
    await signInThroughCore(phone, env.server, 'frank@example.test');
    await expect.poll(verification, { timeout: 20_000 }).toBe('degraded');

    // Erin's device stores Frank's message but tells nobody in the degraded group.
    const unseen = await value(frank.core.router.request('messages.send', { conversationId: id, text: 'while degraded' }));
    await expect
      .poll(async () => (await value(erin.core.router.request('messages.list', { conversationId: id, limit: 100 }))).messages.some((m) => m.id === unseen.id), { timeout: 15_000 })
      .toBe(true);
    // Erin's device restarts while the conversation is still degraded: once online it goes through
    // what is owed (synchronously for a degraded conversation, which sends nothing).
    await closeCore(cores, erin);
    erin = startCore(env.root, 'erin');
    cores.push(erin);
    await erin.core.router.request('account.status', {});
    const online = z.object({ state: z.literal('online') });
    await expect.poll(() => erin.events.some((e) => e.event === 'connection.state' && online.safeParse(e.payload).success), { timeout: 20_000 }).toBe(true);
    expect(await verification()).toBe('degraded');

    // Sending anyway: receipts go out again, for new messages only. Had the first receipt been
    // sent, it would have reached Frank before the second; had it been kept, it would have gone
    // out with the second.
    await value(erin.core.router.request('conversations.acceptDegraded', { conversationId: id }));
    const later = await value(frank.core.router.request('messages.send', { conversationId: id, text: 'after accepting' }));
    await expect.poll(() => deliveredTo(later.id), { timeout: 15_000 }).toEqual([qualified(erinUser)]);
    expect(await deliveredTo(unseen.id)).toEqual([]);
  }, 120_000);
});
