/**
 * Server under a burst of sign-ins (issue 18): while 100 clients, each from its own loopback
 * address and over its own new TLS connection, sign in at once, how slow do everybody else's
 * requests get? Other requests are CONCURRENCY loops of `GET /self` on kept-alive connections;
 * their p99 is measured idle and during the burst, for three servers in the same run:
 *
 * - `old path`: hashing as before the pool (`--hash-workers 0`: scrypt on libuv's 4 shared
 *   threads, no queue limit), the baseline;
 * - `pool`: the default (one hashing thread per core but one, 32 queued per thread; beyond that
 *   503 `server-busy` with Retry-After);
 * - `pool, queue 100`: the same threads with room for the whole burst, so every login is hashed
 *   as on the old path (separates the effect of the thread count from that of refusing).
 *
 *   npm run bench serverScale   (BENCH_LOGINS=100 BENCH_ROUNDS=3 BENCH_CONCURRENCY=4)
 *
 * Each server runs as its own process (`server/main.ts`), as in production, so the load
 * generator's own TLS work does not share the server's event loop. Rounds alternate between the
 * servers, so a burst of load from other work on the machine hits each alike. The machine's load
 * average is printed before and after.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { BenchResult } from './harness';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 100);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CONCURRENCY = Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 4));
const IDLE_REQUESTS = 400;
const PASSWORD = 'Bench-password-1';

const MailSchema = z.object({ to: z.string(), kind: z.string(), code: z.string() });
const AccessSchema = z.object({ accessToken: z.string() });

type Answer = Readonly<{ status: number; body: unknown }>;

function request(agent: https.Agent, base: string, method: string, route: string, options: { body?: unknown; token?: string } = {}): Promise<Answer> {
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(route, base), { method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, body: raw.startsWith('{') ? JSON.parse(raw) : raw });
      });
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`${route} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

type Server = Readonly<{ name: string; url: string; dataDir: string; agent: https.Agent; ca: string; child: ChildProcess }>;

async function spawnServer(name: string, args: readonly string[]): Promise<Server> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-bench-scale-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--data', dataDir, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name}: no url within 60 s`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = /^url: (\S+)$/m.exec(output)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => reject(new Error(`${name}: exited with ${String(code)}`)));
  });
  const ca = await readFile(path.join(dataDir, 'tls', 'cert.pem'), 'utf8');
  return { name, url, dataDir, ca, child, agent: new https.Agent({ ca, keepAlive: true, maxSockets: CONCURRENCY }) };
}

async function stopServer(server: Server): Promise<void> {
  server.agent.destroy();
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
  await rm(server.dataDir, { recursive: true, force: true });
}

async function register(server: Server): Promise<Readonly<{ email: string; token: string }>> {
  const email = `bench-${randomBytes(4).toString('hex')}@example.org`;
  await request(server.agent, server.url, 'POST', '/activate/send', { body: { email } });
  const directory = path.join(server.dataDir, 'outbox');
  let code: string | undefined;
  for (const file of await readdir(directory)) {
    const mail = MailSchema.safeParse(JSON.parse(await readFile(path.join(directory, file), 'utf8')));
    if (mail.success && mail.data.to === email && mail.data.kind === 'activation') code = mail.data.code;
  }
  if (code === undefined) throw new Error('no activation code');
  const registered = await request(server.agent, server.url, 'POST', '/register', { body: { email, code, password: PASSWORD, name: 'Bench' } });
  return { email, token: AccessSchema.parse(registered.body).accessToken };
}

/** Runs CONCURRENCY loops of `GET /self` until `until` settles (or `count` requests); latencies in ms. */
async function otherRequests(server: Server, token: string, until: Promise<unknown> | undefined, count: number): Promise<number[]> {
  const latencies: number[] = [];
  let finished = false;
  void until?.finally(() => (finished = true));
  const loop = async (): Promise<void> => {
    while (until ? !finished : latencies.length < count) {
      const start = performance.now();
      const answer = await request(server.agent, server.url, 'GET', '/self', { token });
      if (answer.status !== 200) throw new Error(`GET /self answered ${answer.status}`);
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return latencies;
}

type Burst = Readonly<{ statuses: Readonly<Record<number, number>>; elapsedMs: number }>;

/** LOGINS sign-ins at once, each from its own address (127.0.0.2 …) over a new connection. */
async function loginBurst(server: Server, email: string): Promise<Burst> {
  const start = performance.now();
  const answers = await Promise.all(
    Array.from({ length: LOGINS }, async (_, index) => {
      const agent = new https.Agent({ ca: server.ca, keepAlive: false, localAddress: `127.0.${1 + Math.floor(index / 250)}.${2 + (index % 250)}` });
      try {
        return (await request(agent, server.url, 'POST', '/login', { body: { email, password: PASSWORD } })).status;
      } finally {
        agent.destroy();
      }
    }),
  );
  const statuses: Record<number, number> = {};
  for (const status of answers) statuses[status] = (statuses[status] ?? 0) + 1;
  return { statuses, elapsedMs: performance.now() - start };
}

function p99(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? Number.NaN;
}

type Measured = { idle: number[]; burst: number[]; bursts: Burst[] };

export async function run(): Promise<BenchResult[]> {
  const load = (): string => os.loadavg().map((value) => value.toFixed(2)).join(' ');
  process.stdout.write(`machine: ${os.availableParallelism()} cores, load average before: ${load()}\n`);
  const servers = [
    await spawnServer('old path', ['--hash-workers', '0']),
    await spawnServer('pool', []),
    await spawnServer('pool, queue 100', ['--hash-queue', String(Math.max(LOGINS, 32))]),
  ];
  try {
    // Two accounts per server: one signs in 100 times (its oldest sessions are dropped beyond 32
    // cookies), the other makes the "other requests" with a session that stays valid.
    const accounts = await Promise.all(servers.map(async (server) => ({ burst: await register(server), other: await register(server) })));
    const measured: Measured[] = servers.map(() => ({ idle: [], burst: [], bursts: [] }));
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? servers.map((_, index) => index) : servers.map((_, index) => index).reverse();
      for (const index of order) {
        const server = servers[index];
        const account = accounts[index];
        const into = measured[index];
        if (server === undefined || account === undefined || into === undefined) continue;
        into.idle.push(...(await otherRequests(server, account.other.token, undefined, IDLE_REQUESTS)));
        const burst = loginBurst(server, account.burst.email);
        into.burst.push(...(await otherRequests(server, account.other.token, burst, 0)));
        into.bursts.push(await burst);
      }
    }
    const results: BenchResult[] = [];
    servers.forEach((server, index) => {
      const m = measured[index];
      if (m === undefined) return;
      const statuses: Record<number, number> = {};
      for (const burst of m.bursts) for (const [status, count] of Object.entries(burst.statuses)) statuses[Number(status)] = (statuses[Number(status)] ?? 0) + count;
      const elapsed = m.bursts.map((burst) => burst.elapsedMs.toFixed(0)).join(', ');
      process.stdout.write(
        `${server.name}: other requests p99 idle ${p99(m.idle).toFixed(1)} ms, during ${LOGINS} logins ${p99(m.burst).toFixed(1)} ms (${(p99(m.burst) / p99(m.idle)).toFixed(2)}x); ` +
          `login answers ${JSON.stringify(statuses)}, burst took ${elapsed} ms\n`,
      );
      results.push({
        name: `other requests' p99 during ${LOGINS} logins, ${server.name}`,
        baselineName: `the same server idle`,
        baseline: { medianUs: p99(m.idle) * 1000, operations: m.idle.length },
        subject: { medianUs: p99(m.burst) * 1000, operations: m.burst.length },
      });
    });
    const [old, pool, poolAll] = measured;
    if (old && pool && poolAll) {
      results.push({
        name: `other requests' p99 during ${LOGINS} logins, pool`,
        baselineName: 'old path',
        baseline: { medianUs: p99(old.burst) * 1000, operations: old.burst.length },
        subject: { medianUs: p99(pool.burst) * 1000, operations: pool.burst.length },
      });
      results.push({
        name: `other requests' p99 during ${LOGINS} logins, pool with queue ${Math.max(LOGINS, 32)} (every login hashed)`,
        baselineName: 'old path',
        baseline: { medianUs: p99(old.burst) * 1000, operations: old.burst.length },
        subject: { medianUs: p99(poolAll.burst) * 1000, operations: poolAll.burst.length },
      });
    }
    process.stdout.write(`load average after: ${load()}\n\n`);
    return results;
  } finally {
    await Promise.all(servers.map(stopServer));
  }
}
