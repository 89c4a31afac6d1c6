import Database from 'better-sqlite3-multiple-ciphers';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../protocol/result';
import { generateDbKey } from '../../../electron/core/store/dbKey';
import type { Migration } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';
import type { Store } from '../../../electron/core/store/openStore';
import { openStore } from '../../../electron/core/store/openStore';
import { snapshot, useTempDirs } from './tempProfile';

const tempDir = useTempDirs();

function expectOpen(result: Result<Store>): Store {
  if (!result.ok) throw new Error(`expected the store to open, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function insertMessage(store: Store, id: string, body: string): void {
  store.db
    .prepare(`INSERT OR IGNORE INTO conversations (id, kind, protocol, created_at, last_activity_at) VALUES ('c1', 'group', 'mls', 1, 1)`)
    .run();
  store.db
    .prepare(
      `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, sent_at, received_at, status)
       VALUES (?, 'c1', 'alice@example.test', 'cl1', 'text', ?, 1, 1, 'received')`,
    )
    .run(id, body);
}

describe('openStore', () => {
  it('creates an encrypted database at the latest schema and opens it again with the same key', () => {
    const file = join(tempDir(), 'cairn.db');
    const key = generateDbKey();
    const store = expectOpen(openStore(file, key));
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    insertMessage(store, 'm1', 'first words');
    store.close();

    const again = expectOpen(openStore(file, key));
    expect(again.db.prepare('SELECT body FROM messages').all()).toEqual([{ body: 'first words' }]);
    again.close();
  });

  it('runs in WAL mode with full fsync, foreign keys and secure delete', () => {
    const store = expectOpen(openStore(join(tempDir(), 'cairn.db'), generateDbKey()));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('secure_delete', { simple: true })).toBe(1);
    store.close();
  });

  it('refuses a wrong key with store-wrong-key and leaves the files byte for byte as they were', () => {
    const dir = tempDir();
    const file = join(dir, 'cairn.db');
    const store = expectOpen(openStore(file, generateDbKey()));
    insertMessage(store, 'm1', 'hello');
    store.close();
    const before = snapshot(dir);

    const result = openStore(file, generateDbKey());
    expect(result).toMatchObject({ ok: false, error: { code: 'store-wrong-key' } });
    if (!result.ok) expect(result.error.message).toMatch(/Nothing was changed/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a database written by a newer version with store-too-new and does not touch it', () => {
    const dir = tempDir();
    const file = join(dir, 'cairn.db');
    const key = generateDbKey();
    const future: Migration = { version: MIGRATIONS.length + 1, name: 'future', up: (db) => db.exec('CREATE TABLE future (x INTEGER) STRICT') };
    expectOpen(openStore(file, key, { migrations: [...MIGRATIONS, future] })).close();
    const before = snapshot(dir);

    const result = openStore(file, key);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('store-too-new');
      expect(result.error.message).toBe(
        `This profile was written by a newer version of Cairn (database schema ${MIGRATIONS.length + 1}; this version knows up to ${MIGRATIONS.length}). Nothing was changed. Update Cairn to open it.`,
      );
    }
    expect(snapshot(dir)).toEqual(before);
  });

  it('upgrades a database written by an older version and keeps its data', () => {
    const file = join(tempDir(), 'cairn.db');
    const key = generateDbKey();
    const old = expectOpen(openStore(file, key));
    insertMessage(old, 'm1', 'kept across upgrades');
    old.close();
    const next: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'message-pins',
      up: (db) => db.exec('ALTER TABLE messages ADD COLUMN pinned_at INTEGER'),
    };

    const upgraded = expectOpen(openStore(file, key, { migrations: [...MIGRATIONS, next] }));
    expect(upgraded.schemaVersion).toBe(MIGRATIONS.length + 1);
    expect(upgraded.db.prepare('SELECT body, pinned_at FROM messages').get()).toEqual({ body: 'kept across upgrades', pinned_at: null });
    upgraded.close();
  });

  // With the exclusive lock (the default) SQLite keeps the WAL index in memory and writes no
  // -shm file; the shared mode is checked too so every file SQLite can write is covered.
  it.each([
    ['exclusive lock', true, ['cairn.db', 'cairn.db-wal']],
    ['shared lock', false, ['cairn.db', 'cairn.db-shm', 'cairn.db-wal']],
  ])('keeps message text out of every file it writes (%s)', (_name, exclusive, expectedFiles) => {
    const dir = tempDir();
    const file = join(dir, 'cairn.db');
    const marker = 'zebraquokka marker 7f3a9 Ünïcödé';
    const store = expectOpen(openStore(file, generateDbKey(), { exclusive }));
    for (let i = 0; i < 50; i++) insertMessage(store, `m${i}`, `${marker} number ${i}`);
    store.db.prepare(`INSERT INTO kv (namespace, key, value, updated_at) VALUES ('settings', 'zebraquokka', '"zebraquokka"', 1)`).run();

    const leaks = (): string[] =>
      Object.keys(snapshot(dir)).filter((name) => {
        const bytes = readFileSync(join(dir, name));
        return ['zebraquokka', 'ZEBRAQUOKKA', '7f3a9'].some((needle) => bytes.includes(needle) || bytes.includes(Buffer.from(needle, 'utf16le')));
      });
    // While open, the fresh pages sit in the WAL: check it before and after the closing checkpoint.
    expect(Object.keys(snapshot(dir))).toEqual(expectedFiles);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    expect(leaks()).toEqual([]);
    store.close();
    expect(leaks()).toEqual([]);
  });

  it('is not a plain SQLite file: opening it without the key fails', () => {
    const file = join(tempDir(), 'cairn.db');
    expectOpen(openStore(file, generateDbKey())).close();
    expect(readFileSync(file).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    const plain = new Database(file);
    expect(() => plain.prepare('SELECT count(*) FROM sqlite_master').get()).toThrow(/not a database/);
    plain.close();
  });

  it('opens an existing database in a few milliseconds (raw key, no KDF)', () => {
    const file = join(tempDir(), 'cairn.db');
    const key = generateDbKey();
    expectOpen(openStore(file, key)).close();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const store = expectOpen(openStore(file, key));
      times.push(performance.now() - started);
      store.close();
    }
    const median = times.sort((a, b) => a - b)[2] ?? Number.NaN;
    console.info(`store open (key + probe + pragmas + version check), median of 5: ${median.toFixed(2)} ms`);
    expect(median).toBeLessThan(50);
  });

  it('refuses a second open of the same database with store-busy until the first one closes', () => {
    const file = join(tempDir(), 'cairn.db');
    const key = generateDbKey();
    const first = expectOpen(openStore(file, key));
    insertMessage(first, 'm1', 'held');

    const second = openStore(file, key);
    expect(second).toMatchObject({ ok: false, error: { code: 'store-busy', message: expect.stringMatching(/another copy of Cairn/) } });
    expect(first.db.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(1);

    first.close();
    const third = expectOpen(openStore(file, key));
    expect(third.db.prepare('SELECT body FROM messages').pluck().get()).toBe('held');
    third.close();
  });

  it('refuses a key that is not 32 bytes without creating a file', () => {
    const file = join(tempDir(), 'cairn.db');
    expect(openStore(file, new Uint8Array(16))).toMatchObject({ ok: false, error: { code: 'store-invalid-key' } });
    expect(existsSync(file)).toBe(false);
  });
});
