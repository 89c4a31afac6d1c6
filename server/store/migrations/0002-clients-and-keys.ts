import type { Migration } from './migration';

/** Devices, their Proteus prekeys and their MLS key packages. */
export const migration0002: Migration = {
  name: '0002-clients-and-keys',
  sql: `
    CREATE TABLE clients (
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      id TEXT NOT NULL,
      type TEXT NOT NULL,
      class TEXT NOT NULL,
      model TEXT,
      label TEXT,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (user_id, id)
    );
    CREATE TABLE prekeys (
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      id INTEGER NOT NULL,
      key TEXT NOT NULL,
      PRIMARY KEY (user_id, client_id, id),
      FOREIGN KEY (user_id, client_id) REFERENCES clients(user_id, id) ON DELETE CASCADE
    );
    CREATE TABLE key_packages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      cipher_suite INTEGER NOT NULL,
      data BLOB NOT NULL,
      FOREIGN KEY (user_id, client_id) REFERENCES clients(user_id, id) ON DELETE CASCADE
    );
    CREATE INDEX key_packages_by_client ON key_packages(user_id, client_id, cipher_suite, seq);
  `,
};
