import type { Result } from '../../../protocol/result';
import { ok } from '../../../protocol/result';
import { BackupFailure, failureResult } from './backupErrors';
import { BackupFileReader } from './backupFileReader';
import { BACKUP_FORMAT_VERSION } from './backupHeader';
import { backupStartRecord } from './backupRecords';
import { sniffBackup } from './backupSource';
import { LineSplitter } from './lineSplitter';

export type BackupInfo = Readonly<{
  encrypted: boolean;
  userId: string;
  /** When the backup was made (ms since the epoch). */
  createdAt: number;
  version: number;
}>;

/** Enough of the first line of an open-format backup to read its start record. */
const FIRST_LINE_BYTES = 4096;

/**
 * What a backup file says about itself, without a password and without touching the store:
 * lets the UI ask for a password only when needed and show "backup of <date>". Nothing read
 * here is authenticated yet; `importBackup` checks it all again.
 */
export async function inspectBackup(file: string): Promise<Result<BackupInfo>> {
  let reader: BackupFileReader;
  try {
    reader = await BackupFileReader.open(file);
  } catch (error) {
    return failureResult(error);
  }
  try {
    const sniffed = await sniffBackup(reader);
    if (sniffed.kind === 'encrypted') {
      const { header } = sniffed;
      return ok({ encrypted: true, userId: header.userId, createdAt: header.createdAt, version: header.version });
    }
    const [line] = new LineSplitter().push(await reader.read(0, FIRST_LINE_BYTES));
    let json: unknown;
    try {
      json = JSON.parse(line ?? '');
    } catch {
      throw new BackupFailure('backup-not-a-backup');
    }
    const start = backupStartRecord.safeParse(json);
    if (!start.success) throw new BackupFailure('backup-not-a-backup');
    if (start.data.version > BACKUP_FORMAT_VERSION) throw new BackupFailure('backup-newer-version');
    return ok({ encrypted: false, userId: start.data.userId, createdAt: start.data.createdAt, version: start.data.version });
  } catch (error) {
    return failureResult(error);
  } finally {
    await reader.close().catch(() => undefined);
  }
}
