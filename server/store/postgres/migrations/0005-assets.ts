import type { Migration } from '../../migrations/migration';

/** Asset metadata; the bytes live in files under the data folder. */
/** PostgreSQL form of SQLite's 0005-assets: BIGINT for integers (millisecond times exceed 32 bits), BYTEA for blobs, identity columns for AUTOINCREMENT. */
export const migration0005: Migration = {
  name: '0005-assets',
  sql: `
    CREATE TABLE assets (
      key TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      public BIGINT NOT NULL,
      retention TEXT NOT NULL,
      size BIGINT NOT NULL,
      token_hash TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      expires_at BIGINT
    );
    CREATE TABLE asset_shares (
      asset_key TEXT NOT NULL REFERENCES assets(key) ON DELETE CASCADE,
      conv_id TEXT NOT NULL,
      PRIMARY KEY (asset_key, conv_id)
    );
    CREATE INDEX asset_shares_by_conv ON asset_shares(conv_id);
  `,
};
