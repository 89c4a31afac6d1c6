import type { Migration } from '../../migrations/migration';

/**
 * Each device's MLS signature key per cipher suite, bound at its first key package upload (or,
 * for devices registered before this migration, from a key package it uploaded earlier, read at
 * the server's start: `mls/signatureKeys.ts`). Later uploads must carry the same key, and a
 * commit may add a device only with a leaf that carries it, so a member cannot hold a leaf in a
 * device's name with a key of her own (security review item 1). The key goes with the device.
 *
 * PostgreSQL form of SQLite's 0008-mls-signature-keys: BIGINT for integers (millisecond times exceed 32 bits), BYTEA for blobs, identity columns for AUTOINCREMENT.
 */
export const migration0008: Migration = {
  name: '0008-mls-signature-keys',
  sql: `
    CREATE TABLE client_mls_keys (
      user_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      cipher_suite BIGINT NOT NULL,
      signature_key BYTEA NOT NULL,
      PRIMARY KEY (user_id, client_id, cipher_suite),
      FOREIGN KEY (user_id, client_id) REFERENCES clients(user_id, id) ON DELETE CASCADE
    );
  `,
};
