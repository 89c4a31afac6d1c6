import type { Result } from '../../../protocol/result';
import { ok } from '../../../protocol/result';
import type { KeyVault, VaultAvailability } from './keyVault';
import { vaultError } from './vaultErrors';

/** The three keychain calls the vault uses; keytar provides them, tests may fake them. */
export interface KeychainBackend {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export type KeychainLoader = () => Promise<KeychainBackend>;

/**
 * keytar is an optional native dependency (archived upstream, needs libsecret on Linux), so it
 * is imported only when a keychain vault is asked for. keytar's CommonJS exports reach ESM on
 * the default export only.
 */
export const loadKeytar: KeychainLoader = async () => {
  const keytar = await import('keytar');
  return keytar.default;
};

export const KEYCHAIN_SERVICE = 'Cairn';

export interface KeytarVaultOptions {
  /** One entry per profile, so several profiles on one machine never share a key. */
  readonly account: string;
  /** "Cairn" in the app; tests pass their own so they never touch a developer's real entries. */
  readonly service?: string;
  readonly load?: KeychainLoader;
}

type Backend = Readonly<{ kind: 'ready'; keychain: KeychainBackend }> | Readonly<{ kind: 'unavailable'; reason: string }>;

/**
 * Keeps the database key in the OS keychain (macOS Keychain, Windows Credential Manager,
 * Secret Service on Linux). A missing module, a missing D-Bus session or a missing keyring
 * daemon all become the "unavailable" state, never a crash.
 */
export class KeytarVault implements KeyVault {
  readonly kind = 'keychain';
  private readonly service: string;
  private backend: Promise<Backend> | undefined;

  constructor(private readonly options: KeytarVaultOptions) {
    this.service = options.service ?? KEYCHAIN_SERVICE;
  }

  /** Loads keytar and makes one harmless read, because keytar loads fine without a Secret Service. */
  async availability(): Promise<VaultAvailability> {
    const backend = await this.connect();
    if (backend.kind === 'unavailable') return { available: false, reason: backend.reason };
    try {
      await backend.keychain.getPassword(this.service, this.options.account);
      return { available: true };
    } catch (error) {
      return { available: false, reason: `keychain not reachable: ${messageOf(error)}` };
    }
  }

  async storeKey(key: Uint8Array): Promise<Result<void>> {
    const backend = await this.connect();
    if (backend.kind === 'unavailable') return vaultError('vault-unavailable');
    try {
      await backend.keychain.setPassword(this.service, this.options.account, Buffer.from(key).toString('base64'));
    } catch {
      return vaultError('vault-unavailable');
    }
    return ok(undefined);
  }

  async loadKey(): Promise<Result<Uint8Array>> {
    const backend = await this.connect();
    if (backend.kind === 'unavailable') return unreachable();
    let stored: string | null;
    try {
      stored = await backend.keychain.getPassword(this.service, this.options.account);
    } catch {
      return unreachable();
    }
    if (stored === null) return vaultError('vault-key-missing');
    const key = decodeKey(stored);
    return key === undefined ? vaultError('vault-key-corrupt') : ok(key);
  }

  async deleteKey(): Promise<Result<void>> {
    const backend = await this.connect();
    if (backend.kind === 'unavailable') return unreachable();
    try {
      await backend.keychain.deletePassword(this.service, this.options.account);
    } catch {
      return unreachable();
    }
    return ok(undefined);
  }

  private connect(): Promise<Backend> {
    this.backend ??= (this.options.load ?? loadKeytar)().then(
      (keychain): Backend => ({ kind: 'ready', keychain }),
      (error: unknown): Backend => ({ kind: 'unavailable', reason: `keytar could not be loaded: ${messageOf(error)}` }),
    );
    return this.backend;
  }
}

function unreachable(): Result<never> {
  return vaultError(
    'vault-unavailable',
    "This profile's database key is kept in the system keychain, which cannot be reached. Nothing was changed. Unlock your keychain and try again.",
  );
}

function decodeKey(stored: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(stored)) return undefined;
  const key = new Uint8Array(Buffer.from(stored, 'base64'));
  return key.length === 32 ? key : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
