import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Result } from '../../../protocol/result';
import { ok } from '../../../protocol/result';
import { KeytarVault } from '../vault/keytarVault';
import type { KeychainLoader } from '../vault/keytarVault';
import { PassphraseVault } from '../vault/passphraseVault';
import { PROFILE_FILES } from './profileFiles';
import { storeError } from './storeErrors';
import { parseVaultRecord } from './vaultRecord';

export interface WipeOptions {
  readonly keychain?: Readonly<{ load?: KeychainLoader }>;
}

/**
 * Erases this profile's local data: used when the device is removed from the account, when the
 * user signs out (seed 002, "End-of-life of a client": all local state is deleted, including all
 * secrets) and after a forgotten passcode. The store must be closed first.
 *
 * The key goes first (keychain entry or wrapped-key file, and a keychain entry a key move left
 * behind), then the record, then the database files, the file cache, the app lock's attempt
 * count and what an interrupted atomic write left. Once the key is gone the database is
 * unreadable ciphertext, so even if deleting a file fails (a backup tool holding it, a full
 * disk), nothing can be recovered. If the keychain cannot be reached, the wipe stops before
 * deleting anything else, so the user can retry rather than be left with a keychain entry nobody
 * knows about.
 *
 * Only the names Cairn writes are removed, never the whole folder: the CLI's `--profile` may name
 * a folder that also holds the user's own files. The emptied folder itself stays.
 */
export async function wipeProfileStore(profileDir: string, options: WipeOptions = {}): Promise<Result<void>> {
  const recordFile = join(profileDir, PROFILE_FILES.vaultRecord);
  let text: string | undefined;
  try {
    text = await readFile(recordFile, 'utf8');
  } catch {
    text = undefined;
  }
  const parsed = text === undefined ? undefined : parseVaultRecord(text);
  const record = parsed?.kind === 'ok' ? parsed.record : undefined;
  const keychainEntries = record === undefined ? [] : record.vault === 'keychain' ? [record] : record.retired ? [record.retired] : [];
  for (const entry of keychainEntries) {
    const vault = new KeytarVault({
      service: entry.service,
      account: entry.account,
      ...(options.keychain?.load ? { load: options.keychain.load } : {}),
    });
    const deleted = await vault.deleteKey();
    if (!deleted.ok) return deleted;
  }
  // The wrapped key is removed whatever the record says: it may be left from a crashed first run.
  for (const file of [PROFILE_FILES.wrappedKey, PROFILE_FILES.pendingKey]) {
    const removed = await new PassphraseVault({ file: join(profileDir, file), passphrase: undefined }).deleteKey();
    if (!removed.ok) return removed;
  }

  const database = join(profileDir, PROFILE_FILES.database);
  try {
    for (const file of [recordFile, database, `${database}-wal`, `${database}-shm`, `${database}-journal`, join(profileDir, PROFILE_FILES.lockAttempts)]) {
      await rm(file, { force: true });
    }
    // The encrypted file cache: unreadable without the keys that were in the database.
    await rm(join(profileDir, PROFILE_FILES.files), { recursive: true, force: true });
    for (const name of await readdir(profileDir).catch(() => [])) {
      if (isAtomicWriteLeftover(name)) await rm(join(profileDir, name), { force: true });
    }
  } catch {
    return storeError('store-wipe-incomplete');
  }
  return ok(undefined);
}

/** `.key-vault.json.<hex>.tmp` and the like: what `writeFileAtomic` leaves when a process dies mid-write. */
function isAtomicWriteLeftover(name: string): boolean {
  return Object.values(PROFILE_FILES).some((file) => name.startsWith(`.${file}.`) && name.endsWith('.tmp'));
}
