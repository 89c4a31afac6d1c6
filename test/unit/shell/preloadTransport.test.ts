import { describe, expect, it } from 'vitest';
import { createBridge } from '../../../electron/core/ipc/bridge';
import type { WireToCore } from '../../../electron/core/ipc/wire';
import { CORE_PORT_CHANNEL as MAIN_CHANNEL } from '../../../electron/main/channels';
import { CORE_PORT_CHANNEL as PRELOAD_CHANNEL } from '../../../electron/preload/channels';
import type { CorePortEnd } from '../../../electron/preload/portTransport';
import {
  MAX_QUEUED_BEFORE_CONNECT,
  adaptDomPort,
  createSwappablePortTransport,
} from '../../../electron/preload/portTransport';

/** A port whose "core" answers every ping; `closed` shows when the transport let go of it. */
function answeringPort(name: string): CorePortEnd & { closed: boolean; seen: WireToCore[] } {
  let deliver: (message: unknown) => void = () => undefined;
  const seen: WireToCore[] = [];
  const port = {
    closed: false,
    seen,
    postMessage(message: WireToCore) {
      port.seen.push(message);
      const payload = message.payload;
      const nonce = typeof payload === 'object' && payload !== null ? Reflect.get(payload, 'nonce') : undefined;
      queueMicrotask(() =>
        deliver({ kind: 'response', id: message.id, result: { ok: true, value: { nonce: `${name}:${String(nonce)}`, receivedAt: 1 } } }),
      );
    },
    listen(listener: (message: unknown) => void) {
      deliver = listener;
    },
    close() {
      port.closed = true;
    },
  };
  return port;
}

describe('preload transport', () => {
  it('holds requests made before the shell connects and sends them once the port arrives', async () => {
    const transport = createSwappablePortTransport();
    const bridge = createBridge(transport);
    const answer = bridge.request('app.ping', { nonce: 'early' });
    const port = answeringPort('first');
    transport.usePort(port);
    expect(await answer).toEqual({ ok: true, value: { nonce: 'first:early', receivedAt: 1 } });
  });

  it('switches to the new port after a core restart and closes the old one', async () => {
    const transport = createSwappablePortTransport();
    const bridge = createBridge(transport);
    const first = answeringPort('first');
    const second = answeringPort('second');
    transport.usePort(first);
    transport.usePort(second);
    expect(first.closed).toBe(true);
    expect(await bridge.request('app.ping', { nonce: 'n' })).toMatchObject({ ok: true, value: { nonce: 'second:n' } });
    expect(first.seen).toEqual([]);
  });

  it('fails fast with ipc-closed instead of queueing without bound when no core ever connects', async () => {
    const transport = createSwappablePortTransport();
    const bridge = createBridge(transport);
    for (let i = 0; i < MAX_QUEUED_BEFORE_CONNECT; i++) void bridge.request('app.ping', { nonce: `${i}` }, { timeoutMs: 50 });
    const overflow = await bridge.request('app.ping', { nonce: 'one too many' });
    expect(overflow).toMatchObject({ ok: false, error: { code: 'ipc-closed' } });
  });

  it('accepts only objects shaped like a MessagePort from the IPC event', () => {
    expect(adaptDomPort(undefined)).toBeUndefined();
    expect(adaptDomPort({ postMessage: () => undefined })).toBeUndefined();
    const port = { postMessage: () => undefined, addEventListener: () => undefined, start: () => undefined, close: () => undefined };
    expect(adaptDomPort(port)).toBeDefined();
  });

  it('delivers messages from a real MessagePort to the bridge', async () => {
    const { port1, port2 } = new MessageChannel();
    const adapted = adaptDomPort(port2);
    expect(adapted).toBeDefined();
    const transport = createSwappablePortTransport();
    const received: unknown[] = [];
    transport.onMessage((message) => received.push(message));
    if (adapted) transport.usePort(adapted);
    port1.postMessage({ kind: 'event', event: 'connection.state', payload: { state: 'online', since: 1 } });
    await new Promise<void>((resolve) => {
      const deadline = Date.now() + 2_000;
      const poll = (): void => (received.length > 0 || Date.now() > deadline ? resolve() : void setTimeout(poll, 5));
      poll();
    });
    port1.close();
    expect(received).toEqual([{ kind: 'event', event: 'connection.state', payload: { state: 'online', since: 1 } }]);
  });

  it('uses the same channel name in main and preload', () => {
    expect(PRELOAD_CHANNEL).toBe(MAIN_CHANNEL);
  });
});
