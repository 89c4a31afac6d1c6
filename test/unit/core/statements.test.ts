import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { cachedStatement } from '../../../electron/core/store/statements';

// In-memory and unencrypted: these tests are about statement reuse, not the file.
describe('cached statements', () => {
  it('compiles a statement once per connection and hands out rows in the default mode again after a pluck', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    cachedStatement(db, 'INSERT INTO t (name) VALUES (?)').run('first');
    cachedStatement(db, 'INSERT INTO t (name) VALUES (?)').run('second');
    const select = 'SELECT name FROM t WHERE id = ?';
    expect(cachedStatement(db, select)).toBe(cachedStatement(db, select));
    expect(cachedStatement(db, select).pluck().get(1)).toBe('first');
    // The next caller did not ask for pluck and gets a row object, as from a fresh statement.
    expect(cachedStatement(db, select).get(2)).toEqual({ name: 'second' });

    // Another connection has its own statements (a closed one's are never reused).
    const other = new Database(':memory:');
    other.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    expect(cachedStatement(other, select)).not.toBe(cachedStatement(db, select));
    expect(cachedStatement(other, select).get(1)).toBeUndefined();
    db.close();
    other.close();
  });
});
