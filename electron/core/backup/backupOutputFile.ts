import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The streamed sibling of `vault/atomicFile.ts` (which writes one buffer): a backup is written
 * to a hidden temporary file beside the target and renamed over it only when complete and
 * fsynced, so a cancelled or failed export leaves no partial file under the chosen name, and a
 * crash leaves either the old file or the new one. Created readable by the owner only: even an
 * encrypted backup says who made it and when.
 */
export class BackupOutputFile {
  private position = 0;

  private constructor(
    readonly target: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(target: string): Promise<BackupOutputFile> {
    const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', 0o600);
    return new BackupOutputFile(target, temp, handle);
  }

  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset, this.position);
      offset += bytesWritten;
      this.position += bytesWritten;
    }
  }

  get size(): number {
    return this.position;
  }

  /** fsync, close, rename over the target, fsync the folder so the rename itself is durable. */
  async commit(): Promise<void> {
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    await rename(this.temp, this.target);
    await syncFolder(dirname(this.target));
  }

  /** Removes the temporary file; safe to call after a failed write or commit. */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temp, { force: true });
  }
}

async function syncFolder(folder: string): Promise<void> {
  // Windows cannot open a folder for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
