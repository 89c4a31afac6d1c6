/**
 * `createBridge` builds the object exposed as `window.cairn`. The preload gives it an
 * Electron MessagePort; the test host gives it a Playwright binding. Same factory, two
 * transports, so the code the renderer talks to is the code the tests run.
 *
 * This file imports types only: it is bundled into the sandboxed preload.
 */
import type { Result } from '../../../protocol/result';
import type { EventName, EventOf, RequestChannel, RequestOf, ResponseOf } from './contract';
import type { WireToCore } from './wire';

export interface BridgeTransport {
  send(message: WireToCore): void;
  /** Delivers every message from the core; called once by the bridge. */
  onMessage(listener: (message: unknown) => void): void;
}

export interface RequestOptions {
  readonly timeoutMs?: number;
}

export interface CairnBridge {
  request<C extends RequestChannel>(
    channel: C,
    payload: RequestOf<C>,
    options?: RequestOptions,
  ): Promise<Result<ResponseOf<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

type Pending = { resolve: (result: Result<unknown>) => void; timer: ReturnType<typeof setTimeout> };

export function createBridge(transport: BridgeTransport): CairnBridge {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  transport.onMessage((message) => {
    if (typeof message !== 'object' || message === null) return;
    const m = message as Record<string, unknown>;
    if (m.kind === 'response' && typeof m.id === 'number') {
      const entry = pending.get(m.id);
      if (!entry) return;
      pending.delete(m.id);
      clearTimeout(entry.timer);
      entry.resolve(isResult(m.result) ? m.result : closed('ipc-invalid-message', 'The core sent a malformed answer.'));
    } else if (m.kind === 'event' && typeof m.event === 'string') {
      for (const listener of listeners.get(m.event) ?? []) {
        try {
          listener(m.payload);
        } catch {
          // One faulty listener must not stop the others from hearing the event.
        }
      }
    }
  });

  return {
    request(channel, payload, options) {
      const id = nextId++;
      const timeoutMs = options?.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve(closed('ipc-timeout', 'The app took too long to answer. Try again; if it keeps happening, restart Cairn.'));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as Pending['resolve'], timer });
        try {
          transport.send({ kind: 'request', id, channel, payload });
        } catch {
          pending.delete(id);
          clearTimeout(timer);
          resolve(closed('ipc-closed', 'The connection to the app core was lost. Restart Cairn.'));
        }
      });
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const entry = listener as (payload: unknown) => void;
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
  };
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  if (r.ok === true) return 'value' in r;
  if (r.ok !== false || typeof r.error !== 'object' || r.error === null) return false;
  const e = r.error as Record<string, unknown>;
  return typeof e.code === 'string' && typeof e.message === 'string';
}

function closed(code: string, message: string): Result<never> {
  return { ok: false, error: { code, message } };
}
