import type { Migration } from '../../migrations/migration';

/** Conversations, their members (users with roles) and the clients in each MLS group. */
/** PostgreSQL form of SQLite's 0003-conversations: BIGINT for integers (millisecond times exceed 32 bits), BYTEA for blobs, identity columns for AUTOINCREMENT. */
export const migration0003: Migration = {
  name: '0003-conversations',
  sql: `
    CREATE TABLE conversations (
      id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      name TEXT,
      creator TEXT NOT NULL,
      group_id BYTEA NOT NULL UNIQUE,
      epoch BIGINT NOT NULL,
      cipher_suite BIGINT NOT NULL,
      message_timer BIGINT,
      group_info BYTEA,
      one2one_key TEXT UNIQUE,
      created_at BIGINT NOT NULL
    );
    CREATE TABLE members (
      conv_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
      user_id TEXT NOT NULL,
      role TEXT NOT NULL,
      PRIMARY KEY (conv_id, user_id)
    );
    CREATE INDEX members_by_user ON members(user_id);
    CREATE TABLE group_clients (
      conv_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      PRIMARY KEY (conv_id, user_id, client_id)
    );
  `,
};
