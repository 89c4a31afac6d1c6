import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { BackupFailure } from './backupErrors';

/**
 * Positional reads from the backup file with the size taken once at open, so the reader can
 * tell "the file ends here" (truncated) from "this piece is wrong" (damaged).
 */
export class BackupFileReader {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(file: string): Promise<BackupFileReader> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch {
      throw new BackupFailure('backup-io', 'The backup file could not be opened. Nothing was imported. Check that it exists and that you may read it.');
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new BackupFailure('backup-not-a-backup');
      return new BackupFileReader(handle, stat.size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The open descriptor, for a worker thread that reads the same file (it must stop before `close`). */
  get fd(): number {
    return this.handle.fd;
  }

  /** Up to `length` bytes at `position`; fewer only at the end of the file. */
  async read(position: number, length: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(Math.max(0, Math.min(length, this.size - position)));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await this.handle.read(buffer, filled, buffer.length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
