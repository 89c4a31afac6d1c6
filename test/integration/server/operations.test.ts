import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import { login, registerUser } from './support/users';

function plainGet(url: string): Promise<Readonly<{ status: number; text: string }>> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      })
      .on('error', reject);
  });
}

/** The value of one sample line of a Prometheus text exposition, e.g. `cairn_hash_jobs_total`. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `) || (labels === '' && candidate.startsWith(`${name}{`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function until<T>(what: string, read: () => T | undefined | Promise<T | undefined>, deadlineMs = 20_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('what operators see', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ metrics: { port: 0 } });
  });
  afterAll(() => t.stop());

  it('serves Prometheus metrics on the loopback operator listener only: requests, hash pool, sockets, open files', async () => {
    const user = await registerUser(t.api, t.dataDir);
    await login(t.api, user);
    const metricsUrl = t.server.metricsUrl;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const scraped = await plainGet(`${metricsUrl}/metrics`);
    expect(scraped.status).toBe(200);
    expect(sample(scraped.text, 'cairn_http_request_duration_seconds_count', '{route="/login",method="POST",status="2xx"}')).toBeGreaterThanOrEqual(1);
    expect(sample(scraped.text, 'cairn_hash_jobs_total')).toBeGreaterThanOrEqual(2);
    expect(sample(scraped.text, 'cairn_hash_workers')).toBeGreaterThanOrEqual(1);
    expect(sample(scraped.text, 'cairn_hash_queue')).toBe(0);
    expect(sample(scraped.text, 'cairn_websockets')).toBe(0);
    expect(sample(scraped.text, 'cairn_connections')).toBeGreaterThanOrEqual(1);
    expect(sample(scraped.text, 'process_open_fds')).toBeGreaterThan(0);
    expect(scraped.text).toContain('# TYPE cairn_fanout_duration_seconds histogram');
    expect((await t.api.get('/metrics')).status).toBe(404);
  });

  it('answers GET /health on the public port with a status only, and with details on the operator listener', async () => {
    const health = await t.api.get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const details = await plainGet(`${t.server.metricsUrl}/health`);
    expect(details.status).toBe(200);
    expect(JSON.parse(details.text)).toMatchObject({ ok: true, database: 'ok', websockets: 0, hashQueue: 0 });
  });
});

describe('the open-file limit', () => {
  const LIMIT = 160;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-fdlimit-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it(`under ulimit -n ${LIMIT}, logs the limit at start and each connection it refuses, and counts them`, async () => {
    // prlimit (util-linux) sets both limits of the new process, as `ulimit -n` does in a shell.
    const child = spawn('prlimit', [`--nofile=${LIMIT}:${LIMIT}`, process.execPath, '--import', 'tsx', 'server/main.ts', '--data', dataDir, '--port', '0', '--metrics-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const sockets: net.Socket[] = [];
    try {
      const url = new URL(await until('the url', () => /^url: (\S+)$/m.exec(stdout)?.[1]));
      const lines = (): Record<string, unknown>[] =>
        stderr
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line): Record<string, unknown> => JSON.parse(line));
      const limitLine = await until('the limit line', () => lines().find((line) => line.event === 'fd-limit'));
      expect(limitLine).toMatchObject({ soft: String(LIMIT), hard: String(LIMIT), maxConnections: LIMIT - 64 });
      const metricsUrl = await until('the metrics url', () => lines().find((line) => line.event === 'metrics-listening')?.url);
      // Open plain TCP connections until the server refuses one; each accepted one holds a descriptor.
      let closedByServer = 0;
      for (let index = 0; index < LIMIT + 40; index += 1) {
        const socket = net.connect(Number(url.port), url.hostname);
        socket.on('error', () => undefined);
        socket.on('close', () => (closedByServer += 1));
        sockets.push(socket);
        await new Promise((resolve) => socket.once('connect', resolve).once('error', resolve));
      }
      const refused = await until('a refused connection in the log', () => lines().find((line) => line.event === 'connection-refused'));
      expect(refused).toMatchObject({ reason: 'fd-limit', fdLimit: String(LIMIT) });
      await until('refused connections closed by the server', () => (closedByServer > 0 ? true : undefined));
      for (const socket of sockets.splice(0)) socket.destroy();
      const scraped = await until('metrics once descriptors are free', async () => {
        const answer = await plainGet(`${String(metricsUrl)}/metrics`).catch(() => undefined);
        return answer?.status === 200 ? answer.text : undefined;
      });
      expect(sample(scraped, 'cairn_connections_refused_total', '{reason="fd-limit"}')).toBeGreaterThanOrEqual(1);
      expect(sample(scraped, 'cairn_fd_limit_soft')).toBe(LIMIT);
    } finally {
      for (const socket of sockets) socket.destroy();
      child.kill('SIGTERM');
      await exited;
    }
  });
});
