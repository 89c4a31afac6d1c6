import type { Sodium } from '../vault/sodium';
import { deriveMasterKey } from './argon2Worker';

/** Argon2 variant recorded in the header; 1 = argon2i v1.3 (libsodium `ALG_ARGON2I13`). */
export const KDF_ARGON2I13 = 1;

export interface BackupKdfParams {
  readonly opsLimit: number;
  readonly memLimitBytes: number;
}

/**
 * seed 002, "Local storage of backups": argon2i, 6 iterations, 134 MB of memory, random 16-byte
 * salt. 134 MB is read as 128 MiB (134 217 728 bytes). Measured here: ≈0.8–0.9 s and +140 MB
 * RSS while it runs — in a short-lived worker, so the memory is returned afterwards
 * (`argon2Worker.ts`).
 */
export const DEFAULT_BACKUP_KDF: BackupKdfParams = { opsLimit: 6, memLimitBytes: 128 * 1024 * 1024 };

export const SALT_BYTES = 16;

/**
 * What a reader accepts from a header, checked before the KDF runs. The lower bounds are
 * libsodium's minimum for argon2i (3 passes, 8 KiB), so tests can write cheap backups. The
 * upper bounds (twice the default cost) leave room to raise the cost later while a hostile
 * file cannot make the core allocate gigabytes or spin for minutes before authentication.
 */
export const BACKUP_KDF_BOUNDS = {
  minOpsLimit: 3,
  maxOpsLimit: 12,
  minMemLimitBytes: 8 * 1024,
  maxMemLimitBytes: 256 * 1024 * 1024,
} as const;

export function backupKdfInBounds(params: BackupKdfParams): boolean {
  return (
    Number.isInteger(params.opsLimit) &&
    Number.isInteger(params.memLimitBytes) &&
    params.opsLimit >= BACKUP_KDF_BOUNDS.minOpsLimit &&
    params.opsLimit <= BACKUP_KDF_BOUNDS.maxOpsLimit &&
    params.memLimitBytes >= BACKUP_KDF_BOUNDS.minMemLimitBytes &&
    params.memLimitBytes <= BACKUP_KDF_BOUNDS.maxMemLimitBytes &&
    params.memLimitBytes % 1024 === 0
  );
}

/** The two keys a backup needs; the caller wipes both with `sodium.memzero` when done. */
export interface BackupKeys {
  /** XChaCha20-Poly1305 secretstream key. */
  readonly stream: Uint8Array;
  /** Keyed BLAKE2b over the header: tells a wrong password apart from a damaged first chunk. */
  readonly check: Uint8Array;
}

const SUBKEY_CONTEXT = 'CairnBak';
const STREAM_SUBKEY_ID = 1;
const CHECK_SUBKEY_ID = 2;

/**
 * Password → Argon2i master key → two subkeys (libsodium `crypto_kdf`, BLAKE2b), so the
 * key-check value and the stream never share a key. The password is NFC-normalised so the same
 * text typed on another OS or keyboard layout still opens the backup. Slow by design (see
 * `DEFAULT_BACKUP_KDF`); at the real cost it runs in a worker and can be cancelled
 * (`argon2Worker.ts`).
 */
export async function deriveBackupKeys(sodium: Sodium, password: string, salt: Uint8Array, params: BackupKdfParams, signal?: AbortSignal): Promise<BackupKeys> {
  const master = await deriveMasterKey(sodium, password, salt, params, signal);
  try {
    return {
      stream: sodium.crypto_kdf_derive_from_key(sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES, STREAM_SUBKEY_ID, SUBKEY_CONTEXT, master),
      check: sodium.crypto_kdf_derive_from_key(32, CHECK_SUBKEY_ID, SUBKEY_CONTEXT, master),
    };
  } finally {
    sodium.memzero(master);
  }
}

export function wipeBackupKeys(sodium: Sodium, keys: BackupKeys): void {
  sodium.memzero(keys.stream);
  sodium.memzero(keys.check);
}
