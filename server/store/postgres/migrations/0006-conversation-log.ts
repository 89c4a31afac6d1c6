import type { Migration } from '../../migrations/migration';

/**
 * Application messages are stored once per conversation instead of once per device. A device's
 * reach into a conversation's log is a range of notification ids (`from_id`, `to_id`], opened
 * when the device joins the group (and its user is a member) and closed when either ends.
 * Log ids come from the queue's sequence, so a device's notifications keep one order.
 *
 * PostgreSQL form of SQLite's 0006-conversation-log: BIGINT for integers (millisecond times exceed 32 bits), BYTEA for blobs, identity columns for AUTOINCREMENT.
 */
export const migration0006: Migration = {
  name: '0006-conversation-log',
  sql: `
    CREATE TABLE conv_log (
      id BIGINT PRIMARY KEY,
      conv_id TEXT NOT NULL,
      sender_user TEXT NOT NULL,
      sender_client TEXT NOT NULL,
      event_id BIGINT NOT NULL REFERENCES events(id),
      created_at BIGINT NOT NULL
    );
    CREATE INDEX conv_log_by_conv ON conv_log(conv_id, id);
    CREATE INDEX conv_log_by_time ON conv_log(created_at);
    CREATE INDEX conv_log_by_event ON conv_log(event_id);
    CREATE TABLE conv_reach (
      conv_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      from_id BIGINT NOT NULL,
      to_id BIGINT
    );
    CREATE INDEX conv_reach_by_client ON conv_reach(user_id, client_id);
    CREATE INDEX conv_reach_by_conv ON conv_reach(conv_id, to_id);
    INSERT INTO conv_reach (conv_id, user_id, client_id, from_id, to_id)
      SELECT g.conv_id, g.user_id, g.client_id, (SELECT coalesce(max(id), 0) FROM queue), NULL
      FROM group_clients g
      JOIN members m ON m.conv_id = g.conv_id AND m.user_id = g.user_id
      JOIN clients c ON c.user_id = g.user_id AND c.id = g.client_id;
  `,
};
