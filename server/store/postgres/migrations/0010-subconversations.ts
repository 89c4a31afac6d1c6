import type { Migration } from '../../migrations/migration';

/**
 * Subconversations: the MLS groups of conference calls, each tied to its conversation (issue 14).
 *
 * PostgreSQL form of SQLite's 0010-subconversations: BIGINT for integers (millisecond times exceed 32 bits), BYTEA for blobs.
 */
export const migration0010: Migration = {
  name: '0010-subconversations',
  sql: `
    CREATE TABLE subconversations (
      conv_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
      id TEXT NOT NULL,
      group_id BYTEA NOT NULL UNIQUE,
      epoch BIGINT NOT NULL,
      epoch_started_at BIGINT NOT NULL,
      cipher_suite INTEGER NOT NULL,
      group_info BYTEA,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (conv_id, id)
    );
    CREATE TABLE subconversation_clients (
      conv_id TEXT NOT NULL,
      sub_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      leaf_index INTEGER NOT NULL,
      left_at BIGINT,
      PRIMARY KEY (conv_id, sub_id, user_id, client_id),
      FOREIGN KEY (conv_id, sub_id) REFERENCES subconversations(conv_id, id) ON DELETE CASCADE
    );
  `,
};
