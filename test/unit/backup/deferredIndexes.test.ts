import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImportPosition } from '../../../electron/core/store/backup/deferredIndexes';
import { DECIDE_AFTER_MESSAGES, DEFERRABLE_INDEXES, expectedNewMessages, worthDeferring } from '../../../electron/core/store/backup/deferredIndexes';
import { MESSAGE_SEQ_LOOKUP } from '../../../electron/core/store/backup/historyMerge';
import { importBackup } from '../../../electron/core/backup/importBackup';
import type { Db } from '../../../electron/core/store/migration';
import { exportOrFail, flipped, layoutOf, PASSWORD, useTempDirs, writeVariant } from '../../fixtures/backup/backupFiles';
import { hashDatabase, hasIndex, historyRows, memoryStore, messageCount, OWNER, schemaOf, seedHistory } from '../../fixtures/backup/history';

const tempDir = useTempDirs();
const CHUNK = 4096;
const TIME_INDEX = 'messages_by_conversation_time';

/** A version-2 backup of `messages` messages (with reactions, receipts and files) in small chunks. */
async function backupOf(messages: number): Promise<{ file: string; source: Db }> {
  const source = memoryStore();
  seedHistory(source, { conversations: 20, messages, extras: true });
  const file = join(tempDir(), 'history.cairnbackup');
  await exportOrFail({ db: source, file, userId: OWNER, chunkSize: CHUNK });
  return { file, source };
}

/** Imports, noting at every progress report whether the conversation-time index was there. */
async function importWatchingIndex(db: Db, file: string, signal?: AbortSignal, onGone?: () => void) {
  const present: boolean[] = [];
  const result = await importBackup({
    db, file, userId: OWNER, password: PASSWORD, ...(signal === undefined ? {} : { signal }),
    onProgress: () => {
      const there = hasIndex(db, TIME_INDEX);
      present.push(there);
      if (!there) onGone?.();
    },
  });
  return { result, present };
}

function integrity(db: Db): unknown {
  return db.pragma('integrity_check', { simple: true });
}

describe('indexes an import drops and builds again', () => {
  it('looks messages up by their unique key, never through an index an import may drop', () => {
    const db = memoryStore();
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${MESSAGE_SEQ_LOOKUP}`).all('c', 'm');
    expect(JSON.stringify(plan)).toContain('sqlite_autoindex_messages_1');
    for (const name of DEFERRABLE_INDEXES) {
      expect(JSON.stringify(plan)).not.toContain(name);
      // Not unique, so no ON CONFLICT target of the merge can be one of them.
      const [table] = /ON (\w+)/.exec(String(db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").pluck().get(name)))?.slice(1) ?? [];
      const listed = db.pragma(`index_list(${String(table)})`) as Array<{ name: string; unique: number }>;
      expect(listed.find((index) => index.name === name)).toMatchObject({ unique: 0 });
    }
  });

  it('drops the conversation-time index while restoring into an empty store and builds it again before the commit', async () => {
    const { file, source } = await backupOf(3000);
    const target = memoryStore();
    const schemaBefore = schemaOf(target);
    const { result, present } = await importWatchingIndex(target, file);
    expect(result).toMatchObject({ ok: true, value: { messagesAdded: 3000 } });
    expect(present).toContain(false);
    expect(present[0]).toBe(true);
    expect(schemaOf(target)).toEqual(schemaBefore);
    expect(integrity(target)).toBe('ok');
    expect(historyRows(target)).toEqual(historyRows(source));
    // The rebuilt index serves the history of a conversation again.
    const plan = target.prepare('EXPLAIN QUERY PLAN SELECT * FROM messages WHERE conversation_id = ? ORDER BY sent_at, seq').all('c');
    expect(JSON.stringify(plan)).toContain(TIME_INDEX);
  });

  it('keeps the indexes when the import adds few messages compared with those stored, or none at all', async () => {
    const { file } = await backupOf(DECIDE_AFTER_MESSAGES + 500);
    const target = memoryStore();
    seedHistory(target, { conversations: 5, messages: 6000, prefix: 'local', seed: 5 });
    const first = await importWatchingIndex(target, file);
    expect(first.result).toMatchObject({ ok: true, value: { messagesAdded: DECIDE_AFTER_MESSAGES + 500 } });
    expect(first.present.every(Boolean)).toBe(true);

    // The same backup again into a store that held nothing: dropped the first time, not the second (nothing is new).
    const empty = memoryStore();
    expect((await importWatchingIndex(empty, file)).present).toContain(false);
    const again = await importWatchingIndex(empty, file);
    expect(again.result).toMatchObject({ ok: true, value: { messagesAdded: 0 } });
    expect(again.present.every(Boolean)).toBe(true);
  });

  it('leaves schema and data as they were when an import is cancelled after the index was dropped', async () => {
    const { file } = await backupOf(4000);
    const target = memoryStore();
    seedHistory(target, { conversations: 2, messages: 30, prefix: 'local', seed: 9, extras: true });
    const schemaBefore = schemaOf(target);
    const dataBefore = hashDatabase(target);
    const controller = new AbortController();
    const { result, present } = await importWatchingIndex(target, file, controller.signal, () => controller.abort());
    expect(present).toContain(false);
    expect(result).toMatchObject({ ok: false, error: { code: 'backup-cancelled' } });
    expect(target.inTransaction).toBe(false);
    expect(schemaOf(target)).toEqual(schemaBefore);
    expect(hashDatabase(target)).toBe(dataBefore);
    expect(integrity(target)).toBe('ok');
  });

  it('leaves schema and data as they were when the file turns out damaged after the index was dropped', async () => {
    const { file } = await backupOf(4000);
    const bytes = new Uint8Array(readFileSync(file));
    const { headerLength, sealedSize, chunks } = layoutOf(bytes, CHUNK);
    const damaged = writeVariant(tempDir(), 'damaged', flipped(bytes, headerLength + (chunks - 2) * sealedSize + 10));
    const target = memoryStore();
    seedHistory(target, { conversations: 2, messages: 30, prefix: 'local', seed: 9, extras: true });
    const schemaBefore = schemaOf(target);
    const dataBefore = hashDatabase(target);
    const { result, present } = await importWatchingIndex(target, damaged);
    expect(present).toContain(false);
    expect(result).toMatchObject({ ok: false, error: { code: 'backup-corrupt' } });
    expect(schemaOf(target)).toEqual(schemaBefore);
    expect(hashDatabase(target)).toBe(dataBefore);
    expect(messageCount(target)).toBe(30);
    expect(integrity(target)).toBe('ok');
  });
});

describe('how many messages an import will add', () => {
  const position: ImportPosition = {
    storedMessages: 1000,
    messagesSeen: 2048,
    messagesWritten: 2048,
    messagesAdded: 2048,
    messagesDone: false,
    bytesBeforeMessages: 10_000,
    bytesRead: 10_000 + 2048 * 500,
    bytesTotal: 10_000 + 20_480 * 500,
  };

  it('extrapolates from the bytes per message and the share of new ones read so far', () => {
    expect(expectedNewMessages(position)).toBeCloseTo(20_480);
    expect(expectedNewMessages({ ...position, messagesAdded: 1024 })).toBeCloseTo(10_240);
    expect(expectedNewMessages({ ...position, messagesWritten: 1792, messagesAdded: 1792 })).toBeCloseTo(20_480);
    expect(expectedNewMessages({ ...position, messagesAdded: 0 })).toBe(0);
  });

  it('counts exactly once every message has been seen', () => {
    expect(expectedNewMessages({ ...position, messagesDone: true, messagesAdded: 2000 })).toBe(2000);
  });

  it('drops only for an import adding at least twice the messages stored, and not before it has seen enough', () => {
    expect(worthDeferring(position)).toBe(true);
    expect(worthDeferring({ ...position, storedMessages: 10_240 })).toBe(true);
    expect(worthDeferring({ ...position, storedMessages: 10_241 })).toBe(false);
    expect(worthDeferring({ ...position, messagesAdded: 0 })).toBe(false);
    expect(worthDeferring({ ...position, messagesSeen: DECIDE_AFTER_MESSAGES - 1, messagesWritten: 1792, messagesAdded: 1792 })).toBe(false);
    expect(worthDeferring({ ...position, storedMessages: 0 })).toBe(true);
  });
});
