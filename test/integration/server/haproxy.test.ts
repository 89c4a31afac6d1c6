import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../../support/testDatabase';
import { Api } from './support/api';
import type { ChildServer } from './support/childServer';
import { spawnServer } from './support/childServer';
import { createGroup, postCommit } from './support/conversations';
import { fakeApplicationMessage } from './support/mls';
import type { PushSocket } from './support/socket';
import { openPushSocket } from './support/socket';
import type { TestClient } from './support/users';
import { userWithClient } from './support/users';

const HAPROXY = '/usr/sbin/haproxy';
const CONFIG = path.resolve('deploy/haproxy/cairn.cfg');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The pin a device computes of the certificate it is shown: SHA-256 of the SubjectPublicKeyInfo. */
function pinPresentedAt(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const spki = socket.getPeerX509Certificate()?.publicKey.export({ type: 'spki', format: 'der' });
      socket.end();
      if (spki === undefined) reject(new Error('no certificate'));
      else resolve(`sha256/${createHash('sha256').update(spki).digest('base64')}`);
    });
    socket.once('error', reject);
  });
}

async function until(condition: () => boolean | Promise<boolean>, what: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Backend `host:port` of a server url. */
function hostPort(url: string): string {
  return new URL(url).host;
}

describe.runIf(testDatabaseKind() === 'postgres')('HAProxy in front of two instances (deploy/haproxy/cairn.cfg)', () => {
  const cleanup: Array<() => Promise<void>> = [];
  let dataDir: string;
  let servers: ChildServer[];
  let proxy: ChildProcess;
  let proxyLog = '';
  let api: Api;
  let port: number;

  beforeAll(async () => {
    if (!existsSync(HAPROXY)) throw new Error('HAProxy is not installed (apt-get install -y --no-install-recommends haproxy)');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-haproxy-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await spawnServer(dataDir, ['--trust-proxy', '127.0.0.1'], 90_000);
    cleanup.push(async () => {
      first.child.kill('SIGKILL');
      await first.exited;
    });
    const second = await spawnServer(dataDir, ['--trust-proxy', '127.0.0.1'], 90_000);
    cleanup.push(async () => {
      second.child.kill('SIGKILL');
      await second.exited;
    });
    servers = [first, second];
    // HAProxy presents the instances' own key and certificate, as the config's comment says to set it up.
    const cert = await readFile(path.join(dataDir, 'tls', 'cert.pem'), 'utf8');
    const pem = path.join(dataDir, 'haproxy.pem');
    await writeFile(pem, `${cert.trimEnd()}\n${(await readFile(path.join(dataDir, 'tls', 'key.pem'), 'utf8')).trimEnd()}\n`, { mode: 0o600 });
    port = await freePort();
    proxy = spawn(HAPROXY, ['-db', '-f', CONFIG], {
      env: {
        ...process.env,
        CAIRN_LISTEN: `127.0.0.1:${port}`,
        CAIRN_TLS_PEM: pem,
        CAIRN_BACKEND_CA: path.join(dataDir, 'tls', 'cert.pem'),
        CAIRN_BACKEND_1: hostPort(first.url),
        CAIRN_BACKEND_2: hostPort(second.url),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let proxyExited = false;
    const exited = new Promise((resolve) => proxy.once('exit', resolve)).then(() => (proxyExited = true));
    proxy.stderr?.on('data', (chunk: Buffer) => (proxyLog = (proxyLog + chunk.toString('utf8')).slice(-8000)));
    cleanup.push(async () => {
      proxy.kill('SIGKILL');
      await exited;
    });
    api = new Api(`https://127.0.0.1:${port}`, cert);
    cleanup.push(async () => api.close());
    await until(
      async () => {
        if (proxyExited) throw new Error(`HAProxy stopped: ${proxyLog}`);
        return (await api.get('/health').catch(() => undefined))?.status === 200;
      },
      () => `HAProxy answered no /health: ${proxyLog}`,
    );
  }, 300_000);

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('shows devices the same pinned key as the instances behind it', async () => {
    const ca = await readFile(path.join(dataDir, 'tls', 'cert.pem'), 'utf8');
    expect(await pinPresentedAt(port, ca)).toBe(servers[0]?.pin);
  });

  it('passes WebSockets through and keeps devices in touch when one instance is killed', async () => {
    const ada = await userWithClient(api, dataDir, 'Ada');
    const others: TestClient[] = [];
    for (const name of ['Bob', 'Carol', 'Dan', 'Eve']) others.push(await userWithClient(api, dataDir, name));
    const group = await createGroup(api, ada, others);
    expect((await postCommit(api, group, ada, 0, { adds: others })).status).toBe(201);
    const groupId = Buffer.from(group.groupId, 'base64');

    // Four devices hold WebSockets through HAProxy (spread over both instances: least connections).
    const received = new Map<string, Set<string>>(others.map((other) => [other.clientId, new Set<string>()]));
    const lastIds = new Map<string, number>();
    let moved = 0;
    const connect = async (device: TestClient): Promise<void> => {
      const socket: PushSocket = await openPushSocket(api, device.clientToken, lastIds.get(device.clientId) ?? 0);
      let seen = 0;
      socket.socket.on('message', () => {
        for (const frame of socket.frames.slice(seen)) {
          if (frame.type !== 'notification') continue;
          if (frame.notification.id <= (lastIds.get(device.clientId) ?? 0)) continue;
          lastIds.set(device.clientId, frame.notification.id);
          if (frame.notification.event.type === 'conversation.mls-message-add') received.get(device.clientId)?.add(frame.notification.event.data);
        }
        seen = socket.frames.length;
      });
      cleanup.push(async () => socket.close());
      // A device whose socket died reconnects through HAProxy, from the last id it stored.
      void socket.closed.then(async (code) => {
        if (code === 1000 || code === 1005) return;
        moved += 1;
        await until(
          () => connect(device).then(
            () => true,
            () => false,
          ),
          () => 'reconnect',
        );
      });
    };
    for (const other of others) await connect(other);

    const sent: string[] = [];
    let killed = false;
    const traffic = (async () => {
      for (let index = 0; index < 60; index += 1) {
        const message = fakeApplicationMessage(groupId, 1, Buffer.from(`through haproxy ${index}`));
        const idempotencyKey = randomBytes(16).toString('base64url');
        await until(
          async () => {
            const response = await api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, { token: ada.clientToken, body: { message, idempotencyKey } }).catch(() => undefined);
            return response?.status === 201;
          },
          () => `message ${index} through HAProxy: ${proxyLog}`,
        );
        sent.push(message);
        if (index === 20) {
          servers[0]?.child.kill('SIGKILL');
          killed = true;
        }
      }
    })();
    await traffic;
    expect(killed).toBe(true);
    await until(
      () => others.every((other) => sent.every((message) => received.get(other.clientId)?.has(message))),
      () => `devices got ${others.map((other) => received.get(other.clientId)?.size ?? 0).join(', ')} of ${sent.length}; ${proxyLog}`,
    );
    // The killed instance held some of the sockets: those devices came back through the other one.
    expect(moved).toBeGreaterThan(0);
    await until(
      async () => (await api.get('/health').catch(() => undefined))?.status === 200,
      () => 'health through HAProxy after the kill',
    );
  }, 180_000);
});
