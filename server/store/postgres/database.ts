import pg from 'pg';
import type { Result } from '../../../protocol/result';
import { err, ok } from '../../../protocol/result';
import type { Migration } from '../migrations/migration';
import { PG_MIGRATIONS } from './migrations';

export type PgDatabase = pg.Pool;

/** One statement's runner: the pool itself, or the client of an open transaction. */
export type Queryable = Readonly<{ query: pg.Pool['query'] }>;

/**
 * BIGINT (OID 20) comes back as a number: every BIGINT column holds millisecond times, counts or
 * sequence ids, all far below 2^53. node-postgres returns strings by default to be safe for
 * larger values.
 */
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)),
};

/** Any fixed number: the advisory lock that lets one starting instance migrate while others wait. */
const MIGRATION_LOCK = 0x6361_6972;

/**
 * Opens a pool to `url` and applies pending migrations in one transaction each, holding an
 * advisory lock so that several instances starting at once migrate once. A database from a
 * newer server is refused, as with SQLite (`database-too-new`).
 */
export async function openPostgres(url: string, migrations: readonly Migration[] = PG_MIGRATIONS, poolSize = 10): Promise<Result<PgDatabase>> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  // An idle client that loses its connection must not crash the server; the next query reconnects.
  pool.on('error', () => undefined);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end();
    return err('database-unreachable', `The PostgreSQL database could not be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
  let migrated: Result<PgDatabase>;
  try {
    migrated = await migrate(client, pool, migrations);
  } catch (error) {
    client.release();
    await pool.end();
    throw error;
  }
  client.release();
  if (!migrated.ok) await pool.end();
  return migrated;
}

async function migrate(client: pg.PoolClient, pool: PgDatabase, migrations: readonly Migration[]): Promise<Result<PgDatabase>> {
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS cairn_schema (version INTEGER NOT NULL)');
    const rows = (await client.query<{ version: number }>('SELECT version FROM cairn_schema')).rows;
    let version = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query('INSERT INTO cairn_schema (version) VALUES (0)');
    if (version > migrations.length) {
      return err(
        'database-too-new',
        `The PostgreSQL database has schema version ${version}, but this server knows only up to ${migrations.length}. ` +
          'It was written by a newer Cairn server: run that version (downgrades are not supported).',
      );
    }
    for (; version < migrations.length; version += 1) {
      const migration = migrations[version];
      if (migration === undefined) break;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('UPDATE cairn_schema SET version = $1', [version + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return ok(pool);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
  }
}

/**
 * Runs `work` in one transaction on one connection: committed when it returns, rolled back when
 * it throws. `isolation` REPEATABLE READ gives reads of several statements one snapshot (a
 * conversation with its members, a notification page with its queue state); SERIALIZABLE is
 * for work whose reads decide its writes across rows that a row lock cannot cover. A
 * serialization failure or deadlock is retried a few times.
 */
export async function inTransaction<T>(
  pool: PgDatabase,
  work: (client: Queryable) => Promise<T>,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE' = 'READ COMMITTED',
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // 40001 serialization_failure, 40P01 deadlock_detected: the transaction may simply run again.
      const code = error instanceof Error && 'code' in error ? error.code : undefined;
      if ((code === '40001' || code === '40P01') && attempt < 5) continue;
      throw error;
    } finally {
      client.release();
    }
  }
}
