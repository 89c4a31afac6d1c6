import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Result } from '../../../protocol/result';
import { missingCase, ok } from '../../../protocol/result';
import { writeFileAtomic } from '../vault/atomicFile';
import type { KdfParams } from '../vault/kdfParams';
import type { KeyVault, VaultKind } from '../vault/keyVault';
import type { KeychainLoader } from '../vault/keytarVault';
import { KEYCHAIN_SERVICE, KeytarVault } from '../vault/keytarVault';
import { PassphraseVault } from '../vault/passphraseVault';
import { vaultError } from '../vault/vaultErrors';
import { generateDbKey } from './dbKey';
import type { Migration } from './migration';
import type { Store } from './openStore';
import { openStore } from './openStore';
import { storeError } from './storeErrors';
import type { VaultRecord } from './vaultRecord';
import { parseVaultRecord, serializeVaultRecord } from './vaultRecord';
import { finishInterruptedMove } from './vaultCleanup';
import { passphraseKeyFiles, settlePendingKey } from './rekeyProfile';
import { PROFILE_FILES } from './profileFiles';

export { PROFILE_FILES };

export interface ProfileStoreOptions {
  /** First run only: which vault to try first. Default: the keychain, else the passphrase. */
  readonly prefer?: VaultKind;
  /** The user's passphrase, when they gave one (the CLI reads `CAIRN_DB_PASSPHRASE`). */
  readonly passphrase?: string;
  /** Argon2id cost for a new key file; tests lower it where the cost is not under test. */
  readonly kdf?: KdfParams;
  readonly keychain?: Readonly<{ service?: string; load?: KeychainLoader }>;
  readonly migrations?: readonly Migration[];
}

export interface ProfileStore extends Store {
  readonly vault: VaultKind;
  /** True when this call created the key and the database (first run). */
  readonly created: boolean;
}

/**
 * Opens the profile's encrypted database, creating key and database on the first run.
 *
 * First run, in crash-safe order: generate a random key → save it in the chosen vault →
 * record the choice (atomic write) → create the database. A crash before the record leaves
 * no database, so the next start simply begins again; a crash after it leaves a recorded key
 * and the next start creates the database with that key.
 *
 * Later runs use the recorded vault, whatever `prefer` says, and never fall back to a new
 * key: a lost key, an unreachable keychain or a wrong passphrase is an error value and every
 * file is left as it was. A database without a record is refused (`store-key-lost`) instead
 * of being replaced.
 */
export async function openProfileStore(profileDir: string, options: ProfileStoreOptions = {}): Promise<Result<ProfileStore>> {
  try {
    await mkdir(profileDir, { recursive: true, mode: 0o700 });
  } catch {
    return storeError('store-cannot-open');
  }
  const recordFile = join(profileDir, PROFILE_FILES.vaultRecord);
  const databaseFile = join(profileDir, PROFILE_FILES.database);

  const existing = await readRecord(recordFile);
  if (!existing.ok) return existing;
  if (existing.value !== undefined) return openExisting(profileDir, existing.value, options);

  if ((await exists(databaseFile)) || (await exists(`${databaseFile}-wal`))) return storeError('store-key-lost');
  return createProfile(profileDir, options);
}

async function openExisting(profileDir: string, record: VaultRecord, options: ProfileStoreOptions): Promise<Result<ProfileStore>> {
  await finishInterruptedMove(profileDir, record, options);
  if (record.vault === 'passphrase') return openPassphraseProfile(profileDir, options);
  const vault = vaultFor(profileDir, record, options);
  const key = await vault.loadKey();
  if (!key.ok) return key;
  return openWithKey(profileDir, key.value, vault.kind, false, options);
}

/** Codes after which the next key file is worth a try: this key did not fit, nothing else broke. */
const KEY_DID_NOT_FIT: ReadonlySet<string> = new Set(['store-wrong-key', 'vault-wrong-passphrase']);

/**
 * A passcode-protected profile: the current key file, then the one an interrupted re-key left
 * (rekeyProfile.ts). The first that opens the database wins and becomes the current file.
 */
async function openPassphraseProfile(profileDir: string, options: ProfileStoreOptions): Promise<Result<ProfileStore>> {
  let firstFailure: Result<ProfileStore> | undefined;
  for (const file of passphraseKeyFiles(profileDir)) {
    if (firstFailure !== undefined && !(await exists(file))) continue;
    const key = await new PassphraseVault({ file, passphrase: options.passphrase, ...(options.kdf ? { kdf: options.kdf } : {}) }).loadKey();
    const opened = key.ok ? openWithKey(profileDir, key.value, 'passphrase', false, options) : key;
    if (opened.ok) {
      await settlePendingKey(profileDir, file);
      return opened;
    }
    firstFailure ??= opened;
    if (!KEY_DID_NOT_FIT.has(opened.error.code)) return firstFailure;
  }
  return firstFailure ?? storeError('store-cannot-open');
}

async function createProfile(profileDir: string, options: ProfileStoreOptions): Promise<Result<ProfileStore>> {
  const chosen = await chooseVault(profileDir, options);
  if (!chosen.ok) return chosen;
  const { vault, record } = chosen.value;

  const key = generateDbKey();
  const stored = await vault.storeKey(key);
  if (!stored.ok) {
    key.fill(0);
    return stored;
  }
  try {
    await writeFileAtomic(join(profileDir, PROFILE_FILES.vaultRecord), serializeVaultRecord(record));
  } catch {
    key.fill(0);
    await vault.deleteKey();
    return vaultError('vault-write-failed');
  }
  return openWithKey(profileDir, key, vault.kind, true, options);
}

function openWithKey(profileDir: string, key: Uint8Array, vault: VaultKind, created: boolean, options: ProfileStoreOptions): Result<ProfileStore> {
  const opened = openStore(join(profileDir, PROFILE_FILES.database), key, options.migrations ? { migrations: options.migrations } : {});
  key.fill(0);
  if (!opened.ok) return opened;
  return ok({ ...opened.value, vault, created });
}

type Choice = Readonly<{ vault: KeyVault; record: VaultRecord }>;

async function chooseVault(profileDir: string, options: ProfileStoreOptions): Promise<Result<Choice>> {
  const keychainRecord: VaultRecord = {
    vault: 'keychain',
    service: options.keychain?.service ?? KEYCHAIN_SERVICE,
    account: `profile-${randomUUID()}`,
  };
  const passphraseRecord: VaultRecord = { vault: 'passphrase' };
  const order = options.prefer === 'passphrase' ? [passphraseRecord, keychainRecord] : [keychainRecord, passphraseRecord];
  for (const record of order) {
    const vault = vaultFor(profileDir, record, options);
    if ((await vault.availability()).available) return ok({ vault, record });
  }
  return vaultError('vault-unavailable');
}

export function vaultFor(profileDir: string, record: VaultRecord, options: ProfileStoreOptions): KeyVault {
  switch (record.vault) {
    case 'keychain':
      return new KeytarVault({
        service: record.service,
        account: record.account,
        ...(options.keychain?.load ? { load: options.keychain.load } : {}),
      });
    case 'passphrase':
      return new PassphraseVault({
        file: join(profileDir, PROFILE_FILES.wrappedKey),
        passphrase: options.passphrase,
        ...(options.kdf ? { kdf: options.kdf } : {}),
      });
    default:
      return missingCase(record);
  }
}

export async function readRecord(file: string): Promise<Result<VaultRecord | undefined>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return isNotFound(error) ? ok(undefined) : storeError('store-profile-unreadable');
  }
  const parsed = parseVaultRecord(text);
  switch (parsed.kind) {
    case 'ok':
      return ok(parsed.record);
    case 'too-new':
      return storeError('store-too-new');
    case 'invalid':
      return storeError('store-profile-unreadable');
    default:
      return missingCase(parsed);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    return !isNotFound(error);
  }
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
}
