/**
 * What the conference service (conferenceService.ts) keeps of each conference, and the views of
 * it the renderer gets: `conference.state` (phase, participants by leaf with their feed and
 * media state) and `conference.subscription` (the SFU's offer with each stream named by the
 * leaf of the device whose derived publisher id it carries). Pure functions of that state.
 */
import type { ConferenceGroup, ConferenceKey } from '../../../calls/conference/conferenceGroup';
import type { CallSecret } from '../../../calls/conference/ephemeralIds';
import { sfuParticipantId } from '../../../calls/conference/ephemeralIds';
import type { FeedOwner } from '../../../calls/conference/feedMap';
import { feedOwners } from '../../../calls/conference/feedMap';
import type { RatchetClock } from '../../../calls/conference/ratchetClock';
import type { MlsClientIdentity } from '../../../crypto/mls/mlsIdentity';
import { formatMlsIdentity } from '../../../crypto/mls/mlsIdentity';
import type { EventOf } from '../../../ipc/contract';
import type { SfuLink, SfuOffer } from './sfuLink';

export type UserRef = Readonly<{ id: string; domain: string }>;
export type View = EventOf<'conference.state'>;
export type MediaState = Readonly<{ muted: boolean; cameraOff: boolean; sharing: boolean }>;
export type Reason = NonNullable<View['reason']>;

/** A conference as this device knows it from its start message (or its own start). */
export type Known = {
  readonly conferenceId: string;
  readonly conversationId: string;
  readonly callGroupId: string;
  readonly secret: CallSecret;
  readonly sfuUrl: string;
  readonly media: 'audio' | 'video';
  readonly startedBy: UserRef;
  /** When it started (server time of the start message, or this device's clock for its own). */
  readonly startedAt: number;
  phase: View['phase'];
  since: number;
  reason: Reason | undefined;
  /** Each device's media state by `user:client@domain`. */
  readonly mediaStates: Map<string, MediaState>;
  live: Live | undefined;
};

/** The conference this device is in. */
export type Live = {
  readonly group: ConferenceGroup;
  readonly sfu: SfuLink;
  readonly clock: RatchetClock;
  readonly tick: NodeJS.Timeout;
  readonly stop: readonly (() => void)[];
  key: ConferenceKey | undefined;
  step: number;
  published: boolean;
};

export const NO_MEDIA: MediaState = { muted: false, cameraOff: false, sharing: false };

/** Publisher id → device of the call group, for the conference this device is in. */
export function ownersOf(known: Known, live: Live): ReadonlyMap<number, FeedOwner> {
  return feedOwners(known.secret, live.group.members());
}

/** `conference.state`: participants only while this device is in the call (it knows the call group then). */
export function viewOf(known: Known, self: MlsClientIdentity): View {
  const live = known.live;
  const participants: View['participants'] = [];
  if (live !== undefined) {
    for (const [leaf, device] of live.group.members()) {
      if (leaf > 0xff) continue;
      const isSelf = formatMlsIdentity(device) === formatMlsIdentity(self);
      const feed = sfuParticipantId(known.secret, device);
      const publishing = isSelf ? live.published : live.sfu.publishing.has(feed);
      const media = known.mediaStates.get(formatMlsIdentity(device)) ?? NO_MEDIA;
      participants.push({ user: { id: device.userId, domain: device.domain }, clientId: device.clientId, self: isSelf, leaf, feed: publishing ? feed : null, ...media });
    }
    participants.sort((a, b) => a.leaf - b.leaf);
  }
  return {
    conferenceId: known.conferenceId,
    conversationId: known.conversationId,
    startedBy: known.startedBy,
    media: known.media,
    cbr: true,
    phase: known.phase,
    since: known.since,
    participants,
    ...(known.reason === undefined ? {} : { reason: known.reason }),
  };
}

/** `conference.subscription`: streams of feeds that map to no device of the call group are left out. */
export function subscriptionEventOf(known: Known, offer: SfuOffer): EventOf<'conference.subscription'> {
  const owners = known.live === undefined ? new Map<number, FeedOwner>() : ownersOf(known, known.live);
  const streams: EventOf<'conference.subscription'>['streams'] = [];
  for (const stream of offer.streams) {
    const owner = stream.feed === undefined ? undefined : owners.get(stream.feed);
    if (owner === undefined || stream.feed === undefined || owner.leaf > 0xff) continue;
    if (stream.type !== 'audio' && stream.type !== 'video') continue;
    streams.push({ mid: stream.mid, kind: stream.type, feed: stream.feed, leaf: owner.leaf });
  }
  return { conferenceId: known.conferenceId, version: offer.version, offer: offer.sdp, streams };
}
