/**
 * The bridge transport of the preload: a MessagePort to the core that the shell hands over
 * after the page loads and hands over again whenever the core restarts. Requests made before
 * the first port arrives wait in a short queue instead of failing, so the UI can ask for
 * things as soon as it starts.
 *
 * No Electron and no Node here: this runs in the sandboxed preload and in unit tests.
 */
import type { BridgeTransport } from '../core/ipc/bridge';
import type { WireToCore } from '../core/ipc/wire';

/** The few things the transport needs from a port; the preload adapts Electron's port to it. */
export interface CorePortEnd {
  postMessage(message: WireToCore): void;
  /** Starts delivery of inbound messages to `listener`. */
  listen(listener: (message: unknown) => void): void;
  close(): void;
}

export interface SwappablePortTransport extends BridgeTransport {
  /** Switches to a new port (first connection or after a core restart); closes the old one. */
  usePort(port: CorePortEnd): void;
}

/** Requests queued before the first port; more than this means something is wrong. */
export const MAX_QUEUED_BEFORE_CONNECT = 256;

export function createSwappablePortTransport(): SwappablePortTransport {
  let current: CorePortEnd | undefined;
  let deliver: (message: unknown) => void = () => undefined;
  const queue: WireToCore[] = [];

  return {
    send(message) {
      if (current) {
        current.postMessage(message);
        return;
      }
      // Throwing makes the bridge answer `ipc-closed` at once instead of waiting for a timeout.
      if (queue.length >= MAX_QUEUED_BEFORE_CONNECT) throw new Error('core not connected');
      queue.push(message);
    },
    onMessage(listener) {
      deliver = listener;
    },
    usePort(port) {
      current?.close();
      current = port;
      port.listen((message) => deliver(message));
      for (const message of queue.splice(0)) port.postMessage(message);
    },
  };
}

/**
 * The renderer-side MessagePort as the preload uses it. Declared here because the project
 * type-checks without the DOM library, where electron.d.ts's `MessagePort` resolves to nothing
 * useful; so a port from an IPC event is treated as `unknown` and checked by `adaptDomPort`.
 */
interface DomMessagePort {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  start(): void;
  close(): void;
}

/** Wraps a port received from the shell, or returns undefined if it is not a MessagePort. */
export function adaptDomPort(candidate: unknown): CorePortEnd | undefined {
  if (!isDomMessagePort(candidate)) return undefined;
  return {
    postMessage: (message) => candidate.postMessage(message),
    listen: (listener) => {
      candidate.addEventListener('message', (event) => listener(event.data));
      candidate.start();
    },
    close: () => candidate.close(),
  };
}

function isDomMessagePort(value: unknown): value is DomMessagePort {
  if (typeof value !== 'object' || value === null) return false;
  return ['postMessage', 'addEventListener', 'start', 'close'].every(
    (name) => typeof Reflect.get(value, name) === 'function',
  );
}
