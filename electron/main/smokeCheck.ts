/**
 * The release workflow's smoke run (CAIRN_SMOKE_TEST=1): proves on a real Electron that the
 * packaged core starts in its utility process and answers over a MessagePort, and that the
 * window loaded the renderer from app://cairn. Pure parts here; main.ts does the wiring.
 */
import type { WireToCore } from '../core/ipc/wire';

export const SMOKE_NONCE = 'cairn-smoke';
export const SMOKE_TIMEOUT_MS = 30_000;

export function smokePing(): WireToCore {
  return { kind: 'request', id: 1, channel: 'app.ping', payload: { nonce: SMOKE_NONCE } };
}

/** True when `message` is the core's successful answer to `smokePing()`. */
export function isSmokePong(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  if (Reflect.get(message, 'kind') !== 'response' || Reflect.get(message, 'id') !== 1) return false;
  const result: unknown = Reflect.get(message, 'result');
  if (typeof result !== 'object' || result === null || Reflect.get(result, 'ok') !== true) return false;
  const value: unknown = Reflect.get(result, 'value');
  return typeof value === 'object' && value !== null && Reflect.get(value, 'nonce') === SMOKE_NONCE;
}
