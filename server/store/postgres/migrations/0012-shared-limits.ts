import type { Migration } from '../../migrations/migration';

/**
 * Rate-limit windows and sign-in throttle state shared by every server instance on the database
 * (issue 18).
 *
 * PostgreSQL form of SQLite's 0012-shared-limits: BIGINT for millisecond times.
 */
export const migration0012: Migration = {
  name: '0012-shared-limits',
  sql: `
    CREATE TABLE rate_windows (
      id TEXT PRIMARY KEY,
      started_at BIGINT NOT NULL,
      count INTEGER NOT NULL
    );
    CREATE INDEX rate_windows_by_start ON rate_windows (started_at);
    CREATE TABLE login_pairs (
      id TEXT PRIMARY KEY,
      failures INTEGER NOT NULL,
      last_failure BIGINT NOT NULL
    );
    CREATE INDEX login_pairs_by_time ON login_pairs (last_failure);
    CREATE TABLE login_budgets (
      id TEXT PRIMARY KEY,
      started_at BIGINT NOT NULL,
      failures INTEGER NOT NULL
    );
    CREATE INDEX login_budgets_by_start ON login_budgets (started_at);
  `,
};
