/** The keys and hashes of files sent and received (table `assets`), and file types by name. */
import { z } from 'zod';
import type { Db } from '../store/migration';

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

export function saveAsset(db: Db, asset: Omit<AssetRecord, 'localPath'> & { localPath: string | null }): void {
  db.prepare(
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

export function loadAsset(db: Db, assetId: string): AssetRecord | undefined {
  const row: unknown = db.prepare('SELECT * FROM assets WHERE asset_id = ?').get(assetId);
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

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.zip': 'application/zip',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
};

/** A MIME type from the file name; unknown types are plain bytes (never guessed from content). */
export function mimeTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 ? MIME_BY_EXTENSION[name.slice(dot).toLowerCase()] : undefined) ?? 'application/octet-stream';
}

