import type { Result } from '../../../protocol/result';
import { err } from '../../../protocol/result';

/**
 * Failures around the database key. Stable codes for the UI and CLI; each sentence says what
 * happened and what to do. No path behind these codes overwrites a stored key or a database.
 */
export const VAULT_ERRORS = {
  'vault-unavailable':
    'There is no safe place to keep the database key: the system keychain cannot be reached and no passphrase was given. Nothing was created. Unlock your keychain, or choose a passphrase.',
  'vault-key-missing':
    "The database key is missing from the system keychain. Nothing was changed. Restore your keychain; if that is not possible, this device's local history cannot be read.",
  'vault-key-corrupt':
    'The database key stored in the system keychain is damaged. Nothing was changed. Restore your keychain from a backup.',
  'vault-passphrase-required': 'This profile is protected by a passphrase. Enter it to unlock Cairn.',
  'vault-wrong-passphrase': 'That passphrase is not correct. Nothing was changed. Try again.',
  'vault-passphrase-too-short': 'Choose a passphrase of at least 8 characters.',
  'vault-file-unreadable':
    'The file that holds the protected database key is damaged or was written by a newer version of Cairn. Nothing was changed. Update Cairn or restore the profile folder.',
  'vault-write-failed': 'The database key could not be saved. Nothing was created. Check the free space and permissions of the profile folder.',
} as const;

export type VaultErrorCode = keyof typeof VAULT_ERRORS;

/** A failed result with a stable vault code; `detail` replaces the default sentence when it says more. */
export function vaultError<T = never>(code: VaultErrorCode, detail?: string): Result<T> {
  return err<T>(code, detail ?? VAULT_ERRORS[code]);
}
