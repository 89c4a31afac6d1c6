import type { ChildProcessByStdio } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { databaseArgs } from '../../../support/testDatabase';

export type ChildServer = Readonly<{ url: string; pin: string; child: ChildProcessByStdio<null, Readable, Readable>; exited: Promise<number | null> }>;

/**
 * Runs `server/main.ts` as its own process, as `npm run server` does, and waits for its url and
 * pin. On the run's test database (`CAIRN_TEST_DATABASE`): the same data folder, the same database.
 */
export async function spawnServer(dataDir: string, extraArgs: readonly string[] = [], timeoutMs = 30_000): Promise<ChildServer> {
  const database = await databaseArgs(dataDir);
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--data', dataDir, '--port', '0', ...database, ...extraArgs], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString('utf8')).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server printed no url/pin within ${timeoutMs} ms: ${output} ${errors}`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = /^url: (\S+)$/m.exec(output)?.[1];
      const pin = /^pin: (\S+)$/m.exec(output)?.[1];
      if (url && pin) {
        clearTimeout(timer);
        resolve({ url, pin, child, exited });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${String(code)} before listening: ${errors}`));
    }, reject);
  });
}
