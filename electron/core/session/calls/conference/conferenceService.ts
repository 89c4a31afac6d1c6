/**
 * The conference service of the signed-in session (issue 14): group calls through an SFU that
 * sees only ciphertext. It owns every conference this device knows of in its conversations:
 * `available` ones (a start message arrived, this device is not in it) and the one it takes
 * part in, with its call group (calls/conference/conferenceGroup.ts: MLS, keys, the key
 * generator's removals), its SFU room (sfuLink.ts) and its timers:
 * - the ratchet clock (ratchetClock.ts): each step and each new epoch's key become
 *   `conference.frameKey` (the epoch's base key and the step now due; never MLS state);
 * - a tick every few seconds: `ConferenceGroup.tick` (silence), devices of users who are no
 *   longer members of the conversation reported gone (the key generator removes them), and this
 *   device's own removal noticed.
 *
 * Signalling (start, end, media state) is E2EE content of the conversation
 * (protocol/content/conferenceSchema.ts), sent with OutgoingMessages.sendContent (padded like
 * text) and received through the receive path's `conference-message` follow-up; the SFU sees
 * none of it. The call secret and the SFU's address stay in the core; the renderer gets SDP,
 * which stream is whose (by leaf), keys and views.
 *
 * One call or conference at a time per device (`busy`, shared with the 1:1 call service). Work
 * for one conference runs one step at a time (`serial`); received messages are only queued,
 * never awaited by the receive path (it holds the group lock).
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { ConferenceContent } from '../../../../../protocol/content/conferenceSchema';
import type { Result } from '../../../../../protocol/result';
import { missingCase } from '../../../../../protocol/result';
import { callGroupReview } from '../../../calls/conference/callGroupReview';
import { CallGroupServer } from '../../../calls/conference/callGroupServer';
import { conferenceEndedText, conferenceStartedText } from '../../../calls/conference/conferenceHistory';
import type { ConferenceDeps, ConferenceKey } from '../../../calls/conference/conferenceGroup';
import { ConferenceGroup } from '../../../calls/conference/conferenceGroup';
import type { CallGroupInbox } from '../../../calls/conference/callGroupInbox';
import { callSecretFrom, newCallSecret, sfuParticipantId, sfuRoom } from '../../../calls/conference/ephemeralIds';
import type { FeedOwner } from '../../../calls/conference/feedMap';
import { wantedFeeds } from '../../../calls/conference/feedMap';
import { KEY_ROTATION_PERIOD_MS, SILENCE_LIMIT_MS } from '../../../calls/conference/keySchedule';
import { RatchetClock } from '../../../calls/conference/ratchetClock';
import type { MlsClientIdentity } from '../../../crypto/mls/mlsIdentity';
import { formatMlsIdentity } from '../../../crypto/mls/mlsIdentity';
import type { EventOf, RequestOf, ResponseOf } from '../../../ipc/contract';
import { CoreError } from '../../../ipc/errors';
import type { Logger } from '../../../log';
import { fetchCallConfig } from '../../../net/callConfig';
import type { JanusEndpoint } from '../../../net/janusClient';
import { conversationKind } from '../../../store/conversations';
import { isMember } from '../../../store/members';
import { qualified, userName } from '../../../store/users';
import { writeTransaction } from '../../../store/handles';
import { insertSystemMessage } from '../../../store/messages';
import type { Announcer } from '../../announcer';
import { selfDevice } from '../../device';
import type { GroupSession } from '../../groupSession';
import type { OutgoingMessages } from '../../outgoingMessages';
import type { SfuOffer } from './sfuLink';
import type { Known, Live, Reason, UserRef, View } from './conferenceState';
import { ownersOf, subscriptionEventOf, viewOf } from './conferenceState';
import { SfuLink } from './sfuLink';

/** How often the call group is checked for silent or departed devices. */
export const CONFERENCE_TICK_MS = 2_000;

export type ConferenceTimings = Readonly<{ ratchetMs?: number; silenceMs?: number; tickMs?: number }>;

export interface ConferenceServiceDeps {
  readonly groups: GroupSession;
  readonly outgoing: Pick<OutgoingMessages, 'sendContent' | 'requireSendable'>;
  readonly announcer: Announcer;
  readonly inbox: CallGroupInbox;
  readonly log: Logger;
  /** The 1:1 call service: busy with a call, and told when this service's activity changes (`call.activity`). */
  readonly calls: Readonly<{ busy: () => boolean; refreshActivity: () => void }>;
  readonly timings?: ConferenceTimings;
}


export class ConferenceService {
  readonly #known = new Map<string, Known>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(private readonly deps: ConferenceServiceDeps) {}

  /** A conference (joined or being joined) holds camera and microphone: no 1:1 call meanwhile. */
  busy(): boolean {
    return [...this.#known.values()].some((known) => known.live !== undefined);
  }

  // ---- Requests (core.ts) ----

  start({ conversationId, media }: RequestOf<'conferences.start'>): Promise<View> {
    return this.#serial(async () => {
      const kind = conversationKind(this.#db(), conversationId);
      if (kind === undefined) throw new CoreError('conversation-not-found');
      if (kind !== 'group') throw new CoreError('call-no-calls-here', 'Group calls are only possible in group conversations.');
      this.#refuseWhenBusy();
      this.deps.outgoing.requireSendable(conversationId);
      const config = await fetchCallConfig(this.deps.groups.device.api);
      if (config.sftServers.length === 0) throw new CoreError('conference-no-sfu');
      // Several SFUs listed: each conference picks one, so conferences spread over them.
      const sfu = config.sftServers[randomInt(config.sftServers.length)];
      if (sfu === undefined) throw new CoreError('conference-no-sfu');
      const group = this.#value(await ConferenceGroup.create(await this.#groupDeps(conversationId), conversationId));
      // Others may join as soon as the start message is out, before this device goes live.
      const release = this.deps.inbox.hold(group.callGroupId);
      const known: Known = {
        conferenceId: randomUUID(),
        conversationId,
        callGroupId: group.callGroupId,
        secret: newCallSecret(),
        sfuUrl: sfu.url,
        media,
        startedBy: this.#selfUser(),
        startedAt: Date.now(),
        phase: 'joining',
        since: Date.now(),
        reason: undefined,
        mediaStates: new Map(),
        live: undefined,
      };
      const live = await this.#connect(known, group, { url: sfu.url, token: sfu.token, pins: sfu.pins }, true).catch((error: unknown) => {
        release();
        throw error;
      });
      try {
        await this.deps.outgoing.sendContent(conversationId, {
          type: 'conference-start',
          conferenceId: known.conferenceId,
          callGroupId: known.callGroupId,
          secret: new Uint8Array(known.secret.bytes),
          sfuUrl: known.sfuUrl,
          media,
        });
      } catch (error) {
        release();
        await this.#disconnect(live);
        throw error;
      }
      this.#known.set(known.conferenceId, known);
      this.#goLive(known, live);
      this.#line(known, `start`, conferenceStartedText(undefined), known.startedAt);
      return this.#view(known);
    });
  }

  join({ conferenceId }: RequestOf<'conferences.join'>): Promise<View> {
    return this.#serial(async () => {
      const known = this.#find(conferenceId);
      if (known.live !== undefined) return this.#view(known);
      if (known.phase === 'ended') throw new CoreError('conference-ended');
      this.#refuseWhenBusy();
      const config = await fetchCallConfig(this.deps.groups.device.api);
      const sfu = config.sftServers.find((listed) => listed.url === known.sfuUrl);
      if (sfu === undefined) throw new CoreError('conference-sfu-gone');
      // Commits of others joining while this device links up with the SFU wait for it (callGroupInbox.ts).
      const release = this.deps.inbox.hold(known.callGroupId);
      const joined = await ConferenceGroup.join(await this.#groupDeps(known.conversationId), known.conversationId, known.callGroupId).catch((error: unknown) => {
        release();
        throw error;
      });
      if (!joined.ok) {
        release();
        // No call group any more: everyone left without an end message reaching this device.
        if (joined.error.code === 'not-found') this.#end(known, { kind: 'ended' }, undefined);
        throw CoreError.from(joined.error);
      }
      const live = await this.#connect(known, joined.value, { url: sfu.url, token: sfu.token, pins: sfu.pins }, false).catch((error: unknown) => {
        release();
        throw error;
      });
      known.phase = 'joining';
      known.since = Date.now();
      known.reason = undefined;
      this.#goLive(known, live);
      return this.#view(known);
    });
  }

  publish({ conferenceId, offer }: RequestOf<'conferences.publish'>): Promise<ResponseOf<'conferences.publish'>> {
    return this.#serial(async () => {
      const { live } = this.#joined(conferenceId);
      const answer = await live.sfu.publish(offer);
      if (!answer.ok) throw CoreError.from(answer.error);
      live.published = true;
      return { answer: answer.value };
    });
  }

  answerSubscription({ conferenceId, version, answer }: RequestOf<'conferences.answerSubscription'>): Promise<ResponseOf<'conferences.answerSubscription'>> {
    return this.#serial(async () => {
      const { live } = this.#joined(conferenceId);
      const taken = await live.sfu.answer(version, answer);
      if (!taken.ok) throw CoreError.from(taken.error);
      if (!taken.value) throw new CoreError('conference-stale-subscription');
      return {};
    });
  }

  setMedia({ conferenceId, media }: RequestOf<'conferences.setMedia'>): Promise<ResponseOf<'conferences.setMedia'>> {
    return this.#serial(async () => {
      const { known } = this.#joined(conferenceId);
      known.mediaStates.set(formatMlsIdentity(this.#selfIdentity()), media);
      await this.deps.outgoing.sendContent(known.conversationId, { type: 'conference-media', conferenceId: known.conferenceId, ...media });
      this.#emit(known);
      return {};
    });
  }

  report({ conferenceId, report }: RequestOf<'conferences.report'>): Promise<ResponseOf<'conferences.report'>> {
    return this.#serial(async () => {
      const { known, live } = this.#joined(conferenceId);
      switch (report.kind) {
        case 'connected':
          this.#joinedNow(known);
          return {};
        case 'connection-failed':
          await this.#leave(known, { kind: 'failed', code: report.code });
          return {};
        case 'heard': {
          const members = live.group.members();
          const now = Date.now();
          for (const leaf of report.leaves) {
            const device = members.get(leaf);
            if (device !== undefined) live.group.heardFrom(device, now);
          }
          return {};
        }
        default:
          return missingCase(report);
      }
    });
  }

  frameKey({ conferenceId }: RequestOf<'conferences.frameKey'>): ResponseOf<'conferences.frameKey'> {
    const { known, live } = this.#joined(conferenceId);
    if (live.key === undefined) throw new CoreError('conference-not-joined');
    return this.#frameKey(known, live.key, live.step);
  }

  subscription({ conferenceId }: RequestOf<'conferences.subscription'>): ResponseOf<'conferences.subscription'> {
    const { known, live } = this.#joined(conferenceId);
    const latest = live.sfu.latest;
    if (latest === undefined) throw new CoreError('conference-no-subscription');
    return this.#subscriptionEvent(known, latest);
  }

  leave({ conferenceId }: RequestOf<'conferences.leave'>): Promise<View> {
    return this.#serial(async () => {
      const known = this.#find(conferenceId);
      if (known.live === undefined) return this.#view(known);
      return this.#leave(known, { kind: 'left' });
    });
  }

  list(): ResponseOf<'conferences.list'> {
    return { conferences: [...this.#known.values()].filter((known) => known.phase !== 'ended').map((known) => this.#view(known)) };
  }

  /** Leaves the conference this device is in (app lock, sign-out); the session closes after. */
  leaveAll(): Promise<void> {
    return this.#serial(async () => {
      for (const known of this.#known.values()) if (known.live !== undefined) await this.#leave(known, { kind: 'left' });
    });
  }

  close(): void {
    this.#closed = true;
    for (const known of this.#known.values()) {
      if (known.live === undefined) continue;
      // Normally left already (leaveAll); what is left stops here without a word to the server.
      this.#stopTimers(known.live);
      void known.live.sfu.close();
      known.live = undefined;
    }
  }

  // ---- From the receive path ----

  /** Queues a decrypted conference message; never awaited by the caller (it holds the group lock). */
  received(message: Readonly<{ conversationId: string; from: Readonly<{ user: UserRef; clientId: string }>; sentAt: number; content: ConferenceContent }>): void {
    if (this.#closed) return;
    this.#serial(async () => this.#receivedNow(message)).catch((error: unknown) =>
      this.deps.log.warn('a conference message could not be handled', { conversationId: message.conversationId, error }),
    );
  }

  #receivedNow({ conversationId, from, sentAt, content }: Parameters<ConferenceService['received']>[0]): void {
    switch (content.type) {
      case 'conference-start': {
        if (this.#known.has(content.conferenceId)) return;
        const secret = callSecretFrom(content.secret);
        const kind = conversationKind(this.#db(), conversationId);
        if (secret === undefined || kind !== 'group') return;
        const known: Known = {
          conferenceId: content.conferenceId,
          conversationId,
          callGroupId: content.callGroupId,
          secret,
          sfuUrl: content.sfuUrl,
          media: content.media,
          startedBy: from.user,
          startedAt: sentAt,
          phase: 'available',
          since: sentAt,
          reason: undefined,
          mediaStates: new Map(),
          live: undefined,
        };
        this.#known.set(known.conferenceId, known);
        const self = this.#selfUser();
        const byMe = from.user.id === self.id && from.user.domain === self.domain;
        this.#line(known, 'start', conferenceStartedText(byMe ? undefined : this.#nameOf(from.user)), sentAt);
        this.#emit(known);
        return;
      }
      case 'conference-end': {
        const known = this.#known.get(content.conferenceId);
        // Someone who thinks they were last while this device is in the call: it goes on.
        if (known === undefined || known.conversationId !== conversationId || known.live !== undefined || known.phase === 'ended') return;
        this.#end(known, { kind: 'ended' }, sentAt);
        return;
      }
      case 'conference-media': {
        const known = this.#known.get(content.conferenceId);
        if (known === undefined || known.conversationId !== conversationId) return;
        known.mediaStates.set(formatMlsIdentity({ userId: from.user.id, domain: from.user.domain, clientId: from.clientId }), {
          muted: content.muted,
          cameraOff: content.cameraOff,
          sharing: content.sharing,
        });
        if (known.live !== undefined) {
          this.#heard(known.live, { userId: from.user.id, domain: from.user.domain, clientId: from.clientId });
          this.#emit(known);
        }
        return;
      }
      default:
        missingCase(content);
    }
  }

  // ---- Joining and leaving ----

  async #connect(known: Known, group: ConferenceGroup, endpoint: JanusEndpoint, create: boolean): Promise<Live> {
    const self = this.#selfIdentity();
    const log = this.deps.log;
    const linked = await SfuLink.open(
      endpoint,
      sfuRoom(known.secret),
      sfuParticipantId(known.secret, self),
      create,
      {
        feedsChanged: () => this.#later(known, () => this.#resubscribe(known)),
        gone: (feed) => this.#later(known, async () => this.#sfuGone(known, feed)),
        offer: (offer) => this.#later(known, async () => this.deps.announcer.events.emit('conference.subscription', this.#subscriptionEvent(known, offer))),
        publishing: () => this.#later(known, async () => this.#joinedNow(known)),
      },
      log,
    );
    if (!linked.ok) {
      await group.leave();
      throw CoreError.from(linked.error);
    }
    const ratchetMs = this.deps.timings?.ratchetMs ?? KEY_ROTATION_PERIOD_MS;
    const clock = new RatchetClock(
      {
        now: Date.now,
        setTimer: (delay, run) => {
          const timer = setTimeout(run, delay);
          timer.unref();
          return () => clearTimeout(timer);
        },
      },
      (epoch, step) => this.#stepDue(known, epoch, step),
      ratchetMs,
    );
    const tick = setInterval(() => this.#later(known, () => this.#tick(known)), this.deps.timings?.tickMs ?? CONFERENCE_TICK_MS);
    tick.unref();
    return { group, sfu: linked.value, clock, tick, stop: [], key: undefined, step: 0, published: false };
  }

  /** The conference is this device's now: keys flow, call group events arrive, the shell hears of it. */
  #goLive(known: Known, connected: Live): void {
    const live: Live = {
      ...connected,
      stop: [
        this.deps.inbox.add(connected.group),
        connected.group.onKey((key) => this.#later(known, async () => this.#newKey(known, key))),
      ],
    };
    known.live = live;
    this.deps.calls.refreshActivity();
    this.#later(known, async () => {
      const key = await live.group.currentKey();
      if (key.ok) this.#newKey(known, key.value);
    });
    this.#emit(known);
  }

  /** Leaves: SFU first (the others' SFU reports this feed gone), then the call group; the last one out ends the conference. */
  async #leave(known: Known, reason: Reason): Promise<View> {
    const live = known.live;
    if (live === undefined) return this.#view(known);
    known.live = undefined;
    await this.#disconnect(live);
    this.deps.calls.refreshActivity();
    const server = new CallGroupServer(this.deps.groups.device.api, known.conversationId, known.callGroupId);
    const remaining = await server.get();
    const last = !remaining.ok && remaining.error.code === 'not-found';
    if (last) {
      await this.deps.outgoing
        .sendContent(known.conversationId, { type: 'conference-end', conferenceId: known.conferenceId })
        .catch((error: unknown) => this.deps.log.warn('the end of a group call could not be sent', { error }));
    }
    known.phase = 'ended';
    known.since = Date.now();
    known.reason = reason;
    const view = this.#view(known);
    this.#emit(known);
    if (last) {
      this.#line(known, 'end', conferenceEndedText(Date.now() - known.startedAt), Date.now());
    } else if (remaining.ok && reason.kind === 'left') {
      // Still running without this device: it may join again (not after a removal or a failure
      // the server would not even let it read the call group after).
      known.phase = 'available';
      known.reason = undefined;
      known.mediaStates.clear();
      this.#emit(known);
    }
    return view;
  }

  async #disconnect(live: Live): Promise<void> {
    this.#stopTimers(live);
    await live.sfu.close().catch((error: unknown) => this.deps.log.warn('the SFU session did not close cleanly', { error }));
    const left = await live.group.leave();
    if (!left.ok) this.deps.log.warn('leaving a call group failed', { code: left.error.code });
  }

  #stopTimers(live: Live): void {
    live.clock.stop();
    clearInterval(live.tick);
    for (const stop of live.stop) stop();
  }

  /** The conference is over for this device without it leaving (ended, removed). */
  #end(known: Known, reason: Reason, at: number | undefined): void {
    known.phase = 'ended';
    known.since = Date.now();
    known.reason = reason;
    this.#emit(known);
    if (reason.kind === 'ended') this.#line(known, 'end', conferenceEndedText(at === undefined ? undefined : at - known.startedAt), at ?? Date.now());
  }

  #joinedNow(known: Known): void {
    if (known.live === undefined || known.phase === 'joined') return;
    known.phase = 'joined';
    known.since = Date.now();
    this.#emit(known);
  }

  // ---- Keys, feeds and timers ----

  #newKey(known: Known, key: ConferenceKey): void {
    const { live } = known;
    if (live === undefined) return;
    live.key = key;
    live.step = -1;
    // Reports step 0 (or the one due after a late start) at once, then every period.
    live.clock.start(key.epoch, key.epochStartedAt);
    this.#emit(known);
    void this.#resubscribe(known);
  }

  #stepDue(known: Known, epoch: number, step: number): void {
    const { live } = known;
    if (live === undefined || live.key === undefined || live.key.epoch !== epoch) return;
    live.step = step;
    this.deps.announcer.events.emit('conference.frameKey', this.#frameKey(known, live.key, step));
  }

  #frameKey(known: Known, key: ConferenceKey, step: number): ResponseOf<'conferences.frameKey'> {
    return { conferenceId: known.conferenceId, epoch: key.epoch, baseKey: Buffer.from(key.baseKey).toString('base64url'), selfLeaf: key.selfLeaf, step: Math.max(0, step) };
  }

  #owners(known: Known, live: Live): ReadonlyMap<number, FeedOwner> {
    return ownersOf(known, live);
  }

  async #resubscribe(known: Known): Promise<void> {
    const { live } = known;
    if (live === undefined) return;
    await live.sfu.subscribeTo(wantedFeeds(this.#owners(known, live), live.sfu.publishing, live.group.selfLeaf));
    this.#emit(known);
  }

  #sfuGone(known: Known, feed: number): void {
    const { live } = known;
    if (live === undefined) return;
    const owner = this.#owners(known, live).get(feed);
    if (owner !== undefined && owner.leaf !== live.group.selfLeaf) void live.group.reportGone(owner.device);
    this.#emit(known);
  }

  #heard(live: Live, device: MlsClientIdentity): void {
    live.group.heardFrom(device, Date.now());
  }

  async #tick(known: Known): Promise<void> {
    const { live } = known;
    if (live === undefined) return;
    if (live.group.state === 'removed') {
      known.live = undefined;
      await this.#disconnect(live);
      this.deps.calls.refreshActivity();
      this.#end(known, { kind: 'removed' }, undefined);
      return;
    }
    const self = this.#selfIdentity();
    if (!this.#isMember(known.conversationId, self)) {
      await this.#leave(known, { kind: 'removed' });
      return;
    }
    // A user removed from the conversation leaves its call group too: the key generator removes
    // their devices (seed 001: whoever leaves must not read what follows).
    for (const device of live.group.members().values()) {
      if (!this.#isMember(known.conversationId, device)) await live.group.reportGone(device);
    }
    await live.group.tick();
  }

  // ---- Views and events ----

  #view(known: Known): View {
    return viewOf(known, this.#selfIdentity());
  }

  #emit(known: Known): void {
    if (!this.#closed) this.deps.announcer.events.emit('conference.state', this.#view(known));
  }

  #subscriptionEvent(known: Known, offer: SfuOffer): EventOf<'conference.subscription'> {
    return subscriptionEventOf(known, offer);
  }

  #line(known: Known, which: 'start' | 'end', text: string, at: number): void {
    const { db } = this.deps.groups.device;
    const id = writeTransaction(db, (tx) => insertSystemMessage(tx, known.conversationId, `system-conference-${known.conferenceId}-${which}`, text, selfDevice(this.deps.groups.device), at));
    this.deps.announcer.messageAdded(known.conversationId, id);
    this.deps.announcer.conversationChanged(known.conversationId);
  }

  // ---- Helpers ----

  #serial<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new CoreError('account-signed-out'));
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Work started by a timer or the SFU, queued like a request; failures are logged. */
  #later(known: Known, work: () => Promise<void>): void {
    if (this.#closed) return;
    this.#serial(work).catch((error: unknown) => this.deps.log.warn('a conference step failed', { conferenceId: known.conferenceId, error }));
  }

  #find(conferenceId: string): Known {
    const known = this.#known.get(conferenceId.toLowerCase());
    if (known === undefined) throw new CoreError('conference-not-found');
    return known;
  }

  #joined(conferenceId: string): Readonly<{ known: Known; live: Live }> {
    const known = this.#find(conferenceId);
    const { live } = known;
    if (live === undefined) throw new CoreError('conference-not-joined');
    return { known, live };
  }

  #refuseWhenBusy(): void {
    if (this.busy() || this.deps.calls.busy()) throw new CoreError('call-busy');
  }

  #value<T>(result: Result<T>): T {
    if (!result.ok) throw CoreError.from(result.error);
    return result.value;
  }

  async #groupDeps(conversationId: string): Promise<ConferenceDeps> {
    return {
      api: this.deps.groups.device.api,
      engine: await this.deps.groups.mls(),
      log: this.deps.log,
      review: callGroupReview((device) => this.#isMember(conversationId, device)),
      silenceLimitMs: this.deps.timings?.silenceMs ?? SILENCE_LIMIT_MS,
    };
  }

  /** Whether the device's user is a member of the conversation, as this device stores its members. */
  #isMember(conversationId: string, device: MlsClientIdentity): boolean {
    return isMember(this.#db(), conversationId, qualified({ id: device.userId, domain: device.domain }));
  }

  #db() {
    return this.deps.groups.device.db;
  }

  #selfUser(): UserRef {
    const { device } = this.deps.groups;
    return { id: device.userId, domain: device.domain };
  }

  #selfIdentity(): MlsClientIdentity {
    const { device } = this.deps.groups;
    return { userId: device.userId, domain: device.domain, clientId: device.clientId };
  }

  #nameOf(user: UserRef): string {
    const name = userName(this.#db(), qualified(user));
    return name !== undefined && name !== '' ? name : 'Someone';
  }
}
