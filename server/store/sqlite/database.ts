import Database from 'better-sqlite3-multiple-ciphers';
import type { Result } from '../../../protocol/result';
import { err, ok } from '../../../protocol/result';
import { MIGRATIONS } from '../migrations';
import type { Migration } from '../migrations/migration';

export type SqliteDatabase = Database.Database;

/**
 * `full`: every commit is fsynced, so an answered request survives a crash of the process, the
 * OS or the power. `normal`: in WAL mode an answered request survives a crash or `kill -9` of the
 * server, but the last commits before a power loss may be lost — about half the cost per write.
 */
export type Durability = 'full' | 'normal';

/**
 * Opens the server database in WAL mode and applies pending migrations. A database written by a
 * newer server is refused rather than opened: an older server could corrupt data it does not
 * understand.
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS, durability: Durability = 'full'): Result<SqliteDatabase> {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(durability === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const version = Number(db.pragma('user_version', { simple: true }));
    if (version > migrations.length) {
      db.close();
      return err(
        'database-too-new',
        `The database in ${file} has schema version ${version}, but this server knows only up to ${migrations.length}. ` +
          'It was written by a newer Cairn server: run that version (downgrades are not supported).',
      );
    }
    for (let index = version; index < migrations.length; index += 1) {
      const migration = migrations[index];
      if (migration === undefined) break;
      db.transaction(() => {
        db.exec(migration.sql);
        db.pragma(`user_version = ${index + 1}`);
      })();
    }
    return ok(db);
  } catch (error) {
    db.close();
    throw error;
  }
}
