/**
 * Read and write handles on the store, told apart by the compiler (the shape of Signal
 * Desktop's `ReadableDB` / `WritableDB`, ts/sql/Interface.ts). A repository function that
 * writes takes a `WritableDB`, which exists only as the argument of `writeTransaction`'s
 * callback: a write can then not run outside a transaction by accident, and a caller holding
 * only a `ReadableDB` (what the session's services get) cannot pass it where a write is
 * meant. A `WritableDB` is also a `ReadableDB`, so reads inside the transaction see its writes.
 *
 * Both are the same better-sqlite3 connection at run time; the brands are types only.
 */
import type { Db } from './migration';

declare const readableBrand: unique symbol;
declare const writableBrand: unique symbol;

/** A connection to read from. */
export type ReadableDB = Db & { readonly [readableBrand]: true };

/** A connection inside a write transaction: only `writeTransaction` hands one out. */
export type WritableDB = ReadableDB & { readonly [writableBrand]: true };

/**
 * The read handle of an open connection. Called where the store is opened (openStore.ts) and
 * by tests that build a store by hand; code that holds a handle already passes it on.
 */
export function readable(db: Db): ReadableDB {
  return brand<ReadableDB>(db);
}

/**
 * Runs `write` in one transaction (better-sqlite3's `transaction`: BEGIN … COMMIT, or a
 * savepoint when a transaction is already open on this connection) and returns its value;
 * a throw rolls everything back and is rethrown. Inside a transaction that already has a
 * `WritableDB`, pass that one on instead: a savepoint per call costs time on the receive path.
 */
export function writeTransaction<T>(db: Db, write: (tx: WritableDB) => T): T {
  return db.transaction(() => write(brand<WritableDB>(db)))();
}

/**
 * The one place a connection gets its brand. A brand is a type that no value has, so this is an
 * assertion by design; it lives here so that nothing else can make a `WritableDB`.
 */
function brand<T extends Db>(db: Db): T {
  return db as T;
}
