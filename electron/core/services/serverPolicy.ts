/**
 * The administrator's policy from the server (`GET /feature-configs`), kept in the encrypted
 * store so it still applies offline and after a restart: a user cannot escape an enforced app
 * lock by starting Cairn without a network.
 */
import type { FeatureConfigs } from '../../../protocol/api/featureConfigs';
import { FeatureConfigsSchema } from '../../../protocol/api/featureConfigs';
import type { ApiClient } from '../net/apiClient';
import { readKv, writeKv } from '../store/kv';
import type { Db } from '../store/migration';

const FEATURE_CONFIGS_KEY = 'featureConfigs';

/** The last policy the server sent, or undefined before the first answer. */
export function storedFeatureConfigs(db: Db): FeatureConfigs | undefined {
  return readKv(db, 'settings', FEATURE_CONFIGS_KEY, FeatureConfigsSchema);
}

/** Asks the server for its policy (network and server errors are thrown). */
export function fetchFeatureConfigs(api: ApiClient): Promise<FeatureConfigs> {
  return api.call('featureConfigs', {});
}

/** Keeps the server's answer for offline starts. */
export function storeFeatureConfigs(db: Db, configs: FeatureConfigs): void {
  writeKv(db, 'settings', FEATURE_CONFIGS_KEY, configs);
}
