import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importBackup } from '../../../electron/core/backup/importBackup';
import { runningRecordReaders } from '../../../electron/core/backup/recordReaderWorker';
import type { Db } from '../../../electron/core/store/migration';
import { encodeBackupHeader, HEADER_CHECKSUM_BYTES, headerChecksum } from '../../../electron/core/backup/backupHeader';
import { exportOrFail, flipped, layoutOf, PASSWORD, useTempDirs, writeVariant } from '../../fixtures/backup/backupFiles';
import { hashDatabase, memoryStore, OWNER, seedHistory, STRANGER } from '../../fixtures/backup/history';

const CHUNK = 4096;
const tempDir = useTempDirs();

// One backup of a small history, split into many 4 KiB chunks; each test damages a copy and
// imports it into a store that already holds some history of its own.
let backup: Uint8Array;
let plain: Uint8Array;
beforeAll(async () => {
  const source = memoryStore();
  seedHistory(source, { conversations: 5, messages: 400, extras: true });
  const dir = tempDir();
  backup = await exportOrFail({ db: source, file: join(dir, 'history.cairnbackup'), userId: OWNER, chunkSize: CHUNK });
  plain = await exportOrFail({ db: source, file: join(dir, 'history.jsonl'), userId: OWNER, protection: { kind: 'none' } });
});

function targetStore(): Db {
  const db = memoryStore();
  seedHistory(db, { conversations: 2, messages: 30, seed: 99, prefix: 'local' });
  return db;
}

/** Imports `bytes` into a store with history of its own; returns the error code and whether the store was left untouched. */
async function refusalIn(
  bytes: Uint8Array,
  options: { userId?: string; password?: string; recordReader: 'worker' | 'this-thread' },
): Promise<{ code: string | undefined; untouched: boolean }> {
  const db = targetStore();
  const before = hashDatabase(db);
  const file = writeVariant(tempDir(), 'variant', bytes);
  const result = await importBackup({ db, file, userId: options.userId ?? OWNER, password: options.password ?? PASSWORD, allowUnencrypted: true, recordReader: options.recordReader });
  // The reader's worker thread, if one ran, has ended by the time the import answers.
  expect(runningRecordReaders()).toBe(0);
  return { code: result.ok ? undefined : result.error.code, untouched: hashDatabase(db) === before && !db.inTransaction };
}

// Every refusal twice: the file read, decrypted and parsed in the importer's thread, and in the reader's worker thread.
describe.each(['this-thread', 'worker'] as const)('refusing a damaged or foreign backup, leaving the database untouched (reading in %s)', (recordReader) => {
  const refusal = (bytes: Uint8Array, options: { userId?: string; password?: string } = {}) => refusalIn(bytes, { ...options, recordReader });

  it('has a layout with several chunks to damage', () => {
    expect(layoutOf(backup, CHUNK).chunks).toBeGreaterThan(10);
  });

  it('refuses a flipped byte anywhere in the header as damaged', async () => {
    const { headerLength } = layoutOf(backup, CHUNK);
    for (let at = 8; at < headerLength; at += 3) {
      expect(await refusal(flipped(backup, at)), `header byte ${at}`).toEqual({ code: 'backup-corrupt', untouched: true });
    }
  });

  it('says "not a backup" when the magic itself is damaged', async () => {
    expect(await refusal(flipped(backup, 2))).toEqual({ code: 'backup-not-a-backup', untouched: true });
  });

  it('refuses a flipped byte in the first, a middle and the last chunk as damaged', async () => {
    const { headerLength, sealedSize, chunks } = layoutOf(backup, CHUNK);
    for (const chunk of [0, Math.floor(chunks / 2), chunks - 1]) {
      for (const offset of [0, 100, sealedSize - 1]) {
        const at = headerLength + chunk * sealedSize + offset;
        expect(await refusal(flipped(backup, at)), `chunk ${chunk} offset ${offset}`).toEqual({ code: 'backup-corrupt', untouched: true });
      }
    }
  });

  it('refuses chunks swapped, dropped or repeated as damaged', async () => {
    const { headerLength, sealedSize } = layoutOf(backup, CHUNK);
    const chunk = (i: number) => backup.subarray(headerLength + i * sealedSize, headerLength + (i + 1) * sealedSize);
    const header = backup.subarray(0, headerLength);
    const rest = backup.subarray(headerLength + 3 * sealedSize);
    const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
    expect((await refusal(join(header, chunk(0), chunk(2), chunk(1), rest))).code).toBe('backup-corrupt');
    expect((await refusal(join(header, chunk(0), chunk(2), rest))).code).toBe('backup-corrupt');
    expect((await refusal(join(header, chunk(0), chunk(1), chunk(1), chunk(2), rest))).code).toBe('backup-corrupt');
  });

  it('refuses a file cut anywhere as truncated: inside the header, at a chunk boundary, inside a chunk, before the final chunk', async () => {
    const { headerLength, sealedSize, chunks } = layoutOf(backup, CHUNK);
    const cuts = [5, 30, headerLength, headerLength + sealedSize, headerLength + 3 * sealedSize + 50, headerLength + (chunks - 1) * sealedSize, backup.length - 1];
    for (const cut of cuts) {
      expect(await refusal(backup.subarray(0, cut)), `cut at ${cut}`).toEqual({ code: 'backup-truncated', untouched: true });
    }
  });

  it('refuses bytes appended after the final chunk as damaged', async () => {
    expect(await refusal(Uint8Array.from([...backup, 0]))).toEqual({ code: 'backup-corrupt', untouched: true });
  });

  it('refuses a wrong password', async () => {
    expect(await refusal(backup, { password: 'correct horse battery!' })).toEqual({ code: 'backup-wrong-password', untouched: true });
  });

  it('asks for the password of an encrypted backup instead of guessing', async () => {
    expect(await refusal(backup, { password: '' })).toEqual({ code: 'backup-password-required', untouched: true });
  });

  it("refuses another user's backup, encrypted or not", async () => {
    expect(await refusal(backup, { userId: STRANGER })).toEqual({ code: 'backup-other-user', untouched: true });
    expect(await refusal(plain, { userId: STRANGER })).toEqual({ code: 'backup-other-user', untouched: true });
  });

  it("refuses another user's backup before deriving the key", async () => {
    // A header that asks for the most expensive KDF the reader allows (12 passes over 256 MiB,
    // seconds of work): answering at once proves the user id is checked first.
    const header = encodeBackupHeader(
      { kdf: { opsLimit: 12, memLimitBytes: 256 * 1024 * 1024 }, salt: new Uint8Array(16), chunkSize: CHUNK, createdAt: 1, userId: STRANGER, streamHeader: new Uint8Array(24) },
      () => new Uint8Array(32),
    );
    const started = performance.now();
    expect(await refusal(header)).toEqual({ code: 'backup-other-user', untouched: true });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('refuses a backup from a newer format version, encrypted or not', async () => {
    const newer = backup.slice();
    newer[8] = 3;
    const { headerLength } = layoutOf(backup, CHUNK);
    newer.set(headerChecksum(newer.subarray(0, headerLength - HEADER_CHECKSUM_BYTES)), headerLength - HEADER_CHECKSUM_BYTES);
    expect(await refusal(newer)).toEqual({ code: 'backup-newer-version', untouched: true });
    const text = new TextDecoder().decode(plain).replace('"version":2', '"version":3');
    expect(await refusal(new TextEncoder().encode(text))).toEqual({ code: 'backup-newer-version', untouched: true });
  });

  it('refuses files that are not backups', async () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    for (const bytes of [new Uint8Array(0), encode('hello'), encode('{"name":"package.json"}\n'), encode('{"name":"no newline"}'), new Uint8Array(5000).fill(0x89), encode('CAIRNBAK')]) {
      const { code, untouched } = await refusal(bytes);
      expect(untouched).toBe(true);
      expect(code, new TextDecoder().decode(bytes.subarray(0, 20))).toBe(bytes.length === 8 ? 'backup-truncated' : 'backup-not-a-backup');
    }
  });

  it('refuses an unencrypted backup cut short as truncated, and a damaged line as damaged', async () => {
    const text = new TextDecoder().decode(plain);
    const lines = text.split('\n');
    const withoutEnd = `${lines.slice(0, -2).join('\n')}\n`;
    expect(await refusal(new TextEncoder().encode(withoutEnd))).toEqual({ code: 'backup-truncated', untouched: true });
    expect(await refusal(plain.subarray(0, plain.length - 40))).toEqual({ code: 'backup-truncated', untouched: true });
    const damaged = text.replace('"kind":"text"', '"kind":"texx"');
    expect(await refusal(new TextEncoder().encode(damaged))).toEqual({ code: 'backup-corrupt', untouched: true });
  });

  it('refuses reactions, receipts and file records that belong to no message in the file, and counts that do not match', async () => {
    const text = new TextDecoder().decode(plain);
    const replaceFirst = (type: string, field: string, value: string) => {
      const start = text.indexOf(`{"type":"${type}"`);
      expect(start).toBeGreaterThan(0);
      const end = text.indexOf('\n', start);
      const record: unknown = JSON.parse(text.slice(start, end));
      if (typeof record !== 'object' || record === null) throw new TypeError('not a record');
      return new TextEncoder().encode(`${text.slice(0, start)}${JSON.stringify({ ...record, [field]: value })}${text.slice(end)}`);
    };
    for (const type of ['reaction', 'receipt', 'asset']) {
      expect(await refusal(replaceFirst(type, 'messageId', 'no-such-message')), type).toEqual({ code: 'backup-corrupt', untouched: true });
      expect(await refusal(replaceFirst(type, 'conversationId', 'no-such-conversation')), type).toEqual({ code: 'backup-corrupt', untouched: true });
    }
    expect(await refusal(replaceFirst('asset', 'key', 'ab'.repeat(16)))).toEqual({ code: 'backup-corrupt', untouched: true });
    expect(await refusal(replaceFirst('conversation', 'lastReadMessageId', 'no-such-message'))).toEqual({ code: 'backup-corrupt', untouched: true });
    const fewerReactions = text.replace(/"reactions":(\d+)/, (_, n: string) => `"reactions":${Number(n) - 1}`);
    expect(await refusal(new TextEncoder().encode(fewerReactions))).toEqual({ code: 'backup-corrupt', untouched: true });
    const lines = text.trimEnd().split('\n');
    const firstAsset = lines.findIndex((line) => line.startsWith('{"type":"asset"'));
    expect(lines[firstAsset - 1]).toMatch(/^\{"type":"receipt"/);
    const assetBeforeReceipt = [...lines.slice(0, firstAsset - 1), lines[firstAsset], lines[firstAsset - 1], ...lines.slice(firstAsset + 1)];
    expect(await refusal(new TextEncoder().encode(`${assetBeforeReceipt.join('\n')}\n`))).toEqual({ code: 'backup-corrupt', untouched: true });
  });

  it('refuses a file that is missing as an I/O problem', async () => {
    const result = await importBackup({ db: targetStore(), file: `${tempDir()}/nope`, userId: OWNER, password: PASSWORD });
    expect(result.ok ? undefined : result.error.code).toBe('backup-io');
  });
});
