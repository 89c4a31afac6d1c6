import type BetterSqlite3 from 'better-sqlite3-multiple-ciphers';

export type Db = BetterSqlite3.Database;

/**
 * One forward-only schema step. Each lives in its own numbered file under `migrations/` and is
 * never edited once it has landed (STYLE.md): a user's database already ran the old text, so a
 * change has to be a new migration.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Runs inside the transaction that also sets `user_version`; throwing rolls both back. */
  up(db: Db): void;
}

/**
 * Describes what is wrong with a migration list, or returns undefined when versions run
 * 1, 2, 3… without gaps or repeats. Checked before anything runs, so a bad list (a merge that
 * renumbered a file) fails loudly in tests instead of skipping a step on a user's machine.
 */
export function migrationListProblem(migrations: readonly Migration[]): string | undefined {
  for (const [index, migration] of migrations.entries()) {
    if (migration.version !== index + 1) {
      return `migration "${migration.name}" has version ${migration.version}; expected ${index + 1}`;
    }
  }
  return undefined;
}

/** The schema version the given list leads to. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.length;
}

export type MigrationPlan =
  | Readonly<{ kind: 'up-to-date' }>
  | Readonly<{ kind: 'migrate'; pending: readonly Migration[] }>
  | Readonly<{ kind: 'too-new'; found: number; known: number }>;

/** Decides, without touching the database, what opening at `current` must do. */
export function planMigrations(current: number, migrations: readonly Migration[]): MigrationPlan {
  const known = latestVersion(migrations);
  if (current > known) return { kind: 'too-new', found: current, known };
  if (current === known) return { kind: 'up-to-date' };
  return { kind: 'migrate', pending: migrations.slice(current) };
}

/**
 * Applies each pending migration in its own transaction together with its `user_version`
 * bump, so a crash between steps leaves the database at a whole version, never half of one.
 */
export function applyMigrations(db: Db, pending: readonly Migration[]): void {
  for (const migration of pending) {
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

/** `PRAGMA user_version`, where this store keeps its schema version. */
export function readSchemaVersion(db: Db): number {
  const value: unknown = db.pragma('user_version', { simple: true });
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError('user_version is not an integer');
  return value;
}
