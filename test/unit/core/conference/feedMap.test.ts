import { describe, expect, it } from 'vitest';
import { newCallSecret, sfuParticipantId } from '../../../../electron/core/calls/conference/ephemeralIds';
import { feedOwners, subscriptionChange, wantedFeeds } from '../../../../electron/core/calls/conference/feedMap';
import type { MlsClientIdentity } from '../../../../electron/core/crypto/mls/mlsIdentity';

const device = (userId: string, clientId: string): MlsClientIdentity => ({ userId, clientId, domain: 'cairn.test' });
const alice = device('00000000-0000-4000-8000-00000000000a', '1a');
const bob = device('00000000-0000-4000-8000-00000000000b', '1b');
const carol = device('00000000-0000-4000-8000-00000000000c', '1c');

describe('mapping SFU feeds back to call group devices', () => {
  const secret = newCallSecret();
  const members = new Map([
    [0, alice],
    [1, bob],
    [3, carol],
  ]);
  const owners = feedOwners(secret, members);

  it('names each device’s derived publisher id with its leaf', () => {
    expect(owners.get(sfuParticipantId(secret, bob))).toEqual({ leaf: 1, device: bob });
    expect(owners.get(sfuParticipantId(secret, carol))).toEqual({ leaf: 3, device: carol });
    expect(owners.size).toBe(3);
  });

  it('maps nothing under another call’s secret: the same device has another id there', () => {
    const other = feedOwners(newCallSecret(), members);
    expect([...other.keys()].some((feed) => owners.has(feed))).toBe(false);
  });

  it('subscribes to every publishing feed of the others, never to its own or to a stranger’s', () => {
    const publishing = new Set([sfuParticipantId(secret, alice), sfuParticipantId(secret, carol), 12345]);
    expect(wantedFeeds(owners, publishing, 0)).toEqual([sfuParticipantId(secret, carol)]);
    expect(wantedFeeds(owners, publishing, 1)).toEqual([sfuParticipantId(secret, alice), sfuParticipantId(secret, carol)].sort((a, b) => a - b));
  });

  it('asks the SFU only for the difference', () => {
    expect(subscriptionChange(new Set([1, 2]), [2, 3])).toEqual({ subscribe: [3], unsubscribe: [1] });
    expect(subscriptionChange(new Set([1]), [1])).toEqual({ subscribe: [], unsubscribe: [] });
  });
});
