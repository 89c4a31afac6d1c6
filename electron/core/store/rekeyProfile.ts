/**
 * Gives an open profile a fresh random database key, wrapped under the passcode: run when the
 * app lock is turned on and when its passcode changes, so a database key (or a passcode) that
 * was seen before, in memory, in a swap file or in an old copy of the key file, no longer opens
 * the database afterwards (security review, item 5).
 *
 * Crash-safe order, each step durable before the next:
 *   1. the new key, wrapped under the passcode, goes to `db-key.next.json` beside the current
 *      key file;
 *   2. SQLite re-encrypts every page under the new key in one transaction (`rekeyStore`);
 *   3. `db-key.next.json` is renamed over `db-key.json`.
 * A crash between 1 and 3 leaves both files; the next open (`openPassphraseKeys`) tries the
 * current key first and the pending one second, keeps whichever opens the database and removes
 * the other, so the profile opens with the old passcode before step 2 committed and with the
 * new one after.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Result } from '../../../protocol/result';
import { ok } from '../../../protocol/result';
import type { KdfParams } from '../vault/kdfParams';
import { PassphraseVault } from '../vault/passphraseVault';
import { vaultError } from '../vault/vaultErrors';
import { generateDbKey } from './dbKey';
import type { Store } from './openStore';
import { rekeyStore } from './openStore';
import { PROFILE_FILES } from './profileFiles';
import { storeError } from './storeErrors';

export async function rekeyProfile(profileDir: string, store: Store, passcode: string, kdf?: KdfParams): Promise<Result<void>> {
  const pending = join(profileDir, PROFILE_FILES.pendingKey);
  const key = generateDbKey();
  try {
    const stored = await new PassphraseVault({ file: pending, passphrase: passcode, ...(kdf ? { kdf } : {}) }).storeKey(key);
    if (!stored.ok) return stored;
    try {
      rekeyStore(store, key);
    } catch {
      await rm(pending, { force: true });
      return storeError('store-cannot-open', 'The local database could not be given a new key. Nothing was changed. Try again.');
    }
  } finally {
    key.fill(0);
  }
  try {
    await rename(pending, join(profileDir, PROFILE_FILES.wrappedKey));
  } catch {
    // The database already uses the new key; the next open finds it in the pending file.
    return vaultError('vault-write-failed');
  }
  return ok(undefined);
}

/**
 * The keys to try, in order, for a passcode-protected profile: the current key file, then a
 * pending one left by an interrupted `rekeyProfile`. `settle` is called with the file whose key
 * opened the database, and makes that file the current one.
 */
export function passphraseKeyFiles(profileDir: string): readonly string[] {
  return [join(profileDir, PROFILE_FILES.wrappedKey), join(profileDir, PROFILE_FILES.pendingKey)];
}

/** After an open with the key from `used`: the other file is stale, the used one becomes current. */
export async function settlePendingKey(profileDir: string, used: string): Promise<void> {
  const current = join(profileDir, PROFILE_FILES.wrappedKey);
  const pending = join(profileDir, PROFILE_FILES.pendingKey);
  if (used === pending) await rename(pending, current);
  else await rm(pending, { force: true });
}
