import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../electron/core/core';
import { createCore } from '../../../electron/core/core';
import { silentLogger } from '../../../electron/core/log';
import { openProfileStore } from '../../../electron/core/store/openProfileStore';
import type { RunningServer } from '../../../server/server';
import { startServer } from '../../support/testDatabase';
import { registerThroughCore, startCore } from '../../support/cores';
import { mailedCode } from '../../support/outbox';

const RUNS = 20;
const PASSPHRASE = 'receiver-profile-pass';
const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

let root: string;
let server: RunningServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-kill-'));
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

function receiverCore(): Core {
  return createCore({
    dataDir: path.join(root, 'receiver'),
    appVersion: 'test',
    defaultServer: null,
    log: silentLogger,
    store: { prefer: 'passphrase', passphrase: PASSPHRASE, kdf: MODEST },
  });
}

/**
 * Starts the receiver as its own process and kills it with SIGKILL: `afterMs` after the start
 * (`from: 'start'`: anywhere in opening the store, connecting and catching up), or `afterMs`
 * after it said it is online (`from: 'online'`: while it applies messages as they arrive). On a
 * loaded machine the start alone can take seconds, so only the second kind is sure to hit a
 * receiver that is storing messages.
 */
function runAndKill(from: 'start' | 'online', afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/receiverProcess.ts', path.join(root, 'receiver')], {
      env: { ...process.env, CAIRN_DB_PASSPHRASE: PASSPHRASE },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let timer: NodeJS.Timeout | undefined;
    const killIn = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => child.kill('SIGKILL'), ms);
    };
    if (from === 'start') killIn(afterMs);
    else {
      // Never wait forever for "online": kill anyway after 30 s.
      killIn(30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('online')) killIn(afterMs);
      });
    }
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('a receiving device killed at random moments', () => {
  it(`never loses or duplicates a message over ${RUNS} kill -9 runs`, async () => {
    const sender = startCore(root, 'sender');
    await registerThroughCore(sender, server, root, 'sender@example.test', 'Sender');
    let receiver = receiverCore();
    const receiverRegistration = await (async () => {
      const config = { url: server.url, pins: [server.pin] };
      await receiver.router.request('account.register', { server: config, email: 'receiver@example.test', name: 'Receiver', password: 'Granite-Path-7' });
      const activated = await receiver.router.request('account.activate', {
        email: 'receiver@example.test',
        code: await mailedCode(path.join(root, 'server'), 'receiver@example.test'),
      });
      if (!activated.ok || activated.value.state !== 'signed-in') throw new Error('receiver activation failed');
      return activated.value.user;
    })();
    const created = await sender.core.router.request('conversations.create', {
      name: 'Stress',
      members: [{ id: receiverRegistration.id, domain: receiverRegistration.domain }],
    });
    if (!created.ok) throw new Error(created.error.message);
    const conversationId = created.value.id;
    await receiver.close();

    // The sender keeps talking while the receiver is started and killed again and again.
    const sent: string[] = [];
    let sending = true;
    const talker = (async () => {
      for (let i = 0; sending && i < 400; i++) {
        const result = await sender.core.router.request('messages.send', { conversationId, text: `message ${i}` });
        if (result.ok) sent.push(result.value.id);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    for (let run = 0; run < RUNS; run++) {
      if (run % 2 === 0) await runAndKill('start', 600 + Math.floor(Math.random() * 1400));
      else await runAndKill('online', Math.floor(Math.random() * 600));
    }
    sending = false;
    await talker;

    // The killed processes did store messages between kills (the kills hit a working receiver).
    const peek = await openProfileStore(path.join(root, 'receiver'), { prefer: 'passphrase', passphrase: PASSPHRASE, kdf: MODEST });
    if (!peek.ok) throw new Error(peek.error.message);
    const storedDuringKills = Number(peek.value.db.prepare('SELECT count(*) FROM messages').pluck().get());
    peek.value.close();
    expect(storedDuringKills).toBeGreaterThan(0);

    // A last, clean start catches up with whatever is left.
    receiver = receiverCore();
    await receiver.router.request('account.status', {});
    const ids = async (): Promise<string[]> => {
      const list = await receiver.router.request('messages.list', { conversationId, limit: 1000 });
      return list.ok ? list.value.messages.map((m) => m.id) : [];
    };
    await expect.poll(async () => (await ids()).length, { timeout: 30_000, interval: 200 }).toBe(sent.length);
    const received = await ids();
    expect(new Set(received).size).toBe(received.length);
    expect([...received].sort()).toEqual([...sent].sort());
    expect(sent.length).toBeGreaterThan(RUNS);
    const undecryptable = await receiver.router.request('messages.list', { conversationId, limit: 1000 });
    expect(undecryptable.ok && undecryptable.value.messages.filter((m) => m.kind !== 'text')).toEqual([]);
    await receiver.close();
    await sender.core.close();
  }, 240_000);
});
