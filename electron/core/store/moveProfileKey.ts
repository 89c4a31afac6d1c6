/**
 * Moves a profile's database key from one vault to another without touching the database:
 * keychain → passcode when the app lock is turned on, passcode → keychain when it is turned
 * off, or a new passcode. The key itself never changes.
 *
 * A copy of the key left in the vault it came from would defeat the move (a keychain copy
 * makes the app lock pointless; a stale passcode-wrapped file invites offline guessing), so
 * every step is ordered such that a crash leaves a record that says what to clean up, and the
 * next open finishes the job (`finishInterruptedMove`):
 *   - a keychain record never has a wrapped-key file beside it: one found there is deleted;
 *   - a passcode record may name a `retired` keychain entry: it is deleted, then forgotten.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Result } from '../../../protocol/result';
import { err, ok } from '../../../protocol/result';
import { writeFileAtomic } from '../vault/atomicFile';
import type { KdfParams } from '../vault/kdfParams';
import { KEYCHAIN_SERVICE, KeytarVault } from '../vault/keytarVault';
import type { KeychainLoader } from '../vault/keytarVault';
import { PassphraseVault } from '../vault/passphraseVault';
import { vaultError } from '../vault/vaultErrors';
import type { ProfileStoreOptions } from './openProfileStore';
import { readRecord, vaultFor } from './openProfileStore';
import { PROFILE_FILES } from './profileFiles';
import { finishInterruptedMove } from './vaultCleanup';
import type { VaultRecord } from './vaultRecord';
import { serializeVaultRecord } from './vaultRecord';

export type VaultTarget =
  | Readonly<{ kind: 'passphrase'; passphrase: string; kdf?: KdfParams }>
  | Readonly<{ kind: 'keychain'; service?: string; load?: KeychainLoader }>;

/**
 * Re-homes the key. `current` must unlock the current vault (the passcode, for a passcode
 * vault). On failure nothing the current vault needs is changed.
 */
export async function moveProfileKey(profileDir: string, current: ProfileStoreOptions, target: VaultTarget): Promise<Result<VaultRecord>> {
  const recordFile = join(profileDir, PROFILE_FILES.vaultRecord);
  const wrappedFile = join(profileDir, PROFILE_FILES.wrappedKey);
  const read = await readRecord(recordFile);
  if (!read.ok) return read;
  const record = read.value;
  if (record === undefined) return err('store-key-lost', 'This profile has no database key to move.');
  const key = await vaultFor(profileDir, record, current).loadKey();
  if (!key.ok) return key;
  try {
    if (target.kind === 'passphrase') {
      const wrapped = new PassphraseVault({ file: wrappedFile, passphrase: target.passphrase, ...(target.kdf ? { kdf: target.kdf } : {}) });
      const stored = await wrapped.storeKey(key.value);
      if (!stored.ok) return stored;
      const retired = record.vault === 'keychain' ? { service: record.service, account: record.account } : undefined;
      const next: VaultRecord = { vault: 'passphrase', ...(retired ? { retired } : {}) };
      await writeFileAtomic(recordFile, serializeVaultRecord(next));
      return ok(await finishInterruptedMove(profileDir, next, current));
    }
    const entry = { service: target.service ?? KEYCHAIN_SERVICE, account: `profile-${randomUUID()}` };
    const keychain = new KeytarVault({ ...entry, ...(target.load ? { load: target.load } : {}) });
    if (!(await keychain.availability()).available) return vaultError('vault-unavailable');
    if (record.vault === 'passphrase') {
      // Name the new entry before creating it, so a crash before the switch deletes it.
      await writeFileAtomic(recordFile, serializeVaultRecord({ vault: 'passphrase', retired: entry }));
    }
    const stored = await keychain.storeKey(key.value);
    if (!stored.ok) return stored;
    const next: VaultRecord = { vault: 'keychain', ...entry };
    await writeFileAtomic(recordFile, serializeVaultRecord(next));
    if (record.vault === 'keychain') await vaultFor(profileDir, record, current).deleteKey();
    return ok(await finishInterruptedMove(profileDir, next, current));
  } catch {
    return vaultError('vault-write-failed');
  } finally {
    key.value.fill(0);
  }
}
