import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunningServer, ServerOptions } from '../../../../server/server';
import { startServer } from '../../../support/testDatabase';
import { Api } from './api';

export type TestServer = Readonly<{ server: RunningServer; api: Api; dataDir: string; clock: TestClock; stop(): Promise<void> }>;

/** A clock tests can move forward instead of sleeping. */
export class TestClock {
  private offset = 0;
  now = (): number => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** Starts a real server over HTTPS on 127.0.0.1 with a fresh data folder. */
export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'cairn-server-')));
  const clock = new TestClock();
  const started = await startServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', now: clock.now, ...options, dataDir });
  if (!started.ok) throw new Error(started.error.message);
  const api = options.tlsCertFile
    ? new Api(started.value.url, await readFile(options.tlsCertFile, 'utf8'))
    : await Api.forServer(started.value.url, dataDir);
  return {
    server: started.value,
    api,
    dataDir,
    clock,
    stop: async () => {
      api.close();
      await started.value.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
