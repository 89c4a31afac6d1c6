import { mergePins } from '../../../protocol/pins';
import type { ApiClient } from '../net/apiClient';

/**
 * Pin rotation with the old key's blessing (seed 002 pins a set of keys; this keeps the set
 * current). Asks the server, over a connection its pinned key has just verified, which keys it
 * presents now and next, and returns the pins to store, or `undefined` when nothing changes.
 * The pin the connection was verified with is always kept; so is every pin stored before
 * while there is room (`mergePins`), so an operator's mistake cannot strand a device.
 */
export async function learnServerPins(api: ApiClient, stored: readonly string[]): Promise<readonly string[] | undefined> {
  const published = await api.call('serverPins', {});
  const proven = api.agent.lastVerifiedPin;
  if (proven === undefined) return undefined;
  const merged = mergePins(stored, [published.current, ...published.next], proven);
  return merged.length === stored.length && merged.every((pin, index) => pin === stored[index]) ? undefined : merged;
}
