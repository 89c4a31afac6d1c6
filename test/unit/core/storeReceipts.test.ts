import Database from 'better-sqlite3-multiple-ciphers';
import { beforeEach, describe, expect, it } from 'vitest';
import { insertMessage } from '../../../electron/core/store/messages';
import { getMessage } from '../../../electron/core/toContract';
import type { ReadableDB } from '../../../electron/core/store/handles';
import { readable, writeTransaction } from '../../../electron/core/store/handles';
import { applyMigrations } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';
import { saveReceipts } from '../../../electron/core/store/receipts';

// In-memory and unencrypted: these tests are about the rows, not the file.
const ALICE = 'a0000000-0000-4000-8000-000000000001@example.test';
const BOB = 'b0000000-0000-4000-8000-000000000002@example.test';
const CAROL = 'c0000000-0000-4000-8000-000000000003@example.test';

let db: ReadableDB;
beforeEach(() => {
  const raw = new Database(':memory:');
  raw.pragma('foreign_keys = ON');
  applyMigrations(raw, MIGRATIONS);
  raw.prepare(`INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES ('c1', 'group', 'mls', 'Team', 1, 1)`).run();
  db = readable(raw);
  for (const [id, sender] of [['mine', ALICE], ['theirs', BOB]] as const) {
    writeTransaction(db, (tx) => insertMessage(tx, { id, conversationId: 'c1', senderUser: sender, senderClient: '01', kind: 'text', body: id, content: null, sentAt: 1, receivedAt: 1, status: 'received' }));
  }
});

const save = (ids: readonly string[], user: string, kind: 'delivered' | 'read', at = 5): string[] =>
  writeTransaction(db, (tx) => saveReceipts(tx, 'c1', ids, user, kind, at, ALICE));

describe('receipts repository', () => {
  it("keeps receipts for this user's own messages only, and says which messages changed", () => {
    expect(save(['mine', 'theirs', 'unknown'], BOB, 'delivered')).toEqual(['mine']);
    expect(getMessage(db, 'c1', 'mine')?.deliveredTo).toEqual([BOB]);
    expect(getMessage(db, 'c1', 'theirs')?.deliveredTo).toEqual([]);
  });

  it('changes nothing when the same receipt comes again', () => {
    save(['mine'], BOB, 'read');
    expect(save(['mine'], BOB, 'read', 9)).toEqual([]);
    expect(getMessage(db, 'c1', 'mine')?.readBy).toEqual([BOB]);
  });

  it('shows read and delivered separately, each with everyone who sent it', () => {
    save(['mine'], BOB, 'delivered');
    save(['mine'], CAROL, 'delivered');
    save(['mine'], CAROL, 'read');
    const message = getMessage(db, 'c1', 'mine');
    expect([...(message?.deliveredTo ?? [])].sort()).toEqual([BOB, CAROL]);
    expect(message?.readBy).toEqual([CAROL]);
  });
});
