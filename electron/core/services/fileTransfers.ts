/**
 * Receiving files: saving a downloaded file where the user chose, and image previews for the
 * file cards. Both start from the encrypted bytes in the local cache (assetCache.ts), fetched
 * from the server (resuming an interrupted download) only when the cache has none. The SHA-256
 * from the E2EE message is checked over the whole ciphertext before a byte is decrypted, every
 * time, so a damaged cache entry is noticed, dropped and fetched again.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { decryptAssetBytes, decryptAssetFile, verifyAssetFile } from '../crypto/assets/assetCipher';
import type { EventHub } from '../events';
import { CoreError } from '../ipc/errors';
import type { Logger } from '../log';
import type { ApiClient } from '../net/apiClient';
import { downloadAsset } from '../net/assetTransfer';
import type { AssetRecord } from '../store/assets';
import { loadAsset, setAssetLocalPath } from '../store/assets';
import type { ReadableDB } from '../store/handles';
import { writeTransaction } from '../store/handles';
import { AssetCache } from './assetCache';
import { applyDownloadMark, downloadMark } from './downloadMark';
import { checkSaveTarget } from './filePaths';

/** Largest image the core decrypts into memory for a preview. */
export const PREVIEW_MAX_BYTES = 20 * 1024 * 1024;
/** AES-CBC adds the 16-byte IV and at most one 16-byte block of padding. */
const CIPHER_OVERHEAD = 32;
/** Progress events at most this often per transfer (and always the last one). */
const PROGRESS_INTERVAL_MS = 100;

/** Image types a preview is made for; anything else is offered as a download only. */
const PREVIEW_TYPES: Readonly<Record<string, (bytes: Uint8Array) => boolean>> = {
  'image/png': (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  'image/gif': (b) => startsWith(b, [0x47, 0x49, 0x46, 0x38]),
  'image/webp': (b) => startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b.subarray(8), [0x57, 0x45, 0x42, 0x50]),
};

export interface FileDevice {
  readonly api: ApiClient;
  readonly db: ReadableDB;
  readonly filesDir: string;
  readonly profileDir: string;
}

export interface ProgressIds {
  readonly transferId: string;
  readonly conversationId: string;
  readonly name: string;
  readonly assetId: string | null;
  readonly messageId: string | null;
}

export class FileTransfers {
  readonly cache: AssetCache;
  /** One fetch per asset at a time: a preview and a download of the same file share it. */
  private readonly fetching = new Map<string, Promise<void>>();

  constructor(
    private readonly device: FileDevice,
    private readonly events: EventHub,
    private readonly log: Logger,
  ) {
    this.cache = new AssetCache(path.join(device.filesDir, 'cache'));
  }

  /** A `file.progress` reporter for one transfer, throttled so a large file does not flood the UI. */
  progress(direction: 'upload' | 'download', ids: ProgressIds): (done: number, total: number | undefined) => void {
    let last = 0;
    return (done, total) => {
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS && done !== total) return;
      last = now;
      this.events.emit('file.progress', { direction, ...ids, done, total: total ?? null });
    };
  }

  /**
   * Saves the decrypted file at `outPath` (checked: a file in an existing folder, outside the
   * profile) and marks it as downloaded (downloadMark.ts). Resumes an interrupted download; uses
   * the cache when it has the file.
   */
  async download(assetId: string, outPath: string): Promise<{ path: string; size: number }> {
    const asset = this.asset(assetId);
    const target = await checkSaveTarget(outPath, this.device.profileDir);
    const { plainSize } = await this.fromCiphertext(asset, undefined, (cipherPath) => decryptAssetFile(cipherPath, target, asset.key, asset.sha256));
    if (!(await applyDownloadMark(target, downloadMark(process.platform, Date.now())))) {
      this.log.warn('the file system did not keep the download mark of a saved file');
    }
    writeTransaction(this.device.db, (tx) => setAssetLocalPath(tx, assetId, target));
    return { path: target, size: plainSize };
  }

  /**
   * The decrypted bytes of an image file message, for the UI to show through a blob: URL.
   * Refused for other types (by the sender's declared type and by the decrypted bytes' magic
   * number) and past PREVIEW_MAX_BYTES. Nothing decrypted is written to disk.
   */
  async preview(assetId: string): Promise<{ mime: string; bytes: Uint8Array<ArrayBuffer> }> {
    const asset = this.asset(assetId);
    const matches = PREVIEW_TYPES[asset.mime];
    if (!matches) throw new CoreError('asset-not-image');
    if (asset.size > PREVIEW_MAX_BYTES) {
      throw new CoreError('asset-preview-too-large');
    }
    const bytes = await this.fromCiphertext(asset, PREVIEW_MAX_BYTES + CIPHER_OVERHEAD, async (cipherPath) =>
      decryptAssetBytes(await readFile(cipherPath), asset.key, asset.sha256),
    );
    if (!matches(bytes)) throw new CoreError('asset-not-image', 'This file is not the image it claims to be. Download it to open it.');
    return { mime: asset.mime, bytes };
  }

  /** Removes cached ciphertexts of deleted messages and the oldest ones past the cache's limit. */
  async prune(keep?: string): Promise<void> {
    const result = await this.cache.prune((id) => loadAsset(this.device.db, id) !== undefined, keep);
    if (result.removed > 0) this.log.info('pruned the file cache', result);
  }

  private asset(assetId: string): AssetRecord {
    const asset = loadAsset(this.device.db, assetId);
    if (!asset) throw new CoreError('asset-not-found');
    return asset;
  }

  /**
   * Runs `use` on the verified ciphertext of `asset`: the cached copy when there is one (a
   * damaged copy is dropped and fetched again), otherwise a fresh or resumed download.
   */
  private async fromCiphertext<T>(asset: AssetRecord, maxBytes: number | undefined, use: (cipherPath: string) => Promise<T>): Promise<T> {
    const cachedSize = await this.cache.sizeOf(asset.assetId);
    if (cachedSize !== undefined) {
      refuseOver(maxBytes, cachedSize);
      try {
        const result = await use(this.cache.pathOf(asset.assetId));
        await this.cache.touch(asset.assetId);
        return result;
      } catch (error) {
        if (!(error instanceof CoreError) || error.code !== 'asset-hash-mismatch') throw error;
        this.log.warn('a cached file was damaged; fetching it again', { assetId: asset.assetId });
        await this.cache.drop(asset.assetId);
      }
    }
    await this.fetch(asset, maxBytes);
    // A download without a limit may have fetched it for us: the limit still holds here.
    refuseOver(maxBytes, (await this.cache.sizeOf(asset.assetId)) ?? 0);
    const result = await use(this.cache.pathOf(asset.assetId));
    await this.prune(asset.assetId).catch((error: unknown) => this.log.warn('pruning the file cache failed', { error }));
    return result;
  }

  private fetch(asset: AssetRecord, maxBytes: number | undefined): Promise<void> {
    const running = this.fetching.get(asset.assetId);
    if (running) return running;
    const work = this.fetchOnce(asset, maxBytes).finally(() => this.fetching.delete(asset.assetId));
    this.fetching.set(asset.assetId, work);
    return work;
  }

  /** Downloads (or resumes) the ciphertext, checks its hash, and moves it into the cache. */
  private async fetchOnce(asset: AssetRecord, maxBytes: number | undefined): Promise<void> {
    await this.cache.ensureDir();
    const partial = this.cache.partialOf(asset.assetId);
    const onProgress = this.progress('download', {
      transferId: randomUUID(),
      conversationId: asset.conversationId,
      name: asset.name,
      assetId: asset.assetId,
      messageId: asset.messageId,
    });
    try {
      const result = await downloadAsset(this.device.api, asset.assetId, partial, { onProgress, ...(maxBytes === undefined ? {} : { maxBytes }) });
      if (result.resumedFrom > 0) this.log.info('resumed a download', { assetId: asset.assetId, resumedFrom: result.resumedFrom, fetched: result.fetched });
    } catch (error) {
      // A dropped connection keeps the bytes for the next try; anything else starts over.
      if (!(error instanceof CoreError) || error.code !== 'network-unreachable') await rm(partial, { force: true });
      if (error instanceof CoreError && error.code === 'asset-too-large' && maxBytes !== undefined) {
        throw new CoreError('asset-preview-too-large');
      }
      throw error;
    }
    // Verified here once, so that what sits in the cache is what the sender sent.
    try {
      await verifyAssetFile(partial, asset.sha256);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    await this.cache.adopt(asset.assetId, partial);
  }
}

function refuseOver(maxBytes: number | undefined, size: number): void {
  if (maxBytes !== undefined && size > maxBytes) {
    throw new CoreError('asset-preview-too-large');
  }
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}
