import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../../../electron/core/core';
import type { CoreToShell, UtilityParentPort, UtilityPort } from '../../../electron/core/hosts/utilityHost';
import { ShellToCoreSchema, runUtilityHost } from '../../../electron/core/hosts/utilityHost';
import { silentLogger } from '../../../electron/core/log';
import type { ShellToCore } from '../../../electron/main/coreHostMessages';
import { CORE_LOCKED_EXIT_CODE, CoreToShellSchema } from '../../../electron/main/coreHostMessages';
import { LOCKED_EXIT_CODE } from '../../../electron/core/hosts/lockedExit';
import { openProfileStore } from '../../../electron/core/store/openProfileStore';

type MessageListener = (event: { readonly data: unknown }) => void;

/** An in-memory MessagePortMain pair, enough for the host: message, close, start. */
function portPair(): [UtilityPort, { post(data: unknown): void; received: unknown[]; close(): void }] {
  const listeners = new Set<MessageListener>();
  const closeListeners = new Set<MessageListener>();
  const received: unknown[] = [];
  const corePort: UtilityPort = {
    postMessage: (message) => received.push(message),
    // One signature covers both overloads: a close listener simply ignores the argument.
    on: (event: 'message' | 'close', listener: MessageListener) => {
      (event === 'message' ? listeners : closeListeners).add(listener);
    },
    off: (_event, listener) => listeners.delete(listener),
    start: () => undefined,
    close: () => undefined,
  };
  const rendererEnd = {
    received,
    post: (data: unknown) => {
      for (const listener of listeners) listener({ data });
    },
    close: () => {
      for (const listener of closeListeners) listener({ data: undefined });
    },
  };
  return [corePort, rendererEnd];
}

function fakeParent() {
  let deliver: (event: { readonly data: unknown; readonly ports: readonly unknown[] }) => void = () => undefined;
  const sent: CoreToShell[] = [];
  const parent: UtilityParentPort = {
    on: (_event, listener) => {
      deliver = listener;
    },
    postMessage: (message) => sent.push(message),
  };
  const send = (data: ShellToCore | unknown, ports: unknown[] = []): void => deliver({ data, ports });
  return { parent, sent, send };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('core utility host', () => {
  let dataDir = '';
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cairn-host-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (send: (data: unknown, ports?: unknown[]) => void): void =>
    send({ kind: 'start', options: { dataDir, appVersion: '0.1.0', defaultServer: null, runtime: 'electron test' } });

  it('starts the core, reports ready and answers requests on an attached port', async () => {
    const { parent, sent, send } = fakeParent();
    const exits: number[] = [];
    runUtilityHost(parent, { createCore: (options) => createCore({ ...options, log: silentLogger }), exit: (code) => exits.push(code), log: () => undefined });
    start(send);
    expect(sent).toEqual([{ kind: 'ready' }]);

    const [corePort, renderer] = portPair();
    send({ kind: 'attach' }, [corePort]);
    renderer.post({ kind: 'request', id: 7, channel: 'app.ping', payload: { nonce: 'hello' } });
    await until(() => renderer.received.length > 0);
    expect(renderer.received[0]).toMatchObject({ kind: 'response', id: 7, result: { ok: true, value: { nonce: 'hello' } } });
  });

  it('records the file grants the shell sends, which the page can then use and nothing else', async () => {
    const { parent, sent, send } = fakeParent();
    runUtilityHost(parent, { createCore: (options) => createCore({ ...options, log: silentLogger }), exit: () => undefined, log: () => undefined });
    const id = 'G'.repeat(43);
    send({ kind: 'grant', id, access: 'read', path: path.join(dataDir, '..', 'picked.txt') });
    expect(sent).toEqual([{ kind: 'granted', id, ok: false }]); // no core yet
    start(send);
    send({ kind: 'grant', id, access: 'read', path: path.join(dataDir, '..', 'picked.txt') });
    send({ kind: 'grant', id: 'short', access: 'read', path: '/x' });
    send({ kind: 'grant', id, access: 'read', path: 'relative.txt' });
    expect(sent.slice(1)).toEqual([{ kind: 'ready' }, { kind: 'granted', id, ok: true }, { kind: 'granted', id, ok: false }]);
  });

  it('stops serving a port once the renderer side closes it', async () => {
    const { parent, send } = fakeParent();
    runUtilityHost(parent, { createCore: (options) => createCore({ ...options, log: silentLogger }), exit: () => undefined, log: () => undefined });
    start(send);
    const [corePort, renderer] = portPair();
    send({ kind: 'attach' }, [corePort]);
    renderer.close();
    renderer.post({ kind: 'request', id: 1, channel: 'app.ping', payload: { nonce: 'late' } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(renderer.received).toEqual([]);
  });

  it('drops malformed shell messages and attaches without a port', () => {
    const { parent, sent, send } = fakeParent();
    const log: string[] = [];
    runUtilityHost(parent, { createCore: (options) => createCore({ ...options, log: silentLogger }), exit: () => undefined, log: (m) => log.push(m) });
    send('nonsense');
    send({ kind: 'attach' }, [{}]);
    send({ kind: 'reboot' });
    expect(sent).toEqual([]);
    expect(log).toHaveLength(3);
  });

  it('exits with a clear error when started with options it cannot use, so the shell can report it', () => {
    const { parent, sent, send } = fakeParent();
    const exits: number[] = [];
    runUtilityHost(parent, { createCore: (options) => createCore({ ...options, log: silentLogger }), exit: (code) => exits.push(code), log: () => undefined });
    send({ kind: 'start', options: { dataDir: '' } });
    expect(sent).toEqual([{ kind: 'fatal', message: expect.stringContaining('invalid options') }]);
    expect(exits).toEqual([1]);
  });

  it('refuses to start a core with a test seam: the app never weakens a defence that a test proves', () => {
    const { parent, sent, send } = fakeParent();
    const exits: number[] = [];
    const created: unknown[] = [];
    runUtilityHost(parent, {
      createCore: (options) => {
        created.push(options);
        return createCore({ ...options, log: silentLogger });
      },
      exit: (code) => exits.push(code),
      log: () => undefined,
    });
    send({ kind: 'start', options: { dataDir, appVersion: '0.1.0', defaultServer: null, testSeams: { alterReceivedCallFingerprints: true } } });
    expect(sent).toEqual([{ kind: 'fatal', message: expect.stringContaining('test seams') }]);
    expect(exits).toEqual([1]);
    expect(created).toEqual([]);
  });

  it('reports a core that cannot start and exits with an error code', () => {
    const { parent, sent, send } = fakeParent();
    const exits: number[] = [];
    runUtilityHost(parent, {
      createCore: () => {
        throw new Error('profile is locked');
      },
      exit: (code) => exits.push(code),
      log: () => undefined,
    });
    start(send);
    expect(sent).toEqual([{ kind: 'fatal', message: 'profile is locked' }]);
    expect(exits).toEqual([1]);
  });

  it('closes the core and exits cleanly on shutdown', async () => {
    const { parent, send } = fakeParent();
    const exits: number[] = [];
    runUtilityHost(parent, { createCore: (options) => createCore({ ...options, log: silentLogger }), exit: (code) => exits.push(code), log: () => undefined });
    start(send);
    send({ kind: 'shutdown' });
    await until(() => exits.length > 0);
    expect(exits).toEqual([0]);
  });

  it('passes message notifications from the core to the shell', () => {
    const { parent, sent, send } = fakeParent();
    let core: ReturnType<typeof createCore> | undefined;
    runUtilityHost(parent, {
      createCore: (options) => {
        core = createCore({ ...options, log: silentLogger });
        return core;
      },
      exit: () => undefined,
      log: () => undefined,
    });
    start(send);
    core?.events.emit('notify', { conversationId: 'c1', title: 'Bob in Crew', body: 'hello' });
    expect(sent).toContainEqual({ kind: 'notify', conversationId: 'c1', title: 'Bob in Crew', body: 'hello' });
    // A call notice keeps its marker, so the shell can add Accept/Decline and close it when ringing stops.
    const call = { callId: '0b6f3c2e-7d1a-4f5e-9a8b-1c2d3e4f5a6b', notice: 'incoming-call' as const, media: 'video' as const };
    core?.events.emit('notify', { conversationId: 'c1', title: 'Bob', body: 'Incoming video call', call });
    const forwarded = sent.find((m) => m.kind === 'notify' && m.body === 'Incoming video call');
    expect(forwarded).toEqual({ kind: 'notify', conversationId: 'c1', title: 'Bob', body: 'Incoming video call', call });
    expect(CoreToShellSchema.safeParse(forwarded).success).toBe(true);
  });

  it('after the app lock engages, answers the lock request, tells the shell it locked and exits to be replaced', async () => {
    const store = { prefer: 'passphrase' as const, passphrase: 'Quiet-Stone-42', kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } };
    const created = await openProfileStore(dataDir, store);
    if (!created.ok) throw new Error(created.error.message);
    created.value.close();
    const { parent, sent, send } = fakeParent();
    const exits: number[] = [];
    runUtilityHost(parent, { createCore: (options) => createCore({ ...options, log: silentLogger }), exit: (code) => exits.push(code), log: () => undefined });
    send({ kind: 'start', options: { dataDir, appVersion: '0.1.0', defaultServer: null, runtime: 'electron test', store } });
    const [corePort, renderer] = portPair();
    send({ kind: 'attach' }, [corePort]);
    renderer.post({ kind: 'request', id: 1, channel: 'appLock.lock', payload: {} });
    await until(() => exits.length > 0);
    expect(exits).toEqual([LOCKED_EXIT_CODE]);
    expect(renderer.received).toContainEqual({ kind: 'response', id: 1, result: { ok: true, value: expect.objectContaining({ locked: true }) } });
    expect(sent.slice(-2)).toEqual([{ kind: 'app-lock', locked: true }, { kind: 'locked' }]);
    // The shell counts this exit code as a replacement, not a crash.
    expect(CORE_LOCKED_EXIT_CODE).toBe(LOCKED_EXIT_CODE);
  });

  it('speaks the same messages as the shell, in both directions', () => {
    const fromShell: ShellToCore[] = [
      { kind: 'start', options: { dataDir: '/p', appVersion: '1.0.0', defaultServer: null, runtime: 'electron 41' } },
      { kind: 'attach' },
      { kind: 'shutdown' },
      { kind: 'system-locked' },
      { kind: 'grant', id: 'g'.repeat(43), access: 'write', path: '/home/ada/Downloads/map.pdf' },
    ];
    for (const message of fromShell) expect(ShellToCoreSchema.safeParse(message).success).toBe(true);
    const fromCore: CoreToShell[] = [
      { kind: 'ready' },
      { kind: 'call-state', active: true, ringing: false },
      { kind: 'fatal', message: 'x' },
      { kind: 'notify', conversationId: 'c', title: 't', body: 'b' },
      { kind: 'app-lock', locked: true },
      { kind: 'locked' },
      { kind: 'granted', id: 'g'.repeat(43), ok: true },
    ];
    for (const message of fromCore) expect(CoreToShellSchema.safeParse(message).success).toBe(true);
  });
});
