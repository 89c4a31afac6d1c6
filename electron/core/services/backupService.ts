/**
 * Backups of the conversation history for the signed-in user (see docs/backup-format.md):
 * one operation at a time, progress as `backup.progress` events, cancellable. During an import
 * the notification stream is paused, because the import holds one transaction open on the
 * store's only connection and any other write would join it (electron/core/backup).
 */
import path from 'node:path';
import { exportBackup, importBackup, inspectBackup } from '../backup';
import type { BackupProgress } from '../backup';
import type { EventHub } from '../events';
import { CoreError } from '../ipc/errors';
import type { Logger } from '../log';
import type { Db } from '../store/migration';

export interface BackupOwner {
  readonly db: Db;
  /** `uuid@domain` of the signed-in user. */
  readonly userId: string;
  /** Stops every other writer until the returned function is called. */
  readonly pauseWriters: () => Promise<() => Promise<void>>;
}

export class BackupService {
  private running: AbortController | undefined;

  constructor(
    private readonly owner: () => Promise<BackupOwner>,
    private readonly events: EventHub,
    private readonly log: Logger,
  ) {}

  async inspect(file: string) {
    const info = await inspectBackup(absolute(file));
    if (!info.ok) throw CoreError.from(info.error);
    return { encrypted: info.value.encrypted, userId: info.value.userId, createdAt: info.value.createdAt, version: info.value.version };
  }

  async export(file: string, password: string | undefined) {
    const owner = await this.owner();
    return this.exclusive('export', async (signal, onProgress) => {
      const result = await exportBackup({
        db: owner.db,
        file: absolute(file),
        userId: owner.userId,
        protection: password === undefined ? { kind: 'none' } : { kind: 'password', password },
        signal,
        onProgress,
      });
      if (!result.ok) throw CoreError.from(result.error);
      const { conversations, members, messages, reactions, receipts, assets, bytes, encrypted } = result.value;
      return { file: result.value.file, encrypted, conversations, members, messages, reactions, receipts, assets, bytes };
    });
  }

  async import(file: string, password: string | undefined, allowUnencrypted: boolean) {
    const owner = await this.owner();
    return this.exclusive('import', async (signal, onProgress) => {
      const resume = await owner.pauseWriters();
      try {
        const result = await importBackup({
          db: owner.db,
          file: absolute(file),
          userId: owner.userId,
          ...(password === undefined ? {} : { password }),
          allowUnencrypted,
          signal,
          onProgress,
        });
        if (!result.ok) throw CoreError.from(result.error);
        const { conversationsAdded, membersAdded, messagesAdded, reactionsAdded, receiptsAdded, assetsAdded, recordsSkipped, encrypted, createdAt } =
          result.value;
        return { conversationsAdded, membersAdded, messagesAdded, reactionsAdded, receiptsAdded, assetsAdded, recordsSkipped, encrypted, createdAt };
      } finally {
        await resume();
        this.events.conversationChanged('*');
      }
    });
  }

  /** Whether an export or import is running (signing out waits for it: the wipe would pull the store from under it). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  cancel(): { cancelled: boolean } {
    if (!this.running) return { cancelled: false };
    this.running.abort();
    return { cancelled: true };
  }

  private async exclusive<T>(
    operation: 'export' | 'import',
    work: (signal: AbortSignal, onProgress: (progress: BackupProgress) => void) => Promise<T>,
  ): Promise<T> {
    if (this.running) throw new CoreError('backup-busy');
    const controller = new AbortController();
    this.running = controller;
    const onProgress = (progress: BackupProgress): void =>
      this.events.emit('backup.progress', {
        operation,
        stage: progress.stage,
        records: progress.records,
        recordsTotal: progress.recordsTotal ?? null,
        bytes: progress.bytes,
        bytesTotal: progress.bytesTotal ?? null,
      });
    try {
      return await work(controller.signal, onProgress);
    } catch (error) {
      this.log.warn('backup failed', { operation, error });
      throw error;
    } finally {
      this.running = undefined;
    }
  }
}

function absolute(file: string): string {
  if (!path.isAbsolute(file)) throw new CoreError('ipc-invalid-request', 'A backup file must be given as an absolute path.');
  return file;
}
