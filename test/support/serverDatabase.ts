import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import pg from 'pg';
import { z } from 'zod';
import { databaseFor } from './testDatabase';

/** A row as either engine returns it (column names as written in the SQL). */
export type ServerRow = Readonly<Record<string, unknown>>;

/**
 * Runs one statement on a test server's own database, whichever engine the run uses
 * (`CAIRN_TEST_DATABASE`): the SQLite file `dataDir/cairn.db`, or the PostgreSQL database of that
 * data folder. Write `$1`, `$2`, … for parameters, each once and in order (SQLite gets `?`), and
 * SQL both engines read; `postedMessagesBy` shows where they differ.
 */
export async function serverQuery(dataDir: string, sql: string, params: readonly unknown[] = []): Promise<readonly ServerRow[]> {
  const url = await databaseFor(dataDir);
  if (url === undefined) {
    const db = new Database(path.join(dataDir, 'cairn.db'), { fileMustExist: true });
    try {
      const statement = db.prepare(sql.replace(/\$\d+/g, '?'));
      return statement.reader ? z.array(z.record(z.string(), z.unknown())).parse(statement.all(...params)) : (statement.run(...params), []);
    } finally {
      db.close();
    }
  }
  // BIGINT as a number, as the server's own pool reads it (server/store/postgres/database.ts).
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) } });
  await client.connect();
  try {
    return z.array(z.record(z.string(), z.unknown())).parse((await client.query(sql, [...params])).rows);
  } finally {
    await client.end();
  }
}

/** How many MLS messages (commits and application messages) a device posted, counted at the server: every copy, also one sent again. */
export async function postedMessagesBy(dataDir: string, clientId: string): Promise<number> {
  const sql =
    (await databaseFor(dataDir)) === undefined
      ? `SELECT count(*) AS n FROM events WHERE json_extract(payload, '$.type') = 'conversation.mls-message-add' AND json_extract(payload, '$.fromClient') = $1`
      : `SELECT count(*)::integer AS n FROM events WHERE payload::json->>'type' = 'conversation.mls-message-add' AND payload::json->>'fromClient' = $1`;
  return z.object({ n: z.number() }).parse((await serverQuery(dataDir, sql, [clientId]))[0]).n;
}
