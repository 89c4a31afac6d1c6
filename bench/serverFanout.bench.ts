/**
 * Fan-out benchmark (issue 3): one sender, a group of RECEIVERS devices connected over WebSocket
 * on loopback, MESSAGES MLS application messages sent one after another (each send waits for the
 * server's answer). Prints p50/p99 delivery latency and messages/s for the Cairn server, and for
 * a plain `ws` broadcast of the same bytes over the same TLS in the same run, with the ratios.
 *
 *   npm run bench serverFanout
 *   (BENCH_MESSAGES=1000 BENCH_RECEIVERS=100 BENCH_ROUNDS=5 BENCH_DURABILITY=full|normal)
 *
 * Both sides are set up first and warmed up with WARMUP unmeasured messages each; then the
 * messages are sent in ROUNDS alternating rounds (baseline, server, server, baseline, …), so a
 * burst of load from other work on the machine hits both sides alike instead of only one.
 * The server keeps every message durably before answering (SQLite commit per message; `full`
 * fsyncs it, `normal` survives process crashes only); the baseline keeps nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { z } from 'zod';
import { startServer } from '../server/server';
import { openDatabase } from '../server/store/sqlite/database';
import type { BenchResult, Timing } from './harness';
import { loadTlsMaterial, TLS_CIPHERS } from '../server/tls/certificate';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const RECEIVERS = Number(process.env.BENCH_RECEIVERS ?? 100);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const WARMUP = 50;
const DURABILITY = process.env.BENCH_DURABILITY === 'normal' ? 'normal' : 'full';

type Result = Readonly<{ p50: number; p99: number; perSecond: number; frameBytes: number }>;
type Round = Readonly<{ latencies: readonly number[]; elapsedMs: number; frameBytes: number }>;

/** One side of the comparison, set up and connected. */
type Side = Readonly<{
  /** Sends `count` messages one after another, and waits until every receiver has each one. */
  round(count: number): Promise<Round>;
  close(): Promise<void>;
}>;

function summarize(rounds: readonly Round[]): Result {
  const sorted = rounds.flatMap((round) => round.latencies).sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const elapsedMs = rounds.reduce((sum, round) => sum + round.elapsedMs, 0);
  const frameBytes = rounds.reduce((sum, round) => sum + round.frameBytes, 0);
  return { p50: at(0.5), p99: at(0.99), perSecond: (MESSAGES / elapsedMs) * 1000, frameBytes: frameBytes / sorted.length };
}

/**
 * Timestamps each message when it is sent and measures its delivery to every receiver. Both
 * sides use this, so the receiving work they do per frame is the same.
 */
class Deliveries {
  private readonly sentAt = new Map<string, number>();
  private latencies: number[] = [];
  private frameBytes = 0;
  private awaited = 0;
  private complete: () => void = () => undefined;

  listen(socket: WebSocket): void {
    socket.on('message', (data: Buffer) => {
      const match = /"data":"([^"]+)"/.exec(data.toString('utf8'));
      const sent = match?.[1] === undefined ? undefined : this.sentAt.get(match[1]);
      if (sent === undefined) return;
      this.latencies.push(performance.now() - sent);
      this.frameBytes += data.length;
      if (this.latencies.length === this.awaited) this.complete();
    });
  }

  /** Sends `count` messages made by `make` through `send`, one after another. */
  async round(count: number, make: () => string, send: (data: string) => Promise<void>): Promise<Round> {
    this.latencies = [];
    this.frameBytes = 0;
    this.awaited = count * RECEIVERS;
    const allDelivered = new Promise<void>((resolve) => (this.complete = resolve));
    const start = performance.now();
    for (let index = 0; index < count; index += 1) {
      const data = make();
      this.sentAt.set(data, performance.now());
      await send(data);
    }
    await allDelivered;
    const elapsedMs = performance.now() - start;
    this.sentAt.clear();
    return { latencies: this.latencies, elapsedMs, frameBytes: this.frameBytes };
  }
}

function request(agent: https.Agent, base: string, method: string, route: string, options: { body?: unknown; token?: string; cookie?: string } = {}) {
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = {};
  if (payload) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  return new Promise<{ status: number; body: unknown; cookie: string | undefined }>((resolve, reject) => {
    const req = https.request(new URL(route, base), { method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const setCookie = response.headers['set-cookie']?.find((value) => value.startsWith('zuid='))?.split(';')[0];
        resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, cookie: setCookie });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const AccessSchema = z.object({ user: z.string(), accessToken: z.string() });
const IdSchema = z.object({ id: z.string() });
const GroupSchema = z.object({ qualifiedId: z.object({ id: z.string() }), groupId: z.string() });
const MailSchema = z.object({ to: z.string(), kind: z.string(), code: z.string() });

async function codeFor(dataDir: string, email: string): Promise<string> {
  const directory = path.join(dataDir, 'outbox');
  for (const name of (await readdir(directory)).sort().reverse()) {
    const mail = MailSchema.safeParse(JSON.parse(await readFile(path.join(directory, name), 'utf8')));
    if (mail.success && mail.data.to === email && mail.data.kind === 'activation') return mail.data.code;
  }
  throw new Error(`no code for ${email}`);
}

type Device = Readonly<{ user: string; client: string; token: string }>;

async function device(agent: https.Agent, base: string, dataDir: string, index: number): Promise<Device> {
  const email = `bench-${index}-${randomBytes(4).toString('hex')}@example.org`;
  const password = 'Bench-password-1';
  await request(agent, base, 'POST', '/activate/send', { body: { email } });
  const registered = await request(agent, base, 'POST', '/register', { body: { email, code: await codeFor(dataDir, email), password, name: `Bench ${index}` } });
  const access = AccessSchema.parse(registered.body);
  const key = (): string => randomBytes(32).toString('base64');
  const client = IdSchema.parse(
    (await request(agent, base, 'POST', '/clients', { token: access.accessToken, body: { password, type: 'permanent', lastPrekey: { id: 65535, key: key() }, prekeys: [] } })).body,
  ).id;
  const bound = AccessSchema.parse((await request(agent, base, 'POST', `/access?client_id=${client}`, { cookie: registered.cookie })).body);
  return { user: access.user, client, token: bound.accessToken };
}

/** A PrivateMessage frame (application content) for `groupId` at `epoch`, with random ciphertext. */
function applicationMessage(groupId: Buffer, epoch: number): string {
  const epochBytes = Buffer.alloc(8);
  epochBytes.writeBigUInt64BE(BigInt(epoch));
  return Buffer.concat([Buffer.from([0, 1, 0, 2, groupId.length]), groupId, epochBytes, Buffer.from([1, 0]), randomBytes(200)]).toString('base64');
}

function openSocket(url: string, ca: string, token?: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { ca, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function startCairn(): Promise<Side> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-bench-'));
  const started = await startServer({ dataDir, port: 0, logLevel: 'silent', durability: DURABILITY, rateRules: { 'send-code': { limit: 1e9, windowMs: 1 }, login: { limit: 1e9, windowMs: 1 } } });
  if (!started.ok) throw new Error(started.error.message);
  const server = started.value;
  const ca = await readFile(path.join(dataDir, 'tls', 'cert.pem'), 'utf8');
  const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 16 });
  const sockets: WebSocket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.close();
    agent.destroy();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const sender = await device(agent, server.url, dataDir, 0);
    const receivers: Device[] = [];
    for (let index = 1; index <= RECEIVERS; index += 1) receivers.push(await device(agent, server.url, dataDir, index));
    const group = GroupSchema.parse(
      (await request(agent, server.url, 'POST', '/conversations', { token: sender.token, body: { users: receivers.map((r) => ({ id: r.user, domain: server.domain })) } })).body,
    );
    const groupId = Buffer.from(group.groupId, 'base64');
    const commitEpoch = Buffer.alloc(8);
    const commit = Buffer.concat([Buffer.from([0, 1, 0, 1, groupId.length]), groupId, commitEpoch, Buffer.from([1, 0, 0, 0, 0, 0, 3]), randomBytes(100)]).toString('base64');
    const committed = await request(agent, server.url, 'POST', `/conversations/${group.qualifiedId.id}/mls/commit-bundles`, {
      token: sender.token,
      body: {
        commit,
        welcome: randomBytes(100).toString('base64'),
        groupInfo: randomBytes(100).toString('base64'),
        adds: receivers.map((r) => ({ user: { id: r.user, domain: server.domain }, client: r.client })),
      },
    });
    if (committed.status !== 201) throw new Error(`commit failed: ${JSON.stringify(committed.body)}`);
    const deliveries = new Deliveries();
    sockets.push(...(await Promise.all(receivers.map((r) => openSocket(`${server.url.replace('https', 'wss')}/await`, ca, r.token)))));
    for (const socket of sockets) deliveries.listen(socket);
    const route = `/conversations/${group.qualifiedId.id}/mls/messages`;
    return {
      round: (count) =>
        deliveries.round(
          count,
          () => applicationMessage(groupId, 1),
          async (message) => {
            const response = await request(agent, server.url, 'POST', route, { token: sender.token, body: { message } });
            if (response.status !== 201) throw new Error(`send failed: ${response.status}`);
          },
        ),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The same pattern without a server: the sender's frame is broadcast as is, then acknowledged.
 * The frame has the shape and size of the server's push (notification id, time, and an
 * `mls-message-add` event with conversation, sender and sender device), so both sides move the
 * same bytes; the mean frame size of each side is printed with the results.
 */
async function startBaseline(): Promise<Side> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-bench-'));
  const tls = await loadTlsMaterial(dataDir, {}, ['127.0.0.1']);
  // The server's TLS settings, so that both sides encrypt with the same cipher suite.
  const httpsServer = https.createServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2', ciphers: TLS_CIPHERS, honorCipherOrder: true });
  const wss = new WebSocketServer({ server: httpsServer });
  const receivers = new Set<WebSocket>();
  wss.on('connection', (socket, request) => {
    if (request.url === '/send') {
      socket.on('message', function broadcast(data: Buffer) {
        const text = data.toString('utf8');
        for (const receiver of receivers) receiver.send(text);
        socket.send('ok');
      });
    } else {
      receivers.add(socket);
    }
  });
  await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
  const address = httpsServer.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const sockets: WebSocket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.close();
    wss.close();
    httpsServer.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    sockets.push(...(await Promise.all(Array.from({ length: RECEIVERS }, () => openSocket(`wss://127.0.0.1:${port}/await`, tls.cert)))));
    const sender = await openSocket(`wss://127.0.0.1:${port}/send`, tls.cert);
    sockets.push(sender);
    const deliveries = new Deliveries();
    for (const socket of sockets) if (socket !== sender) deliveries.listen(socket);
    const groupId = randomBytes(32);
    const conversation = { id: randomUUID(), domain: 'cairn.test' };
    const from = { id: randomUUID(), domain: 'cairn.test' };
    const fromClient = randomBytes(8).toString('hex');
    let id = 1000;
    return {
      round: (count) =>
        deliveries.round(
          count,
          () => applicationMessage(groupId, 1),
          async (data) => {
            id += 1;
            const event = { type: 'conversation.mls-message-add', conversation, from, fromClient, data };
            const frame = JSON.stringify({ type: 'notification', notification: { id, time: new Date().toISOString(), event } });
            const acked = new Promise<void>((resolve) => sender.once('message', () => resolve()));
            sender.send(frame);
            await acked;
          },
        ),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Times small SQLite commits with the server's durability in a scratch database on the same disk
 * as the server's, so the output shows how much of a message's time the disk took in this run
 * (an fsync here costs 0.3 ms on a quiet disk and several ms while other work writes).
 */
async function diskProbe(): Promise<Readonly<{ sample(count: number): void; median(): number; close(): Promise<void> }>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-bench-disk-'));
  const opened = openDatabase(path.join(dataDir, 'probe.db'), [{ name: 'probe', sql: 'CREATE TABLE probe (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)' }], DURABILITY);
  if (!opened.ok) throw new Error(opened.error.message);
  const db = opened.value;
  const insert = db.prepare('INSERT INTO probe (payload) VALUES (?)');
  const commit = db.transaction((payload: Buffer) => insert.run(payload));
  const times: number[] = [];
  return {
    sample: (count) => {
      for (let index = 0; index < count; index += 1) {
        const start = performance.now();
        commit.immediate(randomBytes(700));
        times.push(performance.now() - start);
      }
    },
    median: () => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN,
    close: async () => {
      db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Delivery latency (p50, p99) and time per message, each against a plain `ws` broadcast measured in the same run. */
export async function run(): Promise<BenchResult[]> {
  const baseline = await startBaseline();
  const cairn = await startCairn().catch(async (error: unknown) => {
    await baseline.close();
    throw error;
  });
  const baselineRounds: Round[] = [];
  const cairnRounds: Round[] = [];
  const disk = await diskProbe();
  try {
    await baseline.round(WARMUP);
    await cairn.round(WARMUP);
    for (let round = 0; round < ROUNDS; round += 1) {
      const count = Math.floor(MESSAGES / ROUNDS) + (round < MESSAGES % ROUNDS ? 1 : 0);
      // Alternate which side goes first, so neither always runs right after the other.
      if (round % 2 === 0) {
        baselineRounds.push(await baseline.round(count));
        cairnRounds.push(await cairn.round(count));
      } else {
        cairnRounds.push(await cairn.round(count));
        baselineRounds.push(await baseline.round(count));
      }
      disk.sample(20);
    }
  } finally {
    await disk.close();
    await cairn.close();
    await baseline.close();
  }
  const baselineResult = summarize(baselineRounds);
  const cairnResult = summarize(cairnRounds);
  const timing = (ms: number): Timing => ({ medianUs: ms * 1000, operations: MESSAGES });
  const label = `${RECEIVERS} receivers, ${MESSAGES} messages in ${ROUNDS} alternating rounds, durability ${DURABILITY}`;
  process.stdout.write(`mean pushed frame: server ${cairnResult.frameBytes.toFixed(0)} bytes, baseline ${baselineResult.frameBytes.toFixed(0)} bytes\n`);
  process.stdout.write(`one SQLite commit (durability ${DURABILITY}) on this disk between rounds: median ${disk.median().toFixed(2)} ms\n\n`);
  return [
    { name: `fan-out p50 delivery latency (${label})`, baselineName: 'plain ws broadcast', baseline: timing(baselineResult.p50), subject: timing(cairnResult.p50) },
    { name: `fan-out p99 delivery latency (${label})`, baselineName: 'plain ws broadcast', baseline: timing(baselineResult.p99), subject: timing(cairnResult.p99) },
    {
      name: `fan-out time per message (${label})`,
      baselineName: 'plain ws broadcast',
      baseline: timing(1000 / baselineResult.perSecond),
      subject: timing(1000 / cairnResult.perSecond),
    },
  ];
}
