import type { StoreErrorCode } from './storeErrors';

/**
 * Maps an error thrown by SQLite while opening to a store code. Only the first query after
 * `PRAGMA key` can tell a wrong key apart: SQLCipher reports it as SQLITE_NOTADB ("file is not
 * a database"), the same code a non-database file gets, and both mean "this key cannot read it".
 */
export function classifyOpenError(error: unknown): StoreErrorCode {
  const code = sqliteCode(error);
  if (code === undefined) return 'store-cannot-open';
  if (code === 'SQLITE_NOTADB') return 'store-wrong-key';
  if (code.startsWith('SQLITE_CORRUPT')) return 'store-corrupt';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'store-busy';
  return 'store-cannot-open';
}

function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}
