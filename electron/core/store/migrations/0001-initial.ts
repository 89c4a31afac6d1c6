import type { Migration } from '../migration';

/**
 * First schema: what the core needs first — profile facts and settings as key/value, and a
 * first cut of conversations, members and messages with full-text search over the decrypted
 * text. MLS group state, reactions, receipts and assets come in later migrations.
 *
 * Choices worth knowing:
 * - Tables are STRICT so a service bug that binds the wrong type fails instead of storing it.
 * - Ids from the server or from senders are TEXT (qualified "uuid@domain" for users); times
 *   are integer milliseconds since the epoch.
 * - `messages.id` is the sender-generated message id. It is unique per conversation, which
 *   makes the receive path idempotent: a message delivered twice (crash before ack) is an
 *   `INSERT … ON CONFLICT DO NOTHING`, never a duplicate.
 * - `messages.body` holds the decrypted text (only inside this encrypted file); `content`
 *   holds the full decoded content message (CBOR) for mentions, quotes and asset metadata.
 * - `messages_fts` is an external-content FTS5 index over `body`, kept in step by triggers;
 *   `unicode61 remove_diacritics 2` makes "cafe" find "café". FTS5 secure-delete is on so
 *   the tokens of a deleted or expired message are removed from the index, not merely hidden.
 */
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE kv (
        namespace TEXT NOT NULL CHECK (namespace IN ('profile', 'settings')),
        key TEXT NOT NULL,
        value TEXT NOT NULL CHECK (json_valid(value)),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE conversations (
        id TEXT PRIMARY KEY NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('group', 'one-to-one', 'self')),
        protocol TEXT NOT NULL CHECK (protocol IN ('mls', 'proteus')),
        name TEXT,
        created_at INTEGER NOT NULL,
        last_activity_at INTEGER NOT NULL,
        message_timer_ms INTEGER CHECK (message_timer_ms IS NULL OR message_timer_ms > 0),
        muted_until INTEGER,
        archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
        left_at INTEGER
      ) STRICT;
      CREATE INDEX conversations_by_activity ON conversations (archived, last_activity_at DESC);

      CREATE TABLE conversation_members (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, user_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX conversation_members_by_user ON conversation_members (user_id);

      CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        sender_user_id TEXT NOT NULL,
        sender_client_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('text', 'asset', 'knock', 'system', 'undecryptable')),
        body TEXT,
        content BLOB,
        sent_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        edited_at INTEGER,
        deleted_at INTEGER,
        timer_ms INTEGER CHECK (timer_ms IS NULL OR timer_ms > 0),
        expires_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'received')),
        UNIQUE (conversation_id, id)
      ) STRICT;
      CREATE INDEX messages_by_conversation_time ON messages (conversation_id, sent_at, seq);
      CREATE INDEX messages_expiring ON messages (expires_at) WHERE expires_at IS NOT NULL;

      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        body,
        content = 'messages',
        content_rowid = 'seq',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);

      CREATE TRIGGER messages_fts_after_insert AFTER INSERT ON messages
      WHEN new.body IS NOT NULL BEGIN
        INSERT INTO messages_fts (rowid, body) VALUES (new.seq, new.body);
      END;
      CREATE TRIGGER messages_fts_after_delete AFTER DELETE ON messages
      WHEN old.body IS NOT NULL BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
      END;
      CREATE TRIGGER messages_fts_after_update AFTER UPDATE OF body ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body)
          SELECT 'delete', old.seq, old.body WHERE old.body IS NOT NULL;
        INSERT INTO messages_fts (rowid, body)
          SELECT new.seq, new.body WHERE new.body IS NOT NULL;
      END;
    `);
  },
};
