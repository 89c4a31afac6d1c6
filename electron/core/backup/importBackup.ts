import { z } from 'zod';
import type { Result } from '../../../protocol/result';
import { ok } from '../../../protocol/result';
import type { Db } from '../store/migration';
import { loadSodium } from '../vault/sodium';
import { backupError, BackupFailure, failureResult } from './backupErrors';
import { BackupFileReader } from './backupFileReader';
import { BACKUP_FORMAT_VERSION } from './backupHeader';
import type { BackupKeys } from './backupKdf';
import { deriveBackupKeys, wipeBackupKeys } from './backupKdf';
import type { BackupStage, ProgressListener } from './backupProgress';
import type { BackupStartRecord } from './backupRecords';
import { BACKUP_FORMAT_NAME, backupStartRecord, parseHistoryRecord } from './backupRecords';
import type { SniffedBackup } from './backupSource';
import { encryptedPayload, keyMatchesHeader, plainPayload, sniffBackup } from './backupSource';
import { DEFAULT_CHUNK_SIZE } from './chunkFraming';
import { DECIDE_AFTER_MESSAGES, DeferredIndexes, worthDeferring } from '../store/backup/deferredIndexes';
import { useRollbackJournal } from '../store/backup/importJournal';
import { beginImport, commitImport, rollbackImport, widenPageCache } from '../store/backup/importTransaction';
import type { MergeCounts } from '../store/backup/historyMerge';
import { HistoryMerge } from '../store/backup/historyMerge';
import { workerPays, WorkerRecordSource } from './recordReaderWorker';
import type { RecordSource } from './recordSource';
import { ThreadRecordSource } from './recordSource';

export interface ImportBackupOptions {
  /** The profile's open store (`Store.db`). See `importBackup` for what the caller must pause. */
  readonly db: Db;
  readonly file: string;
  /** The signed-in user's qualified id; a backup made by anyone else is refused. */
  readonly userId: string;
  /** Needed for an encrypted backup; ignored for the open format. */
  readonly password?: string;
  /**
   * The open format carries no authentication: anyone can write a file that claims to be the
   * user's history. Importing one is the user's explicit choice, confirmed in the UI
   * (`inspectBackup` tells beforehand); without it the import stops with `backup-unencrypted`.
   */
  readonly allowUnencrypted?: boolean;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
  /**
   * Where the file is read, decrypted and split into lines: `auto` (the app's choice) uses a
   * worker thread for large files on a machine with more than one core (`workerPays`), so that
   * work overlaps the merge; tests and the bench choose one to compare both.
   */
  readonly recordReader?: 'auto' | 'worker' | 'this-thread';
}

export type ImportSummary = MergeCounts &
  Readonly<{
    encrypted: boolean;
    /** When the backup was made (ms since the epoch). */
    createdAt: number;
  }>;

/**
 * Merges a backup into the store: all of it in one transaction, or nothing. Streamed chunk by
 * chunk (memory stays flat for any size); a large file is read, decrypted and split into lines
 * in a worker thread while this one merges (recordReaderWorker.ts). An import that will add many more messages than the
 * store holds drops the secondary indexes it does not need inside that transaction and builds
 * them again before the commit (deferredIndexes.ts). The user id is checked before the key derivation and
 * again inside the authenticated payload; a wrong password is told apart from a damaged file
 * by the header's key check. Importing the same backup again changes nothing (see
 * `HistoryMerge`).
 *
 * The caller must know: the transaction stays open across the awaits of the import, on the
 * store's one connection. Pause every other writer on this store (the receive pipeline, as the
 * app lock does) until the promise settles — otherwise their writes would join this transaction
 * and be rolled back with it on failure. Reads meanwhile see the import in progress.
 *
 * Never throws for what a user can hit; codes: `backup-wrong-password`,
 * `backup-password-required`, `backup-corrupt`, `backup-truncated`, `backup-other-user`,
 * `backup-newer-version`, `backup-not-a-backup`, `backup-unencrypted`, `backup-cancelled`,
 * `backup-busy`, `backup-io`.
 */
export async function importBackup(options: ImportBackupOptions): Promise<Result<ImportSummary>> {
  if (options.signal?.aborted) return backupError('backup-cancelled');
  let reader: BackupFileReader;
  try {
    reader = await BackupFileReader.open(options.file);
  } catch (error) {
    return failureResult(error);
  }
  try {
    return ok(await runImport(options, reader));
  } catch (error) {
    return failureResult(error);
  } finally {
    await reader.close().catch(() => undefined);
  }
}

async function runImport(options: ImportBackupOptions, reader: BackupFileReader): Promise<ImportSummary> {
  const { db, signal } = options;
  let records = 0;
  let bytes = 0;
  const report = (stage: BackupStage) => options.onProgress?.({ stage, records, recordsTotal: undefined, bytes, bytesTotal: reader.size });
  const checkCancelled = () => {
    if (signal?.aborted) throw new BackupFailure('backup-cancelled');
  };

  const sniffed = await sniffBackup(reader);
  let keys: BackupKeys | undefined;
  const sodium = await loadSodium();
  const mode = options.recordReader ?? 'auto';
  const inWorker = mode === 'worker' || (mode === 'auto' && workerPays(reader.size));
  let worker: WorkerRecordSource | undefined;
  let source: RecordSource | undefined;
  try {
    if (sniffed.kind === 'encrypted') {
      const { header } = sniffed;
      // seed 002: only the user who made a backup may import it — checked before the slow KDF.
      if (header.userId !== options.userId) throw new BackupFailure('backup-other-user');
      if (options.password === undefined || options.password.length === 0) throw new BackupFailure('backup-password-required');
      checkCancelled();
      // Started before the key derivation, so its start-up overlaps it (recordReaderWorker.ts).
      if (inWorker) worker = WorkerRecordSource.start(reader, sniffed);
      report('deriving-key');
      keys = await deriveBackupKeys(sodium, options.password, header.salt, header.kdf, signal);
      if (!keyMatchesHeader(sodium, header, keys)) throw new BackupFailure('backup-wrong-password');
      checkCancelled();
    } else if (inWorker) {
      worker = WorkerRecordSource.start(reader, sniffed);
    }
    if (worker !== undefined && (await worker.ready())) {
      worker.begin(sniffed, keys);
      source = worker;
    } else {
      await worker?.close();
      source = new ThreadRecordSource(sniffed.kind === 'encrypted' && keys !== undefined ? encryptedPayload(sodium, reader, sniffed.header, keys) : plainPayload(reader, DEFAULT_CHUNK_SIZE));
    }

    if (db.inTransaction) throw new BackupFailure('backup-busy');
    const restoreJournal = useRollbackJournal(db);
    try {
      beginImport(db);
    } catch {
      restoreJournal();
      throw new BackupFailure('backup-busy');
    }
    const restoreCache = widenPageCache(db);
    try {
      const merge = new HistoryMerge(db);
      const indexes = new DeferredIndexes(db);
      let indexesDecided = false;
      let bytesBeforeMessages = 0;
      let start: BackupStartRecord | undefined;
      for await (const batch of source.batches()) {
        for (const line of batch.lines) {
          if (start === undefined) {
            start = parseStart(line, sniffed, options.userId);
            if (sniffed.kind === 'plain' && options.allowUnencrypted !== true) throw new BackupFailure('backup-unencrypted');
          } else {
            applyLine(merge, line, start.version);
          }
          records++;
        }
        bytes = batch.position;
        const progress = merge.messageProgress;
        if (progress.messagesSeen === 0) bytesBeforeMessages = bytes;
        else if (!indexesDecided && (progress.messagesSeen >= DECIDE_AFTER_MESSAGES || progress.messagesDone)) {
          indexesDecided = true;
          if (worthDeferring({ ...progress, bytesBeforeMessages, bytesRead: bytes, bytesTotal: reader.size })) indexes.drop();
        }
        report('copying');
        checkCancelled();
        // Someone else ended this transaction (see the contract above): nothing can be promised.
        if (!db.inTransaction) throw new BackupFailure('backup-busy');
      }
      // An authenticated stream that ends mid-record was written wrongly; an open file was cut.
      const incomplete = sniffed.kind === 'encrypted' ? 'backup-corrupt' : 'backup-truncated';
      const rest = source.rest();
      // A one-line file without its newline: still say what it is (not a backup, someone else's).
      if (start === undefined && rest !== '') parseStart(rest, sniffed, options.userId);
      if (rest !== '' || start === undefined || !merge.complete) throw new BackupFailure(incomplete);
      report('finishing');
      indexes.restore();
      commitImport(db);
      return { ...merge.counts, encrypted: sniffed.kind === 'encrypted', createdAt: start.createdAt };
    } catch (error) {
      rollbackImport(db);
      throw error;
    } finally {
      restoreCache();
      restoreJournal();
    }
  } finally {
    if (keys !== undefined) wipeBackupKeys(sodium, keys);
    // Before the file closes: the worker reads through its descriptor.
    await worker?.close();
    await source?.close();
  }
}


const versionProbe = z.looseObject({ type: z.literal('backup'), format: z.literal(BACKUP_FORMAT_NAME), version: z.number() });

/**
 * The first record. In the open format it is the only thing that says "this is a backup", so
 * anything unexpected there is `backup-not-a-backup`; inside an encrypted file it must repeat
 * the authenticated header exactly.
 */
function parseStart(line: string, sniffed: SniffedBackup, userId: string): BackupStartRecord {
  const unexpected = sniffed.kind === 'plain' ? 'backup-not-a-backup' : 'backup-corrupt';
  const json = parseJson(line, unexpected);
  const probe = versionProbe.safeParse(json);
  if (probe.success && probe.data.version > BACKUP_FORMAT_VERSION) throw new BackupFailure('backup-newer-version');
  const parsed = backupStartRecord.safeParse(json);
  if (!parsed.success || parsed.data.version < 1) throw new BackupFailure(unexpected);
  const start = parsed.data;
  if (sniffed.kind === 'encrypted') {
    const { header } = sniffed;
    if (start.userId !== header.userId || start.createdAt !== header.createdAt || start.version !== header.version) {
      throw new BackupFailure('backup-corrupt');
    }
  } else if (start.userId !== userId) {
    throw new BackupFailure('backup-other-user');
  }
  return start;
}

function applyLine(merge: HistoryMerge, line: string, version: number): void {
  const record = parseHistoryRecord(version, parseJson(line, 'backup-corrupt'));
  if (record === undefined) throw new BackupFailure('backup-corrupt');
  try {
    merge.apply(record);
  } catch (error) {
    if (error instanceof BackupFailure) throw error;
    // A record the schema accepted but the database refused (a constraint) is bad data;
    // anything else (disk full, I/O) is the machine's.
    throw new BackupFailure(isConstraintError(error) ? 'backup-corrupt' : 'backup-io');
  }
}

function parseJson(line: string, code: 'backup-corrupt' | 'backup-not-a-backup'): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new BackupFailure(code);
  }
}

function isConstraintError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('SQLITE_CONSTRAINT');
}
