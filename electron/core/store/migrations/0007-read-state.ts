import type { Migration } from '../migration';

/**
 * What this user has read (for unread counts), and read receipts others sent for our messages.
 */
export const migration0007: Migration = {
  version: 7,
  name: 'read-state',
  up(db) {
    db.exec(`
      ALTER TABLE conversations ADD COLUMN last_read_seq INTEGER NOT NULL DEFAULT 0;

      CREATE TABLE receipts (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('delivered', 'read')),
        at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, message_id, user_id, kind)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
