import type { Migration } from '../../migrations/migration';

/**
 * Rate-limit windows shared by every server instance on the database (issue 18).
 *
 * PostgreSQL form of SQLite's 0012-rate-windows: BIGINT for millisecond times.
 */
export const migration0012: Migration = {
  name: '0012-rate-windows',
  sql: `
    CREATE TABLE rate_windows (
      id TEXT PRIMARY KEY,
      started_at BIGINT NOT NULL,
      count INTEGER NOT NULL
    );
    CREATE INDEX rate_windows_by_start ON rate_windows (started_at);
  `,
};
