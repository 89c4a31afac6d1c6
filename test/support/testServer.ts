import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ServerContext } from '../../server/context';
import type { RunningServer, ServerOptions } from '../../server/server';
import { startServer } from '../../server/server';
import { commitWithoutChecks } from './uncheckedDelivery';

export interface TestServer {
  /** Temporary folder of this test file; the server's data is in `root/server`. */
  readonly root: string;
  readonly server: RunningServer;
  readonly serverDir: string;
  readonly config: { url: string; pins: string[] };
  /** Test seam (uncheckedDelivery.ts): a commit the route would refuse, delivered as from `sender`. */
  commitWithoutChecks(conversationId: string, sender: Readonly<{ userId: string; clientId: string }>, commit: Uint8Array, groupInfo: Uint8Array): Promise<number>;
}

/**
 * Starts the real server over real TLS on 127.0.0.1 (port 0) in a temporary folder before the
 * file's tests and removes both afterwards (`options`: e.g. a clock the test moves). Read the
 * fields inside tests, not at import time.
 */
export function useTestServer(prefix: string, options: Partial<Omit<ServerOptions, 'dataDir'>> = {}): TestServer {
  let root: string | undefined;
  let server: RunningServer | undefined;
  let context: ServerContext | undefined;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), `cairn-${prefix}-`));
    const started = await startServer({
      port: 0,
      logLevel: 'silent',
      ...options,
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
    get config() {
      const s = need(server, 'server');
      return { url: s.url, pins: [s.pin] };
    },
    commitWithoutChecks: (conversationId, sender, commit, groupInfo) => commitWithoutChecks(need(context, 'context'), conversationId, sender, commit, groupInfo),
  };
}
