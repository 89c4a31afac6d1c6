import type { Migration } from '../migration';

/** Names and handles of the people in this device's conversations, to show who wrote what. */
export const migration0004: Migration = {
  version: 4,
  name: 'user-profiles',
  up(db) {
    db.exec(`
      CREATE TABLE users (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        handle TEXT,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
