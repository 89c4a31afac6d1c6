import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db, Migration } from '../../../electron/core/store/migration';
import { applyMigrations, migrationListProblem, planMigrations, readSchemaVersion } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';

// In-memory and unencrypted: these tests are about the schema, not about the file.
let db: Db;
beforeEach(() => {
  db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  applyMigrations(db, MIGRATIONS);
});
afterEach(() => db.close());

function addConversation(id = 'c1'): void {
  db.prepare(
    `INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES (?, 'group', 'mls', 'Team', 1, 1)`,
  ).run(id);
}

function addMessage(id: string, body: string | null, conversation = 'c1'): number {
  const result = db
    .prepare(
      `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, sent_at, received_at, status)
       VALUES (?, ?, 'u1@example.test', 'cl1', 'text', ?, 1, 1, 'received')
       ON CONFLICT (conversation_id, id) DO NOTHING`,
    )
    .run(id, conversation, body);
  return result.changes;
}

function search(query: string): string[] {
  const rows: unknown[] = db
    .prepare('SELECT m.id FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid WHERE messages_fts MATCH ? ORDER BY m.seq')
    .all(query);
  return rows.map((row) => (typeof row === 'object' && row !== null && 'id' in row ? String(row.id) : ''));
}

describe('migration list', () => {
  it('numbers the shipped migrations 1, 2, 3… without gaps', () => {
    expect(migrationListProblem(MIGRATIONS)).toBeUndefined();
    expect(readSchemaVersion(db)).toBe(MIGRATIONS.length);
  });

  it('names the migration that breaks the numbering', () => {
    const noop = (version: number, name: string): Migration => ({ version, name, up: () => undefined });
    expect(migrationListProblem([noop(1, 'a'), noop(3, 'c')])).toMatch(/"c" has version 3; expected 2/);
  });

  it('plans only the missing steps, and refuses a database newer than the app', () => {
    expect(planMigrations(0, MIGRATIONS)).toEqual({ kind: 'migrate', pending: MIGRATIONS });
    expect(planMigrations(MIGRATIONS.length, MIGRATIONS)).toEqual({ kind: 'up-to-date' });
    expect(planMigrations(MIGRATIONS.length + 3, MIGRATIONS)).toEqual({
      kind: 'too-new',
      found: MIGRATIONS.length + 3,
      known: MIGRATIONS.length,
    });
  });

  it('leaves the version unchanged when a migration fails halfway', () => {
    const fresh = new Database(':memory:');
    const failing: Migration = {
      version: 1,
      name: 'fails',
      up: (d) => {
        d.exec('CREATE TABLE half_done (x)');
        throw new Error('boom');
      },
    };
    expect(() => applyMigrations(fresh, [failing])).toThrow('boom');
    expect(readSchemaVersion(fresh)).toBe(0);
    expect(fresh.prepare(`SELECT name FROM sqlite_master WHERE name = 'half_done'`).get()).toBeUndefined();
    fresh.close();
  });
});

describe('initial schema', () => {
  it('finds messages by words regardless of accents and case', () => {
    addConversation();
    addMessage('m1', 'Meet me at the Café tomorrow');
    addMessage('m2', 'naïve question about Zürich');
    addMessage('m3', 'nothing to see');
    expect(search('cafe')).toEqual(['m1']);
    expect(search('zurich')).toEqual(['m2']);
    expect(search('NAIVE')).toEqual(['m2']);
  });

  it('searches the edited text, not the original, after an edit', () => {
    addConversation();
    addMessage('m1', 'lunch at noon');
    db.prepare(`UPDATE messages SET body = 'dinner at eight', edited_at = 2 WHERE id = 'm1'`).run();
    expect(search('lunch')).toEqual([]);
    expect(search('dinner')).toEqual(['m1']);
  });

  it('no longer finds a message deleted for everyone', () => {
    addConversation();
    addMessage('m1', 'secret plans');
    db.prepare(`UPDATE messages SET body = NULL, deleted_at = 2 WHERE id = 'm1'`).run();
    expect(search('plans')).toEqual([]);
    expect(() => db.prepare(`INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')`).run()).not.toThrow();
  });

  it('stores a message delivered twice only once', () => {
    addConversation();
    expect(addMessage('m1', 'hello')).toBe(1);
    expect(addMessage('m1', 'hello')).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 1 });
    expect(search('hello')).toEqual(['m1']);
  });

  it('removes members, messages and their search entries with the conversation', () => {
    addConversation();
    db.prepare(`INSERT INTO conversation_members (conversation_id, user_id, joined_at) VALUES ('c1', 'u1@example.test', 1)`).run();
    addMessage('m1', 'goodbye world');
    db.prepare(`DELETE FROM conversations WHERE id = 'c1'`).run();
    expect(db.prepare('SELECT count(*) AS n FROM conversation_members').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 0 });
    expect(search('goodbye')).toEqual([]);
  });

  it('refuses a message for a conversation it does not know', () => {
    expect(() => addMessage('m1', 'orphan', 'nope')).toThrow(/FOREIGN KEY/);
  });

  it('refuses values of the wrong type or kind', () => {
    addConversation();
    expect(() =>
      db
        .prepare(
          `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, sent_at, received_at, status)
           VALUES ('m1', 'c1', 'u', 'c', 'text', 'yesterday', 1, 'received')`,
        )
        .run(),
    ).toThrow();
    expect(() => db.prepare(`INSERT INTO kv (namespace, key, value, updated_at) VALUES ('other', 'k', '1', 1)`).run()).toThrow(/CHECK/);
  });
});
