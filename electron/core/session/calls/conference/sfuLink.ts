/**
 * This device's connection to a conference's SFU room (issue 14): one Janus session, a publisher
 * handle (joined under this device's derived id) and one subscriber handle carrying every other
 * participant's feed. Ids are the caller's (derived from the call secret, ephemeralIds.ts); this
 * file never sees who is behind a feed.
 *
 * Renegotiation is one at a time: Janus makes a subscription offer (first join, `update`, or by
 * itself when a publisher left) and the renderer answers it (`answer`); a change wanted while an
 * offer is unanswered waits for that answer, so offers and answers never cross. Each offer gets
 * the next `version`.
 */
import type { SfuRoom } from '../../../calls/conference/ephemeralIds';
import { subscriptionChange } from '../../../calls/conference/feedMap';
import type { Logger } from '../../../log';
import type { JanusEndpoint, JanusEvent, JanusResult, Subscription, VideoRoomHandle } from '../../../net/janusClient';
import { JanusSession, subscriptionOf } from '../../../net/janusClient';
import { PluginAnswerSchema, RoomNewsSchema } from '../../../net/janusSchemas';

export type SfuOffer = Readonly<{ version: number; sdp: string; streams: Subscription['streams'] }>;

export type SfuLinkListener = Readonly<{
  /** The set of publishing feeds changed (someone began or stopped publishing). */
  feedsChanged: () => void;
  /** The SFU says this feed left or stopped publishing. */
  gone: (feed: number) => void;
  /** A new subscription offer for the renderer. */
  offer: (offer: SfuOffer) => void;
  /** Janus's own side of this device's publishing connection is up (`webrtcup`). */
  publishing: () => void;
}>;

export class SfuLink {
  /** Feeds publishing in the room, this device's own excepted. */
  readonly publishing = new Set<number>();
  #subscriber: VideoRoomHandle | undefined;
  readonly #subscribed = new Set<number>();
  #version = 0;
  #latest: SfuOffer | undefined;
  #awaitingAnswer = false;
  #wanted: readonly number[] | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #publisher: VideoRoomHandle | undefined;

  private constructor(
    private readonly session: JanusSession,
    private readonly room: SfuRoom,
    private readonly listener: SfuLinkListener,
    private readonly log: Logger,
  ) {}

  /**
   * Opens a Janus session, creates the room when `create` (the starting device), and joins it as
   * publisher `selfFeed`. Publishers already in the room are in `publishing` afterwards.
   */
  static async open(endpoint: JanusEndpoint, room: SfuRoom, selfFeed: number, create: boolean, listener: SfuLinkListener, log: Logger): Promise<JanusResult<SfuLink>> {
    // Events may come before the link exists; none of them matters then.
    const holder: { link?: SfuLink } = {};
    const opened = await JanusSession.create(endpoint, { onEvent: (event) => holder.link?.event(event) });
    if (!opened.ok) return opened;
    const link = new SfuLink(opened.value, room, listener, log);
    holder.link = link;
    const joined = await link.join(selfFeed, create);
    if (!joined.ok) {
      await link.close();
      return joined;
    }
    return { ok: true, value: link };
  }

  get latest(): SfuOffer | undefined {
    return this.#latest;
  }

  /** Publishes the renderer's offer (always `e2ee`); returns the SFU's answer. */
  async publish(offerSdp: string): Promise<JanusResult<string>> {
    if (this.#publisher === undefined) return { ok: false, error: { code: 'sfu-closed', message: 'The conference session was closed.' } };
    const answer = await this.#publisher.publish(offerSdp);
    return answer.ok ? { ok: true, value: answer.value.sdp } : answer;
  }

  /** Subscribes to exactly `feeds` (a new offer follows when that changes anything). */
  subscribeTo(feeds: readonly number[]): Promise<void> {
    this.#wanted = feeds;
    return this.#serial(() => this.#renegotiate());
  }

  /** The renderer's answer to offer `version`; false when that offer is not the latest. */
  answer(version: number, sdp: string): Promise<JanusResult<boolean>> {
    return this.#serial(async () => {
      if (this.#latest === undefined || version !== this.#latest.version || this.#subscriber === undefined) return { ok: true, value: false };
      const started = await this.#subscriber.start(sdp);
      if (!started.ok) return started;
      this.#awaitingAnswer = false;
      // A change that came in meanwhile gets its own offer now.
      await this.#renegotiate();
      return { ok: true, value: true };
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Destroying the session detaches its handles: Janus tells the others this feed is leaving.
    await this.session.destroy();
  }

  private async join(selfFeed: number, create: boolean): Promise<JanusResult<true>> {
    const publisher = await this.session.attachVideoRoom();
    if (!publisher.ok) return publisher;
    if (create) {
      const created = await publisher.value.createRoom(this.room);
      if (!created.ok) return created;
    }
    const joined = await publisher.value.joinAsPublisher(this.room.room, selfFeed, this.room.pin);
    if (!joined.ok) return joined;
    this.#publisher = publisher.value;
    for (const other of joined.value.publishers) this.publishing.add(other.id);
    return { ok: true, value: true };
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch((error: unknown) => this.log.warn('a subscription change failed', { error }));
    return run;
  }

  async #renegotiate(): Promise<void> {
    const wanted = this.#wanted;
    if (this.#closed || this.#awaitingAnswer || wanted === undefined) return;
    if (this.#subscriber === undefined) {
      if (wanted.length === 0) return;
      const handle = await this.session.attachVideoRoom();
      if (!handle.ok) return this.#failed(handle);
      const joined = await handle.value.joinAsSubscriber(this.room.room, wanted, this.room.pin);
      if (!joined.ok) {
        await handle.value.detach();
        return this.#failed(joined);
      }
      this.#subscriber = handle.value;
      for (const feed of wanted) this.#subscribed.add(feed);
      this.#offered(joined.value);
      return;
    }
    const { subscribe, unsubscribe } = subscriptionChange(this.#subscribed, wanted);
    if (subscribe.length === 0 && unsubscribe.length === 0) return;
    const updated = await this.#subscriber.update(subscribe, unsubscribe);
    if (!updated.ok) return this.#failed(updated);
    for (const feed of subscribe) this.#subscribed.add(feed);
    for (const feed of unsubscribe) this.#subscribed.delete(feed);
    if (updated.value !== undefined) this.#offered(updated.value);
  }

  #offered(subscription: Subscription): void {
    this.#version += 1;
    this.#awaitingAnswer = true;
    this.#latest = { version: this.#version, sdp: subscription.offer.sdp, streams: subscription.streams };
    this.listener.offer(this.#latest);
  }

  #failed(result: Readonly<{ ok: false; error: Readonly<{ code: string; message: string }> }>): void {
    this.log.warn('the SFU refused a subscription change', { code: result.error.code, message: result.error.message });
  }

  /** Janus's own events (long poll): room news on the publisher handle, renegotiations on the subscriber's. */
  private event(event: JanusEvent): void {
    if (this.#closed) return;
    if (event.janus === 'webrtcup' && event.handle !== undefined && event.handle === this.#publisher?.id) {
      this.listener.publishing();
      return;
    }
    if (event.janus !== 'event') return;
    const answer = PluginAnswerSchema.safeParse(event.body);
    if (!answer.success) return;
    if (event.handle !== undefined && event.handle === this.#subscriber?.id) {
      // Janus renegotiates by itself when a subscribed publisher leaves.
      const offered = subscriptionOf(answer.data);
      const subscription = offered.ok ? offered.value : undefined;
      if (subscription !== undefined) {
        void this.#serial(async () => {
          this.#offered(subscription);
        });
      }
      return;
    }
    const news = RoomNewsSchema.safeParse(answer.data.plugindata.data);
    if (!news.success) return;
    let changed = false;
    for (const publisher of news.data.publishers ?? []) {
      if (!this.publishing.has(publisher.id)) changed = true;
      this.publishing.add(publisher.id);
    }
    for (const gone of [news.data.leaving, news.data.unpublished]) {
      if (typeof gone !== 'number') continue;
      if (this.publishing.delete(gone)) changed = true;
      this.#subscribed.delete(gone);
      this.listener.gone(gone);
    }
    if (changed) this.listener.feedsChanged();
  }
}
