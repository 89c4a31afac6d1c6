import type { Result } from '../../../protocol/result';
import { ok } from '../../../protocol/result';
import type { Db } from '../store/migration';
import { MIN_PASSPHRASE_LENGTH } from '../vault/passphraseVault';
import { loadSodium } from '../vault/sodium';
import { backupError, BackupFailure, failureResult } from './backupErrors';
import { BACKUP_FORMAT_VERSION, encodeBackupHeader, MAX_USER_ID_BYTES } from './backupHeader';
import type { BackupKdfParams } from './backupKdf';
import { backupKdfInBounds, DEFAULT_BACKUP_KDF, deriveBackupKeys, SALT_BYTES, wipeBackupKeys } from './backupKdf';
import { BackupOutputFile } from './backupOutputFile';
import type { BackupProtection, BackupStage, ProgressListener } from './backupProgress';
import { endRecordLine, startRecordLine } from './backupRecords';
import { ChunkSealer } from './chunkCipher';
import { chunkCapacity, chunkSizeInBounds, DEFAULT_CHUNK_SIZE } from './chunkFraming';
import type { HistoryPager } from '../store/backup/historyPages';
import { assetPager, beginScope, conversationPager, countHistory, memberPager, messagePager, reactionPager, receiptPager } from '../store/backup/historyPages';
import type { PayloadSink } from './payloadWriter';
import { PayloadWriter } from './payloadWriter';

export interface ExportBackupOptions {
  /** The profile's open store (`Store.db`). Only read. */
  readonly db: Db;
  /** Where the backup goes; replaced only when the export has completed. */
  readonly file: string;
  /** The signed-in user's qualified id; only this user can import the backup. */
  readonly userId: string;
  readonly protection: BackupProtection;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
  /**
   * Argon2i cost, recorded in the header. Defaults to seed 002's; tests that are not about the
   * KDF pass libsodium's minimum so they run in milliseconds.
   */
  readonly kdf?: BackupKdfParams;
  /** Plaintext bytes per encrypted chunk (recorded in the header); tests use small ones. */
  readonly chunkSize?: number;
  readonly now?: () => number;
}

export type ExportSummary = Readonly<{
  file: string;
  encrypted: boolean;
  conversations: number;
  members: number;
  messages: number;
  reactions: number;
  receipts: number;
  assets: number;
  bytes: number;
}>;

/** Rows per synchronous read; each page is a few hundred KiB of lines at most. */
const PAGE_ROWS = 1000;

/**
 * Writes the conversation history (conversations, members, messages, reactions, receipts, asset
 * keys and metadata — never private keys, MLS or Proteus state, asset bytes, nor self-deleting
 * messages) to one file: encrypted with a password by default (seed 002, "Local storage of
 * backups"), or as open JSON Lines when the user chose `none`. Streamed page by page, so
 * memory stays flat whatever the history's size; the target appears only when complete.
 *
 * Never throws for what a user can hit: `backup-password-too-short`, `backup-cancelled`,
 * `backup-io`.
 */
export async function exportBackup(options: ExportBackupOptions): Promise<Result<ExportSummary>> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const kdf = options.kdf ?? DEFAULT_BACKUP_KDF;
  // Programming errors, not user errors: the core passes the profile's id and the defaults.
  if (!chunkSizeInBounds(chunkSize) || !backupKdfInBounds(kdf)) throw new RangeError('chunk size or KDF parameters out of bounds');
  const userIdBytes = new TextEncoder().encode(options.userId).length;
  if (userIdBytes === 0 || userIdBytes > MAX_USER_ID_BYTES) throw new RangeError('user id must be 1–256 bytes');
  const { protection } = options;
  if (protection.kind === 'password' && [...protection.password.normalize('NFC')].length < MIN_PASSPHRASE_LENGTH) {
    return backupError('backup-password-too-short');
  }
  if (options.signal?.aborted) return backupError('backup-cancelled');

  let output: BackupOutputFile;
  try {
    output = await BackupOutputFile.create(options.file);
  } catch {
    return backupError('backup-io');
  }
  try {
    const summary = await writeBackup(options, output, protection, kdf, chunkSize);
    if (options.signal?.aborted) throw new BackupFailure('backup-cancelled');
    await output.commit();
    return ok(summary);
  } catch (error) {
    await output.discard().catch(() => undefined);
    return failureResult(error);
  }
}

async function writeBackup(
  options: ExportBackupOptions,
  output: BackupOutputFile,
  protection: BackupProtection,
  kdf: BackupKdfParams,
  chunkSize: number,
): Promise<ExportSummary> {
  const { db, signal } = options;
  const createdAt = Math.floor((options.now ?? Date.now)());
  const scope = beginScope(db);
  const recordsTotal = countHistory(db, scope) + 2;
  let records = 0;
  const report = (stage: BackupStage) =>
    options.onProgress?.({ stage, records, recordsTotal, bytes: output.size, bytesTotal: undefined });
  const checkCancelled = () => {
    if (signal?.aborted) throw new BackupFailure('backup-cancelled');
  };

  let sink: PayloadSink;
  let capacity: number;
  if (protection.kind === 'password') {
    report('deriving-key');
    const sodium = await loadSodium();
    const salt = sodium.randombytes_buf(SALT_BYTES);
    const keys = await deriveBackupKeys(sodium, protection.password, salt, kdf, signal);
    let sealer: ChunkSealer;
    try {
      sealer = new ChunkSealer(sodium, keys.stream, chunkSize);
      const header = encodeBackupHeader(
        { kdf, salt, chunkSize, createdAt, userId: options.userId, streamHeader: sealer.streamHeader },
        (input) => sodium.crypto_generichash(32, input, keys.check),
      );
      sealer.bindHeader(header);
      await output.write(header);
    } finally {
      wipeBackupKeys(sodium, keys);
    }
    checkCancelled();
    sink = async (payload, final) => {
      await output.write(sealer.seal(payload, final));
      report('copying');
      checkCancelled();
    };
    capacity = chunkCapacity(chunkSize);
  } else {
    sink = async (payload) => {
      await output.write(payload);
      report('copying');
      checkCancelled();
    };
    capacity = chunkSize;
  }

  const writer = new PayloadWriter(capacity, sink);
  await writer.writeLine(startRecordLine(options.userId, createdAt, BACKUP_FORMAT_VERSION));
  records++;
  const counts = { conversations: 0, members: 0, messages: 0, reactions: 0, receipts: 0, assets: 0 };
  // The order of RECORD_RANK.
  const sections: readonly [keyof typeof counts, HistoryPager][] = [
    ['conversations', conversationPager(db, scope)],
    ['members', memberPager(db, scope)],
    ['messages', messagePager(db, scope)],
    ['reactions', reactionPager(db, scope)],
    ['receipts', receiptPager(db, scope)],
    ['assets', assetPager(db, scope)],
  ];
  for (const [name, pager] of sections) {
    for (let page = pager.nextPage(PAGE_ROWS); page !== undefined; page = pager.nextPage(PAGE_ROWS)) {
      for (const line of page) await writer.writeLine(line);
      counts[name] += page.length;
      records += page.length;
      checkCancelled();
    }
  }
  await writer.writeLine(endRecordLine(counts));
  records++;
  await writer.finish();
  report('finishing');
  return { file: options.file, encrypted: protection.kind === 'password', ...counts, bytes: output.size };
}
