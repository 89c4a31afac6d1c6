/**
 * Receive pipeline (issue 4): how much a real core spends per incoming message (decrypt, decode,
 * store in the encrypted database with the new group state and the notification cursor, ack)
 * against bare ts-mls `processMessage` of the same number of application messages (decrypt
 * only) on a two-member group, measured in the same run.
 *
 *   npm run bench receivePipeline
 *   (BENCH_MESSAGES=2000 BENCH_ROUNDS=5 BENCH_CPU_PROFILE=/tmp/receive)
 *
 * Setup (not timed): the real server over TLS on 127.0.0.1, a sender core and a receiver core
 * in one group; the receiver goes offline, the sender sends MESSAGES texts, and the receiver's
 * profile folder (database, WAL, key record) is copied once per measured run, so every run starts
 * from the same state with the same MESSAGES notifications waiting in its queue.
 *
 * Measured in ROUNDS rounds of alternating order, each run on a fresh copy; every round is printed
 * and the ratios use each side's fastest round. Wall time is the target's measure; CPU time (user +
 * system of all the process's threads, so WebCrypto's thread pool counts) is printed beside it,
 * as it moves less when other work shares the machine's two cores:
 * - baseline: bare ts-mls `processMessage` of MESSAGES messages (padded like ours), from the same
 *   group state each round;
 * - pipeline (the target comparison): the notifications are fetched first (not timed); then they
 *   are handed to the sync service's receiver — the very sink the notification stream calls — in
 *   batches of MAX_BATCH, as the stream hands over what arrived while it was storing, and each
 *   batch is acknowledged on an open WebSocket exactly as the stream does;
 * - the receiver's MlsEngine alone on the same ciphertexts (nothing stored), in the same run as
 *   the pipeline: the difference is what decoding, storing, events and acks cost;
 * - catch-up: a core is started on the copy and timed from `account.status` (which connects the
 *   notification stream with the stored cursor) until the stream reports `online`, which it does
 *   only after every replayed notification was stored and acknowledged. It includes opening the
 *   database, the TLS handshake and the server's replay; "connect to first stored" and "first to
 *   last stored" are printed apart so it shows what the network part costs.
 */
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import inspector from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { z } from 'zod';
import type { ClientState, MlsPrivateMessage } from 'ts-mls';
import { acceptAll, createApplicationMessage, createCommit, createGroup, emptyPskIndex, joinGroup, processMessage } from 'ts-mls';
import type { Notification } from '../protocol/api/notifications';
import { encodeContent } from '../protocol/content/codec';
import type { Core } from '../electron/core/core';
import { createCore } from '../electron/core/core';
import { DEFAULT_MLS_SUITE, loadSuite } from '../electron/core/crypto/mls/cipherSuites';
import { newKeyPackage } from '../electron/core/crypto/mls/keyPackages';
import { paddingFor } from '../electron/core/crypto/mls/messagePadding';
import { createMlsEngine } from '../electron/core/crypto/mls/mlsEngine';
import { createSigner, decodeSigner } from '../electron/core/crypto/mls/mlsSigner';
import { EventHub } from '../electron/core/events';
import { ServerConfigSchema } from '../electron/core/ipc/contract';
import { silentLogger } from '../electron/core/log';
import { ApiClient } from '../electron/core/net/apiClient';
import { MAX_BATCH } from '../electron/core/net/notificationStream';
import { Session } from '../electron/core/net/session';
import { SignedInSession } from '../electron/core/session/session';
import { loadGroupState } from '../electron/core/store/groups';
import { SyncService } from '../electron/core/services/syncService';
import type { ReadableDB } from '../electron/core/store/handles';
import { readKv } from '../electron/core/store/kv';
import type { ProfileStoreOptions } from '../electron/core/store/openProfileStore';
import { openProfileStore } from '../electron/core/store/openProfileStore';
import type { RunningServer } from '../server/server';
import { startServer } from '../server/server';
import { FakeKeychain } from '../test/fixtures/fakeKeychain';
import { must } from '../test/fixtures/mls/mlsTestDevices';
import { mailedCode } from '../test/support/outbox';
import type { BenchResult, Timing } from './harness';

const MESSAGES = Math.max(10, Number(process.env.BENCH_MESSAGES ?? 2000));
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const PASSWORD = 'Granite-Path-7';
const TEXT = 'a typical chat line of about sixty bytes, with an emoji 🙂';

const keychain = new FakeKeychain();
const STORE: ProfileStoreOptions = {
  keychain: { service: 'Cairn-bench', load: async () => keychain },
  // The database key is random either way; the KDF only guards a passphrase, unused here.
  kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 },
};

/** The fields of the core's stored account record this bench needs (accountService.ts). */
const AccountRecordSchema = z.object({ server: ServerConfigSchema, userId: z.string(), domain: z.string(), clientId: z.string(), cookie: z.string().optional() });

type Observed = Readonly<{ core: Core; events: Array<{ event: string; payload: unknown; at: number }> }>;

function openCore(dataDir: string): Observed {
  const core = createCore({ dataDir, appVersion: 'bench', defaultServer: null, log: silentLogger, store: STORE });
  const events: Observed['events'] = [];
  core.events.subscribe((event, payload) => events.push({ event, payload, at: performance.now() }));
  return { core, events };
}

async function register(o: Observed, server: RunningServer, serverDir: string, email: string, name: string): Promise<{ id: string; domain: string }> {
  const config = { url: server.url, pins: [server.pin] };
  const registered = await o.core.router.request('account.register', { server: config, email, name, password: PASSWORD });
  if (!registered.ok) throw new Error(registered.error.message);
  const activated = await o.core.router.request('account.activate', { email, code: await mailedCode(serverDir, email) });
  if (!activated.ok || activated.value.state !== 'signed-in') throw new Error(activated.ok ? 'not signed in' : activated.error.message);
  return { id: activated.value.user.id, domain: activated.value.user.domain };
}

/** Polls `check` every 20 ms until it holds; fails after `ms`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function added(o: Observed): number {
  return o.events.filter((e) => e.event === 'message.added').length;
}

/** Sender and receiver in one group; the receiver's profile folder is left with MESSAGES unread notifications. */
async function prepareProfiles(root: string, server: RunningServer): Promise<{ receiverDir: string }> {
  const sender = openCore(path.join(root, 'sender'));
  const receiverDir = path.join(root, 'receiver');
  const receiver = openCore(receiverDir);
  try {
    await register(sender, server, path.join(root, 'server'), 'sender@example.test', 'Sender');
    const receiverUser = await register(receiver, server, path.join(root, 'server'), 'receiver@example.test', 'Receiver');
    const created = await sender.core.router.request('conversations.create', { name: 'Bench', members: [receiverUser] });
    if (!created.ok) throw new Error(created.error.message);
    const conversationId = created.value.id;
    await until('the receiver to join', async () => {
      const list = await receiver.core.router.request('conversations.list', {});
      return list.ok && list.value.conversations.some((c) => c.id === conversationId);
    });
    await until('the receiver to be online', async () => {
      const status = await receiver.core.router.request('connection.status', {});
      return status.ok && status.value.state === 'online';
    });
    await receiver.core.close();
    for (let index = 0; index < MESSAGES; index += 1) {
      const sent = await sender.core.router.request('messages.send', { conversationId, text: `${index}: ${TEXT}` });
      if (!sent.ok) throw new Error(sent.error.message);
    }
    return { receiverDir };
  } finally {
    await receiver.core.close();
    await sender.core.close();
  }
}

/** Bare ts-mls: MESSAGES application messages on a two-member group, decrypted from the same starting state each round. */
async function prepareBaseline(): Promise<() => Promise<Measured>> {
  const suite = must(await loadSuite(1));
  const identity = (n: number) => ({ userId: `00000000-0000-4000-8000-00000000000${n}`, clientId: `000000000000000${n}`, domain: 'bench.test' });
  const [sa, sb] = [await createSigner(identity(1), suite), await createSigner(identity(2), suite)];
  const [ka, kb] = [await newKeyPackage(sa, suite), await newKeyPackage(sb, suite)];
  let alice: ClientState = await createGroup(new TextEncoder().encode('bench-bare'), ka.publicPackage, ka.privatePackage, [], suite.impl);
  const commit = await createCommit({ state: alice, cipherSuite: suite.impl }, { extraProposals: [{ proposalType: 'add', add: { keyPackage: kb.publicPackage } }], ratchetTreeExtension: true });
  alice = commit.newState;
  if (commit.welcome === undefined) throw new Error('no welcome');
  const bobStart = await joinGroup(commit.welcome, kb.publicPackage, kb.privatePackage, emptyPskIndex, suite.impl);
  const messages: MlsPrivateMessage[] = [];
  for (let index = 0; index < MESSAGES; index += 1) {
    // The same content and padding as the core sends for such a text.
    const plaintext = encodeContent({ v: 1, id: randomUUID(), sentAt: Date.now(), content: { type: 'text', text: `${index}: ${TEXT}`, mentions: [] } });
    const padded = { ...alice, clientConfig: { ...alice.clientConfig, paddingConfig: paddingFor(plaintext.length) } };
    const sent = await createApplicationMessage(padded, plaintext, suite.impl);
    alice = { ...sent.newState, clientConfig: alice.clientConfig };
    messages.push({ wireformat: 'mls_private_message', privateMessage: sent.privateMessage });
  }
  return async () => {
    let bob = bobStart;
    const stop = startClocks();
    for (const message of messages) {
      const got = await processMessage(message, bob, emptyPskIndex, acceptAll, suite.impl);
      if (got.kind !== 'applicationMessage') throw new Error('expected an application message');
      bob = got.newState;
    }
    return stop();
  };
}

/**
 * The receiver's MlsEngine alone on the same ciphertexts, from the stored group state (nothing is
 * written): what the pipeline spends beyond this is decoding, storing, events and acks.
 */
async function engineOnly(db: ReadableDB, notifications: readonly Notification[]): Promise<number> {
  const signer: unknown = db.prepare('SELECT data FROM mls_signers WHERE suite = ?').pluck().get(DEFAULT_MLS_SUITE);
  if (!(signer instanceof Uint8Array)) throw new Error('the copied profile has no MLS signer');
  const engine = must(await createMlsEngine(must(decodeSigner(signer))));
  const first = notifications[0]?.event;
  if (first?.type !== 'conversation.mls-message-add') throw new Error('expected MLS messages');
  const stored = loadGroupState(db, first.conversation.id);
  if (!stored) throw new Error('the copied profile has no group state');
  let group = must(engine.decodeGroupState(stored));
  const start = performance.now();
  for (const notification of notifications) {
    if (notification.event.type !== 'conversation.mls-message-add') continue;
    const inbound = must(await engine.processMessage(group, Buffer.from(notification.event.data, 'base64')));
    group = inbound.group;
  }
  return performance.now() - start;
}

/** Wall time and CPU time (user + system, every thread of the process) of one run, in ms. */
type Measured = Readonly<{ wall: number; cpu: number }>;

function startClocks(): () => Measured {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wall: performance.now() - wall, cpu: (used.user + used.system) / 1000 };
  };
}

type PipelineRun = Readonly<{ pipeline: Measured; engine: number }>;

/** Fetches the copy's waiting notifications, then times handing them to the sync receiver and acknowledging them. */
async function pipelineRun(profileDir: string): Promise<PipelineRun> {
  const opened = await openProfileStore(profileDir, STORE);
  if (!opened.ok) throw new Error(opened.error.message);
  const store = opened.value;
  const record = readKv(store.db, 'profile', 'account', AccountRecordSchema);
  if (!record) throw new Error('the copied profile has no account');
  const api = new ApiClient({ baseUrl: record.server.url, pins: record.server.pins, session: new Session(record.cookie), log: silentLogger });
  api.session.clientId = record.clientId;
  const events = new EventHub(silentLogger);
  let stored = 0;
  events.subscribe((event) => {
    if (event === 'message.added') stored += 1;
  });
  const device = { api, db: store.db, profileDir, userId: record.userId, domain: record.domain, clientId: record.clientId };
  const session = new SignedInSession(device, events, silentLogger, { ownNameChanged: () => undefined });
  const sync = new SyncService(events, silentLogger, {
    onDeviceRemoved: async () => {
      throw new Error('the bench device was removed');
    },
  });
  const sink = sync.receiver(store.db, session.receiving);
  let socket: WebSocket | undefined;
  try {
    const notifications: Notification[] = [];
    for (let since = sink.lastStoredId(), more = true; more; ) {
      const page = await api.call('getNotifications', { query: { since, size: 1000 } });
      notifications.push(...page.notifications);
      since = page.notifications.at(-1)?.id ?? since;
      more = page.hasMore;
    }
    if (notifications.length !== MESSAGES) throw new Error(`expected ${MESSAGES} waiting notifications, found ${notifications.length}`);
    const engine = await engineOnly(store.db, notifications);
    const url = new URL('/await', record.server.url);
    url.protocol = 'wss:';
    const open = new WebSocket(url, { agent: api.agent, headers: { authorization: `Bearer ${await api.accessToken()}` } });
    socket = open;
    await new Promise<void>((resolve, reject) => {
      open.once('open', () => resolve());
      open.once('error', reject);
    });
    const profiler = await startProfiler();
    const stop = startClocks();
    // As the stream hands them over when they arrive faster than they are stored.
    for (let index = 0; index < notifications.length; index += MAX_BATCH) {
      const batch = notifications.slice(index, index + MAX_BATCH);
      await sink.handle(batch);
      open.send(JSON.stringify({ type: 'ack', upTo: batch.at(-1)?.id }));
    }
    const elapsed = stop();
    await profiler?.stop();
    if (stored !== MESSAGES) throw new Error(`the pipeline stored ${stored} of ${MESSAGES} messages`);
    return { pipeline: elapsed, engine };
  } finally {
    socket?.close();
    session.close();
    store.close();
  }
}

/**
 * With BENCH_CPU_PROFILE=FILE, the timed part of each pipeline run is profiled (V8 CPU profile,
 * the format of `node --cpu-prof`, openable in Chrome DevTools) and written to FILE-<n>.cpuprofile.
 */
let profiles = 0;
async function startProfiler(): Promise<{ stop(): Promise<void> } | undefined> {
  const file = process.env.BENCH_CPU_PROFILE;
  if (!file) return undefined;
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return {
    stop: async () => {
      const result = z.object({ profile: z.unknown() }).parse(await post('Profiler.stop'));
      profiles += 1;
      await writeFile(`${file}-${profiles}.cpuprofile`, JSON.stringify(result.profile));
      session.disconnect();
    },
  };
}

type CatchUp = Readonly<{ total: number; toFirst: number; firstToLast: number }>;

/** Starts a core on the copy and times its catch-up until it is online with every message stored. */
async function catchUpRun(profileDir: string): Promise<CatchUp> {
  const o = openCore(profileDir);
  try {
    const start = performance.now();
    const status = await o.core.router.request('account.status', {});
    if (!status.ok || status.value.state !== 'signed-in') throw new Error('the copied profile is not signed in');
    await until('the catch-up', () => o.events.some((e) => e.event === 'connection.state' && z.object({ state: z.literal('online') }).safeParse(e.payload).success));
    const online = o.events.find((e) => e.event === 'connection.state' && z.object({ state: z.literal('online') }).safeParse(e.payload).success);
    const stored = o.events.filter((e) => e.event === 'message.added');
    const first = stored[0];
    const last = stored.at(-1);
    if (stored.length !== MESSAGES || !online || !first || !last) throw new Error(`the catch-up stored ${added(o)} of ${MESSAGES} messages`);
    return { total: online.at - start, toFirst: first.at - start, firstToLast: last.at - first.at };
  } finally {
    await o.core.close();
  }
}

// The fastest round of each side, as in mlsEngine.bench.ts: on a machine shared with other work,
// load only ever slows a round down, and the alternating order gives both sides the same chances.
const fastest = (values: readonly number[]): number => Math.min(...values);
const perMessage = (ms: number): Timing => ({ medianUs: (ms * 1000) / MESSAGES, operations: MESSAGES });

export async function run(): Promise<BenchResult[]> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cairn-bench-receive-'));
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  const server = started.value;
  try {
    const { receiverDir } = await prepareProfiles(root, server);
    const baseline = await prepareBaseline();
    const copy = async (name: string): Promise<string> => {
      const target = path.join(root, name);
      await cp(receiverDir, target, { recursive: true });
      return target;
    };
    // Warm-up: one of each, not counted.
    await baseline();
    await pipelineRun(await copy('warm-pipeline'));
    const bare: Measured[] = [];
    const pipelines: PipelineRun[] = [];
    const catchUps: CatchUp[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate the order, so that neither side always runs right after the other.
      const steps = [
        async () => bare.push(await baseline()),
        async () => pipelines.push(await pipelineRun(await copy(`pipeline-${round}`))),
        async () => catchUps.push(await catchUpRun(await copy(`catch-up-${round}`))),
      ];
      for (const step of round % 2 === 0 ? steps : [...steps].reverse()) await step();
    }
    const ms = (values: readonly number[]): string => values.map((v) => v.toFixed(0)).join(', ');
    process.stdout.write(`${MESSAGES} messages, ${ROUNDS} rounds (ms per run)\n`);
    process.stdout.write(`  bare ts-mls processMessage: ${ms(bare.map((b) => b.wall))} (CPU ${ms(bare.map((b) => b.cpu))})\n`);
    const pipeline = pipelines.map((p) => p.pipeline.wall);
    process.stdout.write(`  MlsEngine processMessage alone (same ciphertexts, nothing stored): ${ms(pipelines.map((p) => p.engine))}\n`);
    process.stdout.write(`  pipeline (decrypt + decode + store + ack): ${ms(pipeline)} (CPU ${ms(pipelines.map((p) => p.pipeline.cpu))})\n`);
    process.stdout.write(`  catch-up from connect to online: ${ms(catchUps.map((c) => c.total))}\n`);
    process.stdout.write(`    of which connect to first stored: ${ms(catchUps.map((c) => c.toFirst))}\n`);
    process.stdout.write(`    first to last stored: ${ms(catchUps.map((c) => c.firstToLast))}\n\n`);
    const baselineTiming = perMessage(fastest(bare.map((b) => b.wall)));
    return [
      { name: 'receive pipeline per message (decrypt + decode + store + ack; the target comparison)', baselineName: 'bare ts-mls processMessage', baseline: baselineTiming, subject: perMessage(fastest(pipeline)) },
      { name: 'MlsEngine processMessage per message (the pipeline\'s decrypt step alone)', baselineName: 'bare ts-mls processMessage', baseline: baselineTiming, subject: perMessage(fastest(pipelines.map((p) => p.engine))) },
      {
        name: 'receive pipeline per message, CPU time (user + system, all threads; less sensitive to other load than wall time)',
        baselineName: 'bare ts-mls processMessage, CPU time',
        baseline: perMessage(fastest(bare.map((b) => b.cpu))),
        subject: perMessage(fastest(pipelines.map((p) => p.pipeline.cpu))),
      },
      { name: 'catch-up per message, connect to online (includes TLS, replay and database open)', baselineName: 'bare ts-mls processMessage', baseline: baselineTiming, subject: perMessage(fastest(catchUps.map((c) => c.total))) },
    ];
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}
