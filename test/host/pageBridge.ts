/**
 * Runs inside the page before the renderer's own scripts (Playwright init script). It builds
 * `window.cairn` with the same `createBridge` the Electron preload uses; only the transport
 * differs: a Playwright binding out, `page.evaluate` calls in.
 */
import { createBridge } from '../../electron/core/ipc/bridge';
import type { WireToCore } from '../../electron/core/ipc/wire';

interface HostGlobals {
  __cairnSend?: (message: WireToCore) => Promise<void>;
  __cairnReceive?: (message: unknown) => void;
}

const host = globalThis as typeof globalThis & HostGlobals;
const listeners: Array<(message: unknown) => void> = [];
host.__cairnReceive = (message) => {
  for (const listener of listeners) listener(message);
};

const bridge = createBridge({
  send: (message) => {
    const send = host.__cairnSend;
    if (!send) throw new Error('test host binding missing');
    void send(message);
  },
  onMessage: (listener) => listeners.push(listener),
});

Object.defineProperty(globalThis, 'cairn', { value: Object.freeze(bridge), enumerable: true });
