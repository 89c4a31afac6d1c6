import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupProgress } from '../../../electron/core/backup/backupProgress';
import { importBackup } from '../../../electron/core/backup/importBackup';
import type { ImportBackupOptions } from '../../../electron/core/backup/importBackup';
import { runningRecordReaders } from '../../../electron/core/backup/recordReaderWorker';
import type { Db } from '../../../electron/core/store/migration';
import { exportOrFail, flipped, layoutOf, PASSWORD, useTempDirs, writeVariant } from '../../fixtures/backup/backupFiles';
import { hashDatabase, historyRows, memoryStore, messageCount, OWNER, seedHistory } from '../../fixtures/backup/history';

const CHUNK = 4096;
const tempDir = useTempDirs();

// A history large enough for many batches of the worker (≈1.5 MB in 4 KiB chunks), so it runs
// ahead of the merge and waits for it, and a cancel or a damaged chunk finds it mid-file.
let source: Db;
let file: string;
let plainFile: string;
let bytes: Uint8Array;
let dir: string;
beforeAll(async () => {
  source = memoryStore();
  seedHistory(source, { conversations: 8, messages: 3000, extras: true });
  // Kept for the whole file (`tempDir` folders go after each test).
  dir = mkdtempSync(join(tmpdir(), 'cairn-backup-worker-'));
  file = join(dir, 'history.cairnbackup');
  plainFile = join(dir, 'history.jsonl');
  bytes = await exportOrFail({ db: source, file, userId: OWNER, chunkSize: CHUNK });
  await exportOrFail({ db: source, file: plainFile, userId: OWNER, protection: { kind: 'none' } });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An import that notes, at every progress report, whether the reader's worker was running. */
async function observedImport(options: Omit<ImportBackupOptions, 'userId'>) {
  const reports: BackupProgress[] = [];
  let workerSeen = false;
  const result = await importBackup({
    userId: OWNER, password: PASSWORD, ...options,
    onProgress: (p) => {
      reports.push(p);
      if (p.stage === 'copying') workerSeen ||= runningRecordReaders() === 1;
      options.onProgress?.(p);
    },
  });
  return { result, reports, workerSeen, runningAfter: runningRecordReaders() };
}

describe('reading a backup in a worker thread', () => {
  it('restores exactly what reading in the importing thread restores, with progress along the way', async () => {
    expect(layoutOf(bytes, CHUNK).chunks).toBeGreaterThan(300);
    const inWorker = memoryStore();
    const observed = await observedImport({ db: inWorker, file, recordReader: 'worker' });
    expect(observed.workerSeen).toBe(true);
    expect(observed.runningAfter).toBe(0);
    expect(observed.result).toMatchObject({ ok: true, value: { messagesAdded: 3000, conversationsAdded: 8 } });
    expect(historyRows(inWorker)).toEqual(historyRows(source));

    const inThread = memoryStore();
    const reference = await observedImport({ db: inThread, file, recordReader: 'this-thread' });
    expect(reference.workerSeen).toBe(false);
    expect(reference.result).toEqual(observed.result);
    expect(hashDatabase(inWorker)).toBe(hashDatabase(inThread));

    // Progress: several reports while copying, bytes growing to the whole file, records counted.
    const copying = observed.reports.filter((p) => p.stage === 'copying');
    expect(copying.length).toBeGreaterThan(3);
    expect(copying.map((p) => p.bytes)).toEqual([...copying.map((p) => p.bytes)].sort((a, b) => a - b));
    expect(copying.at(-1)?.bytes).toBe(bytes.length);
    expect(copying.at(-1)?.records).toBe(reference.reports.filter((p) => p.stage === 'copying').at(-1)?.records);
    expect(observed.reports.at(-1)?.stage).toBe('finishing');
  });

  it('changes nothing when the same backup is imported again', async () => {
    const db = memoryStore();
    expect((await observedImport({ db, file, recordReader: 'worker' })).result.ok).toBe(true);
    const before = hashDatabase(db);
    const again = await observedImport({ db, file, recordReader: 'worker' });
    expect(again.result).toMatchObject({ ok: true, value: { messagesAdded: 0, reactionsAdded: 0 } });
    expect(again.workerSeen).toBe(true);
    expect(hashDatabase(db)).toBe(before);
  });

  it('reads the open form in the worker too', async () => {
    const db = memoryStore();
    const observed = await observedImport({ db, file: plainFile, allowUnencrypted: true, recordReader: 'worker' });
    expect(observed.workerSeen).toBe(true);
    expect(observed.result).toMatchObject({ ok: true, value: { encrypted: false, messagesAdded: 3000 } });
    expect(historyRows(db)).toEqual(historyRows(source));
  });

  it('ends the worker and leaves the store untouched when the import is cancelled while the worker runs ahead', async () => {
    const db = memoryStore();
    seedHistory(db, { conversations: 2, messages: 30, seed: 7, prefix: 'local' });
    const before = hashDatabase(db);
    const controller = new AbortController();
    const observed = await observedImport({
      db, file, recordReader: 'worker', signal: controller.signal,
      onProgress: (p) => {
        if (p.bytes > bytes.length / 3) controller.abort();
      },
    });
    expect(observed.result).toMatchObject({ ok: false, error: { code: 'backup-cancelled' } });
    expect(observed.workerSeen).toBe(true);
    expect(observed.runningAfter).toBe(0);
    expect(hashDatabase(db)).toBe(before);
    expect(messageCount(db)).toBe(30);
    expect(db.inTransaction).toBe(false);
  });

  it('ends the worker, after the records before it were applied, when a chunk in the middle is damaged', async () => {
    const db = memoryStore();
    const before = hashDatabase(db);
    const { headerLength, sealedSize, chunks } = layoutOf(bytes, CHUNK);
    const damaged = writeVariant(tempDir(), 'damaged', flipped(bytes, headerLength + Math.floor(chunks / 2) * sealedSize + 7));
    let records = 0;
    const observed = await observedImport({ db, file: damaged, recordReader: 'worker', onProgress: (p) => (records = p.records) });
    expect(observed.result).toMatchObject({ ok: false, error: { code: 'backup-corrupt' } });
    expect(observed.workerSeen).toBe(true);
    expect(records).toBeGreaterThan(1000);
    expect(observed.runningAfter).toBe(0);
    expect(hashDatabase(db)).toBe(before);
  });

  it('ends the worker it started before the key derivation when the password is wrong', async () => {
    const db = memoryStore();
    const before = hashDatabase(db);
    const observed = await observedImport({ db, file, password: 'not the password', recordReader: 'worker' });
    expect(observed.result).toMatchObject({ ok: false, error: { code: 'backup-wrong-password' } });
    expect(observed.runningAfter).toBe(0);
    expect(hashDatabase(db)).toBe(before);
  });

  it('uses the worker on its own only for files large enough to gain from it', async () => {
    const small = await observedImport({ db: memoryStore(), file });
    expect(small.result.ok).toBe(true);
    expect(small.workerSeen).toBe(false);
  });
});
