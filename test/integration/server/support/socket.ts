import WebSocket from 'ws';
import type { ServerFrame } from '../../../../protocol';
import { ServerFrameSchema } from '../../../../protocol';
import type { Api } from './api';

export type PushSocket = Readonly<{
  socket: WebSocket;
  frames: ServerFrame[];
  /** Resolves with the first frame (counting from `from`) that matches, or rejects after `timeoutMs`. */
  waitFor(predicate: (frame: ServerFrame) => boolean, timeoutMs?: number, from?: number): Promise<ServerFrame>;
  closed: Promise<number>;
  close(): void;
}>;

/** Opens `/await` as a device would: pinned certificate, bearer token in the upgrade request. */
export function openPushSocket(api: Api, token: string | undefined, since?: number, autoPong = true): Promise<PushSocket> {
  const url = new URL(`/await${since === undefined ? '' : `?since=${since}`}`, api.url.replace('https:', 'wss:'));
  const socket = new WebSocket(url, { ca: api.ca, autoPong, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const frames: ServerFrame[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (data: Buffer) => {
    frames.push(ServerFrameSchema.parse(JSON.parse(data.toString('utf8'))));
    for (const listener of listeners) listener();
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const waitFor = (predicate: (frame: ServerFrame) => boolean, timeoutMs = 10_000, from = 0): Promise<ServerFrame> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = frames.slice(from).find(predicate);
        if (found) {
          listeners.delete(listener);
          clearTimeout(timer);
          resolve(found);
          return true;
        }
        return false;
      };
      const listener = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames).slice(0, 500)}`));
      }, timeoutMs);
      listeners.add(listener);
      check();
    });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, frames, waitFor, closed, close: () => socket.close() }));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode ?? 0}`)));
    socket.once('error', reject);
  });
}
