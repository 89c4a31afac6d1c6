import type { KeychainBackend } from '../../../electron/core/vault/keytarVault';

/** An in-memory keychain with a switch to make it unreachable, as a locked or absent Secret Service is. */
export class FakeKeychain implements KeychainBackend {
  readonly entries = new Map<string, string>();
  reachable = true;

  async getPassword(service: string, account: string): Promise<string | null> {
    this.check();
    return this.entries.get(`${service}/${account}`) ?? null;
  }

  async setPassword(service: string, account: string, password: string): Promise<void> {
    this.check();
    this.entries.set(`${service}/${account}`, password);
  }

  async deletePassword(service: string, account: string): Promise<boolean> {
    this.check();
    return this.entries.delete(`${service}/${account}`);
  }

  private check(): void {
    if (!this.reachable) throw new Error('The name org.freedesktop.secrets was not provided by any .service files');
  }
}
