import type { Migration } from '../../migrations/migration';

/**
 * The idempotency key of each MLS application message post, per sending device, with a digest
 * of what was posted and when: a retry of a post whose answer was lost (the server stored it,
 * the network cut the answer) is answered as the first time instead of being stored and fanned
 * out again (issue 12). Kept for a bounded time (`MESSAGE_POST_KEY_RETENTION_MS`), pruned by the
 * maintenance run; the keys go with the device.
 *
 * PostgreSQL form of SQLite's 0009-message-post-keys: BIGINT for integers (millisecond times exceed 32 bits), BYTEA for blobs, identity columns for AUTOINCREMENT.
 */
export const migration0009: Migration = {
  name: '0009-message-post-keys',
  sql: `
    CREATE TABLE message_post_keys (
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      key TEXT NOT NULL,
      conv_id TEXT NOT NULL,
      digest BYTEA NOT NULL,
      posted_at BIGINT NOT NULL,
      PRIMARY KEY (user_id, client_id, key),
      FOREIGN KEY (user_id, client_id) REFERENCES clients(user_id, id) ON DELETE CASCADE
    );
    CREATE INDEX message_post_keys_posted_at ON message_post_keys (posted_at);
  `,
};
