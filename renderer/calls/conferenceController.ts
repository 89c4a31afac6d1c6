/**
 * The renderer's half of a conference (issue 14): implements the UI's `ConferenceActions` by
 * driving one ConferenceSession per conference through the core's conference requests
 * (electron/core/ipc/conferenceSchemas.ts, whose header gives the order), and fills the
 * conference store's streams, speaker and key epoch.
 *
 * Joining: `conferences.start` / `conferences.join` → `calls.config` → session (microphone,
 * camera, frame worker) → `conferences.frameKey` → publish offer → `conferences.publish` →
 * the SFU's answer applied. Every `conference.subscription` (a later version replaces an earlier
 * one) is answered with `conferences.answerSubscription`; every `conference.frameKey` goes into
 * the worker at once; every 5 s `conferences.report { heard }` tells the key generator whose
 * frames this device decrypted (it removes a device nobody hears).
 *
 * Security choices:
 * - The frame key is in the worker before the publish offer exists (no frame leaves without
 *   it) and before any subscription is answered (no frame of the others is dropped for lack of it).
 * - When the core says this device is out (left, removed, ended), the session closes at once:
 *   camera and microphone stop and the worker forgets its keys.
 * - Who speaks is decided here from the decrypted audio and shown only in this window; nothing
 *   about it goes to the core or the SFU.
 */
import type { EventOf, Preferences, RequestChannel, RequestOf, ResponseOf } from '../../electron/core/ipc/contract';
import type { ErrorInfo, Result } from '../../protocol/result';
import { missingCase } from '../lib/missingCase';
import type { ConferenceActions, ConferenceMedia, ConferenceMediaOptions, ConferenceSessionEvent, ConferenceStore, ConferenceView, SpeakerWatch } from './conferenceMedia';
import { frameKeyInput } from './frameKeyInput';
import type { SessionResult } from './signedDescription';

type Subscription = EventOf<'conference.subscription'>;
type FrameKey = EventOf<'conference.frameKey'>;
type Report = RequestOf<'conferences.report'>['report'];
type CallMedia = ConferenceView['media'];

/** How often the key generator is told whom this device hears (its silence limit is 20 s). */
export const HEARD_EVERY_MS = 5_000;

/** What the controller needs from the core; the app's IPC bridge by default, a fake in the unit tests. */
export interface ConferencePort {
  request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  onEvent<E extends 'conference.state' | 'conference.subscription' | 'conference.frameKey' | 'appLock.state'>(event: E, listener: (payload: EventOf<E>) => void): () => void;
}

/** `S`: the stream type (MediaStream in the app, anything in the unit tests). */
export interface ConferenceDeps<S> {
  readonly port: ConferencePort;
  readonly store: ConferenceStore<S>;
  readonly openMedia: (options: ConferenceMediaOptions) => Promise<SessionResult<ConferenceMedia<S>>>;
  readonly speakers: (onChange: (leaf: number | undefined) => void) => SpeakerWatch<S>;
  /** Join and leave sounds. */
  readonly sound: (kind: 'join' | 'leave') => void;
  readonly setInterval: (run: () => void, ms: number) => () => void;
}

type Entry<S> = {
  readonly conferenceId: string;
  media: ConferenceMedia<S> | undefined;
  speakers: SpeakerWatch<S> | undefined;
  /** The newest subscription offer not answered yet (it came before the session was ready). */
  pending: Subscription | undefined;
  /** The newest version answered or being answered: an older offer arriving late is skipped. */
  version: number;
  /** The newest key, kept when it comes before the session exists. */
  key: FrameKey | undefined;
  /** The other participants' devices at the last state, to play join and leave sounds. */
  others: ReadonlySet<string> | undefined;
  stopHeard: (() => void) | undefined;
  /** Set once this device is out: late results close what they opened. */
  done: boolean;
  /** Serialises subscription answers: one negotiation at a time on the subscribing connection. */
  queue: Promise<void>;
};

const deviceOf = (p: Readonly<{ user: { id: string; domain: string }; clientId: string }>): string => `${p.user.id}@${p.user.domain}/${p.clientId}`;

export class ConferenceController<S> implements ConferenceActions {
  readonly #deps: ConferenceDeps<S>;
  readonly #entries = new Map<string, Entry<S>>();
  #starting = false;

  constructor(deps: ConferenceDeps<S>) {
    this.#deps = deps;
  }

  /** Listens to the core's conference events and adopts conferences this device already knows. */
  follow(): () => void {
    const { port, store } = this.#deps;
    const stops = [
      port.onEvent('conference.state', (view) => this.#onState(view)),
      port.onEvent('conference.subscription', (offer) => this.#onSubscription(offer)),
      port.onEvent('conference.frameKey', (key) => this.#onFrameKey(key)),
      port.onEvent('appLock.state', (state) => {
        if (state.locked) this.#closeAll();
      }),
    ];
    void port.request('conferences.list', {}).then((result) => {
      if (result.ok) for (const view of result.value.conferences) store.receive(view);
    });
    return () => {
      for (const stop of stops) stop();
      this.#closeAll();
    };
  }

  start(conversationId: string, media: CallMedia): void {
    void this.#enter(() => this.#deps.port.request('conferences.start', { conversationId, media }), media);
  }

  join(conferenceId: string, media: CallMedia): void {
    void this.#enter(() => this.#deps.port.request('conferences.join', { conferenceId, media }), media);
  }

  leave(conferenceId: string): void {
    const entry = this.#entries.get(conferenceId);
    if (entry) this.#close(entry);
    this.#entries.delete(conferenceId);
    void this.#deps.port.request('conferences.leave', { conferenceId }).then((result) => this.#adopt(result));
  }

  setMuted(conferenceId: string, muted: boolean): void {
    const media = this.#entries.get(conferenceId)?.media;
    if (!media) return;
    media.setMuted(muted);
    void this.#tellMedia(conferenceId, media);
  }

  setCamera(conferenceId: string, on: boolean): void {
    const media = this.#entries.get(conferenceId)?.media;
    if (!media) return;
    void media.setCameraOn(on).then((result) => {
      if (!result.ok) this.#deps.store.error = result.error;
      this.#deps.store.own = { ...this.#deps.store.own, cameraOff: media.mediaState.cameraOff };
      this.#showLocal(media);
      return this.#tellMedia(conferenceId, media);
    });
  }

  setSharing(conferenceId: string, on: boolean): void {
    const media = this.#entries.get(conferenceId)?.media;
    if (!media) return;
    const done = (result: SessionResult<null>): Promise<void> => {
      if (!result.ok) this.#deps.store.error = result.error;
      this.#deps.store.own = { ...this.#deps.store.own, sharing: media.mediaState.sharing };
      this.#showLocal(media);
      return this.#tellMedia(conferenceId, media);
    };
    if (on) void media.startScreenShare().then(done);
    else void media.stopScreenShare().then(() => done({ ok: true, value: null }));
  }

  async #enter(ask: () => Promise<Result<ConferenceView>>, media: CallMedia): Promise<void> {
    // A second click while the first is on its way must not start or join twice.
    if (this.#starting || [...this.#entries.values()].some((e) => !e.done && e.media !== undefined)) return;
    this.#starting = true;
    try {
      const entered = await ask();
      if (!entered.ok) return this.#fail(entered.error);
      this.#deps.store.receive(entered.value);
      // A conference left earlier and joined again starts from a clean entry.
      this.#entries.delete(entered.value.conferenceId);
      const entry = this.#entry(entered.value.conferenceId);
      await this.#open(entry, media === 'video');
    } finally {
      this.#starting = false;
    }
  }

  async #open(entry: Entry<S>, video: boolean): Promise<void> {
    const { port, store } = this.#deps;
    const [config, preferences] = await Promise.all([port.request('calls.config', {}), port.request('preferences.get', {})]);
    if (!config.ok) return this.#abandon(entry, config.error);
    const chosen: Partial<Preferences> = preferences.ok ? preferences.value : {};
    const microphoneId = chosen['calls.microphone'] ?? undefined;
    const cameraId = video ? (chosen['calls.camera'] ?? undefined) : undefined;
    const options: ConferenceMediaOptions = { config: config.value, video, onEvent: (event) => this.#onSession(entry, event) };
    let opened = await this.#deps.openMedia({ ...options, ...(microphoneId ? { microphoneId } : {}), ...(cameraId ? { cameraId } : {}) });
    // A remembered device that is gone: the system default instead.
    if (!opened.ok && opened.error.code === 'call.media-unavailable' && (microphoneId || cameraId)) opened = await this.#deps.openMedia(options);
    if (!opened.ok) return this.#abandon(entry, opened.error);
    const media = opened.value;
    if (entry.done) {
      media.close();
      return;
    }
    entry.media = media;
    const key = await port.request('conferences.frameKey', { conferenceId: entry.conferenceId });
    if (!key.ok) return this.#abandon(entry, key.error);
    // A key event may have overtaken the answer: the newer one wins.
    this.#install(entry, entry.key !== undefined && entry.key.epoch > key.value.epoch ? entry.key : key.value);
    entry.speakers = this.#deps.speakers((leaf) => {
      if (!entry.done) store.speaking = leaf;
    });
    store.own = { ...store.own, cameraOff: media.mediaState.cameraOff };
    this.#showLocal(media);
    const offer = await media.publishOffer();
    if (!offer.ok) return this.#abandon(entry, offer.error);
    if (entry.done) return;
    const published = await port.request('conferences.publish', { conferenceId: entry.conferenceId, offer: offer.value });
    if (!published.ok) return this.#abandon(entry, published.error);
    const completed = await media.completePublish(published.value.answer);
    if (!completed.ok) return this.#abandon(entry, completed.error);
    entry.stopHeard = this.#deps.setInterval(() => void this.#reportHeard(entry), HEARD_EVERY_MS);
    // The others learn at once whether this device came with its camera (or muted).
    void this.#tellMedia(entry.conferenceId, media);
    // The SFU's offer may have come while publishing; if none came, ask for the latest one.
    if (entry.pending === undefined && entry.version < 0) {
      const latest = await port.request('conferences.subscription', { conferenceId: entry.conferenceId });
      if (latest.ok && entry.pending === undefined && entry.version < 0) entry.pending = latest.value;
    }
    this.#answerPending(entry);
  }

  #onSubscription(offer: Subscription): void {
    const entry = this.#entries.get(offer.conferenceId);
    if (!entry || entry.done || offer.version <= entry.version) return;
    if (entry.pending === undefined || entry.pending.version < offer.version) entry.pending = offer;
    if (entry.media !== undefined && entry.stopHeard !== undefined) this.#answerPending(entry);
  }

  #answerPending(entry: Entry<S>): void {
    entry.queue = entry.queue.then(async () => {
      const offer = entry.pending;
      const media = entry.media;
      entry.pending = undefined;
      if (offer === undefined || media === undefined || entry.done || offer.version <= entry.version) return;
      entry.version = offer.version;
      const answer = await media.answerSubscription(offer.offer, offer.streams);
      if (!answer.ok) {
        this.#deps.store.error = answer.error;
        return;
      }
      if (entry.done) return;
      const sent = await this.#deps.port.request('conferences.answerSubscription', { conferenceId: entry.conferenceId, version: offer.version, answer: answer.value });
      // A newer offer is already on its way (someone joined meanwhile): that one will be answered.
      if (!sent.ok && sent.error.code !== 'conference-stale-subscription') this.#deps.store.error = sent.error;
      this.#showStreams(entry, media);
    });
  }

  #onFrameKey(key: FrameKey): void {
    const entry = this.#entries.get(key.conferenceId);
    if (!entry || entry.done) return;
    if (entry.media === undefined) {
      entry.key = key;
      return;
    }
    this.#install(entry, key);
  }

  #install(entry: Entry<S>, key: FrameKey): void {
    entry.key = key;
    entry.media?.setKey({ ...frameKeyInput(key), step: key.step });
    this.#deps.store.epoch = key.epoch;
    this.#deps.store.keyStep = key.step;
  }

  #onState(view: ConferenceView): void {
    const { store } = this.#deps;
    store.receive(view);
    const entry = this.#entries.get(view.conferenceId);
    if (view.phase === 'ended') {
      if (entry) this.#close(entry);
      this.#entries.delete(view.conferenceId);
      return;
    }
    if (view.phase !== 'joined' || !entry || entry.done) return;
    const others = new Set(view.participants.filter((p) => !p.self).map(deviceOf));
    if (entry.others !== undefined) {
      if ([...others].some((d) => !entry.others?.has(d))) this.#deps.sound('join');
      else if ([...entry.others].some((d) => !others.has(d))) this.#deps.sound('leave');
    }
    entry.others = others;
  }

  #onSession(entry: Entry<S>, event: ConferenceSessionEvent): void {
    switch (event.type) {
      case 'connected':
        if (event.connection === 'publish') void this.#report(entry, { kind: 'connected' });
        return;
      case 'failed':
        void this.#report(entry, { kind: 'connection-failed', code: event.cause === 'ice' ? 'ice-failed' : 'dtls-failed' });
        return;
      case 'streams':
        if (entry.media) this.#showStreams(entry, entry.media);
        return;
      case 'frame-crypto-failed':
        this.#deps.store.error = { code: 'call.frame-crypto-failed', message: 'The call was ended because its media could not be encrypted on this device.' };
        this.leave(entry.conferenceId);
        return;
      default:
        return missingCase(event);
    }
  }

  async #reportHeard(entry: Entry<S>): Promise<void> {
    if (entry.done || entry.media === undefined) return;
    const leaves = await entry.media.heard();
    if (!entry.done) await this.#report(entry, { kind: 'heard', leaves: [...leaves] });
  }

  async #report(entry: Entry<S>, report: Report): Promise<void> {
    const result = await this.#deps.port.request('conferences.report', { conferenceId: entry.conferenceId, report });
    if (!result.ok && result.error.code !== 'conference-not-joined') this.#deps.store.error = result.error;
  }

  async #tellMedia(conferenceId: string, media: ConferenceMedia<S>): Promise<void> {
    const result = await this.#deps.port.request('conferences.setMedia', { conferenceId, media: media.mediaState });
    if (!result.ok && result.error.code !== 'conference-not-joined') this.#deps.store.error = result.error;
  }

  #showStreams(entry: Entry<S>, media: ConferenceMedia<S>): void {
    if (entry.done) return;
    this.#deps.store.streams = new Map(media.remoteStreams);
    entry.speakers?.follow(media.remoteStreams);
  }

  #showLocal(media: ConferenceMedia<S>): void {
    this.#deps.store.localStream = media.localVideo;
  }

  #entry(conferenceId: string): Entry<S> {
    let entry = this.#entries.get(conferenceId);
    if (!entry) {
      entry = { conferenceId, media: undefined, speakers: undefined, pending: undefined, version: -1, key: undefined, others: undefined, stopHeard: undefined, done: false, queue: Promise.resolve() };
      this.#entries.set(conferenceId, entry);
    }
    return entry;
  }

  #closeAll(): void {
    for (const entry of this.#entries.values()) this.#close(entry);
    this.#entries.clear();
  }

  #close(entry: Entry<S>): void {
    const wasOpen = entry.media !== undefined;
    entry.done = true;
    entry.stopHeard?.();
    entry.stopHeard = undefined;
    entry.speakers?.close();
    entry.speakers = undefined;
    entry.media?.close();
    entry.media = undefined;
    entry.pending = undefined;
    entry.key = undefined;
    if (wasOpen) this.#deps.store.clearMedia();
  }

  /** A conference this device could not set up: closes its media, leaves it in the core, shows why. */
  async #abandon(entry: Entry<S>, error: ErrorInfo): Promise<void> {
    this.#deps.store.error = error;
    if (entry.done) return;
    this.#close(entry);
    this.#adopt(await this.#deps.port.request('conferences.leave', { conferenceId: entry.conferenceId }));
  }

  #adopt(result: Result<ConferenceView>): void {
    if (result.ok) this.#deps.store.receive(result.value);
    else if (result.error.code !== 'conference-not-found' && result.error.code !== 'conference-not-joined') this.#deps.store.error = result.error;
  }

  #fail(error: ErrorInfo): void {
    this.#deps.store.error = error;
  }
}
