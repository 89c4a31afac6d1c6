import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBackup } from '../../../electron/core/backup/exportBackup';
import { importBackup } from '../../../electron/core/backup/importBackup';
import { runningRecordReaders } from '../../../electron/core/backup/recordReaderWorker';
import type { ImportBackupOptions } from '../../../electron/core/backup/importBackup';
import { generateDbKey } from '../../../electron/core/store/dbKey';
import type { Store } from '../../../electron/core/store/openStore';
import { openStore } from '../../../electron/core/store/openStore';
import { FAST_KDF, flipped, layoutOf, PASSWORD, writeVariant } from '../../fixtures/backup/backupFiles';
import { extraCounts, hashDatabase, hasIndex, historyRows, messageCount, OWNER, schemaOf, seedHistory } from '../../fixtures/backup/history';
import type { Db } from '../../../electron/core/store/migration';

const MESSAGES = 100_000;
// The history is seeded with reactions, receipts, files and read positions as well (format version 2).
const stores: Store[] = [];
let root: string;
let source: Store;
let encryptedFile: string;
let plainFile: string;

/** A real profile database: SQLCipher file, WAL, synchronous=FULL, as the app opens it. */
function freshStore(name: string): Store {
  const result = openStore(join(root, `${name}.db`), generateDbKey());
  if (!result.ok) throw new Error(result.error.code);
  stores.push(result.value);
  return result.value;
}

/**
 * Imports while sampling RSS at every progress report; returns the result, time, peak RSS growth
 * (the reader's worker thread included: it lives in this process) and whether that worker ran.
 */
async function measuredImport(options: ImportBackupOptions) {
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  let inWorker = false;
  const started = performance.now();
  const result = await importBackup({ ...options, onProgress: (p) => {
    peak = Math.max(peak, process.memoryUsage().rss);
    if (p.stage === 'copying') inWorker ||= runningRecordReaders() === 1;
    options.onProgress?.(p);
  } });
  return { result, ms: performance.now() - started, rssGrowthMb: (peak - rssBefore) / 1e6, inWorker };
}

function rowsMismatch(a: Db, b: Db): number[] {
  const left = historyRows(a);
  const right = historyRows(b);
  const mismatched: number[] = [];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (JSON.stringify(left[i]) !== JSON.stringify(right[i])) mismatched.push(i);
    if (mismatched.length > 5) break;
  }
  return mismatched;
}

beforeAll(async () => {
  // One folder for the whole file: the 100 000-message source is seeded once and shared.
  root = mkdtempSync(join(tmpdir(), 'cairn-backup-100k-'));
  source = freshStore('source');
  seedHistory(source.db, { conversations: 200, messages: MESSAGES, extras: true });
  encryptedFile = join(root, 'history.cairnbackup');
  plainFile = join(root, 'history.jsonl');
  const started = performance.now();
  const encrypted = await exportBackup({ db: source.db, file: encryptedFile, userId: OWNER, protection: { kind: 'password', password: PASSWORD }, kdf: FAST_KDF });
  const exportMs = performance.now() - started;
  const plain = await exportBackup({ db: source.db, file: plainFile, userId: OWNER, protection: { kind: 'none' } });
  if (!encrypted.ok || !plain.ok) throw new Error('export failed');
  process.stdout.write(`backup of ${MESSAGES} messages: export ${exportMs.toFixed(0)} ms, ${(statSync(encryptedFile).size / 1e6).toFixed(1)} MB\n`);
});

afterAll(() => {
  for (const store of stores.splice(0)) store.close();
  rmSync(root, { recursive: true, force: true });
});

describe(`backup of ${MESSAGES} messages on an encrypted profile database`, () => {
  it('restores every row identically into a new profile, in bounded memory', async () => {
    const restored = freshStore('restored');
    const schemaBefore = schemaOf(restored.db);
    const { result, ms, rssGrowthMb, inWorker } = await measuredImport({ db: restored.db, file: encryptedFile, userId: OWNER, password: PASSWORD });
    process.stdout.write(`import ${ms.toFixed(0)} ms, peak RSS growth ${rssGrowthMb.toFixed(0)} MB\n`);
    // A file this large is read, decrypted and split in a worker thread (recordReaderWorker.ts).
    expect(inWorker).toBe(true);
    expect(runningRecordReaders()).toBe(0);
    const extras = extraCounts(source.db);
    expect(extras.reactions).toBeGreaterThan(10_000);
    expect(result).toMatchObject({
      ok: true,
      value: { messagesAdded: MESSAGES, conversationsAdded: 200, reactionsAdded: extras.reactions, receiptsAdded: extras.receipts, assetsAdded: extras.assets },
    });
    expect(extraCounts(restored.db)).toEqual(extras);
    expect(messageCount(restored.db)).toBe(MESSAGES);
    expect(rowsMismatch(source.db, restored.db)).toEqual([]);
    // The indexes dropped for the import were built again, from every row.
    expect(schemaOf(restored.db)).toEqual(schemaBefore);
    expect(restored.db.pragma('integrity_check', { simple: true })).toBe('ok');
    // The 56 MB file is never held whole (that alone would be > 100 MB of strings and records).
    expect(rssGrowthMb).toBeLessThan(100);

    const before = hashDatabase(restored.db);
    const again = await importBackup({ db: restored.db, file: encryptedFile, userId: OWNER, password: PASSWORD });
    expect(again).toMatchObject({ ok: true, value: { messagesAdded: 0, recordsSkipped: expect.any(Number) } });
    expect(hashDatabase(restored.db)).toBe(before);
  });

  it('restores the unencrypted export identically too', async () => {
    const restored = freshStore('restored-plain');
    const { result, inWorker } = await measuredImport({ db: restored.db, file: plainFile, userId: OWNER, allowUnencrypted: true });
    expect(result).toMatchObject({ ok: true, value: { messagesAdded: MESSAGES } });
    expect(inWorker).toBe(true);
    expect(rowsMismatch(source.db, restored.db)).toEqual([]);
  });

  it('rolls back tens of thousands of inserted rows when the last chunk turns out damaged', async () => {
    const target = freshStore('damaged-target');
    seedHistory(target.db, { conversations: 3, messages: 500, prefix: 'local', seed: 3 });
    const before = hashDatabase(target.db);
    const schemaBefore = schemaOf(target.db);
    const bytes = new Uint8Array(readFileSync(encryptedFile));
    const { headerLength, sealedSize, chunks } = layoutOf(bytes, 64 * 1024);
    const damaged = writeVariant(root, 'damaged', flipped(bytes, headerLength + (chunks - 1) * sealedSize + 10));
    let records = 0;
    let indexDropped = false;
    const result = await importBackup({ db: target.db, file: damaged, userId: OWNER, password: PASSWORD, onProgress: (p) => {
      records = p.records;
      indexDropped ||= !hasIndex(target.db, 'messages_by_conversation_time');
    } });
    expect(result).toMatchObject({ ok: false, error: { code: 'backup-corrupt' } });
    expect(records).toBeGreaterThan(MESSAGES / 2);
    expect(runningRecordReaders()).toBe(0);
    // 100 000 new messages against 500 stored: the import had dropped the index; the rollback brought it back.
    expect(indexDropped).toBe(true);
    expect(schemaOf(target.db)).toEqual(schemaBefore);
    expect(hashDatabase(target.db)).toBe(before);
  });

  it('writes through a rollback journal that holds no plaintext, and a crash in the middle opens as the profile before it', async () => {
    const key = generateDbKey();
    const opened = openStore(join(root, 'crash-target.db'), key);
    if (!opened.ok) throw new Error(opened.error.code);
    const target = opened.value;
    stores.push(target);
    seedHistory(target.db, { conversations: 3, messages: 500, prefix: 'local', seed: 6 });
    const before = hashDatabase(target.db);
    const schemaBefore = schemaOf(target.db);
    const copy = join(root, 'crash-copy.db');
    let copied: { journalMode: unknown; journal: Buffer } | undefined;
    const result = await importBackup({
      db: target.db, file: encryptedFile, userId: OWNER, password: PASSWORD,
      onProgress: (p) => {
        // Late enough that the page cache has spilled pages into the database file itself.
        if (copied !== undefined || p.bytes < (p.bytesTotal ?? Infinity) * 0.9) return;
        // The files as a power cut would leave them: nothing runs on the connection during a progress report.
        copyFileSync(target.file, copy);
        copyFileSync(`${target.file}-journal`, `${copy}-journal`);
        copied = { journalMode: target.db.pragma('journal_mode', { simple: true }), journal: readFileSync(`${target.file}-journal`) };
      },
    });
    expect(result).toMatchObject({ ok: true, value: { messagesAdded: MESSAGES } });
    expect(copied?.journalMode).toBe('delete');
    expect(copied?.journal.length).toBeGreaterThan(0);
    // Every local message body contains " message "; the journal keeps pages encrypted like the database.
    expect(copied?.journal.includes(Buffer.from(' message '))).toBe(false);
    expect(readFileSync(copy).includes(Buffer.from(' message '))).toBe(false);
    // Afterwards the store is back in WAL mode and no journal is left behind.
    expect(target.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(existsSync(`${target.file}-journal`)).toBe(false);

    const reopened = openStore(copy, key);
    if (!reopened.ok) throw new Error(reopened.error.code);
    stores.push(reopened.value);
    expect(hashDatabase(reopened.value.db)).toBe(before);
    expect(schemaOf(reopened.value.db)).toEqual(schemaBefore);
    expect(reopened.value.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(reopened.value.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('leaves the profile untouched when the import is cancelled halfway', async () => {
    const target = freshStore('cancel-target');
    seedHistory(target.db, { conversations: 3, messages: 500, prefix: 'local', seed: 4 });
    const before = hashDatabase(target.db);
    const schemaBefore = schemaOf(target.db);
    const controller = new AbortController();
    let indexDropped = false;
    const result = await importBackup({
      db: target.db, file: encryptedFile, userId: OWNER, password: PASSWORD, signal: controller.signal,
      onProgress: (p) => {
        indexDropped ||= !hasIndex(target.db, 'messages_by_conversation_time');
        if (p.bytes > (p.bytesTotal ?? Infinity) / 2) controller.abort();
      },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'backup-cancelled' } });
    // The reader's worker, waiting for the merge to catch up when the cancel came, has ended.
    expect(runningRecordReaders()).toBe(0);
    expect(indexDropped).toBe(true);
    expect(schemaOf(target.db)).toEqual(schemaBefore);
    expect(target.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(hashDatabase(target.db)).toBe(before);
    expect(messageCount(target.db)).toBe(500);
  });
});
