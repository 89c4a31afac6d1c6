import type { Migration } from './migration';

/**
 * Per-client notification queues. An event is stored once and referenced by every queue it was
 * fanned out to; queue ids are the monotonic notification ids clients see.
 */
export const migration0004: Migration = {
  name: '0004-notifications',
  sql: `
    CREATE TABLE events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE queue (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      event_id INTEGER NOT NULL REFERENCES events(id),
      created_at INTEGER NOT NULL
    );
    CREATE INDEX queue_by_client ON queue(user_id, client_id, id);
    CREATE INDEX queue_by_time ON queue(created_at);
    CREATE INDEX queue_by_event ON queue(event_id);
    CREATE TABLE queue_state (
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      acked_up_to INTEGER NOT NULL DEFAULT 0,
      expired_up_to INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (user_id, client_id)
    );
  `,
};
