import type { Migration } from '../migration';

/**
 * Replies, mentions, "delete for me" and who left a conversation.
 *
 * - `messages.quote_id` / `quote_hash`: the message a reply quotes and the SHA-256 of the quoted
 *   text as the sender saw it, so a quote of a message edited since can be shown as such.
 * - `messages.mentions`: the mentions of a text message as JSON `[{start, length, user}]`
 *   (`user` qualified `uuid@domain`), mentions of non-members already dropped;
 *   `mentions_me` says whether one of them names this user (kept so a notification can ask).
 * - `messages.hidden_at`: hidden by this user ("delete for me"). The row stays as a tombstone
 *   without text, so a second delivery of the same message cannot bring it back.
 * - `member_departures`: users who left a group themselves (the server's word), until the
 *   commit that removes their devices is processed: that commit then reads "Bob left."
 *   instead of "Alice removed Bob.".
 */
export const migration0009: Migration = {
  version: 9,
  name: 'quotes-mentions-hide',
  up(db) {
    db.exec(`
      ALTER TABLE messages ADD COLUMN quote_id TEXT;
      ALTER TABLE messages ADD COLUMN quote_hash BLOB;
      ALTER TABLE messages ADD COLUMN mentions TEXT CHECK (mentions IS NULL OR json_valid(mentions));
      ALTER TABLE messages ADD COLUMN mentions_me INTEGER NOT NULL DEFAULT 0 CHECK (mentions_me IN (0, 1));
      ALTER TABLE messages ADD COLUMN hidden_at INTEGER;

      CREATE TABLE member_departures (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        left_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, user_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
