import type { MlsClientIdentity } from '../../crypto/mls/mlsIdentity';
import type { CallSecret } from './ephemeralIds';
import { sfuParticipantId } from './ephemeralIds';

/*
 * The SFU names feeds only by publisher ids derived from the call secret (ephemeralIds.ts). A
 * participant maps them back to devices itself: it computes the id of every device of the call
 * group and looks the SFU's ids up in that table. A feed whose id matches no device of the call
 * group (not yet joined here, or not a participant at all) is neither subscribed to nor shown.
 */

export type FeedOwner = Readonly<{ leaf: number; device: MlsClientIdentity }>;

/** Publisher id → the call group device it belongs to, for every device in `members` (by leaf). */
export function feedOwners(secret: CallSecret, members: ReadonlyMap<number, MlsClientIdentity>): ReadonlyMap<number, FeedOwner> {
  const owners = new Map<number, FeedOwner>();
  for (const [leaf, device] of members) owners.set(sfuParticipantId(secret, device), { leaf, device });
  return owners;
}

/**
 * The feeds this device subscribes to: every publishing feed of another device of the call
 * group, in ascending order (a stable order keeps re-offers small).
 */
export function wantedFeeds(owners: ReadonlyMap<number, FeedOwner>, publishing: ReadonlySet<number>, selfLeaf: number): readonly number[] {
  return [...publishing].filter((feed) => {
    const owner = owners.get(feed);
    return owner !== undefined && owner.leaf !== selfLeaf;
  }).sort((a, b) => a - b);
}

/** What to ask the SFU for to go from the feeds subscribed now to the wanted ones. */
export function subscriptionChange(current: ReadonlySet<number>, wanted: readonly number[]): Readonly<{ subscribe: readonly number[]; unsubscribe: readonly number[] }> {
  const want = new Set(wanted);
  return { subscribe: wanted.filter((feed) => !current.has(feed)), unsubscribe: [...current].filter((feed) => !want.has(feed)).sort((a, b) => a - b) };
}
