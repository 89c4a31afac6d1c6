import Database from 'better-sqlite3-multiple-ciphers';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyDelete, insertMessage } from '../../../electron/core/store/messages';
import { getMessage } from '../../../electron/core/toContract';
import type { ReadableDB } from '../../../electron/core/store/handles';
import { readable, writeTransaction } from '../../../electron/core/store/handles';
import { hideMessage } from '../../../electron/core/store/hiddenMessages';
import { applyMigrations } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';
import { applyReaction } from '../../../electron/core/store/reactions';

// In-memory and unencrypted: these tests are about the rows, not the file.
const ALICE = 'a0000000-0000-4000-8000-000000000001@example.test';
const BOB = 'b0000000-0000-4000-8000-000000000002@example.test';

let db: ReadableDB;
beforeEach(() => {
  const raw = new Database(':memory:');
  raw.pragma('foreign_keys = ON');
  applyMigrations(raw, MIGRATIONS);
  raw.prepare(`INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES ('c1', 'group', 'mls', 'Team', 1, 1)`).run();
  db = readable(raw);
  writeTransaction(db, (tx) => insertMessage(tx, { id: 'm1', conversationId: 'c1', senderUser: ALICE, senderClient: '01', kind: 'text', body: 'hi', content: null, sentAt: 1, receivedAt: 1, status: 'received' }));
});

const react = (user: string, emoji: string, at: number): void => writeTransaction(db, (tx) => applyReaction(tx, 'c1', 'm1', user, emoji, at));
// Users and emoji in a stable order: the query promises none.
const reactions = (): unknown =>
  (getMessage(db, 'c1', 'm1')?.reactions ?? []).map((r) => ({ emoji: r.emoji, users: [...r.users].sort() })).sort((a, b) => a.emoji.localeCompare(b.emoji));

describe('reactions repository', () => {
  it("keeps one reaction per person, the newest by the sender's clock", () => {
    react(BOB, '👍', 10);
    react(BOB, '🎉', 5);
    react(ALICE, '👍', 6);
    expect(reactions()).toEqual([{ emoji: '👍', users: [ALICE, BOB] }]);
    react(BOB, '🎉', 11);
    expect(reactions()).toEqual(
      [
        { emoji: '🎉', users: [BOB] },
        { emoji: '👍', users: [ALICE] },
      ].sort((a, b) => a.emoji.localeCompare(b.emoji)),
    );
  });

  it('removes a reaction when the emoji is empty', () => {
    react(BOB, '👍', 10);
    react(BOB, '', 11);
    expect(reactions()).toEqual([]);
  });

  it('drops the reactions of a message deleted for everyone, or hidden on this device', () => {
    react(BOB, '👍', 10);
    expect(writeTransaction(db, (tx) => applyDelete(tx, 'c1', 'm1', ALICE, 12))).toBe(true);
    expect(reactions()).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM reactions').pluck().get()).toBe(0);

    writeTransaction(db, (tx) => insertMessage(tx, { id: 'm2', conversationId: 'c1', senderUser: BOB, senderClient: '02', kind: 'text', body: 'yo', content: null, sentAt: 2, receivedAt: 2, status: 'received' }));
    writeTransaction(db, (tx) => applyReaction(tx, 'c1', 'm2', ALICE, '👍', 13));
    expect(writeTransaction(db, (tx) => hideMessage(tx, 'c1', 'm2', 14))).toBe(true);
    expect(db.prepare('SELECT count(*) FROM reactions').pluck().get()).toBe(0);
  });
});
