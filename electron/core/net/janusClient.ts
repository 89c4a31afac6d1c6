/**
 * The core's client for a Janus VideoRoom SFU (issue 14). The renderer never talks to the SFU:
 * the core holds the token and the pinned connection and hands the renderer only SDP.
 *
 * Ids the SFU sees are chosen by the caller: the call code derives the room id (and pin) and each
 * participant's id from the per-call secret (HKDF), so this client never sees a user id, and it
 * sends no display name. Rooms are created with `require_e2ee`; every publish and subscription
 * says `e2ee: true`, and there is no way to publish without it here.
 *
 * Contract: one `JanusSession` per SFU per call. Requests carry the token; a long poll delivers
 * the asynchronous answers (matched by transaction) and the SFU's own events (`onEvent`); a
 * keepalive runs every 25 s (Janus drops a session after 60 s of silence). `destroy()` ends it
 * all. Every answer is parsed with janusSchemas.ts; failures are values with a stable code.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { Jsep, PluginAnswer } from './janusSchemas';
import {
  ConfiguredSchema,
  JanusErrorSchema,
  JanusIdSchema,
  JanusSuccessIdSchema,
  PluginAnswerSchema,
  PolledEventSchema,
  PublisherJoinedSchema,
  RoomCreatedSchema,
  RoomDestroyedSchema,
  StartedSchema,
  SubscriberAttachedSchema,
  SubscriberUpdatedSchema,
  VideoRoomErrorSchema,
} from './janusSchemas';
import type { JanusExchange } from './janusTransport';
import { janusExchange } from './janusTransport';

export type JanusFailure = Readonly<{ code: string; message: string; janusCode?: number }>;
export type JanusResult<T> = Readonly<{ ok: true; value: T }> | Readonly<{ ok: false; error: JanusFailure }>;

/** What `/calls/config` lists for an SFU. */
export type JanusEndpoint = Readonly<{ url: string; token: string; pins: readonly string[] }>;

export type JanusEvent = Readonly<{ handle: number | undefined; janus: string; body: unknown }>;

export type JanusSessionOptions = Readonly<{
  /** Events not answering a request (new publishers, hang-ups, `webrtcup`, …). */
  onEvent?: (event: JanusEvent) => void;
  requestTimeoutMs?: number;
  keepaliveMs?: number;
}>;

export const VIDEOROOM = 'janus.plugin.videoroom';
const REQUEST_TIMEOUT_MS = 15_000;
/** Janus holds a long poll up to 30 s before it answers with a keepalive. */
const POLL_TIMEOUT_MS = 40_000;
const KEEPALIVE_MS = 25_000;
const POLL_RETRY_MS = 500;

const failure = (code: string, message: string, janusCode?: number): JanusResult<never> => ({
  ok: false,
  error: { code, message, ...(janusCode !== undefined ? { janusCode } : {}) },
});
const success = <T>(value: T): JanusResult<T> => ({ ok: true, value });
const newTransaction = (): string => randomBytes(12).toString('base64url');

function refused(answer: unknown): JanusResult<never> | undefined {
  const janusError = JanusErrorSchema.safeParse(answer);
  if (janusError.success) return failure('sfu-refused', `The conference server refused the request: ${janusError.data.error.reason}`, janusError.data.error.code);
  return undefined;
}

function pluginRefused(answer: PluginAnswer): JanusResult<never> | undefined {
  const error = VideoRoomErrorSchema.safeParse(answer.plugindata.data);
  if (error.success) return failure('sfu-refused', `The conference server refused the request: ${error.data.error}`, error.data.error_code);
  return undefined;
}

function parsed<S extends z.ZodType>(schema: S, value: unknown): JanusResult<z.infer<S>> {
  const result = schema.safeParse(value);
  return result.success ? success(result.data) : failure('sfu-bad-response', 'The conference server (SFU) sent an answer Cairn did not understand.');
}

export class JanusSession {
  private readonly pending = new Map<string, (answer: JanusResult<unknown>) => void>();
  private closed = false;
  private readonly keepalive: NodeJS.Timeout;

  private constructor(
    private readonly base: URL,
    private readonly exchange: JanusExchange,
    private readonly closeTransport: () => void,
    private readonly token: string,
    readonly id: number,
    private readonly options: JanusSessionOptions,
  ) {
    this.keepalive = setInterval(() => void this.post(this.sessionUrl(), { janus: 'keepalive' }), options.keepaliveMs ?? KEEPALIVE_MS);
    this.keepalive.unref();
    void this.poll();
  }

  /** Opens a Janus session on the SFU (`create`). */
  static async create(endpoint: JanusEndpoint, options: JanusSessionOptions = {}): Promise<JanusResult<JanusSession>> {
    const transport = janusExchange(endpoint.url, endpoint.pins);
    if (!transport.ok) return transport;
    const { base, exchange, close } = transport.value;
    const answer = await exchange('POST', base, { janus: 'create', transaction: newTransaction(), token: endpoint.token }, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    const created = answer.ok ? (refused(answer.value) ?? parsed(JanusSuccessIdSchema, answer.value)) : answer;
    if (!created.ok) {
      close();
      return created;
    }
    return success(new JanusSession(base, exchange, close, endpoint.token, created.value.data.id, options));
  }

  /** Attaches a VideoRoom handle (one per publisher or subscriber connection). */
  async attachVideoRoom(): Promise<JanusResult<VideoRoomHandle>> {
    const answer = await this.post(this.sessionUrl(), { janus: 'attach', plugin: VIDEOROOM });
    if (!answer.ok) return answer;
    const attached = refused(answer.value) ?? parsed(JanusSuccessIdSchema, answer.value);
    return attached.ok ? success(new VideoRoomHandle(this, attached.value.data.id)) : attached;
  }

  /** Ends the session on the SFU (detaching its handles) and stops polling and keepalives. */
  async destroy(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.keepalive);
    await this.post(this.sessionUrl(), { janus: 'destroy' });
    this.closed = true;
    for (const [transaction, settle] of this.pending) {
      this.pending.delete(transaction);
      settle(failure('sfu-closed', 'The conference session was closed.'));
    }
    this.closeTransport();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Session URL, `…/janus/<session>`; a handle's is `…/<session>/<handle>`. */
  sessionUrl(handle?: number): URL {
    const url = new URL(this.base.href.replace(/\/+$/, '') + `/${this.id}${handle === undefined ? '' : `/${handle}`}`);
    return url;
  }

  /** A request answered in its HTTP response (`success`, `error`, `ack`). */
  post(url: URL, body: Readonly<Record<string, unknown>>, transaction: string = newTransaction()): Promise<JanusResult<unknown>> {
    if (this.closed) return Promise.resolve(failure('sfu-closed', 'The conference session was closed.'));
    return this.exchange('POST', url, { ...body, transaction, token: this.token }, this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  }

  /**
   * A plugin message: Janus answers `success` at once (synchronous requests such as `create`) or
   * `ack` and later an `event` with the same transaction through the long poll.
   */
  async message(handle: number, body: Readonly<Record<string, unknown>>, jsep?: Jsep): Promise<JanusResult<PluginAnswer>> {
    const transaction = newTransaction();
    const later = new Promise<JanusResult<unknown>>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        resolve(failure('sfu-timeout', 'The conference server did not answer in time.'));
      }, this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
      this.pending.set(transaction, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
    const first = await this.post(this.sessionUrl(handle), { janus: 'message', body, ...(jsep ? { jsep } : {}) }, transaction);
    const settleNow = (result: JanusResult<unknown>): void => {
      const settle = this.pending.get(transaction);
      this.pending.delete(transaction);
      settle?.(result);
    };
    if (!first.ok) settleNow(first);
    else if (refused(first.value)) settleNow(first);
    else if (PolledEventSchema.safeParse(first.value).data?.janus !== 'ack') settleNow(success(first.value));
    const answer = await later;
    if (!answer.ok) return answer;
    return refused(answer.value) ?? parsed(PluginAnswerSchema, answer.value);
  }

  private async poll(): Promise<void> {
    while (!this.closed) {
      const url = this.sessionUrl();
      url.searchParams.set('maxev', '10');
      url.searchParams.set('token', this.token);
      const answer = await this.exchange('GET', url, undefined, POLL_TIMEOUT_MS);
      if (this.closed) return;
      if (!answer.ok) {
        await new Promise((resolve) => setTimeout(resolve, POLL_RETRY_MS));
        continue;
      }
      const gone = JanusErrorSchema.safeParse(answer.value);
      if (gone.success) {
        // 458 "No such session": the SFU dropped us; nothing more will come.
        for (const [transaction, settle] of this.pending) {
          this.pending.delete(transaction);
          settle(failure('sfu-refused', `The conference server ended the session: ${gone.data.error.reason}`, gone.data.error.code));
        }
        clearInterval(this.keepalive);
        this.closed = true;
        this.closeTransport();
        return;
      }
      for (const event of Array.isArray(answer.value) ? answer.value : [answer.value]) this.dispatch(event);
    }
  }

  private dispatch(event: unknown): void {
    const envelope = PolledEventSchema.safeParse(event);
    if (!envelope.success || envelope.data.janus === 'keepalive' || envelope.data.janus === 'ack') return;
    const transaction = envelope.data.transaction;
    const settle = transaction === undefined ? undefined : this.pending.get(transaction);
    if (transaction !== undefined && settle) {
      this.pending.delete(transaction);
      settle(success(event));
      return;
    }
    this.options.onEvent?.({ handle: envelope.data.sender, janus: envelope.data.janus, body: event });
  }
}

export type RoomSpec = Readonly<{
  /** Derived by the call code from the per-call secret. */
  room: number;
  /**
   * Needed to join; derived like the room id (calls/conference/ephemeralIds.ts), so only holders
   * of the call secret can join. Required: any token holder may create rooms (no `admin_key`),
   * so a room is never left open.
   */
  pin: string;
  /** Needed to destroy or edit the room and to forward its RTP; derived like the pin. */
  secret: string;
  /** Most concurrent publishers (default 16). */
  publishers?: number;
}>;

export type PublisherJoin = Readonly<{ id: number; publishers: readonly Readonly<{ id: number }>[] }>;
export type Subscription = Readonly<{ offer: Jsep; streams: readonly Readonly<{ mid: string; type: string; feed: number | undefined }>[] }>;

/**
 * A subscription as an `updated` answer or event carries it (a publisher left, or `update`):
 * undefined without an offer. Inactive streams (their publisher left) are not listed.
 */
export function subscriptionOf(answer: PluginAnswer): JanusResult<Subscription | undefined> {
  const updated = parsed(SubscriberUpdatedSchema, answer.plugindata.data);
  if (!updated.ok) return updated;
  if (answer.jsep === undefined) return success(undefined);
  if (answer.jsep.type !== 'offer') return failure('sfu-bad-response', 'The conference server sent no SDP offer for the subscription.');
  const streams = (updated.value.streams ?? []).filter((s) => s.active !== false).map((s) => ({ mid: s.mid, type: s.type, feed: s.feed_id }));
  return success({ offer: answer.jsep, streams });
}

function validId(value: number, what: string): JanusResult<number> {
  return JanusIdSchema.safeParse(value).success ? success(value) : failure('sfu-bad-id', `The ${what} must be a positive whole number below 2^53.`);
}

/** One VideoRoom plugin handle: a room administrator, a publisher or a subscriber. */
export class VideoRoomHandle {
  constructor(
    readonly session: JanusSession,
    readonly id: number,
  ) {}

  /**
   * Creates a room that forwards only end-to-end encrypted media (`require_e2ee`, measured:
   * a publish without `e2ee: true` is refused 433). Opus and VP8 only; the audio-level and
   * video-orientation header extensions are off, since they would tell the SFU who speaks
   * and how a camera is held (seed 001: the SFU learns nothing about the media).
   */
  async createRoom(spec: RoomSpec): Promise<JanusResult<number>> {
    const room = validId(spec.room, 'room id');
    if (!room.ok) return room;
    const answer = await this.session.message(this.id, {
      request: 'create',
      room: spec.room,
      permanent: false,
      is_private: true,
      publishers: spec.publishers ?? 16,
      audiocodec: 'opus',
      videocodec: 'vp8',
      require_e2ee: true,
      audiolevel_ext: false,
      audiolevel_event: false,
      videoorient_ext: false,
      notify_joining: false,
      pin: spec.pin,
      secret: spec.secret,
    });
    if (!answer.ok) return answer;
    const created = pluginRefused(answer.value) ?? parsed(RoomCreatedSchema, answer.value.plugindata.data);
    return created.ok ? success(created.value.room) : created;
  }

  async destroyRoom(room: number, secret?: string): Promise<JanusResult<void>> {
    const answer = await this.session.message(this.id, { request: 'destroy', room, ...(secret !== undefined ? { secret } : {}) });
    if (!answer.ok) return answer;
    const destroyed = pluginRefused(answer.value) ?? parsed(RoomDestroyedSchema, answer.value.plugindata.data);
    return destroyed.ok ? success(undefined) : destroyed;
  }

  /** Joins `room` as publisher `id` (derived by the call code; no display name is sent). */
  async joinAsPublisher(room: number, id: number, pin?: string): Promise<JanusResult<PublisherJoin>> {
    const checked = validId(id, 'participant id');
    if (!checked.ok) return checked;
    const answer = await this.session.message(this.id, { request: 'join', ptype: 'publisher', room, id, ...(pin !== undefined ? { pin } : {}) });
    if (!answer.ok) return answer;
    const joined = pluginRefused(answer.value) ?? parsed(PublisherJoinedSchema, answer.value.plugindata.data);
    return joined.ok ? success({ id: joined.value.id, publishers: joined.value.publishers.map((p) => ({ id: p.id })) }) : joined;
  }

  /**
   * Publishes a complete (non-trickle) offer marked `e2ee: true` and returns Janus's answer.
   * The renderer's frame worker encrypts every frame before it leaves (SFrame).
   */
  async publish(offerSdp: string): Promise<JanusResult<Jsep>> {
    const answer = await this.session.message(this.id, { request: 'publish' }, { type: 'offer', sdp: offerSdp, e2ee: true });
    if (!answer.ok) return answer;
    const refusal = pluginRefused(answer.value);
    if (refusal) return refusal;
    const configured = parsed(ConfiguredSchema, answer.value.plugindata.data);
    if (!configured.ok) return configured;
    if (answer.value.jsep?.type !== 'answer') return failure('sfu-bad-response', 'The conference server accepted the publication without an SDP answer.');
    await this.trickleCompleted();
    return success(answer.value.jsep);
  }

  /** Subscribes to `feeds` (participant ids) in one connection; Janus makes the offer. */
  async joinAsSubscriber(room: number, feeds: readonly number[], pin?: string): Promise<JanusResult<Subscription>> {
    const answer = await this.session.message(this.id, {
      request: 'join',
      ptype: 'subscriber',
      room,
      streams: feeds.map((feed) => ({ feed })),
      ...(pin !== undefined ? { pin } : {}),
    });
    if (!answer.ok) return answer;
    const refusal = pluginRefused(answer.value);
    if (refusal) return refusal;
    const attached = parsed(SubscriberAttachedSchema, answer.value.plugindata.data);
    if (!attached.ok) return attached;
    if (answer.value.jsep?.type !== 'offer') return failure('sfu-bad-response', 'The conference server sent no SDP offer for the subscription.');
    // Subscriber offers do not carry e2ee (measured: null); the frame worker decrypts or drops every frame regardless.
    return success({ offer: answer.value.jsep, streams: attached.value.streams.map((s) => ({ mid: s.mid, type: s.type, feed: s.feed_id })) });
  }

  /**
   * Changes which feeds this subscriber handle carries (Janus multistream `update`): Janus
   * renegotiates and sends a new offer, answered with `start` like the first. Undefined when
   * nothing changed (no offer).
   */
  async update(subscribe: readonly number[], unsubscribe: readonly number[]): Promise<JanusResult<Subscription | undefined>> {
    const answer = await this.session.message(this.id, {
      request: 'update',
      ...(subscribe.length > 0 ? { subscribe: subscribe.map((feed) => ({ feed })) } : {}),
      ...(unsubscribe.length > 0 ? { unsubscribe: unsubscribe.map((feed) => ({ feed })) } : {}),
    });
    if (!answer.ok) return answer;
    const refusal = pluginRefused(answer.value);
    if (refusal) return refusal;
    return subscriptionOf(answer.value);
  }

  /** Completes a subscription with the renderer's answer. */
  async start(answerSdp: string): Promise<JanusResult<void>> {
    const answer = await this.session.message(this.id, { request: 'start' }, { type: 'answer', sdp: answerSdp, e2ee: true });
    if (!answer.ok) return answer;
    const started = pluginRefused(answer.value) ?? parsed(StartedSchema, answer.value.plugindata.data);
    if (!started.ok) return started;
    await this.trickleCompleted();
    return success(undefined);
  }

  /** Leaves the room and frees the handle on the SFU. */
  async detach(): Promise<void> {
    await this.session.post(this.session.sessionUrl(this.id), { janus: 'detach' });
  }

  /** Offers and answers are complete (gathered before sending), so candidates end at once. */
  private async trickleCompleted(): Promise<void> {
    await this.session.post(this.session.sessionUrl(this.id), { janus: 'trickle', candidate: { completed: true } });
  }
}
