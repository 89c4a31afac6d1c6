/**
 * Opens the profile's encrypted store once, on first use, and hands the same handle to every
 * service. Open failures (wrong passphrase, no keychain, newer DB) surface as their store or
 * vault error code; nothing is created over an existing profile.
 */
import type { ProfileStore, ProfileStoreOptions } from '../store/openProfileStore';
import { openProfileStore } from '../store/openProfileStore';
import { CoreError } from '../ipc/errors';

export class ProfileHandle {
  private opening: Promise<ProfileStore> | undefined;

  constructor(
    private readonly profileDir: string,
    private readonly options: ProfileStoreOptions,
  ) {}

  store(): Promise<ProfileStore> {
    this.opening ??= openProfileStore(this.profileDir, this.options).then((result) => {
      if (!result.ok) {
        this.opening = undefined;
        throw new CoreError(result.error.code, result.error.message);
      }
      return result.value;
    });
    return this.opening;
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    const store = await opening.catch(() => undefined);
    store?.close();
  }
}
