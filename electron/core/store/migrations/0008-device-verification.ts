import type { Migration } from '../migration';

/**
 * Device verification (seed 002, "Conversation and device verification states").
 *
 * - `verified_devices`: the devices this user compared out of band and marked verified. The
 *   key is user + client id + the MLS signature public key (hex): if a device's key changes,
 *   the new key is not verified, whatever the client id says.
 * - `group_devices`: the leaves of each conversation's MLS group as this device last processed
 *   them (who, and the signature key the group actually uses), so verification states and
 *   fingerprints are answered without decoding every group state.
 * - `conversations.verification`: the state last computed, kept so that a conversation that
 *   was verified becomes `degraded` (not merely `non-verified`) when an unverified device joins.
 */
export const migration0008: Migration = {
  version: 8,
  name: 'device-verification',
  up(db) {
    db.exec(`
      ALTER TABLE conversations ADD COLUMN verification TEXT NOT NULL DEFAULT 'non-verified'
        CHECK (verification IN ('non-verified', 'verified', 'degraded'));

      CREATE TABLE verified_devices (
        user_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        signature_key TEXT NOT NULL,
        verified_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, client_id, signature_key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE group_devices (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        leaf_index INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        signature_key TEXT NOT NULL,
        PRIMARY KEY (conversation_id, leaf_index)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX group_devices_by_device ON group_devices (user_id, client_id);
    `);
  },
};
