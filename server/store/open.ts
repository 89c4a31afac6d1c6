import path from 'node:path';
import type { Result } from '../../protocol/result';
import { err, missingCase, ok } from '../../protocol/result';
import { openPostgresStore } from './postgres';
import type { Store } from './repositories';
import { openSqliteStore } from './sqlite';
import type { Durability } from './sqlite/database';

/** Where the server keeps its data: the embedded SQLite file (default) or a PostgreSQL database. */
export type DatabaseChoice = Readonly<{ kind: 'sqlite'; durability: Durability }> | Readonly<{ kind: 'postgres'; url: string; poolSize?: number }>;

/**
 * PostgreSQL connections per server process unless `--database-pool` says otherwise: requests
 * hold one only while they query, and PostgreSQL's default `max_connections` of 100 leaves room
 * for several instances of 10 (plus one LISTEN connection each) and the operator's tools.
 */
export const DEFAULT_DATABASE_POOL = 10;

/**
 * Reads `--database`: a `postgres://` or `postgresql://` URL (libpq's form, as `psql` takes it;
 * user, password, host, port, database and `?sslmode=` as node-postgres reads them). Anything
 * else is refused with the flag's name, so a typo never falls back to SQLite silently.
 */
export function readDatabaseFlag(text: string): Result<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err('bad-flag', '--database must be a URL like postgres://user@host:5432/cairn');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return err('bad-flag', `--database must be a postgres:// URL (SQLite, the default, needs no flag), not a ${url.protocol} URL`);
  }
  return ok(text);
}

/** Opens (and migrates) the chosen store; SQLite's file is `cairn.db` in the data folder. */
export async function openStore(choice: DatabaseChoice, dataDir: string): Promise<Result<Store>> {
  switch (choice.kind) {
    case 'sqlite':
      return openSqliteStore(path.join(dataDir, 'cairn.db'), choice.durability);
    case 'postgres':
      return openPostgresStore(choice.url, choice.poolSize ?? DEFAULT_DATABASE_POOL);
    default:
      return missingCase(choice);
  }
}
