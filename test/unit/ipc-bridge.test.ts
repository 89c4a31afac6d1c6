import { describe, expect, it, vi } from 'vitest';
import { createBridge } from '../../electron/core/ipc/bridge';
import type { BridgeTransport } from '../../electron/core/ipc/bridge';
import { servePort } from '../../electron/core/ipc/portServer';
import type { Handlers } from '../../electron/core/ipc/router';
import { createRouter } from '../../electron/core/ipc/router';
import type { WireFromCore } from '../../electron/core/ipc/wire';
import { testHandlers } from '../support/handlers';

const handlers: Handlers = testHandlers({
  'app.info': () => ({
    name: 'Cairn',
    version: '1.2.3',
    apiVersion: 1,
    platform: 'linux',
    arch: 'x64',
    runtime: 'node',
    defaultServer: null,
    builtInServer: null,
    managed: { alwaysRelay: false },
  }),
  'app.ping': async ({ nonce }) => {
    // Answer later pings sooner, so responses come back out of order.
    await new Promise((resolve) => setTimeout(resolve, nonce === 'slow' ? 30 : 1));
    return { nonce, receivedAt: 5 };
  },
  'server.probe': () => ({ domain: 'd', apiVersion: 1, latencyMs: 1 }),
});

/** Joins a bridge and a served router through an in-memory port pair. */
function connected() {
  let toBridge: (message: unknown) => void = () => undefined;
  const coreListeners = new Set<(message: unknown) => void>();
  const corePort = {
    postMessage: (message: WireFromCore) => queueMicrotask(() => toBridge(message)),
    onMessage: (listener: (message: unknown) => void) => {
      coreListeners.add(listener);
      return () => coreListeners.delete(listener);
    },
  };
  const dropped: string[] = [];
  servePort(corePort, createRouter(handlers), (reason) => dropped.push(reason));
  const transport: BridgeTransport = {
    send: (message) => queueMicrotask(() => coreListeners.forEach((l) => l(message))),
    onMessage: (listener) => {
      toBridge = listener;
    },
  };
  const sendRaw = (message: unknown): void => coreListeners.forEach((l) => l(message));
  const emit = (message: unknown): void => toBridge(message);
  return { bridge: createBridge(transport), dropped, sendRaw, emit, received: (l: (m: unknown) => void) => (toBridge = l) };
}

describe('bridge and port server', () => {
  it('round-trips a typed request', async () => {
    const { bridge } = connected();
    expect(await bridge.request('app.info', {})).toMatchObject({ ok: true, value: { version: '1.2.3' } });
  });

  it('matches each answer to its own request when answers arrive out of order', async () => {
    const { bridge } = connected();
    const [slow, fast] = await Promise.all([
      bridge.request('app.ping', { nonce: 'slow' }),
      bridge.request('app.ping', { nonce: 'fast' }),
    ]);
    expect(slow).toMatchObject({ ok: true, value: { nonce: 'slow' } });
    expect(fast).toMatchObject({ ok: true, value: { nonce: 'fast' } });
  });

  it('returns ipc-timeout when the core never answers', async () => {
    const bridge = createBridge({ send: () => undefined, onMessage: () => undefined });
    vi.useFakeTimers();
    try {
      const pending = bridge.request('app.ping', { nonce: 'x' }, { timeoutMs: 1000 });
      await vi.advanceTimersByTimeAsync(1001);
      expect(await pending).toMatchObject({ ok: false, error: { code: 'ipc-timeout' } });
    } finally {
      vi.useRealTimers();
    }
  });

  it('returns ipc-closed when the transport cannot send', async () => {
    const bridge = createBridge({
      send: () => {
        throw new Error('port closed');
      },
      onMessage: () => undefined,
    });
    expect(await bridge.request('app.ping', { nonce: 'x' })).toMatchObject({ ok: false, error: { code: 'ipc-closed' } });
  });

  it('answers a malformed wire message that has an id with ipc-invalid-message, and drops one without', async () => {
    const { sendRaw, dropped, received } = connected();
    const answers: unknown[] = [];
    received((m) => answers.push(m));
    sendRaw({ kind: 'request', id: 7, channel: 42 });
    sendRaw('garbage');
    sendRaw({ kind: 'request', id: -1, channel: 'app.info', payload: {} });
    await expect.poll(() => answers.length).toBe(1);
    expect(answers[0]).toMatchObject({ kind: 'response', id: 7, result: { ok: false, error: { code: 'ipc-invalid-message' } } });
    expect(dropped).toHaveLength(2);
  });

  it('turns a malformed answer from the core into ipc-invalid-message instead of passing it on', async () => {
    let deliver: (m: unknown) => void = () => undefined;
    const bridge = createBridge({
      send: (message) => queueMicrotask(() => deliver({ kind: 'response', id: message.id, result: { ok: 'yes' } })),
      onMessage: (listener) => {
        deliver = listener;
      },
    });
    expect(await bridge.request('app.info', {})).toMatchObject({ ok: false, error: { code: 'ipc-invalid-message' } });
  });

  it('delivers events to every listener, survives a throwing listener, and stops after unsubscribe', () => {
    const { bridge, emit } = connected();
    const seen: unknown[] = [];
    bridge.on('connection.state', () => {
      throw new Error('listener bug');
    });
    const off = bridge.on('connection.state', (payload) => seen.push(payload));
    emit({ kind: 'event', event: 'connection.state', payload: { state: 'online', since: 1 } });
    off();
    emit({ kind: 'event', event: 'connection.state', payload: { state: 'offline', since: 2 } });
    expect(seen).toEqual([{ state: 'online', since: 1 }]);
  });
});
