/**
 * The renderer's half of a 1:1 call (issue 13): implements the UI's `CallActions` by driving one
 * CallSession per call through the core's call requests (electron/core/ipc/callSchemas.ts, whose
 * header gives the order), and fills the call store's streams and quality.
 *
 * Caller: `calls.prepare` (the call gets its id) → `calls.config` → session (the remembered
 * devices) → `calls.frameKey` → gathered offer → `calls.start`; the answer comes as
 * `call.description`. Callee: the offer comes as `call.description` (or, in a window opened
 * later, `calls.remoteDescription`); Accept → session → key → answer → `calls.accept`.
 *
 * Security choices:
 * - The frame key is in the worker before the peer's description is applied, so the first
 *   frames the peer sends are decrypted rather than dropped, and no frame is ever sent or played
 *   in clear (the worker drops what it cannot encrypt or authenticate).
 * - Hang-up goes peer to peer over the data channel first (seed 000: the server does not learn
 *   when a call ends); `dataChannelOpen` tells the core whether its E2EE fallback is needed.
 * - When the core says a call ended, the session closes at once: camera and microphone stop and
 *   the worker forgets its keys.
 */
import type { EventOf, Preferences, RequestOf } from '../../electron/core/ipc/contract';
import type { ErrorInfo, Result } from '../../protocol/result';
import { onEvent, request, shell } from '../api';
import type { CallMedia, CallView } from '../lib/callView';
import type { DeviceChoices } from '../lib/mediaDevices';
import { missingCase } from '../lib/missingCase';
import type { CallActions, Quality } from '../state/calls.svelte';
import { callDevices } from '../state/callDevices.svelte';
import { calls, UNWIRED } from '../state/calls.svelte';
import type { CallSessionEvent, SessionResult, SignedDescription } from './callSession';
import { CallSession } from './callSession';
import { frameKeyInput } from './frameKeyInput';

type CallRemoteDescription = EventOf<'call.description'>;
type FrameKeyPayload = EventOf<'call.frameKey'>;
type CallReport = RequestOf<'calls.report'>['report'];

/** How often the call screen's quality bars are refreshed from getStats. */
const QUALITY_EVERY_MS = 2_000;

type Entry = {
  readonly callId: string;
  session: CallSession | undefined;
  /** The peer's offer, kept until Accept (or an ICE restart offer arriving while the session starts). */
  offer: SignedDescription | undefined;
  /** An answer that arrived before the session was ready for it. */
  answer: SignedDescription | undefined;
  /** This side sent an offer (the call's, or an ICE restart) and waits for its answer. */
  awaitingAnswer: boolean;
  /** Set once the call ended or was hung up here: late results close what they opened. */
  done: boolean;
  qualityTimer: ReturnType<typeof setInterval> | undefined;
  /** The devices the session uses now (from the preferences); a changed preference switches them. */
  devices: DeviceChoices | undefined;
  /** Device switches run one after another, so two quick choices end on the later one. */
  switching: Promise<void>;
};

/** What the controller needs from the core; the app's IPC bridge by default. */
export interface CallPort {
  readonly request: typeof request;
  readonly onEvent: typeof onEvent;
}

/** The device choice in the preferences (null: the system's). */
function devicesOf(chosen: Partial<Preferences>): DeviceChoices {
  return { microphone: chosen['calls.microphone'] ?? null, camera: chosen['calls.camera'] ?? null, speaker: chosen['calls.speaker'] ?? null };
}

function grade(value: 'good' | 'fair' | 'poor' | 'unknown'): Quality | undefined {
  return value === 'unknown' ? undefined : value;
}

export class CallController implements CallActions {
  readonly #port: CallPort;
  readonly #entries = new Map<string, Entry>();
  #starting = false;

  constructor(port: CallPort) {
    this.#port = port;
  }

  /** Listens to the core's call events and adopts calls that began before this window opened. */
  follow(): () => void {
    const stops = [
      this.#port.onEvent('call.state', (view) => this.#onState(view)),
      this.#port.onEvent('call.description', (description) => void this.#onDescription(description)),
      this.#port.onEvent('call.frameKey', (key) => this.#onFrameKey(key)),
      // A device chosen in the picker or in Settings during a call switches the running call.
      this.#port.onEvent('preferences.changed', (chosen) => this.#onDevices(devicesOf(chosen))),
      // A lock replaces the core (its calls end with it): camera and microphone go off at once.
      this.#port.onEvent('appLock.state', (state) => {
        if (state.locked) this.#closeAll();
      }),
    ];
    void this.#port.request('calls.list', {}).then((result) => {
      if (result.ok) for (const view of result.value.calls) calls.receive(view);
    });
    return () => {
      for (const stop of stops) stop();
      this.#closeAll();
    };
  }

  start(conversationId: string, media: CallMedia): void {
    void this.#start(conversationId, media);
  }

  accept(callId: string, media: CallMedia): void {
    void this.#accept(callId, media);
  }

  decline(callId: string): void {
    const entry = this.#entries.get(callId);
    if (entry) entry.offer = undefined;
    void this.#port.request('calls.decline', { callId }).then((result) => this.#adopt(result));
  }

  hangUp(callId: string): void {
    void this.#hangUp(callId);
  }

  setMuted(callId: string, muted: boolean): void {
    this.#entries.get(callId)?.session?.setMuted(muted);
  }

  setCamera(callId: string, on: boolean): void {
    const session = this.#entries.get(callId)?.session;
    if (!session) return;
    void session.setCameraOn(on).then((result) => {
      if (!result.ok) {
        calls.own = { ...calls.own, cameraOff: true };
        calls.error = result.error;
      }
      this.#showLocal(session);
    });
  }

  setSharing(callId: string, on: boolean): void {
    const session = this.#entries.get(callId)?.session;
    if (!session) return;
    const done = (result: SessionResult<null>): void => {
      if (!result.ok) calls.error = result.error;
      calls.own = { ...calls.own, sharing: session.mediaState.sharing };
      this.#showLocal(session);
    };
    if (on) void session.startScreenShare().then(done);
    else void session.stopScreenShare().then(() => done({ ok: true, value: null }));
  }

  /** The microphone, camera and speaker choice (renderer/state/callDevices.svelte.ts); it needs no session. */
  chooseDevices(): void {
    callDevices.show();
  }

  async #start(conversationId: string, media: CallMedia): Promise<void> {
    // The call has no view (and its buttons stay on) until `calls.start` answers: a second click
    // meanwhile must not prepare a second call.
    if (this.#starting || this.#live()) return;
    this.#starting = true;
    try {
      await this.#place(conversationId, media);
    } finally {
      this.#starting = false;
    }
  }

  async #place(conversationId: string, media: CallMedia): Promise<void> {
    const prepared = await this.#port.request('calls.prepare', { conversationId, media });
    if (!prepared.ok) return this.#fail(prepared.error);
    const entry = this.#entry(prepared.value.callId);
    const session = await this.#openSession(entry, media === 'video', undefined);
    if (!session) return this.#abandon(entry);
    const offer = await session.createOffer();
    if (!offer.ok) return this.#abandon(entry, offer.error);
    entry.awaitingAnswer = true;
    if (entry.done) return;
    const started = await this.#port.request('calls.start', { callId: entry.callId, offer: offer.value });
    if (!started.ok) return this.#abandon(entry, started.error);
    calls.receive(started.value);
    // An answer may have come while `calls.start` was answering.
    if (entry.answer) await this.#complete(entry, entry.answer);
  }

  async #accept(callId: string, media: CallMedia): Promise<void> {
    const entry = this.#entry(callId);
    if (entry.session) return;
    let offer = entry.offer;
    if (offer === undefined) {
      const remote = await this.#port.request('calls.remoteDescription', { callId });
      if (!remote.ok) return this.#fail(remote.error);
      if (remote.value.type === 'offer') offer = { sdp: remote.value.sdp, fingerprint: remote.value.fingerprint };
    }
    if (offer === undefined) return this.#fail({ code: 'call.no-offer', message: 'This call can no longer be answered.' });
    const cbr = calls.views.find((v) => v.callId === callId)?.cbr ?? false;
    const session = await this.#openSession(entry, media === 'video', cbr);
    if (!session) return this.#abandon(entry);
    const answer = await session.answer(offer);
    entry.offer = undefined;
    if (!answer.ok) return this.#abandon(entry, answer.error);
    if (entry.done) return;
    const accepted = await this.#port.request('calls.accept', { callId, answer: answer.value });
    if (!accepted.ok) return this.#abandon(entry, accepted.error);
    calls.receive(accepted.value);
  }

  async #hangUp(callId: string): Promise<void> {
    const entry = this.#entries.get(callId);
    let dataChannelOpen = false;
    if (entry) {
      entry.done = true;
      if (entry.session) dataChannelOpen = (await entry.session.hangUp()).sentPeerToPeer;
      this.#close(entry);
    }
    this.#adopt(await this.#port.request('calls.hangUp', { callId, dataChannelOpen }));
  }

  /**
   * Builds the session with the ICE servers from the core and the remembered devices (a
   * remembered device that is gone falls back to the system default), then puts the call's frame
   * key in its worker. `peerCbr`: the caller asked for constant bit rate (the callee follows).
   */
  async #openSession(entry: Entry, video: boolean, peerCbr: boolean | undefined): Promise<CallSession | undefined> {
    const [config, preferences] = await Promise.all([this.#port.request('calls.config', {}), this.#port.request('preferences.get', {})]);
    if (!config.ok) return this.#failed(config.error);
    const chosen: Partial<Preferences> = preferences.ok ? preferences.value : {};
    const options = {
      config: config.value,
      video,
      constantBitRate: chosen['calls.constantBitRate'] === true || peerCbr === true,
      onEvent: (event: CallSessionEvent) => this.#onSession(entry, event),
    };
    const microphoneId = chosen['calls.microphone'] ?? undefined;
    const cameraId = video ? (chosen['calls.camera'] ?? undefined) : undefined;
    let started = await CallSession.start({ ...options, ...(microphoneId ? { microphoneId } : {}), ...(cameraId ? { cameraId } : {}) });
    if (!started.ok && started.error.code === 'call.media-unavailable' && (microphoneId || cameraId)) started = await CallSession.start(options);
    if (!started.ok) return this.#failed(started.error);
    const session = started.value;
    if (entry.done) {
      session.close();
      return undefined;
    }
    entry.session = session;
    entry.devices = devicesOf(chosen);
    const speaker = chosen['calls.speaker'];
    if (speaker) void session.selectSpeaker(speaker);
    const key = await this.#port.request('calls.frameKey', { callId: entry.callId });
    if (!key.ok) {
      this.#close(entry);
      return this.#failed(key.error);
    }
    session.setKey(frameKeyInput(key.value));
    calls.remoteStream = session.remoteStream;
    this.#showLocal(session);
    return session;
  }

  async #complete(entry: Entry, answer: SignedDescription): Promise<void> {
    const session = entry.session;
    entry.answer = undefined;
    if (!session || entry.done || !entry.awaitingAnswer) return;
    entry.awaitingAnswer = false;
    const completed = await session.complete(answer);
    if (!completed.ok) {
      calls.error = completed.error;
      await this.#report(entry, { kind: 'connection-failed', code: 'dtls-failed' });
    }
  }

  async #onDescription(description: CallRemoteDescription): Promise<void> {
    const signed: SignedDescription = { sdp: description.sdp, fingerprint: description.fingerprint };
    const entry = this.#entry(description.callId);
    const session = entry.session;
    if (description.type === 'answer') {
      // The caller's session may still be sending its offer: keep the answer for #start.
      if (session && entry.awaitingAnswer) await this.#complete(entry, signed);
      else entry.answer = signed;
      return;
    }
    if (!session) {
      entry.offer = signed;
      return;
    }
    // An offer during the call: the peer's ICE restart after a network change.
    const answer = await session.answer(signed);
    if (!answer.ok) {
      calls.error = answer.error;
      return;
    }
    await this.#report(entry, { kind: 'ice-restart', role: 'answer', description: answer.value });
  }

  /**
   * Applies a changed device choice to every running call: the new microphone or camera replaces
   * the old track on the same sender (frame encryption stays on it), the speaker is set with
   * setSinkId. A device that cannot be opened leaves the call on the old one and says so.
   */
  #onDevices(next: DeviceChoices): void {
    for (const entry of this.#entries.values()) {
      entry.switching = entry.switching.then(() => this.#switchDevices(entry, next));
    }
  }

  async #switchDevices(entry: Entry, next: DeviceChoices): Promise<void> {
    const session = entry.session;
    const now = entry.devices;
    if (!session || entry.done || now === undefined) return;
    entry.devices = next;
    const results: SessionResult<null>[] = [];
    if (next.microphone !== now.microphone) results.push(await session.selectMicrophone(next.microphone ?? undefined));
    if (next.camera !== now.camera) {
      results.push(await session.selectCamera(next.camera ?? undefined));
      this.#showLocal(session);
    }
    if (next.speaker !== now.speaker) results.push(await session.selectSpeaker(next.speaker ?? undefined));
    const failed = results.find((result) => !result.ok);
    if (failed && !failed.ok && !entry.done) calls.error = failed.error;
  }

  #onFrameKey(key: FrameKeyPayload): void {
    this.#entries.get(key.callId)?.session?.setKey(frameKeyInput(key));
  }

  #onState(view: CallView): void {
    if (view.phase === 'incoming') this.#entry(view.callId);
    if (view.phase !== 'ended') return;
    const entry = this.#entries.get(view.callId);
    if (!entry) return;
    entry.done = true;
    this.#close(entry);
    this.#entries.delete(view.callId);
  }

  #onSession(entry: Entry, event: CallSessionEvent): void {
    switch (event.type) {
      case 'connected':
        this.#watchQuality(entry);
        void this.#report(entry, { kind: 'connected' });
        return;
      case 'reconnecting':
        void this.#restartIce(entry);
        return;
      case 'remote-track':
        calls.remoteStream = event.stream;
        return;
      case 'remote-media':
        void this.#report(entry, { kind: 'peer-media', media: event.state });
        return;
      case 'frame-crypto-rejected':
        // 'worker-failed' ends the session ('ended' follows); the others concern one key only.
        return;
      case 'ended':
        if (entry.done) return;
        switch (event.reason.kind) {
          case 'peer-hung-up':
            void this.#report(entry, { kind: 'peer-hung-up' });
            return;
          case 'failed':
            void this.#report(entry, { kind: 'connection-failed', code: event.reason.cause === 'ice' ? 'ice-failed' : 'dtls-failed' });
            return;
          case 'frame-crypto-failed':
            calls.error = { code: 'call.frame-crypto-failed', message: 'The call was ended because its media could not be encrypted on this device.' };
            void this.#hangUp(entry.callId);
            return;
          default:
            return missingCase(event.reason);
        }
      default:
        return missingCase(event);
    }
  }

  async #restartIce(entry: Entry): Promise<void> {
    const offer = await entry.session?.createOffer({ iceRestart: true });
    if (!offer?.ok) return;
    entry.awaitingAnswer = true;
    await this.#report(entry, { kind: 'ice-restart', role: 'offer', description: offer.value });
  }

  async #report(entry: Entry, report: CallReport): Promise<void> {
    const result = await this.#port.request('calls.report', { callId: entry.callId, report });
    if (!result.ok && result.error.code !== 'call-not-found') calls.error = result.error;
  }

  #watchQuality(entry: Entry): void {
    if (entry.qualityTimer !== undefined) return;
    entry.qualityTimer = setInterval(() => {
      void entry.session?.quality().then((quality) => {
        if (!entry.done) calls.quality = grade(quality.grade);
      });
    }, QUALITY_EVERY_MS);
  }

  /** The self view: what this side sends as video now (camera, or the screen while sharing). */
  #showLocal(session: CallSession): void {
    const track = session.localVideoTrack;
    calls.localStream = track === undefined ? undefined : new MediaStream([track]);
  }

  #entry(callId: string): Entry {
    let entry = this.#entries.get(callId);
    if (!entry) {
      entry = { callId, session: undefined, offer: undefined, answer: undefined, awaitingAnswer: false, done: false, qualityTimer: undefined, devices: undefined, switching: Promise.resolve() };
      this.#entries.set(callId, entry);
    }
    return entry;
  }

  /** True while a call on this device has (or is getting) media: a second one is not started. */
  #live(): boolean {
    return [...this.#entries.values()].some((e) => !e.done && e.session !== undefined);
  }

  #closeAll(): void {
    for (const entry of this.#entries.values()) {
      entry.done = true;
      this.#close(entry);
    }
    this.#entries.clear();
  }

  #close(entry: Entry): void {
    clearInterval(entry.qualityTimer);
    entry.qualityTimer = undefined;
    const session = entry.session;
    entry.session = undefined;
    session?.close();
    if (session && calls.remoteStream === session.remoteStream) {
      calls.remoteStream = undefined;
      calls.localStream = undefined;
      calls.quality = undefined;
    }
  }

  /** A call this side could not set up: closes its media, tells the core, shows why. */
  async #abandon(entry: Entry, error?: ErrorInfo): Promise<void> {
    if (error) calls.error = error;
    if (entry.done) return;
    entry.done = true;
    this.#close(entry);
    this.#adopt(await this.#port.request('calls.hangUp', { callId: entry.callId, dataChannelOpen: false }));
  }

  #adopt(result: Result<CallView>): void {
    if (result.ok) calls.receive(result.value);
    else if (result.error.code !== 'call-not-found') calls.error = result.error;
  }

  #fail(error: ErrorInfo): void {
    calls.error = error;
  }

  #failed(error: ErrorInfo): undefined {
    calls.error = error;
    return undefined;
  }
}

/**
 * Makes the call buttons work: sets `calls.actions` to a controller on the app's bridge, and
 * carries out Accept and Decline pressed on a call's desktop notification (the shell's
 * main/callNotices.ts) as if pressed on the incoming-call prompt; a click on the notification
 * brings the call screen back from the bar.
 */
export function wireCalls(port: CallPort = { request, onEvent }, shellActions: typeof shell.onCallAction = shell.onCallAction): () => void {
  const controller = new CallController(port);
  const stop = controller.follow();
  calls.actions = controller;
  const stopShell = shellActions(({ callId, action, media }) => {
    switch (action) {
      case 'accept':
        calls.actions.accept(callId, media);
        return;
      case 'decline':
        calls.actions.decline(callId);
        return;
      case 'show':
        calls.minimised = false;
        return;
      default:
        missingCase(action);
    }
  });
  return () => {
    stop();
    stopShell();
    calls.actions = UNWIRED;
  };
}
