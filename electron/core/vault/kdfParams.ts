/**
 * Argon2id cost for the key-encryption key. Measured on the project's 2-core Debian machine
 * (libsodium-wrappers-sumo 0.8.4, WASM): opsLimit 4 with 128 MiB takes ≈ 0.4 s per unlock.
 * 128 MiB (= the whitepaper's "134 MB") is the memory the backup KDF already uses
 * (seed 002), so the WASM heap, which never shrinks, does not grow past what backups need.
 * libsodium's MODERATE (3 / 256 MiB) costs ≈ 0.65 s and keeps +270 MB resident in the core.
 * The parameters travel in the key file, so they can be raised later without breaking old files.
 */
export interface KdfParams {
  readonly opsLimit: number;
  readonly memLimitBytes: number;
}

export const DEFAULT_KDF_PARAMS: KdfParams = { opsLimit: 4, memLimitBytes: 128 * 1024 * 1024 };

/**
 * Bounds accepted when reading a key file. The upper bounds stop a tampered file from making
 * the core allocate gigabytes or spin for minutes before the AEAD check can reject it.
 */
export const KDF_BOUNDS = {
  minOpsLimit: 1,
  maxOpsLimit: 16,
  minMemLimitBytes: 8 * 1024 * 1024,
  maxMemLimitBytes: 1024 * 1024 * 1024,
} as const;

export function kdfParamsInBounds(params: KdfParams): boolean {
  return (
    Number.isInteger(params.opsLimit) &&
    Number.isInteger(params.memLimitBytes) &&
    params.opsLimit >= KDF_BOUNDS.minOpsLimit &&
    params.opsLimit <= KDF_BOUNDS.maxOpsLimit &&
    params.memLimitBytes >= KDF_BOUNDS.minMemLimitBytes &&
    params.memLimitBytes <= KDF_BOUNDS.maxMemLimitBytes &&
    params.memLimitBytes % 1024 === 0
  );
}
