import type { Migration } from './migration';

/**
 * Subconversations: the MLS groups of conference calls, each tied to its conversation (issue
 * 14). A device's row stays until a commit removes its leaf (`left_at` marks one that said it
 * left), so the key generator's removal commit still finds whose leaf it removes. Deleted with
 * the conversation, and when no device is left in them.
 */
export const migration0010: Migration = {
  name: '0010-subconversations',
  sql: `
    CREATE TABLE subconversations (
      conv_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
      id TEXT NOT NULL,
      group_id BLOB NOT NULL UNIQUE,
      epoch INTEGER NOT NULL,
      epoch_started_at INTEGER NOT NULL,
      cipher_suite INTEGER NOT NULL,
      group_info BLOB,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (conv_id, id)
    );
    CREATE TABLE subconversation_clients (
      conv_id TEXT NOT NULL,
      sub_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      leaf_index INTEGER NOT NULL,
      left_at INTEGER,
      PRIMARY KEY (conv_id, sub_id, user_id, client_id),
      FOREIGN KEY (conv_id, sub_id) REFERENCES subconversations(conv_id, id) ON DELETE CASCADE
    );
  `,
};
