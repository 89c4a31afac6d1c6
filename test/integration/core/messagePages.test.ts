import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listMessages } from '../../../electron/core/toContract';
import { generateDbKey } from '../../../electron/core/store/dbKey';
import { openStore } from '../../../electron/core/store/openStore';
import { useTempDirs } from './tempProfile';

const tempDir = useTempDirs();

function storeWith(messages: ReadonlyArray<{ id: string; sentAt: number }>) {
  const opened = openStore(join(tempDir(), 'cairn.db'), generateDbKey());
  if (!opened.ok) throw new Error(opened.error.message);
  const { db } = opened.value;
  db.prepare(`INSERT INTO conversations (id, kind, protocol, created_at, last_activity_at) VALUES ('c1', 'group', 'mls', 1, 1)`).run();
  db.prepare(`INSERT INTO conversations (id, kind, protocol, created_at, last_activity_at) VALUES ('c2', 'group', 'mls', 1, 1)`).run();
  const insert = db.prepare(
    `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, sent_at, received_at, status)
     VALUES (?, ?, 'alice@example.test', 'cl1', 'text', ?, ?, ?, 'received')`,
  );
  for (const m of messages) insert.run(m.id, 'c1', `text of ${m.id}`, m.sentAt, m.sentAt);
  insert.run('other', 'c2', 'another conversation', 5, 5);
  return opened.value;
}

describe('paging through a conversation', () => {
  it('walks back from the newest page to the oldest without gaps or repeats, ties broken by arrival order', () => {
    // Several messages share a timestamp: paging must still be exact.
    const messages = Array.from({ length: 23 }, (_, i) => ({ id: `m${i}`, sentAt: 1000 + Math.floor(i / 3) }));
    const store = storeWith(messages);
    try {
      const seen: string[] = [];
      let page = listMessages(store.db, 'c1', 5);
      seen.unshift(...page.messages.map((m) => m.id));
      while (page.hasOlder) {
        const oldest = page.messages[0]?.id;
        page = listMessages(store.db, 'c1', 5, oldest);
        seen.unshift(...page.messages.map((m) => m.id));
      }
      expect(seen).toEqual(messages.map((m) => m.id));
    } finally {
      store.close();
    }
  });

  it('says there is nothing older exactly when the page reaches the first message', () => {
    const store = storeWith(Array.from({ length: 10 }, (_, i) => ({ id: `m${i}`, sentAt: i })));
    try {
      expect(listMessages(store.db, 'c1', 10).hasOlder).toBe(false);
      expect(listMessages(store.db, 'c1', 9).hasOlder).toBe(true);
      const older = listMessages(store.db, 'c1', 4, 'm5');
      expect(older.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
      expect(older.hasOlder).toBe(true);
      expect(listMessages(store.db, 'c1', 4, 'm1')).toMatchObject({ messages: [{ id: 'm0' }], hasOlder: false });
    } finally {
      store.close();
    }
  });
});
