import type { Migration } from '../../migrations/migration';

/**
 * The leaf each device holds in its conversation's MLS ratchet tree, so that the server can tell
 * whom a commit's Remove proposals (which name leaf indices) really remove (security review
 * items 1 and 2). Existing rows stay NULL until the group's next commit fills them from the
 * stored GroupInfo's ratchet tree (`conversations/leaves.ts`); SQL cannot read MLS.
 *
 * PostgreSQL form of SQLite's 0007-leaf-indices: BIGINT for integers (millisecond times exceed 32 bits), BYTEA for blobs, identity columns for AUTOINCREMENT.
 */
export const migration0007: Migration = {
  name: '0007-leaf-indices',
  sql: `
    ALTER TABLE group_clients ADD COLUMN leaf_index BIGINT;
  `,
};
