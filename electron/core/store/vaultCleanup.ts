import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../vault/atomicFile';
import { KeytarVault } from '../vault/keytarVault';
import type { KeychainLoader } from '../vault/keytarVault';
import { PROFILE_FILES } from './profileFiles';
import type { VaultRecord } from './vaultRecord';
import { serializeVaultRecord } from './vaultRecord';

/**
 * Removes what an interrupted key move left behind (see moveProfileKey.ts) and returns the
 * record as it now stands. A keychain record never has a wrapped-key file beside it; a
 * passcode record's `retired` keychain entry is deleted, then forgotten. Runs before every open.
 * (A passcode record's pending key file is settled by the open itself: rekeyProfile.ts.)
 */
export async function finishInterruptedMove(
  profileDir: string,
  record: VaultRecord,
  options: Readonly<{ keychain?: Readonly<{ load?: KeychainLoader }> }>,
): Promise<VaultRecord> {
  if (record.vault === 'keychain') {
    await rm(join(profileDir, PROFILE_FILES.wrappedKey), { force: true });
    await rm(join(profileDir, PROFILE_FILES.pendingKey), { force: true });
    return record;
  }
  if (!record.retired) return record;
  const retired = new KeytarVault({ ...record.retired, ...(options.keychain?.load ? { load: options.keychain.load } : {}) });
  const deleted = await retired.deleteKey();
  if (!deleted.ok) return record;
  const clean: VaultRecord = { vault: 'passphrase' };
  await writeFileAtomic(join(profileDir, PROFILE_FILES.vaultRecord), serializeVaultRecord(clean));
  return clean;
}
