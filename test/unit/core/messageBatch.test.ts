import Database from 'better-sqlite3-multiple-ciphers';
import { beforeEach, describe, expect, it } from 'vitest';
import { setArchived, setMutedUntil } from '../../../electron/core/store/conversations';
import type { NewMessage } from '../../../electron/core/store/messages';
import { insertMessage, insertMessages } from '../../../electron/core/store/messages';
import { searchMessages } from '../../../electron/core/toContract';
import { MessageToStore, storeMessages } from '../../../electron/core/services/messageBatch';
import { readable, writeTransaction } from '../../../electron/core/store/handles';
import { hideMessage } from '../../../electron/core/store/hiddenMessages';
import type { ReadableDB, WritableDB } from '../../../electron/core/store/handles';
import { applyMigrations } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';

// In-memory and unencrypted: these tests are about the bookkeeping, not the file.
const BOB = 'b0000000-0000-4000-8000-000000000002@example.test';

const text = (conversationId: string, id: string, body: string, receivedAt = 100): NewMessage => ({
  id,
  conversationId,
  senderUser: BOB,
  senderClient: '00000000000000b1',
  kind: 'text',
  body,
  content: new Uint8Array([1, 2, 3]),
  sentAt: receivedAt,
  receivedAt,
  status: 'received',
});

const ids = (db: ReadableDB, conversationId: string): string[] =>
  db.prepare('SELECT id FROM messages WHERE conversation_id = ? ORDER BY seq').pluck().all(conversationId).map(String);
const lastActivity = (db: ReadableDB, conversationId: string): unknown =>
  db.prepare('SELECT last_activity_at FROM conversations WHERE id = ?').pluck().get(conversationId);

let db: ReadableDB;
beforeEach(() => {
  db = readable(new Database(':memory:'));
  db.pragma('foreign_keys = ON');
  applyMigrations(db, MIGRATIONS);
  db.prepare(`INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES ('c1', 'group', 'mls', 'Team', 1, 1)`).run();
  db.prepare(`INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES ('c2', 'group', 'mls', 'Other', 1, 1)`).run();
});

describe('insertMessages', () => {
  it('stores many messages in order, across statement batches, and says which were new', () => {
    writeTransaction(db, (tx) => insertMessage(tx, text('c1', 'm-0', 'stored before')));
    const batch = Array.from({ length: 150 }, (_, i) => text(i % 2 === 0 ? 'c1' : 'c2', `m-${i}`, `line ${i} granite`, 200 + i));
    const added = writeTransaction(db, (tx) => insertMessages(tx, batch));
    // m-0 was there already; every other one is new (150 rows span three INSERT statements).
    expect(added.filter((a) => !a)).toHaveLength(1);
    expect(added[0]).toBe(false);
    expect(ids(db, 'c2')).toEqual(batch.filter((m) => m.conversationId === 'c2').map((m) => m.id));
    expect(ids(db, 'c1')).toEqual(batch.filter((m) => m.conversationId === 'c1').map((m) => m.id));
    // The full-text index has every new message.
    expect(searchMessages(db, 'granite', 500)).toHaveLength(149);
    // Each conversation's activity moves to its newest new message.
    expect(lastActivity(db, 'c1')).toBe(200 + 148);
    expect(lastActivity(db, 'c2')).toBe(200 + 149);
  });

  it('counts a message twice in one batch as new once, the first time', () => {
    expect(writeTransaction(db, (tx) => insertMessages(tx, [text('c1', 'a', 'first'), text('c1', 'a', 'replayed'), text('c1', 'b', 'other')]))).toEqual([true, false, true]);
    expect(db.prepare("SELECT body FROM messages WHERE id = 'a'").pluck().get()).toBe('first');
  });

  it('keeps a hidden message hidden: its tombstone wins', () => {
    writeTransaction(db, (tx) => hideMessage(tx, 'c1', 'gone', 50, true));
    expect(writeTransaction(db, (tx) => insertMessages(tx, [text('c1', 'gone', 'should not show')]))).toEqual([false]);
    expect(db.prepare("SELECT body FROM messages WHERE id = 'gone'").pluck().get()).toBeNull();
  });

  it('does not move activity for messages that were not new', () => {
    writeTransaction(db, (tx) => insertMessage(tx, text('c1', 'old', 'hi', 10)));
    db.prepare("UPDATE conversations SET last_activity_at = 5 WHERE id = 'c1'").run();
    writeTransaction(db, (tx) => insertMessages(tx, [text('c1', 'old', 'hi', 999)]));
    expect(lastActivity(db, 'c1')).toBe(5);
  });
});

describe('storeMessages', () => {
  it('marks each item added or not, applies mentions, and unarchives once for new messages from others', () => {
    writeTransaction(db, (tx) => setArchived(tx, 'c1', true));
    writeTransaction(db, (tx) => setArchived(tx, 'c2', true));
    writeTransaction(db, (tx) => setMutedUntil(tx, 'c2', Date.now() + 3_600_000));
    writeTransaction(db, (tx) => insertMessage(tx, text('c1', 'dup', 'hi')));
    const mentioned = new MessageToStore(text('c1', 'm1', '@Alice hi'), true, () => ({
      mentions: [{ start: 0, length: 6, user: 'alice@example.test' }],
      mentionsMe: true,
    }));
    const duplicate = new MessageToStore(text('c1', 'dup', 'hi'), true);
    const muted = new MessageToStore(text('c2', 'm2', 'quiet'), true);
    writeTransaction(db, (tx) => storeMessages(tx, [mentioned, duplicate, muted]));
    expect([mentioned.added, duplicate.added, muted.added]).toEqual([true, false, true]);
    expect(db.prepare("SELECT mentions_me FROM messages WHERE id = 'm1'").pluck().get()).toBe(1);
    // Back in the list unless muted (as in Signal).
    expect(db.prepare("SELECT archived FROM conversations WHERE id = 'c1'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT archived FROM conversations WHERE id = 'c2'").pluck().get()).toBe(1);
  });

  it('writes what a message brings along only when it was new, in the same transaction', () => {
    writeTransaction(db, (tx) => insertMessage(tx, text('c1', 'known', 'hi')));
    const noted: string[] = [];
    const note = (id: string) => (tx: WritableDB) => {
      tx.prepare("UPDATE conversations SET name = name || '+' WHERE id = 'c1'").run();
      noted.push(id);
    };
    writeTransaction(db, (tx) => storeMessages(tx, [new MessageToStore(text('c1', 'known', 'hi'), true, undefined, note('known')), new MessageToStore(text('c1', 'fresh', 'hey'), true, undefined, note('fresh'))]));
    expect(noted).toEqual(['fresh']);
    expect(db.prepare("SELECT name FROM conversations WHERE id = 'c1'").pluck().get()).toBe('Team+');
  });

  it('leaves an archived conversation archived when nothing new came from others', () => {
    writeTransaction(db, (tx) => setArchived(tx, 'c1', true));
    const own = new MessageToStore({ ...text('c1', 'mine', 'sent elsewhere'), status: 'sent' }, false);
    writeTransaction(db, (tx) => storeMessages(tx, [own]));
    expect(own.added).toBe(true);
    expect(db.prepare("SELECT archived FROM conversations WHERE id = 'c1'").pluck().get()).toBe(1);
  });
});
