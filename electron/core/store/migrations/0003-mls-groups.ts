import type { Migration } from '../migration';

/**
 * MLS group state per conversation, stored in the same transaction as the messages that the
 * state change produced or consumed (ARCHITECTURE.md: "Group state persisted in the encrypted
 * store after every change"). `qualified_id` keeps the server's conversation domain.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'mls-groups',
  up(db) {
    db.exec(`
      ALTER TABLE conversations ADD COLUMN domain TEXT NOT NULL DEFAULT '';

      CREATE TABLE mls_groups (
        conversation_id TEXT PRIMARY KEY NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        group_id BLOB NOT NULL,
        epoch INTEGER NOT NULL,
        state BLOB NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
