/**
 * Table `assets`: the key and hash of each file sent or received (one row per file message), and
 * where the user saved a copy. The only code that touches it besides the backup's bulk pages and
 * merge (backup/historyPages.ts, backup/historyMerge.ts).
 */
import { z } from 'zod';
import type { ReadableDB, WritableDB } from './handles';
import { cachedStatement } from './statements';

export interface AssetRecord {
  readonly assetId: string;
  readonly domain: string;
  readonly conversationId: string;
  readonly messageId: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly key: Uint8Array;
  readonly sha256: Uint8Array;
  readonly localPath: string | null;
}

/** Stores a file's record once: the asset id decides, a second delivery changes nothing. */
export function saveAsset(tx: WritableDB, asset: AssetRecord): void {
  cachedStatement(
    tx,
    `INSERT INTO assets (asset_id, domain, conversation_id, message_id, name, mime, size, key, sha256, local_path)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (asset_id) DO NOTHING`,
  ).run(asset.assetId, asset.domain, asset.conversationId, asset.messageId, asset.name, asset.mime, asset.size, asset.key, asset.sha256, asset.localPath);
}

const AssetRowSchema = z.object({
  asset_id: z.string(),
  domain: z.string(),
  conversation_id: z.string(),
  message_id: z.string(),
  name: z.string(),
  mime: z.string(),
  size: z.number(),
  key: z.instanceof(Uint8Array),
  sha256: z.instanceof(Uint8Array),
  local_path: z.string().nullable(),
});

export function loadAsset(db: ReadableDB, assetId: string): AssetRecord | undefined {
  const row: unknown = cachedStatement(db, 'SELECT * FROM assets WHERE asset_id = ?').get(assetId);
  if (row === undefined) return undefined;
  const r = AssetRowSchema.parse(row);
  return {
    assetId: r.asset_id,
    domain: r.domain,
    conversationId: r.conversation_id,
    messageId: r.message_id,
    name: r.name,
    mime: r.mime,
    size: r.size,
    key: r.key,
    sha256: r.sha256,
    localPath: r.local_path,
  };
}

/** Remembers where the user saved a decrypted copy (shown on the file card). */
export function setAssetLocalPath(tx: WritableDB, assetId: string, localPath: string): void {
  cachedStatement(tx, 'UPDATE assets SET local_path = ? WHERE asset_id = ?').run(localPath, assetId);
}

/** Forgets the file key of one message (hidden on this device): without it the file can never be decrypted here again. */
export function removeAssetOf(tx: WritableDB, conversationId: string, messageId: string): void {
  cachedStatement(tx, 'DELETE FROM assets WHERE conversation_id = ? AND message_id = ?').run(conversationId, messageId);
}

/** Forgets the file keys of the messages that expired at `deletedAt` (messages.deleted_at). */
export function removeAssetsOfMessagesDeletedAt(tx: WritableDB, deletedAt: number): void {
  cachedStatement(tx, 'DELETE FROM assets WHERE (conversation_id, message_id) IN (SELECT conversation_id, id FROM messages WHERE deleted_at = ?)').run(deletedAt);
}

/**
 * For a message query over `messages <alias>`: the file columns (`asset_id`, `asset_name`,
 * `asset_mime`, `asset_size`, `asset_path`, all NULL for a message without a file) and the join
 * that brings them, so a page of messages costs one statement.
 */
export function assetColumns(alias: string): Readonly<{ columns: string; join: string }> {
  return {
    columns: `${alias}_a.asset_id, ${alias}_a.name AS asset_name, ${alias}_a.mime AS asset_mime, ${alias}_a.size AS asset_size, ${alias}_a.local_path AS asset_path`,
    join: `LEFT JOIN assets ${alias}_a ON ${alias}_a.conversation_id = ${alias}.conversation_id AND ${alias}_a.message_id = ${alias}.id`,
  };
}

/** A column for a query over `messages <alias>`: `has_asset`, 1 when the message carries a file record. */
export function hasAssetColumn(alias: string): string {
  return `EXISTS (SELECT 1 FROM assets a WHERE a.conversation_id = ${alias}.conversation_id AND a.message_id = ${alias}.id) AS has_asset`;
}
