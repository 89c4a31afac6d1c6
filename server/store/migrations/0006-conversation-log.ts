import type { Migration } from './migration';

/**
 * Application messages are stored once per conversation instead of once per device. A device's
 * reach into a conversation's log is a range of notification ids (`from_id`, `to_id`], opened
 * when the device joins the group (and its user is a member) and closed when either ends.
 * Log ids come from the queue's sequence, so a device's notifications keep one order.
 */
export const migration0006: Migration = {
  name: '0006-conversation-log',
  sql: `
    CREATE TABLE conv_log (
      id INTEGER PRIMARY KEY,
      conv_id TEXT NOT NULL,
      sender_user TEXT NOT NULL,
      sender_client TEXT NOT NULL,
      event_id INTEGER NOT NULL REFERENCES events(id),
      created_at INTEGER NOT NULL
    );
    CREATE INDEX conv_log_by_conv ON conv_log(conv_id, id);
    CREATE INDEX conv_log_by_time ON conv_log(created_at);
    CREATE INDEX conv_log_by_event ON conv_log(event_id);
    CREATE TABLE conv_reach (
      conv_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      from_id INTEGER NOT NULL,
      to_id INTEGER
    );
    CREATE INDEX conv_reach_by_client ON conv_reach(user_id, client_id);
    CREATE INDEX conv_reach_by_conv ON conv_reach(conv_id, to_id);
    INSERT INTO conv_reach (conv_id, user_id, client_id, from_id, to_id)
      SELECT g.conv_id, g.user_id, g.client_id, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'queue'), 0), NULL
      FROM group_clients g
      JOIN members m ON m.conv_id = g.conv_id AND m.user_id = g.user_id
      JOIN clients c ON c.user_id = g.user_id AND c.id = g.client_id;
  `,
};
