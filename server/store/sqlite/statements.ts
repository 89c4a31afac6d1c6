import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database';

const caches = new WeakMap<SqliteDatabase, Map<string, Statement>>();

/** Prepares each SQL text once per database: fan-out runs the same few statements thousands of times. */
export function prepared(db: SqliteDatabase, sql: string): Statement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}
