import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importBackup } from '../../../electron/core/backup/importBackup';
import { inspectBackup } from '../../../electron/core/backup/inspectBackup';
import type { Db } from '../../../electron/core/store/migration';
import { exportOrFail, PASSWORD, useTempDirs, writeVariant } from '../../fixtures/backup/backupFiles';
import { extraCounts, hashDatabase, historyRows, memoryStore, messageCount, OWNER, seedHistory } from '../../fixtures/backup/history';

const tempDir = useTempDirs();
const FIXTURES = join(import.meta.dirname, '../../fixtures/backup');

async function importOrFail(options: Parameters<typeof importBackup>[0]) {
  const result = await importBackup(options);
  if (!result.ok) throw new Error(`import failed: ${result.error.code}`);
  return result.value;
}

function sourceWithExtras(conversations: number, messages: number, selfDeleting = 0): Db {
  const db = memoryStore();
  seedHistory(db, { conversations, messages, extras: true, selfDeleting });
  return db;
}

describe('backup format version 2: reactions, receipts, files and read positions', () => {
  it('restores reactions, receipts, asset records, domains and read positions exactly into a fresh profile of the same user', async () => {
    const source = sourceWithExtras(8, 800);
    const extras = extraCounts(source);
    expect(extras.reactions).toBeGreaterThan(100);
    expect(extras.receipts).toBeGreaterThan(50);
    expect(extras.assets).toBeGreaterThan(50);
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER, chunkSize: 2048 });
    const restored = memoryStore();
    const summary = await importOrFail({ db: restored, file, userId: OWNER, password: PASSWORD });
    expect(summary).toMatchObject({
      conversationsAdded: 8,
      messagesAdded: 800,
      reactionsAdded: extras.reactions,
      receiptsAdded: extras.receipts,
      assetsAdded: extras.assets,
      recordsSkipped: 0,
    });
    expect(historyRows(restored)).toEqual(historyRows(source));
    // Unread counts come out as on the old device: the read position points at the same message.
    const unread = (db: Db) =>
      db.prepare('SELECT c.id, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.seq > c.last_read_seq) FROM conversations c ORDER BY c.id').raw(true).all();
    expect(unread(restored)).toEqual(unread(source));
    // A file's key and hash came back byte for byte; where the old device saved its copy did not.
    expect(restored.prepare('SELECT count(*) FROM assets WHERE local_path IS NOT NULL').pluck().get()).toBe(0);
    const keys = (db: Db) => db.prepare('SELECT asset_id, key, sha256 FROM assets ORDER BY asset_id').raw(true).all();
    expect(keys(restored)).toEqual(keys(source));
  });

  it('restores the same records from the open format', async () => {
    const source = sourceWithExtras(3, 300);
    const file = join(tempDir(), 'history.jsonl');
    await exportOrFail({ db: source, file, userId: OWNER, protection: { kind: 'none' } });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.at(-1)).toBe(JSON.stringify({ type: 'end', conversations: 3, members: lines.filter((l) => l.startsWith('{"type":"member"')).length, messages: 300, ...extraCounts(source) }));
    const restored = memoryStore();
    await importOrFail({ db: restored, file, userId: OWNER, allowUnencrypted: true });
    expect(historyRows(restored)).toEqual(historyRows(source));
  });

  it('changes nothing when the same backup is imported twice, or into the profile it came from', async () => {
    const source = sourceWithExtras(4, 400);
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER });
    const sourceHash = hashDatabase(source);
    expect(await importOrFail({ db: source, file, userId: OWNER, password: PASSWORD })).toMatchObject({
      messagesAdded: 0, reactionsAdded: 0, receiptsAdded: 0, assetsAdded: 0,
    });
    expect(hashDatabase(source)).toBe(sourceHash);
    const restored = memoryStore();
    await importOrFail({ db: restored, file, userId: OWNER, password: PASSWORD });
    const once = hashDatabase(restored);
    await importOrFail({ db: restored, file, userId: OWNER, password: PASSWORD });
    expect(hashDatabase(restored)).toBe(once);
  });

  it('does not bring back a reaction taken away or a file record dropped after the backup was made', async () => {
    const source = sourceWithExtras(2, 200);
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER });
    source.exec(`DELETE FROM reactions WHERE (conversation_id, message_id, user_id) IN
      (SELECT conversation_id, message_id, user_id FROM reactions ORDER BY message_id LIMIT 5)`);
    source.exec('DELETE FROM assets WHERE asset_id IN (SELECT asset_id FROM assets ORDER BY asset_id LIMIT 3)');
    const before = hashDatabase(source);
    await importOrFail({ db: source, file, userId: OWNER, password: PASSWORD });
    expect(hashDatabase(source)).toBe(before);
  });

  it('adds the reactions, receipts and files of the older messages it adds to a conversation the device already knows', async () => {
    const source = sourceWithExtras(2, 300);
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER });
    // A device that joined later: the same conversations (synced), only the newer half of the
    // messages with their reactions, receipts and files, and a read position of its own.
    const target = sourceWithExtras(2, 300);
    const half = 'IN (SELECT conversation_id, id FROM messages WHERE seq <= 150)';
    for (const table of ['reactions', 'receipts', 'assets']) target.exec(`DELETE FROM ${table} WHERE (conversation_id, message_id) ${half}`);
    target.exec('DELETE FROM messages WHERE seq <= 150');
    target.exec('UPDATE conversations SET last_read_seq = 290');
    const summary = await importOrFail({ db: target, file, userId: OWNER, password: PASSWORD });
    expect(summary).toMatchObject({ conversationsAdded: 0, messagesAdded: 150 });
    expect(summary.reactionsAdded + summary.receiptsAdded + summary.assetsAdded).toBeGreaterThan(20);
    expect(extraCounts(target)).toEqual(extraCounts(source));
    // The local read position stays: the device's own state is newer than the backup's.
    expect(target.prepare('SELECT DISTINCT last_read_seq FROM conversations').pluck().all()).toEqual([290]);
  });

  it('leaves out the reactions, receipts and files of self-deleting messages', async () => {
    const source = sourceWithExtras(3, 400, 0.3);
    const timed = 'IN (SELECT conversation_id, id FROM messages WHERE timer_ms IS NOT NULL)';
    const timedExtras = ['reactions', 'receipts', 'assets'].map((table) => source.prepare(`SELECT count(*) FROM ${table} WHERE (conversation_id, message_id) ${timed}`).pluck().get());
    expect(timedExtras.every((count) => typeof count === 'number' && count > 0)).toBe(true);
    const file = join(tempDir(), 'history.jsonl');
    await exportOrFail({ db: source, file, userId: OWNER, protection: { kind: 'none' } });
    const restored = memoryStore();
    await importOrFail({ db: restored, file, userId: OWNER, allowUnencrypted: true });
    for (const table of ['reactions', 'receipts', 'assets']) source.exec(`DELETE FROM ${table} WHERE (conversation_id, message_id) ${timed}`);
    source.exec('DELETE FROM messages WHERE timer_ms IS NOT NULL');
    expect(historyRows(restored)).toEqual(historyRows(source));
  });

  it('keeps the read position on the last message the backup carries when the one read last was self-deleting', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 1, messages: 10, extras: true });
    source.exec(`UPDATE messages SET timer_ms = 60000 WHERE seq = 8; UPDATE conversations SET last_read_seq = 8`);
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER });
    const restored = memoryStore();
    await importOrFail({ db: restored, file, userId: OWNER, password: PASSWORD });
    const readId = (db: Db) => db.prepare('SELECT m.id FROM conversations c JOIN messages m ON m.seq = c.last_read_seq').pluck().get();
    expect(readId(restored)).toBe(source.prepare('SELECT id FROM messages WHERE seq = 7').pluck().get());
  });
});

describe('backup format version 1, written by the previous release', () => {
  /** The records of the open fixture, which holds the same history as the encrypted one. */
  function fixtureRecords(): Array<Record<string, unknown>> {
    return readFileSync(join(FIXTURES, 'v1-history.jsonl'), 'utf8').trimEnd().split('\n').map((line): Record<string, unknown> => {
      const record: unknown = JSON.parse(line);
      if (typeof record !== 'object' || record === null) throw new TypeError('not a record');
      return { ...record };
    });
  }

  it('still imports an encrypted and an open version-1 file, identically, with every message as written', async () => {
    expect(await inspectBackup(join(FIXTURES, 'v1-history.cairnbackup'))).toMatchObject({ ok: true, value: { encrypted: true, version: 1, userId: OWNER } });
    const fromEncrypted = memoryStore();
    const summary = await importOrFail({ db: fromEncrypted, file: join(FIXTURES, 'v1-history.cairnbackup'), userId: OWNER, password: PASSWORD });
    expect(summary).toMatchObject({ encrypted: true, conversationsAdded: 3, membersAdded: 10, messagesAdded: 40, reactionsAdded: 0, recordsSkipped: 0 });
    const fromOpen = memoryStore();
    await importOrFail({ db: fromOpen, file: join(FIXTURES, 'v1-history.jsonl'), userId: OWNER, allowUnencrypted: true });
    expect(historyRows(fromOpen)).toEqual(historyRows(fromEncrypted));

    const records = fixtureRecords();
    const messages = records.filter((r) => r.type === 'message').map((r) => [
      r.id, r.conversationId, r.senderUserId, r.senderClientId, r.kind, r.body, typeof r.content === 'string' ? Buffer.from(r.content, 'hex') : null,
      r.sentAt, r.receivedAt, r.editedAt, r.deletedAt, r.timerMs, r.expiresAt, r.status === 'pending' ? 'failed' : r.status,
    ]);
    expect(messages.some((m) => m[13] === 'failed')).toBe(true);
    expect(fromEncrypted.prepare(`SELECT id, conversation_id, sender_user_id, sender_client_id, kind, body, content, sent_at, received_at,
      edited_at, deleted_at, timer_ms, expires_at, status FROM messages ORDER BY seq`).raw(true).all()).toEqual(messages);
    const conversations = records.filter((r) => r.type === 'conversation').map((r) => r.id).sort();
    expect(fromEncrypted.prepare(`SELECT id FROM conversations WHERE domain = '' AND last_read_seq = 0 ORDER BY id`).pluck().all()).toEqual(conversations);

    const once = hashDatabase(fromEncrypted);
    expect(await importOrFail({ db: fromEncrypted, file: join(FIXTURES, 'v1-history.jsonl'), userId: OWNER, allowUnencrypted: true })).toMatchObject({ messagesAdded: 0 });
    expect(hashDatabase(fromEncrypted)).toBe(once);
  });

  it('refuses version-2 records in a version-1 file as damaged', async () => {
    const text = readFileSync(join(FIXTURES, 'v1-history.jsonl'), 'utf8');
    const message = fixtureRecords().find((r) => r.type === 'message');
    const reaction = JSON.stringify({ type: 'reaction', conversationId: message?.conversationId, messageId: message?.id, userId: OWNER, emoji: '👍', updatedAt: 1 });
    const variants = [
      text.replace('\n{"type":"end"', `\n${reaction}\n{"type":"end"`),
      text.replace('"leftAt":null}', '"leftAt":null,"domain":"cairn.test","lastReadMessageId":null}'),
    ];
    for (const variant of variants) {
      const db = memoryStore();
      const result = await importBackup({ db, file: writeVariant(tempDir(), 'v1.jsonl', new TextEncoder().encode(variant)), userId: OWNER, allowUnencrypted: true });
      expect(result).toMatchObject({ ok: false, error: { code: 'backup-corrupt' } });
      expect(messageCount(db)).toBe(0);
    }
  });
});
