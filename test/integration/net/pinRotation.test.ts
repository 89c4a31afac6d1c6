import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { closeCore, registerThroughCore, startCore } from '../../support/cores';
import type { RunningServer } from '../../../server/server';
import { startServer } from '../../support/testDatabase';
import { loadTlsMaterial } from '../../../server/tls/certificate';

const tracked: ObservedCore[] = [];
const servers: RunningServer[] = [];
let root: string | undefined;

afterAll(async () => {
  for (const o of [...tracked]) await closeCore(tracked, o);
  for (const server of servers) await server.close().catch(() => undefined);
  if (root) await rm(root, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function storedPins(o: ObservedCore): Promise<readonly string[]> {
  const status = await o.core.router.request('account.status', {});
  return status.ok && status.value.state === 'signed-in' ? status.value.server.pins : [];
}

async function connectionState(o: ObservedCore): Promise<string> {
  const state = await o.core.router.request('connection.status', {});
  return state.ok ? state.value.state : 'error';
}

async function start(dataDir: string, options: Readonly<{ port?: number; nextPins?: string[]; keyDir?: string }>): Promise<RunningServer> {
  const started = await startServer({
    dataDir,
    port: options.port ?? 0,
    logLevel: 'silent',
    nextPins: options.nextPins ?? [],
    ...(options.keyDir ? { tlsKeyFile: path.join(options.keyDir, 'tls', 'key.pem'), tlsCertFile: path.join(options.keyDir, 'tls', 'cert.pem') } : {}),
  });
  if (!started.ok) throw new Error(started.error.message);
  servers.push(started.value);
  return started.value;
}

describe('server key rotation', () => {
  it('a device learns the next key over the verified connection and stays connected when the server switches to it', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cairn-rotation-'));
    const dataDir = path.join(root, 'server');
    // The operator prepares the next key pair and announces its pin before using it.
    const nextKeyDir = path.join(root, 'next');
    const next = await loadTlsMaterial(nextKeyDir, {}, ['127.0.0.1', 'localhost']);
    const before = await start(dataDir, { nextPins: [next.pin] });
    expect(next.pin).not.toBe(before.pin);

    const ada = startCore(root, 'ada');
    tracked.push(ada);
    await registerThroughCore(ada, before, root, 'ada@example.test', 'Ada');
    // Signed in with the old pin only; once online the device adds the announced one, keeping the old.
    expect(await storedPins(ada)).toContain(before.pin);
    const learned = await until('the next pin', async () => {
      const pins = await storedPins(ada);
      return pins.includes(next.pin) ? pins : undefined;
    });
    expect(learned[0]).toBe(before.pin);

    // The switch: the same address now presents the next key.
    const port = Number(new URL(before.url).port);
    await before.close();
    servers.splice(servers.indexOf(before), 1);
    const after = await start(dataDir, { port, keyDir: nextKeyDir });
    expect(after.pin).toBe(next.pin);

    // The running core reconnects to the new key without a restart…
    await until('ada online after the switch', async () => ((await connectionState(ada)) === 'online' ? true : undefined), 60_000);
    // …and after a restart, from what it stored.
    await closeCore(tracked, ada);
    const again = startCore(root, 'ada');
    tracked.push(again);
    // Both pins were stored: the restarted device trusts the new key, the old one stays a backup.
    expect([...(await storedPins(again))].sort()).toEqual([before.pin, next.pin].sort());
    await until('ada online after a restart', async () => ((await connectionState(again)) === 'online' ? true : undefined), 30_000);
    expect((await again.core.router.request('account.devices', {})).ok).toBe(true);
  }, 180_000);
});
