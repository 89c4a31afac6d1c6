import type { Migration } from './migration';

/** Asset metadata; the bytes live in files under the data folder. */
export const migration0005: Migration = {
  name: '0005-assets',
  sql: `
    CREATE TABLE assets (
      key TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      public INTEGER NOT NULL,
      retention TEXT NOT NULL,
      size INTEGER NOT NULL,
      token_hash TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER
    );
    CREATE TABLE asset_shares (
      asset_key TEXT NOT NULL REFERENCES assets(key) ON DELETE CASCADE,
      conv_id TEXT NOT NULL,
      PRIMARY KEY (asset_key, conv_id)
    );
    CREATE INDEX asset_shares_by_conv ON asset_shares(conv_id);
  `,
};
