import Database from 'better-sqlite3-multiple-ciphers';
import { beforeEach, describe, expect, it } from 'vitest';
import { expireMessages, insertMessage } from '../../../electron/core/store/messages';
import { getMessage } from '../../../electron/core/toContract';
import type { AssetRecord } from '../../../electron/core/store/assets';
import { loadAsset, saveAsset, setAssetLocalPath } from '../../../electron/core/store/assets';
import type { ReadableDB } from '../../../electron/core/store/handles';
import { readable, writeTransaction } from '../../../electron/core/store/handles';
import { hideMessage } from '../../../electron/core/store/hiddenMessages';
import { applyMigrations } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';

// In-memory and unencrypted: these tests are about the rows, not the file.
const BOB = 'b0000000-0000-4000-8000-000000000002@example.test';

let db: ReadableDB;
beforeEach(() => {
  const raw = new Database(':memory:');
  raw.pragma('foreign_keys = ON');
  applyMigrations(raw, MIGRATIONS);
  raw.prepare(`INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES ('c1', 'group', 'mls', 'Team', 1, 1)`).run();
  db = readable(raw);
});

function fileMessage(id: string, extra: Readonly<{ timerMs?: number; expiresAt?: number }> = {}): AssetRecord {
  writeTransaction(db, (tx) => insertMessage(tx, { id, conversationId: 'c1', senderUser: BOB, senderClient: '02', kind: 'asset', body: `${id}.png`, content: null, sentAt: 1, receivedAt: 1, status: 'received', ...extra }));
  const asset: AssetRecord = {
    assetId: `asset-${id}`,
    domain: 'example.test',
    conversationId: 'c1',
    messageId: id,
    name: `${id}.png`,
    mime: 'image/png',
    size: 42,
    key: new Uint8Array(32).fill(7),
    sha256: new Uint8Array(32).fill(9),
    localPath: null,
  };
  writeTransaction(db, (tx) => saveAsset(tx, asset));
  return asset;
}

// Bytes as plain arrays: the driver returns Buffers, the record was made with Uint8Arrays.
const plain = (asset: AssetRecord | undefined): unknown => asset && { ...asset, key: [...asset.key], sha256: [...asset.sha256] };

describe('assets repository', () => {
  it('stores a file record once and shows it on its message', () => {
    const asset = fileMessage('m1');
    writeTransaction(db, (tx) => saveAsset(tx, { ...asset, name: 'other.png' }));
    expect(plain(loadAsset(db, asset.assetId))).toEqual(plain(asset));
    expect(getMessage(db, 'c1', 'm1')?.asset).toEqual({ id: asset.assetId, name: 'm1.png', mime: 'image/png', size: 42, savedAt: null });
    expect(loadAsset(db, 'nothing')).toBeUndefined();
  });

  it('remembers where the user saved the file', () => {
    const asset = fileMessage('m1');
    writeTransaction(db, (tx) => setAssetLocalPath(tx, asset.assetId, '/home/me/m1.png'));
    expect(loadAsset(db, asset.assetId)?.localPath).toBe('/home/me/m1.png');
    expect(getMessage(db, 'c1', 'm1')?.asset?.savedAt).toBe('/home/me/m1.png');
  });

  it('forgets the file key of a message hidden on this device or expired, and only of those', () => {
    const hidden = fileMessage('hidden');
    const expiring = fileMessage('expiring', { timerMs: 10, expiresAt: 100 });
    const kept = fileMessage('kept');
    writeTransaction(db, (tx) => hideMessage(tx, 'c1', 'hidden', 50));
    expect(expireMessages(db, 100)).toEqual([{ conversationId: 'c1', id: 'expiring' }]);
    expect(loadAsset(db, hidden.assetId)).toBeUndefined();
    expect(loadAsset(db, expiring.assetId)).toBeUndefined();
    expect(loadAsset(db, kept.assetId)?.assetId).toBe(kept.assetId);
  });
});
