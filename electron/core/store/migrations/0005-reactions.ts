import type { Migration } from '../migration';

/** One reaction per person per message (seed: as Wire and Signal show them); removed by an empty emoji. */
export const migration0005: Migration = {
  version: 5,
  name: 'reactions',
  up(db) {
    db.exec(`
      CREATE TABLE reactions (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        emoji TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, message_id, user_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
