import Database from 'better-sqlite3-multiple-ciphers';
import type { Result } from '../../../protocol/result';
import { err, ok } from '../../../protocol/result';

/** Held for the life of the store; `release` lets the next server take it. */
export type InstanceLock = Readonly<{ release(): void }>;

/**
 * SQLite serves one server process: a second instance on the same data folder would keep its own
 * notification hub and rate limits in memory, and devices on one would never hear of messages
 * stored by the other. So the store holds an exclusive lock on a small file beside the database
 * (`cairn.db.instance`) while it is open, taken with SQLite's own locking (EXCLUSIVE locking mode
 * keeps the write lock until the connection closes). The operating system drops the lock when
 * the process ends, even by `kill -9`, so a crash never leaves a stale lock behind.
 */
export function lockInstance(databaseFile: string): Result<InstanceLock> {
  const file = `${databaseFile}.instance`;
  // No busy wait: a held lock means another server runs now.
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
    db.transaction(() => {
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    })();
  } catch (error) {
    db.close();
    const busy = error instanceof Error && 'code' in error && (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED');
    if (!busy) throw error;
    return err(
      'database-in-use',
      `Another Cairn server is running on ${databaseFile}. SQLite serves one server process; ` +
        'stop the other one, or run several instances on one PostgreSQL database (--database postgres://…).',
    );
  }
  return ok({ release: () => db.close() });
}
