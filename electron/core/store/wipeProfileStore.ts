import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Result } from '../../../protocol/result';
import { ok } from '../../../protocol/result';
import { KeytarVault } from '../vault/keytarVault';
import type { KeychainLoader } from '../vault/keytarVault';
import { PassphraseVault } from '../vault/passphraseVault';
import { PROFILE_FILES } from './openProfileStore';
import { storeError } from './storeErrors';
import { parseVaultRecord } from './vaultRecord';

export interface WipeOptions {
  readonly keychain?: Readonly<{ load?: KeychainLoader }>;
}

/**
 * Erases this profile's local data: used when the device is removed from the account or the
 * user asks for a full local wipe. The store must be closed first.
 *
 * The key goes first (keychain entry or wrapped-key file), then the record, then the
 * database files. Once the key is gone the database is unreadable ciphertext, so even if
 * deleting a file fails (a backup tool holding it, a full disk), nothing can be recovered.
 * If the keychain cannot be reached, the wipe stops before deleting anything else, so the user
 * can retry rather than be left with a keychain entry nobody knows about.
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
  if (parsed?.kind === 'ok' && parsed.record.vault === 'keychain') {
    const vault = new KeytarVault({
      service: parsed.record.service,
      account: parsed.record.account,
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
    for (const file of [recordFile, database, `${database}-wal`, `${database}-shm`, `${database}-journal`]) {
      await rm(file, { force: true });
    }
    // The encrypted file cache: unreadable without the keys that were in the database.
    await rm(join(profileDir, 'files'), { recursive: true, force: true });
  } catch {
    return storeError('store-wipe-incomplete');
  }
  return ok(undefined);
}
