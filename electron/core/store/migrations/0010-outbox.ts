import type { Migration } from '../migration';

/**
 * The outbox: small messages this device still owes the server, kept so that closing the app,
 * a crash or a lost connection cannot drop them (services/outbox.ts).
 *
 * - kind `delivered`: a delivery receipt owed for a message from someone else, noted in the
 *   transaction that stored the message; sent batched per conversation, then removed.
 * - kind `hide`: a "delete for me" of a message in `conversation_id`, still to be told to the
 *   user's other devices through the self-conversation; removed once sent.
 *
 * The key makes noting the same thing twice harmless. Rows go with their conversation.
 */
export const migration0010: Migration = {
  version: 10,
  name: 'outbox',
  up(db) {
    db.exec(`
      CREATE TABLE outbox (
        kind TEXT NOT NULL CHECK (kind IN ('delivered', 'hide')),
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        PRIMARY KEY (kind, conversation_id, message_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
