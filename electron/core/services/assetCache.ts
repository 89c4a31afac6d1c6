/**
 * The local cache of file messages: the *encrypted* bytes exactly as the server holds them, one
 * file per asset id. The key and hash stay in the encrypted database (seed 002, "Assets"), so a
 * copy of this folder reveals nothing; plaintext is made only on demand, into memory (previews)
 * or at the place the user chose (downloads). Sent files are cached at upload, so the sender
 * never downloads what it sent.
 *
 * An interrupted download keeps its bytes in `<id>.partial` here and resumes from them.
 */
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { CoreError } from '../ipc/errors';

/** Past this, the least recently used ciphertexts are removed (they can be fetched again). */
export const DEFAULT_CACHE_LIMIT_BYTES = 1024 * 1024 * 1024;

const ASSET_ID = /^[0-9A-Za-z_-]{1,128}$/;

export class AssetCache {
  constructor(
    readonly dir: string,
    private readonly limitBytes = DEFAULT_CACHE_LIMIT_BYTES,
  ) {}

  /** Where the complete, verified ciphertext of `assetId` lives. */
  pathOf(assetId: string): string {
    return path.join(this.dir, `${checked(assetId)}.enc`);
  }

  /** Where the bytes of an unfinished download of `assetId` are kept. */
  partialOf(assetId: string): string {
    return path.join(this.dir, `${checked(assetId)}.partial`);
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** The size of the cached ciphertext, or undefined when there is none. */
  async sizeOf(assetId: string): Promise<number | undefined> {
    try {
      const info = await stat(this.pathOf(assetId));
      return info.isFile() ? info.size : undefined;
    } catch {
      return undefined;
    }
  }

  /** Moves a complete ciphertext (verified by the caller) into the cache. */
  async adopt(assetId: string, file: string): Promise<void> {
    await this.ensureDir();
    await rename(file, this.pathOf(assetId));
  }

  /** Marks an entry as just used, so pruning keeps it longest. */
  async touch(assetId: string): Promise<void> {
    const now = new Date();
    await utimes(this.pathOf(assetId), now, now).catch(() => undefined);
  }

  async drop(assetId: string): Promise<void> {
    await rm(this.pathOf(assetId), { force: true });
    await rm(this.partialOf(assetId), { force: true });
  }

  /**
   * Removes entries whose asset is no longer known (deleted or expired messages), then the least
   * recently used ones until the cache fits its limit. `keep` is never removed.
   */
  async prune(isKnown: (assetId: string) => boolean, keep?: string): Promise<{ removed: number; bytes: number }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return { removed: 0, bytes: 0 };
    }
    const entries: Array<{ id: string; file: string; size: number; usedAt: number }> = [];
    let removed = 0;
    for (const name of names) {
      const match = /^(.+)\.(enc|partial)$/.exec(name);
      const id = match?.[1];
      if (!match || id === undefined || !ASSET_ID.test(id)) continue;
      const file = path.join(this.dir, name);
      if (!isKnown(id)) {
        await rm(file, { force: true });
        removed += 1;
        continue;
      }
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile()) entries.push({ id, file, size: info.size, usedAt: info.mtimeMs });
    }
    let bytes = entries.reduce((sum, e) => sum + e.size, 0);
    entries.sort((a, b) => a.usedAt - b.usedAt);
    for (const entry of entries) {
      if (bytes <= this.limitBytes) break;
      if (entry.id === keep) continue;
      await rm(entry.file, { force: true });
      bytes -= entry.size;
      removed += 1;
    }
    return { removed, bytes };
  }
}

function checked(assetId: string): string {
  // Asset ids come from E2EE messages: never let one name a path outside the cache.
  if (!ASSET_ID.test(assetId)) throw new CoreError('asset-bad-metadata');
  return assetId;
}
