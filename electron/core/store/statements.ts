import type { Statement } from 'better-sqlite3';
import type { Db } from './migration';

const caches = new WeakMap<Db, Map<string, Statement>>();

/**
 * The prepared statement for `sql` on this connection, compiled once and reused: compiling costs
 * more than running the small queries the receive path makes for every message (measured with
 * bench/receivePipeline.bench.ts). A reader comes back in its default mode (rows as objects), so
 * a caller that wants `pluck()` must ask for it each time, as with a fresh statement.
 */
export function cachedStatement(db: Db, sql: string): Statement {
  let statements = caches.get(db);
  if (statements === undefined) {
    statements = new Map();
    caches.set(db, statements);
  }
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  } else if (statement.reader) {
    statement.pluck(false);
  }
  return statement;
}
