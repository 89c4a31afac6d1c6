import path from 'node:path';
import { inject } from 'vitest';
import type { Result } from '../../protocol/result';
import type { RunningServer, ServerOptions } from '../../server/server';
import { startServer as startRealServer } from '../../server/server';
import { createDatabaseIn } from './postgresCluster';
import { testDatabaseKind } from './testDatabaseKind';

export { testDatabaseKind };

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's PostgreSQL cluster (`postgres://cairn@127.0.0.1:PORT`), when CAIRN_TEST_DATABASE=postgres; else null. */
    postgresBase: string | null;
  }
}

/** One database per data folder, so a server restarted on the same folder finds its data again. */
const databases = new Map<string, Promise<string>>();

/**
 * The `--database` URL for a server on `dataDir`, or undefined on SQLite. Within one test file
 * the same folder gets the same database (restart tests); databases go with the cluster.
 */
export async function databaseFor(dataDir: string): Promise<string | undefined> {
  if (testDatabaseKind() === 'sqlite') return undefined;
  const base = inject('postgresBase');
  if (base === null) throw new Error('CAIRN_TEST_DATABASE=postgres needs the cluster of test/support/postgresGlobalSetup.ts (the integration project starts it)');
  const key = path.resolve(dataDir);
  let database = databases.get(key);
  if (database === undefined) {
    database = createDatabaseIn(base);
    databases.set(key, database);
  }
  return database;
}

/** `startServer` of server/server.ts, on the run's test database (`databaseFor`) unless `options` names one. */
export async function startServer(options: ServerOptions): Promise<Result<RunningServer>> {
  const database = options.database ?? (await databaseFor(options.dataDir));
  return startRealServer({ ...options, ...(database === undefined ? {} : { database }) });
}

/** The command-line flags that put a server process (`server/main.ts`) on the run's test database. */
export async function databaseArgs(dataDir: string): Promise<readonly string[]> {
  const database = await databaseFor(dataDir);
  return database === undefined ? [] : ['--database', database];
}
