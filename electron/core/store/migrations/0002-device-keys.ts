import type { Migration } from '../migration';

/**
 * This device's own keys, kept only inside the encrypted database:
 * - `device`: one row once the device is registered — its client id at the server, the
 *   Proteus identity key pair (seed 002: long-term Ed25519 identity), and the next prekey id
 *   to hand out (ids wrap within 0..65534; 65535 is the last resort).
 * - `proteus_prekeys`: the private halves of the prekeys published at the server; a prekey is
 *   deleted when a session consumes it, except the last resort (65535).
 * - `mls_signers`: the device's MLS signature key per cipher suite.
 * - `mls_key_packages`: private parts of the key packages uploaded to the server, by their
 *   KeyPackageRef, until a Welcome uses one.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'device-keys',
  up(db) {
    db.exec(`
      CREATE TABLE device (
        singleton INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
        client_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        domain TEXT NOT NULL,
        temporary INTEGER NOT NULL CHECK (temporary IN (0, 1)),
        proteus_identity BLOB NOT NULL,
        next_prekey_id INTEGER NOT NULL CHECK (next_prekey_id BETWEEN 0 AND 65534),
        registered_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE proteus_prekeys (
        id INTEGER PRIMARY KEY NOT NULL CHECK (id BETWEEN 0 AND 65535),
        data BLOB NOT NULL
      ) STRICT;

      CREATE TABLE mls_signers (
        suite INTEGER PRIMARY KEY NOT NULL,
        data BLOB NOT NULL
      ) STRICT;

      CREATE TABLE mls_key_packages (
        ref BLOB PRIMARY KEY NOT NULL,
        suite INTEGER NOT NULL,
        data BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
