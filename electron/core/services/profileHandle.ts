/**
 * Opens the profile's encrypted store once, on first use, and hands the same handle to every
 * service. Open failures (wrong passphrase, no keychain, newer DB) surface as their store or
 * vault error code; nothing is created over an existing profile. While the app is locked the
 * store stays closed and every caller gets `app-locked`.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProfileStore, ProfileStoreOptions } from '../store/openProfileStore';
import { PROFILE_FILES } from '../store/profileFiles';
import { openProfileStore } from '../store/openProfileStore';
import { CoreError } from '../ipc/errors';

export class ProfileHandle {
  private opening: Promise<ProfileStore> | undefined;
  private passphrase: string | undefined;
  private locked = false;

  constructor(
    readonly profileDir: string,
    private readonly options: ProfileStoreOptions,
  ) {
    this.passphrase = options.passphrase;
  }

  /** Options that open this profile now: the host's, with the passcode given for the next open. */
  get storeOptions(): ProfileStoreOptions {
    return { ...this.options, ...(this.passphrase !== undefined ? { passphrase: this.passphrase } : {}) };
  }

  /** Whether this profile has been created (its key recorded); false before the first sign-in. */
  async exists(): Promise<boolean> {
    if (this.opening) return true;
    try {
      await access(join(this.profileDir, PROFILE_FILES.vaultRecord));
      return true;
    } catch {
      return false;
    }
  }

  get isOpen(): boolean {
    return this.opening !== undefined;
  }

  store(): Promise<ProfileStore> {
    if (this.locked) return Promise.reject(new CoreError('app-locked'));
    this.opening ??= openProfileStore(this.profileDir, this.storeOptions).then((result) => {
      if (!result.ok) {
        this.opening = undefined;
        throw CoreError.from(result.error);
      }
      // Open now, and nothing reopens it before the next lock (which asks again): the passcode
      // the user typed is not kept (security review, item 5).
      this.passphrase = undefined;
      return result.value;
    });
    return this.opening;
  }

  /** Opens with `passphrase`; it is forgotten once the store is open. */
  async unlock(passphrase: string): Promise<ProfileStore> {
    this.locked = false;
    const previous = this.passphrase;
    this.passphrase = passphrase;
    try {
      return await this.store();
    } catch (error) {
      this.passphrase = previous;
      this.locked = true;
      throw error;
    }
  }

  setPassphrase(passphrase: string | undefined): void {
    this.passphrase = passphrase;
  }

  /** Closes the database (SQLite drops its copy of the key) and forgets the passcode. */
  async lock(): Promise<void> {
    this.locked = true;
    this.passphrase = undefined;
    await this.close();
  }

  /**
   * After a wipe: unlocked, no passcode typed by the user, and the next `store()` creates a fresh
   * profile. A passphrase given at start (the CLI's CAIRN_DB_PASSPHRASE) still applies to it.
   */
  reset(): void {
    this.locked = false;
    this.passphrase = this.options.passphrase;
    this.opening = undefined;
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    const store = await opening.catch(() => undefined);
    store?.close();
  }
}
