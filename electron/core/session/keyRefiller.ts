/** Keeps this device reachable: tops up key packages and prekeys at the server (keyRefill.ts), at most once a minute. */
import type { Logger } from '../log';
import type { KeyStock } from '../services/keyRefill';
import { keyStock, refillKeys } from '../services/keyRefill';
import type { GroupSession } from './groupSession';

export class KeyRefiller {
  private last = 0;

  constructor(
    private readonly groups: GroupSession,
    private readonly log: Logger,
  ) {}

  async refill(force = false): Promise<void> {
    if (!force && Date.now() - this.last < 60_000) return;
    this.last = Date.now();
    const added = await refillKeys(this.groups.device, await this.groups.mls());
    if (added.keyPackages > 0 || added.prekeys > 0) this.log.info('refilled keys at the server', { ...added });
  }

  stock(): Promise<KeyStock> {
    return keyStock(this.groups.device);
  }
}
