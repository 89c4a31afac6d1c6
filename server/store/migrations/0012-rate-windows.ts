import type { Migration } from './migration';

/**
 * Rate-limit windows (`http/rateLimit.ts`): one fixed-window counter per bucket and key, kept in
 * the database so that several server instances on one PostgreSQL count together (issue 18), and
 * a restart does not hand out a fresh window.
 */
export const migration0012: Migration = {
  name: '0012-rate-windows',
  sql: `
    CREATE TABLE rate_windows (
      id TEXT PRIMARY KEY,
      started_at INTEGER NOT NULL,
      count INTEGER NOT NULL
    );
    CREATE INDEX rate_windows_by_start ON rate_windows (started_at);
  `,
};
