import type { Result } from '../../../protocol/result';
import { err } from '../../../protocol/result';

/**
 * Failures a person can hit when Cairn opens its local database. Codes are stable (the UI and
 * the CLI switch on them); each sentence says what happened and what to do, and promises only
 * what the code guarantees: none of these paths writes to an existing database.
 */
export const STORE_ERRORS = {
  'store-wrong-key':
    'The local database could not be unlocked with the stored key. Nothing was changed. If you restored the profile folder from elsewhere, restore its key as well.',
  'store-too-new':
    'This profile was written by a newer version of Cairn. Nothing was changed. Update Cairn to open it.',
  'store-corrupt':
    'The local database is damaged and could not be read. Nothing was changed. Restore it from a backup or remove this device and sign in again.',
  'store-busy': 'The local database is in use by another copy of Cairn. Close the other copy and try again.',
  'store-cannot-open':
    'The local database could not be opened. Check that the profile folder exists and that you may write to it.',
  'store-migration-failed':
    'Cairn could not upgrade the local database. Nothing was changed. Restart Cairn; if it keeps happening, report the problem.',
  'store-key-lost':
    'A local database exists but the record of where its key is kept is missing. Nothing was changed, and no new database was created over it. Restore the profile folder completely, or move it away to start fresh.',
  'store-profile-unreadable':
    "The profile's key record could not be read. Nothing was changed. Restore the profile folder from a backup.",
  'store-wipe-incomplete':
    'The key was erased, so the local data can no longer be read, but some files could not be removed. Delete the profile folder by hand.',
  'store-invalid-key': 'Cairn tried to open the database with a malformed key. Nothing was changed; please report this.',
} as const;

export type StoreErrorCode = keyof typeof STORE_ERRORS;

/** A failed result with a stable store code; `detail` replaces the default sentence when it says more. */
export function storeError<T = never>(code: StoreErrorCode, detail?: string): Result<T> {
  return err<T>(code, detail ?? STORE_ERRORS[code]);
}
