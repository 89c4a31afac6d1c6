import type { Migration } from '../migration';

/**
 * Files shared in conversations: the server's asset id, and the key and SHA-256 that arrived
 * inside the E2EE message (seed 002, "Assets": as sensitive as the file itself, so only here,
 * inside the encrypted database). `local_path` is where a downloaded copy was saved.
 */
export const migration0006: Migration = {
  version: 6,
  name: 'assets',
  up(db) {
    db.exec(`
      CREATE TABLE assets (
        asset_id TEXT PRIMARY KEY NOT NULL,
        domain TEXT NOT NULL,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        name TEXT NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        key BLOB NOT NULL,
        sha256 BLOB NOT NULL,
        local_path TEXT
      ) STRICT;
      CREATE INDEX assets_by_message ON assets (conversation_id, message_id);
    `);
  },
};
