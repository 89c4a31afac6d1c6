/**
 * The renderer's only door to the core. Components call these functions; nothing else in
 * the renderer touches `window.cairn`.
 */
import type { EventName, EventOf, RequestChannel, RequestOf, ResponseOf } from '../electron/core/ipc/contract';
import type { Result } from '../protocol/result';

function bridge() {
  const cairn = window.cairn;
  if (!cairn) throw new Error('window.cairn is missing: the renderer was opened outside Cairn.');
  return cairn;
}

export function isBridgeAvailable(): boolean {
  return window.cairn !== undefined;
}

export function request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
  return bridge().request(channel, payload);
}

export function onEvent<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void {
  return bridge().on(event, listener);
}

export const api = {
  appInfo: () => request('app.info', {}),
  probeServer: (url: string, pins: readonly string[]) => request('server.probe', { url, pins: [...pins] }),
};
