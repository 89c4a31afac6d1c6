import Database from 'better-sqlite3-multiple-ciphers';
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { ReadableDB, WritableDB } from '../../../electron/core/store/handles';
import { readable, writeTransaction } from '../../../electron/core/store/handles';
import type { Db } from '../../../electron/core/store/migration';

// In-memory and unencrypted: these tests are about the handles, not the file.
let raw: Db;
let db: ReadableDB;
beforeEach(() => {
  raw = new Database(':memory:');
  raw.exec('CREATE TABLE t (n INTEGER NOT NULL)');
  db = readable(raw);
});

const count = (): unknown => db.prepare('SELECT count(*) FROM t').pluck().get();
const insert = (tx: WritableDB, n: number): void => {
  tx.prepare('INSERT INTO t (n) VALUES (?)').run(n);
};
const read = (handle: ReadableDB): unknown => handle.prepare('SELECT count(*) FROM t').pluck().get();

describe('store handles', () => {
  it('tells a read handle from a write handle at compile time', () => {
    expectTypeOf<ReadableDB>().not.toExtend<WritableDB>();
    expectTypeOf<Db>().not.toExtend<ReadableDB>();
    expectTypeOf<WritableDB>().toExtend<ReadableDB>();
    // Checked by tsc, never run: a write outside a transaction does not compile.
    const writeOutside = (): void => {
      // @ts-expect-error a read handle is no write handle
      insert(db, 1);
    };
    expectTypeOf(writeOutside).toBeFunction();
  });

  it('commits what the transaction wrote and lets it read its own writes', () => {
    const seen = writeTransaction(db, (tx) => {
      insert(tx, 1);
      insert(tx, 2);
      return read(tx);
    });
    expect(seen).toBe(2);
    expect(count()).toBe(2);
  });

  it('rolls every write back when the transaction throws', () => {
    expect(() =>
      writeTransaction(db, (tx) => {
        insert(tx, 1);
        throw new Error('stop');
      }),
    ).toThrow('stop');
    expect(count()).toBe(0);
  });

  it('nests as a savepoint: an inner failure caught by the outer one undoes only the inner writes', () => {
    writeTransaction(db, (tx) => {
      insert(tx, 1);
      try {
        writeTransaction(tx, (inner) => {
          insert(inner, 2);
          throw new Error('inner');
        });
      } catch {
        // the outer transaction goes on
      }
    });
    expect(db.prepare('SELECT n FROM t').pluck().all()).toEqual([1]);
  });
});
