import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../../protocol';
import { startServer } from '../../../server/server';
import { testDatabaseKind } from '../../support/testDatabase';
import { Api } from './support/api';
import type { ChildServer } from './support/childServer';
import { spawnServer } from './support/childServer';
import { createGroup, postCommit } from './support/conversations';
import { fakeApplicationMessage } from './support/mls';
import type { PushSocket } from './support/socket';
import { openPushSocket } from './support/socket';
import type { TestClient } from './support/users';
import { registerUser, uniqueEmail, userWithClient } from './support/users';

/** What a device keeps of its pushes: like the client core, it skips any id at or below the last it stored. */
class Device {
  readonly messages: string[] = [];
  readonly ids: number[] = [];
  duplicates = 0;
  private socket: PushSocket | undefined;
  private seen = 0;

  constructor(readonly client: TestClient) {}

  async connect(api: Api): Promise<void> {
    const socket = await openPushSocket(api, this.client.clientToken, this.lastId());
    this.socket = socket;
    socket.socket.on('message', () => this.take(socket));
    this.take(socket);
  }

  lastId(): number {
    return this.ids.at(-1) ?? 0;
  }

  closed(): Promise<number> {
    return this.socket?.closed ?? Promise.resolve(0);
  }

  close(): void {
    this.socket?.close();
  }

  private take(socket: PushSocket): void {
    if (socket !== this.socket) return;
    const frames = socket.frames.slice(this.seen);
    this.seen = socket.frames.length;
    for (const frame of frames) {
      if (frame.type !== 'notification') continue;
      const notification: Notification = frame.notification;
      if (notification.id <= this.lastId()) {
        this.duplicates += 1;
        continue;
      }
      this.ids.push(notification.id);
      if (notification.event.type === 'conversation.mls-message-add') this.messages.push(notification.event.data);
    }
  }

  /** Resets the frame cursor for a new socket. */
  reset(): void {
    this.seen = 0;
  }
}

/** Starting a server process under a loaded CI machine (2 cores, other test files at once) can take a while. */
const STARTUP_MS = 90_000;

async function until(condition: () => boolean, what: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.runIf(testDatabaseKind() === 'postgres')('several server instances on one PostgreSQL', () => {
  const cleanup: Array<() => Promise<void>> = [];
  let dataDir: string;
  let first: ChildServer;
  let second: ChildServer;
  let apiFirst: Api;
  let apiSecond: Api;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-instances-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    // One data folder (TLS key, assets, outbox) and one database for both, as behind a load balancer.
    first = await spawnServer(dataDir, [], STARTUP_MS);
    cleanup.push(async () => {
      first.child.kill('SIGKILL');
      await first.exited;
    });
    second = await spawnServer(dataDir, [], STARTUP_MS);
    cleanup.push(async () => {
      second.child.kill('SIGKILL');
      await second.exited;
    });
    apiFirst = await Api.forServer(first.url, dataDir);
    apiSecond = await Api.forServer(second.url, dataDir);
    cleanup.push(async () => {
      apiFirst.close();
      apiSecond.close();
    });
  }, 240_000);

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('presents the same pinned key on both instances', () => {
    expect(second.pin).toBe(first.pin);
  });

  it('holds a rate limit across both instances together', async () => {
    // send-code: 5 an hour per address, whichever instance is asked.
    const email = uniqueEmail('limited');
    const statuses: number[] = [];
    for (let index = 0; index < 8; index += 1) {
      statuses.push((await (index % 2 === 0 ? apiFirst : apiSecond).post('/activate/send', { body: { email } })).status);
    }
    expect(statuses.filter((status) => status === 202)).toHaveLength(5);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
  });

  it('slows password guessing across both instances together', async () => {
    // 5 free wrong guesses per account and address, whichever instance checks them; then a wait.
    const user = await registerUser(apiFirst, dataDir, 'Guessed');
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      statuses.push((await (index % 2 === 0 ? apiFirst : apiSecond).post('/login', { body: { email: user.email, password: 'Wrong-horse-1' } })).status);
    }
    expect(statuses.slice(0, 5).filter((status) => status === 429)).toEqual([]);
    expect(statuses[5]).toBe(429);
  });

  it('delivers in order and exactly once across instances, also when one is killed with SIGKILL mid-traffic', async () => {
    const ada = await userWithClient(apiFirst, dataDir, 'Ada');
    const bob = await userWithClient(apiSecond, dataDir, 'Bob');
    const carol = await userWithClient(apiFirst, dataDir, 'Carol');
    const dan = await userWithClient(apiSecond, dataDir, 'Dan');
    const group = await createGroup(apiFirst, ada, [bob, carol, dan]);
    expect((await postCommit(apiFirst, group, ada, 0, { adds: [bob, carol, dan] })).status).toBe(201);
    const groupId = Buffer.from(group.groupId, 'base64');

    // Carol's socket is on the instance that will be killed, Dan's on the one that stays.
    const carolDevice = new Device(carol);
    const danDevice = new Device(dan);
    carolDevice.reset();
    await carolDevice.connect(apiFirst);
    await danDevice.connect(apiSecond);

    // Ada posts through the first instance (and moves to the second when it dies), Bob through the second.
    const acknowledged = new Map<string, string[]>([
      ['ada', []],
      ['bob', []],
    ]);
    let retried = 0;
    let killed = false;
    const sender = async (name: 'ada' | 'bob', client: TestClient, count: number): Promise<void> => {
      for (let index = 0; index < count; index += 1) {
        const message = fakeApplicationMessage(groupId, 1, Buffer.from(`${name} ${index}`));
        const idempotencyKey = randomBytes(16).toString('base64url');
        for (;;) {
          const api = name === 'bob' || killed ? apiSecond : apiFirst;
          try {
            const response = await api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, { token: client.clientToken, body: { message, idempotencyKey } });
            expect(response.status).toBe(201);
            acknowledged.get(name)?.push(message);
            break;
          } catch {
            // The instance died with the request in flight: it may or may not be stored. The
            // device sends it again with the same key to the other instance, as the client core
            // does, so it is stored once either way.
            retried += 1;
          }
        }
      }
    };
    const traffic = Promise.all([sender('ada', ada, 150), sender('bob', bob, 150)]);
    await until(
      () => (acknowledged.get('ada')?.length ?? 0) >= 50,
      () => 'Ada got 50 messages through',
    );
    first.child.kill('SIGKILL');
    killed = true;
    await first.exited;
    // Carol's device finds its socket gone and reconnects to the other instance, from the last id it stored.
    await carolDevice.closed();
    carolDevice.reset();
    await carolDevice.connect(apiSecond);
    await traffic;

    const sent = [...(acknowledged.get('ada') ?? []), ...(acknowledged.get('bob') ?? [])];
    for (const device of [carolDevice, danDevice]) {
      await until(
        () => sent.every((message) => device.messages.includes(message)),
        () => `${device.client.email} has ${device.messages.length} of ${sent.length}`,
      );
    }
    for (const device of [carolDevice, danDevice]) {
      // In id order with no id twice, and every message exactly once.
      expect([...device.ids].sort((a, b) => a - b)).toEqual(device.ids);
      expect([...device.messages].sort()).toEqual([...sent].sort());
      // Each sender's messages in the order they were sent.
      for (const name of ['ada', 'bob']) {
        const own = acknowledged.get(name) ?? [];
        expect(device.messages.filter((message) => own.includes(message))).toEqual(own);
      }
    }
    carolDevice.close();
    danDevice.close();
    console.info(
      `instances: ${sent.length} messages acknowledged, ${retried} sent again after the SIGKILL; pushes skipped as already stored: carol ${carolDevice.duplicates}, dan ${danDevice.duplicates}`,
    );
  }, 180_000);
});

describe.runIf(testDatabaseKind() === 'sqlite')('SQLite serves one instance', () => {
  it('refuses a second server on the same data folder, saying why', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-one-instance-'));
    try {
      const running = await startServer({ dataDir, logLevel: 'silent' });
      if (!running.ok) throw new Error(running.error.message);
      try {
        const second = await startServer({ dataDir, logLevel: 'silent' });
        if (second.ok) await second.value.close();
        expect(second.ok ? 'started' : second.error.code).toBe('database-in-use');
        expect(second.ok ? '' : second.error.message).toContain('PostgreSQL');
      } finally {
        await running.value.close();
      }
      // Once the first has stopped, the folder is free again.
      const again = await startServer({ dataDir, logLevel: 'silent' });
      expect(again.ok).toBe(true);
      if (again.ok) await again.value.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
