import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ServerContext } from '../../server/context';
import type { RunningServer, ServerOptions } from '../../server/server';
import { startServer } from './testDatabase';
import type { RunningCoturn } from '../../server/turn/coturn';
import { startCoturn } from '../../server/turn/coturn';
import { commitWithoutChecks } from './uncheckedDelivery';

export interface TestServer {
  /** Temporary folder of this test file; the server's data is in `root/server`. */
  readonly root: string;
  readonly server: RunningServer;
  readonly serverDir: string;
  readonly config: { url: string; pins: string[] };
  /** The coturn started beside the server (`coturn: true`), whose URLs and secret `/calls/config` hands out. */
  readonly coturn: RunningCoturn;
  /** Test seam (uncheckedDelivery.ts): a commit the route would refuse, delivered as from `sender`. */
  commitWithoutChecks(conversationId: string, sender: Readonly<{ userId: string; clientId: string }>, commit: Uint8Array, groupInfo: Uint8Array): Promise<number>;
}

export type TestServerOptions = Partial<Omit<ServerOptions, 'dataDir'>> &
  Readonly<{
    /**
     * Also start a real coturn (loopback, free port, secret in `root/turn`) and give its URLs and
     * secret to the server, as `npm run server` does. Off by default: only call tests need it.
     */
    coturn?: boolean;
  }>;

/**
 * Starts the real server over real TLS on 127.0.0.1 (port 0) in a temporary folder before the
 * file's tests and removes both afterwards (`options`: e.g. a clock the test moves). Read the
 * fields inside tests, not at import time.
 */
export function useTestServer(prefix: string, options: TestServerOptions = {}): TestServer {
  let root: string | undefined;
  let server: RunningServer | undefined;
  let context: ServerContext | undefined;
  let coturn: RunningCoturn | undefined;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), `cairn-${prefix}-`));
    const { coturn: wantsCoturn, ...serverOptions } = options;
    if (wantsCoturn === true) {
      const turn = await startCoturn({ dir: path.join(root, 'turn'), secret: randomBytes(32).toString('base64url'), realm: 'cairn.test' });
      if (!turn.ok) throw new Error(`${turn.error.message} (call tests need coturn: apt-get install coturn)`);
      coturn = turn.value;
    }
    const started = await startServer({
      port: 0,
      logLevel: 'silent',
      ...serverOptions,
      ...(coturn ? { turn: { urls: coturn.urls, secret: coturn.secret } } : {}),
      dataDir: path.join(root, 'server'),
      testSeam: (c) => {
        context = c;
      },
    });
    if (!started.ok) throw new Error(started.error.message);
    server = started.value;
  });
  afterAll(async () => {
    await server?.close().catch(() => undefined);
    await coturn?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the test server's ${what} is read before beforeAll ran`);
    return value;
  };
  return {
    get root() {
      return need(root, 'root');
    },
    get server() {
      return need(server, 'server');
    },
    get serverDir() {
      return path.join(need(root, 'root'), 'server');
    },
    get coturn() {
      return need(coturn, 'coturn (start it with `coturn: true`)');
    },
    get config() {
      const s = need(server, 'server');
      return { url: s.url, pins: [s.pin] };
    },
    commitWithoutChecks: (conversationId, sender, commit, groupInfo) => commitWithoutChecks(need(context, 'context'), conversationId, sender, commit, groupInfo),
  };
}
