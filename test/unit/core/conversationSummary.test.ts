import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conversationSummary, listConversations } from '../../../electron/core/toContract';
import type { ReadableDB } from '../../../electron/core/store/handles';
import { readable } from '../../../electron/core/store/handles';
import { applyMigrations } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';

const SELF = 'self@example.test';

// In-memory and unencrypted: these tests are about the rows, not the file.
let db: ReadableDB;
beforeEach(() => {
  db = readable(new Database(':memory:'));
  applyMigrations(db, MIGRATIONS);
  const conversation = db.prepare('INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at, muted_until, archived) VALUES (?, ?, ?, ?, 1, ?, ?, ?)');
  conversation.run('team', 'group', 'mls', 'Team', 30, 5_000, 1);
  conversation.run('pair', 'one-to-one', 'mls', null, 20, null, 0);
  conversation.run('mine', 'self', 'mls', null, 10, null, 0);
  const member = db.prepare("INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, 'member', 1)");
  for (const [conversationId, user] of [['team', SELF], ['team', 'ada@example.test'], ['pair', SELF], ['pair', 'ada@example.test'], ['mine', SELF]]) member.run(conversationId, user);
  db.prepare("INSERT INTO users (id, name, handle, updated_at) VALUES ('ada@example.test', 'Ada', null, 1)").run();
  const message = db.prepare("INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, sent_at, received_at, status) VALUES (?, ?, ?, 'c', 'text', ?, ?, ?, 'received')");
  message.run('m1', 'team', 'ada@example.test', 'on the ridge', 25, 25);
  message.run('m2', 'team', 'ada@example.test', 'at the col', 30, 30);
  message.run('m3', 'pair', SELF, 'see you', 20, 20);
});
afterEach(() => db.close());

describe("one conversation's summary", () => {
  it('is the row the whole list has for it, at the same time', () => {
    for (const now of [4_999, 5_000]) {
      const list = listConversations(db, SELF, now);
      expect(list.map((c) => c.id)).toEqual(['team', 'pair']);
      for (const row of list) expect(conversationSummary(db, SELF, row.id, now)).toEqual(row);
    }
    expect(conversationSummary(db, SELF, 'team', 4_999)).toMatchObject({ name: 'Team', lastMessage: 'at the col', unread: 2, mutedUntil: 5_000, archived: true });
    expect(conversationSummary(db, SELF, 'pair', 4_999)).toMatchObject({ kind: 'one-to-one', name: 'Ada', unread: 0 });
  });

  it('shows the short form of a message that has one (a call line), else its text', () => {
    db.prepare("INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, preview, sent_at, received_at, status) VALUES ('system-call-1', 'pair', ?, 'c', 'system', 'Missed call from Ada.', 'Missed call', 40, 40, 'received')").run(SELF);
    expect(conversationSummary(db, SELF, 'pair', 0)).toMatchObject({ lastMessage: 'Missed call' });
    expect(conversationSummary(db, SELF, 'team', 0)).toMatchObject({ lastMessage: 'at the col' });
  });

  it('is none for the self-conversation and for a conversation that is not stored', () => {
    expect(conversationSummary(db, SELF, 'mine')).toBeUndefined();
    expect(conversationSummary(db, SELF, 'gone')).toBeUndefined();
  });
});
