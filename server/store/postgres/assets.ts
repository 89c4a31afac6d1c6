import { z } from 'zod';
import type { AssetRecord } from '../records';
import type { AssetRepository } from '../repositories';
import { parseRow, parseRows } from '../sqlite/rows';
import type { PgDatabase } from './database';
import { inTransaction } from './database';

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

/** Asset metadata in PostgreSQL (the files stay in the data folder): the same tables as sqlite/assets.ts. */
export class PgAssetRepository implements AssetRepository {
  constructor(private readonly db: PgDatabase) {}

  async create(asset: AssetRecord, conversation: string | undefined): Promise<void> {
    await inTransaction(this.db, async (client) => {
      await client.query(
        `INSERT INTO assets (key, owner, public, retention, size, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [asset.key, asset.owner, asset.public ? 1 : 0, asset.retention, asset.size, asset.tokenHash, asset.createdAt, asset.expiresAt],
      );
      if (conversation !== undefined) {
        await client.query('INSERT INTO asset_shares (asset_key, conv_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [asset.key, conversation]);
      }
    });
  }

  async get(key: string): Promise<AssetRecord | undefined> {
    return parseRow(AssetRowSchema, (await this.db.query('SELECT * FROM assets WHERE key = $1', [key])).rows[0]);
  }

  async share(key: string, conversation: string): Promise<void> {
    await this.db.query('INSERT INTO asset_shares (asset_key, conv_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [key, conversation]);
  }

  async delete(key: string): Promise<void> {
    await this.db.query('DELETE FROM assets WHERE key = $1', [key]);
  }

  async expired(now: number, limit: number): Promise<readonly string[]> {
    const result = await this.db.query('SELECT key FROM assets WHERE expires_at IS NOT NULL AND expires_at < $1 LIMIT $2', [now, limit]);
    return parseRows(KeyRowSchema, result.rows).map((row) => row.key);
  }
}
