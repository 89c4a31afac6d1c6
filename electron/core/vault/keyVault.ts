import type { Result } from '../../../protocol/result';

export type VaultKind = 'keychain' | 'passphrase';

export type VaultAvailability = Readonly<{ available: true }> | Readonly<{ available: false; reason: string }>;

/**
 * Where the database key lives between runs. The key itself is random (not derived from
 * anything the user types); a vault only keeps it safe. Never a plaintext key on disk: if no
 * vault is available, opening fails with `vault-unavailable` (ARCHITECTURE.md, "Local database").
 */
export interface KeyVault {
  readonly kind: VaultKind;
  /** Whether this vault can be used right now; `reason` is for logs and test skips. */
  availability(): Promise<VaultAvailability>;
  /** Saves `key`, replacing any key this vault held. Only called when no database exists yet. */
  storeKey(key: Uint8Array): Promise<Result<void>>;
  /** The stored key; the caller owns the returned bytes and should wipe them after use. */
  loadKey(): Promise<Result<Uint8Array>>;
  /** Forgets the key (device removal, full local wipe). Succeeds when there was none. */
  deleteKey(): Promise<Result<void>>;
}
