import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../../protocol/api/notifications';
import { silentLogger } from '../../../electron/core/log';
import type { NotificationSink } from '../../../electron/core/net/notificationStream';
import { MAX_BATCH, NotificationStream } from '../../../electron/core/net/notificationStream';
import { ApiClient } from '../../../electron/core/net/apiClient';
import type { RunningServer } from '../../../server/server';
import { startServer } from '../../support/testDatabase';
import { addDevice, apiClient, registerAccount, registerDevice, serverDir, TEST_PASSWORD } from '../../support/serverAccounts';

let root: string;
let server: RunningServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-stream-'));
  const started = await startServer({ dataDir: serverDir(root), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

/** A sink that "stores durably" into an array and can be told to fail once. */
class MemorySink implements NotificationSink {
  readonly stored: Notification[] = [];
  readonly batchSizes: number[] = [];
  failNext = false;
  handleCalls = 0;
  lastStoredId(): number {
    return this.stored.at(-1)?.id ?? 0;
  }
  async handle(notifications: readonly Notification[]): Promise<void> {
    this.handleCalls += 1;
    this.batchSizes.push(notifications.length);
    // Storing takes a moment, as a real transaction does, so that more frames arrive meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    for (const notification of notifications) {
      if (notification.id > this.lastStoredId()) this.stored.push(notification);
    }
  }
  async resyncRequired(): Promise<void> {}
  /** Each caught-up as the sink saw it: the id the server named, and the newest id stored by then. */
  readonly caughtUps: Array<{ lastId: number; storedUpTo: number }> = [];
  async caughtUp(lastId: number): Promise<void> {
    this.caughtUps.push({ lastId, storedUpTo: this.lastStoredId() });
  }
  async clientRemoved(): Promise<void> {}
}

function stream(api: ApiClient, sink: MemorySink, states: string[]): NotificationStream {
  return new NotificationStream({
    api,
    baseUrl: server.url,
    sink,
    log: silentLogger,
    onState: (state) => states.push(state),
    backoff: { baseMs: 20, capMs: 200, maxAttempts: Number.POSITIVE_INFINITY },
  });
}

const addedClients = (sink: MemorySink): string[] =>
  sink.stored.flatMap((n) => (n.event.type === 'user.client-add' ? [n.event.client.label ?? ''] : []));

describe('notification stream', () => {
  it('pushes live, catches up after being offline, and never stores a notification twice', async () => {
    const email = 'fern@example.test';
    const api = await registerAccount(server, serverDir(root), email, 'Fern');
    await registerDevice(api, 'laptop');
    const sink = new MemorySink();
    const states: string[] = [];
    const first = stream(api, sink, states);
    first.start();
    await expect.poll(() => states.at(-1)).toBe('online');

    await addDevice(server, email, 'phone');
    await expect.poll(() => addedClients(sink)).toEqual(['phone']);

    await first.stop();
    await addDevice(server, email, 'tablet');
    const second = stream(api, sink, states);
    second.start();
    await expect.poll(() => addedClients(sink)).toEqual(['phone', 'tablet']);
    await expect.poll(() => states.at(-1)).toBe('online');
    // Each connection says it is catching up (storing what waited) before it is online.
    expect(states.filter((state) => state !== 'offline')).toEqual(['connecting', 'catching-up', 'online', 'connecting', 'catching-up', 'online']);
    const ids = sink.stored.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // The sink hears of each caught-up once everything replayed before it is stored.
    expect(sink.caughtUps.length).toBeGreaterThanOrEqual(2);
    for (const seen of sink.caughtUps) expect(seen.lastId).toBe(seen.storedUpTo);
    expect(sink.caughtUps.at(-1)?.lastId).toBe(ids.at(-1));

    // Storing fails once: the notification is not acknowledged, comes again after the
    // reconnect, and is stored exactly once.
    sink.failNext = true;
    const callsBefore = sink.handleCalls;
    await addDevice(server, email, 'desktop');
    await expect.poll(() => addedClients(sink)).toEqual(['phone', 'tablet', 'desktop']);
    expect(sink.handleCalls).toBeGreaterThanOrEqual(callsBefore + 2);
    await second.stop();
  });

  it('hands a catch-up over in batches, in order, and after a failed batch stores nothing past it until the replay', async () => {
    const email = 'hazel@example.test';
    const api = await registerAccount(server, serverDir(root), email, 'Hazel');
    await registerDevice(api, 'laptop');
    const sink = new MemorySink();
    const states: string[] = [];
    const first = stream(api, sink, states);
    first.start();
    await expect.poll(() => states.at(-1)).toBe('online');
    await first.stop();

    // More profile changes than one batch takes, while offline: each is a notification to this device.
    const changes = MAX_BATCH + 50;
    const other = apiClient(server);
    const access = await other.call('login', { body: { email, password: TEST_PASSWORD } });
    other.session.setToken(access.accessToken, access.expiresIn);
    for (let i = 0; i < changes; i++) await other.call('updateSelf', { body: { name: `Hazel ${i}` } });
    const names = (): string[] => sink.stored.flatMap((n) => (n.event.type === 'user.update' ? [n.event.user.name] : []));

    // The first batch fails: the connection drops, and nothing that came after the failed batch
    // is stored before the server replays it (else the cursor would skip the failed ones).
    sink.failNext = true;
    const second = stream(api, sink, states);
    second.start();
    await expect.poll(() => names().length, { timeout: 20_000 }).toBe(changes);
    expect(names()).toEqual(Array.from({ length: changes }, (_, i) => `Hazel ${i}`));
    const ids = sink.stored.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // The sink hears of each caught-up once everything replayed before it is stored.
    expect(sink.caughtUps.length).toBeGreaterThanOrEqual(2);
    for (const seen of sink.caughtUps) expect(seen.lastId).toBe(seen.storedUpTo);
    expect(sink.caughtUps.at(-1)?.lastId).toBe(ids.at(-1));
    // Frames that arrived while a batch was being stored went over together.
    expect(sink.batchSizes.some((size) => size > 1)).toBe(true);
    expect(Math.max(...sink.batchSizes)).toBeLessThanOrEqual(MAX_BATCH);
    await second.stop();
  });

  it('reports a pin mismatch instead of connecting', async () => {
    const email = 'gus@example.test';
    const api = await registerAccount(server, serverDir(root), email, 'Gus');
    await registerDevice(api, 'laptop');
    await api.accessToken();
    const states: string[] = [];
    const wrong = new ApiClient({ baseUrl: server.url, pins: [`sha256/${'P'.repeat(43)}=`], session: api.session, log: silentLogger });
    const pinned = stream(wrong, new MemorySink(), states);
    pinned.start();
    await expect.poll(() => states.includes('pin-mismatch')).toBe(true);
    await pinned.stop();
  });
});
