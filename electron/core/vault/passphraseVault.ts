import { readFile, rm } from 'node:fs/promises';
import type { Result } from '../../../protocol/result';
import { missingCase, ok } from '../../../protocol/result';
import { writeFileAtomic } from './atomicFile';
import type { KdfParams } from './kdfParams';
import { DEFAULT_KDF_PARAMS, kdfParamsInBounds } from './kdfParams';
import type { KeyVault, VaultAvailability } from './keyVault';
import { openWithPassphrase, sealWithPassphrase } from './keyWrap';
import { loadSodium } from './sodium';
import { vaultError } from './vaultErrors';
import { parseWrappedKeyFile, serializeWrappedKeyFile } from './wrappedKeyFile';

export const MIN_PASSPHRASE_LENGTH = 8;

export interface PassphraseVaultOptions {
  /** The key file inside the profile folder. */
  readonly file: string;
  /** Undefined when the user has not (yet) typed one; loading then asks for it by code. */
  readonly passphrase: string | undefined;
  /** Cost for newly written files; reading always uses the parameters recorded in the file. */
  readonly kdf?: KdfParams;
}

/**
 * Keeps the database key in a small JSON file, wrapped by a key derived from the user's
 * passphrase (Argon2id → XChaCha20-Poly1305, header as associated data). Used where no system
 * keychain exists. Loading only reads the file, so a wrong passphrase leaves it untouched.
 */
export class PassphraseVault implements KeyVault {
  readonly kind = 'passphrase';
  private readonly kdf: KdfParams;

  constructor(private readonly options: PassphraseVaultOptions) {
    this.kdf = options.kdf ?? DEFAULT_KDF_PARAMS;
    if (!kdfParamsInBounds(this.kdf)) throw new RangeError('KDF parameters out of bounds');
  }

  async availability(): Promise<VaultAvailability> {
    return this.options.passphrase === undefined || this.options.passphrase.length === 0
      ? { available: false, reason: 'no passphrase was given' }
      : { available: true };
  }

  async storeKey(key: Uint8Array): Promise<Result<void>> {
    const { passphrase } = this.options;
    if (passphrase === undefined || passphrase.length === 0) return vaultError('vault-passphrase-required');
    if ([...passphrase.normalize('NFC')].length < MIN_PASSPHRASE_LENGTH) return vaultError('vault-passphrase-too-short');
    const sodium = await loadSodium();
    const text = serializeWrappedKeyFile(sealWithPassphrase(sodium, key, passphrase, this.kdf));
    try {
      await writeFileAtomic(this.options.file, text);
    } catch {
      return vaultError('vault-write-failed');
    }
    return ok(undefined);
  }

  async loadKey(): Promise<Result<Uint8Array>> {
    const { passphrase } = this.options;
    let text: string;
    try {
      text = await readFile(this.options.file, 'utf8');
    } catch (error) {
      return isNotFound(error)
        ? vaultError('vault-file-unreadable', 'The file that holds the protected database key is missing. Nothing was changed. Restore the profile folder from a backup.')
        : vaultError('vault-file-unreadable');
    }
    const parsed = parseWrappedKeyFile(text);
    switch (parsed.kind) {
      case 'too-new':
        return vaultError('vault-file-unreadable', 'The protected database key was written by a newer version of Cairn. Nothing was changed. Update Cairn to open this profile.');
      case 'invalid':
        return vaultError('vault-file-unreadable');
      case 'ok':
        break;
      default:
        return missingCase(parsed);
    }
    if (passphrase === undefined || passphrase.length === 0) return vaultError('vault-passphrase-required');
    const sodium = await loadSodium();
    const key = openWithPassphrase(sodium, parsed.value, passphrase);
    return key === undefined ? vaultError('vault-wrong-passphrase') : ok(key);
  }

  /**
   * Wraps the same database key under `newPassphrase` (fresh salt, current KDF cost). The
   * database is not touched, and the file is replaced atomically only after the current
   * passphrase has proved correct, so a wrong one or a crash leaves the old file working.
   */
  async changePassphrase(newPassphrase: string): Promise<Result<void>> {
    const key = await this.loadKey();
    if (!key.ok) return key;
    try {
      return await new PassphraseVault({ ...this.options, passphrase: newPassphrase, kdf: this.kdf }).storeKey(key.value);
    } finally {
      key.value.fill(0);
    }
  }

  async deleteKey(): Promise<Result<void>> {
    try {
      await rm(this.options.file, { force: true });
    } catch {
      return vaultError('vault-write-failed', 'The protected database key could not be removed. Check the permissions of the profile folder.');
    }
    return ok(undefined);
  }
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
}
