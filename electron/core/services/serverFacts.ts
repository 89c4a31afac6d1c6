/**
 * What the signed-in account keeps learning from its server while connected: the key pins the
 * server announces (pinRotation.ts) and the server's policy (serverPolicy.ts). Both are asked
 * for after every (re)connect, the policy also hourly; failures keep what is stored.
 */
import type { FeatureConfigs } from '../../../protocol/api/featureConfigs';
import type { Db } from '../store/migration';
import type { Logger } from '../log';
import type { ApiClient } from '../net/apiClient';
import type { AccountRecord } from './accountRecord';
import { learnServerPins } from './pinRotation';
import { fetchFeatureConfigs, storedFeatureConfigs, storeFeatureConfigs } from './serverPolicy';

/** The server's policy is asked for after every reconnect, and at least this often while connected. */
const FEATURE_CONFIGS_REFRESH_MS = 60 * 60_000;

export type ServerFactsHost = Readonly<{
  /** The signed-in account now (undefined while signed out or locked). */
  current: () => AccountRecord | undefined;
  api: (record: AccountRecord) => ApiClient;
  db: () => Promise<Db>;
  /** Stores the account with the server's new pins. */
  savePins: (record: AccountRecord, pins: readonly string[]) => Promise<void>;
  /** The server's policy is known: the stored one at start, the server's after each refresh. */
  onFeatureConfigs: (configs: FeatureConfigs) => void;
  log: Logger;
}>;

export class ServerFacts {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly host: ServerFactsHost) {}

  /** The account's session started: the last stored policy applies at once (offline too), then hourly refreshes. */
  start(db: Db): void {
    const stored = storedFeatureConfigs(db);
    if (stored) this.host.onFeatureConfigs(stored);
    this.stop();
    this.timer = setInterval(() => void this.refreshFeatureConfigs(), FEATURE_CONFIGS_REFRESH_MS);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Connected and caught up: ask for both again. */
  refresh(): void {
    void this.refreshFeatureConfigs();
    void this.refreshPins();
  }

  /**
   * Learns the server's current and next key pins over the verified connection and stores them,
   * so that a key rotation the server announced in advance does not strand this device.
   */
  private async refreshPins(): Promise<void> {
    const record = this.host.current();
    if (!record) return;
    try {
      const api = this.host.api(record);
      const pins = await learnServerPins(api, record.server.pins);
      const now = this.host.current();
      if (pins === undefined || now?.userId !== record.userId) return;
      await this.host.savePins(now, pins);
      api.agent.setPins(pins);
      this.host.log.info('learned new server key pins', { count: pins.length });
    } catch (error) {
      this.host.log.warn('fetching the server key pins failed; the stored ones stay', { error });
    }
  }

  /**
   * Asks the server for its policy. Offline, or from a server without the route, the last
   * stored policy stays in force.
   */
  private async refreshFeatureConfigs(): Promise<void> {
    const record = this.host.current();
    if (!record) return;
    try {
      const configs = await fetchFeatureConfigs(this.host.api(record));
      // Locked, signed out or signed into another account meanwhile: this answer is not for them.
      if (this.host.current()?.userId !== record.userId) return;
      storeFeatureConfigs(await this.host.db(), configs);
      this.host.onFeatureConfigs(configs);
    } catch (error) {
      this.host.log.warn('fetching the server policy failed; the last known one stays', { error });
    }
  }
}
