import type { Migration } from './migration';

/**
 * Rate-limit windows (`http/rateLimit.ts`) and the sign-in throttle's failures per (account,
 * address) pair and per address (`auth/loginThrottle.ts`): one fixed-window counter per bucket and key, kept in
 * the database so that several server instances on one PostgreSQL count together (issue 18), and
 * a restart does not hand out a fresh window.
 */
export const migration0012: Migration = {
  name: '0012-shared-limits',
  sql: `
    CREATE TABLE rate_windows (
      id TEXT PRIMARY KEY,
      started_at INTEGER NOT NULL,
      count INTEGER NOT NULL
    );
    CREATE INDEX rate_windows_by_start ON rate_windows (started_at);
    CREATE TABLE login_pairs (
      id TEXT PRIMARY KEY,
      failures INTEGER NOT NULL,
      last_failure INTEGER NOT NULL
    );
    CREATE INDEX login_pairs_by_time ON login_pairs (last_failure);
    CREATE TABLE login_budgets (
      id TEXT PRIMARY KEY,
      started_at INTEGER NOT NULL,
      failures INTEGER NOT NULL
    );
    CREATE INDEX login_budgets_by_start ON login_budgets (started_at);
  `,
};
