import { z } from 'zod';
import type { AssetRecord } from '../records';
import type { AssetRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { parseRow, parseRows } from './rows';

const AssetRowSchema = z
  .object({
    key: z.string(),
    owner: z.string(),
    public: z.number().int(),
    retention: z.enum(['eternal', 'persistent', 'volatile', 'expiring']),
    size: z.number().int(),
    token_hash: z.string(),
    created_at: z.number().int(),
    expires_at: z.number().int().nullable(),
  })
  .transform(
    (row): AssetRecord => ({
      key: row.key,
      owner: row.owner,
      public: row.public === 1,
      retention: row.retention,
      size: row.size,
      tokenHash: row.token_hash,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    }),
  );
const KeyRowSchema = z.object({ key: z.string() });

export class SqliteAssetRepository implements AssetRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async create(asset: AssetRecord, conversation: string | undefined): Promise<void> {
    this.db.transaction(() => {
      prepared(this.db, `INSERT INTO assets (key, owner, public, retention, size, token_hash, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(asset.key, asset.owner, asset.public ? 1 : 0, asset.retention, asset.size, asset.tokenHash, asset.createdAt, asset.expiresAt);
      if (conversation !== undefined) {
        prepared(this.db, 'INSERT OR IGNORE INTO asset_shares (asset_key, conv_id) VALUES (?, ?)').run(asset.key, conversation);
      }
    })();
  }

  async get(key: string): Promise<AssetRecord | undefined> {
    return parseRow(AssetRowSchema, prepared(this.db, 'SELECT * FROM assets WHERE key = ?').get(key));
  }

  async share(key: string, conversation: string): Promise<void> {
    prepared(this.db, 'INSERT OR IGNORE INTO asset_shares (asset_key, conv_id) VALUES (?, ?)').run(key, conversation);
  }

  async delete(key: string): Promise<void> {
    prepared(this.db, 'DELETE FROM assets WHERE key = ?').run(key);
  }

  async expired(now: number, limit: number): Promise<readonly string[]> {
    return parseRows(KeyRowSchema, prepared(this.db, 'SELECT key FROM assets WHERE expires_at IS NOT NULL AND expires_at < ? LIMIT ?').all(now, limit)).map(
      (row) => row.key,
    );
  }
}
