/**
 * The media side of one 1:1 call in the renderer (issue 13): one RTCPeerConnection with frame
 * encryption on every sender and receiver, the local microphone (and camera), a negotiated data
 * channel for media state and hang-up, and the one-round-trip offer/answer that the call setup
 * carries inside MLS. The call state machine and the UI drive it; the core supplies the ICE
 * configuration (`calls.config`) and the frame keys; signalling is the caller's business.
 *
 * Security choices:
 * - Each description travels with the DTLS fingerprint it commits to, inside the MLS message; a
 *   remote description whose fingerprint differs from the one that came with it is refused before
 *   it is applied, so a server that rewrites traffic cannot put its own certificate in.
 * - Transforms go on before negotiation (see frameCrypto.ts), so no frame leaves or plays in clear.
 * - "Always relay calls": a description we are about to send with a non-relay candidate is refused
 *   (the peer would learn our address); the ICE policy already asks the browser for relay only.
 * - Hang-up and media state go peer to peer over the data channel (seed 000): the server does not
 *   learn when the call ends.
 */
import { missingCase } from '../lib/missingCase';
import type { MediaState } from './callMessages';
import type { CallSessionOptions, EndReason } from './callSessionTypes';
import { callConfigSchema, waitForGathering } from './callSessionTypes';
import { decodeChannelMessage, encodeChannelMessage } from './callMessages';
import type { CallQuality } from './callQuality';
import { summarizeStats } from './callQuality';
import type { FrameKeyInput } from './frameCrypto';
import { FrameCrypto, isFrameEncryptionSupported, preferVp8 } from './frameCrypto';
import { candidatesOf, checkRelayOnly, dtlsFingerprint, withOpusConstantBitRate } from './sdp';
import type { SessionResult, SignedDescription } from './signedDescription';
import { fingerprintError, signedDescriptionSchema, verifyDescription } from './signedDescription';

export type { SessionResult, SignedDescription } from './signedDescription';

export { callConfigSchema } from './callSessionTypes';
export type { CallConfig, CallSessionEvent, CallSessionOptions, EndReason } from './callSessionTypes';

const GATHER_TIMEOUT_MS = 10_000;
/** How long hang-up waits for the message to leave before the connection closes. */
const HANGUP_FLUSH_MS = 300;
const CAMERA: MediaTrackConstraints = { width: 1280, height: 720, frameRate: 30 };

const failure = <T>(code: string, message: string): SessionResult<T> => ({ ok: false, error: { code, message } });

export class CallSession {
  readonly #options: CallSessionOptions;
  readonly #pc: RTCPeerConnection;
  readonly #crypto: FrameCrypto;
  readonly #channel: RTCDataChannel;
  readonly #protected = new WeakSet<RTCRtpTransceiver>();
  readonly #remoteStream = new MediaStream();
  readonly #remoteAudio = new Audio();
  #microphone: MediaStreamTrack;
  #camera: MediaStreamTrack | undefined;
  /** The camera to open when the camera is turned on (the user's choice; undefined: the system's). */
  #cameraId: string | undefined;
  #screen: MediaStreamTrack | undefined;
  #local: MediaStream;
  #state: MediaState;
  #closed = false;
  #ended = false;
  #wasConnected = false;
  #channelOpened = false;

  private constructor(options: CallSessionOptions, local: MediaStream) {
    this.#options = options;
    this.#local = local;
    const microphone = local.getAudioTracks()[0];
    if (microphone === undefined) throw new Error('no microphone track');
    this.#microphone = microphone;
    this.#camera = local.getVideoTracks()[0];
    this.#cameraId = options.cameraId;
    this.#state = { muted: false, cameraOff: this.#camera === undefined, sharing: false };
    this.#pc = new RTCPeerConnection({
      iceServers: options.config.iceServers.map((s) => ({ ...s })),
      iceTransportPolicy: options.config.iceTransportPolicy,
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    });
    this.#crypto = FrameCrypto.start();
    this.#crypto.onRejected((code) => {
      options.onEvent({ type: 'frame-crypto-rejected', code });
      if (code === 'worker-failed') this.#end({ kind: 'frame-crypto-failed' });
    });
    // Negotiated on both ends with the same id: no in-band DCEP open, present before the offer.
    this.#channel = this.#pc.createDataChannel('cairn-call', { negotiated: true, id: 0, ordered: true });
    this.#channel.addEventListener('open', () => {
      this.#channelOpened = true;
      this.#sendState();
    });
    this.#channel.addEventListener('message', (event: MessageEvent) => this.#receive(event.data));
    this.#channel.addEventListener('close', () => {
      // A channel that never opened closes when DTLS fails: that is the connection's failure (reported
      // by its state), not a hang-up. One that was open: the peer closed its connection without the
      // hang-up message getting through.
      if (this.#closed || !this.#channelOpened) return;
      this.#end(this.#pc.connectionState === 'failed' ? this.#failure() : { kind: 'peer-hung-up' });
    });
    this.#pc.addEventListener('connectionstatechange', () => this.#onConnectionState());
    this.#pc.addEventListener('track', (event) => {
      this.#protect(event.transceiver);
      this.#remoteStream.addTrack(event.track);
      options.onEvent({ type: 'remote-track', track: event.track, stream: this.#remoteStream });
    });
    this.#remoteAudio.autoplay = true;
    this.#remoteAudio.srcObject = this.#remoteStream;
  }

  /**
   * Captures the microphone (and camera for a video call) and builds the session. Refuses when the
   * browser cannot encrypt frames: a call without frame encryption is never placed.
   */
  static async start(options: CallSessionOptions): Promise<SessionResult<CallSession>> {
    const config = callConfigSchema.safeParse(options.config);
    if (!config.success) return failure('call.config-invalid', 'The call settings from the server could not be read.');
    if (!isFrameEncryptionSupported()) return failure('call.unsupported', 'This app version cannot encrypt call media, so it does not place calls.');
    let local: MediaStream;
    try {
      local = await navigator.mediaDevices.getUserMedia({
        audio: options.microphoneId === undefined ? true : { deviceId: { exact: options.microphoneId } },
        video: options.video ? { ...CAMERA, ...(options.cameraId === undefined ? {} : { deviceId: { exact: options.cameraId } }) } : false,
      });
    } catch (error) {
      const denied = error instanceof DOMException && error.name === 'NotAllowedError';
      return failure(denied ? 'call.media-denied' : 'call.media-unavailable', denied ? 'Cairn may not use the microphone or camera.' : 'The microphone or camera could not be started.');
    }
    return { ok: true, value: new CallSession({ ...options, config: config.data }, local) };
  }

  /** The peer's audio and video; the session plays the audio itself (see `selectSpeaker`). */
  get remoteStream(): MediaStream {
    return this.#remoteStream;
  }

  /** The tracks this side captures right now (microphone, camera, screen); all stopped after `close()`. */
  get localTracks(): readonly MediaStreamTrack[] {
    return [this.#microphone, this.#camera, this.#screen].filter((t): t is MediaStreamTrack => t !== undefined);
  }

  /** What this side sends as video right now (the screen while sharing, else the camera), for the self view. */
  get localVideoTrack(): MediaStreamTrack | undefined {
    return this.#screen ?? this.#camera;
  }

  get mediaState(): MediaState {
    return this.#state;
  }

  setKey(input: FrameKeyInput): void {
    this.#crypto.setKey(input);
  }

  frameStats(): ReturnType<FrameCrypto['stats']> {
    return this.#crypto.stats();
  }

  /**
   * Caller: adds the audio and video transceivers (video without a track in an audio call, so a
   * screen share needs no renegotiation), gathers every candidate and returns the one offer.
   * `iceRestart` makes a restart offer for a network change on a running call.
   */
  async createOffer(options: { iceRestart?: boolean } = {}): Promise<SessionResult<SignedDescription>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    if (this.#pc.signalingState !== 'stable') return failure('call.wrong-state', 'The call is still waiting for an answer.');
    if (this.#pc.getTransceivers().length === 0) {
      this.#addTransceiver('audio', this.#microphone);
      this.#addTransceiver('video', this.#camera);
    }
    if (options.iceRestart === true) this.#pc.restartIce();
    try {
      await this.#pc.setLocalDescription();
    } catch {
      return failure('call.sdp-rejected', 'The call could not be set up on this device.');
    }
    return this.#gatheredDescription();
  }

  /** Callee (or either side for an ICE restart offer): checks the offer's fingerprint, applies it, answers. */
  async answer(offer: SignedDescription): Promise<SessionResult<SignedDescription>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    if (this.#pc.signalingState !== 'stable') return failure('call.wrong-state', 'The call is in the middle of another negotiation.');
    const applied = await this.#applyRemote('offer', offer);
    if (!applied.ok) return applied;
    for (const transceiver of this.#pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      if (transceiver.sender.track !== null || transceiver.direction === 'stopped') continue;
      // Transceivers the offer created: send our media on them too, encrypted, before the answer exists.
      this.#protect(transceiver);
      transceiver.direction = 'sendrecv';
      transceiver.sender.setStreams(this.#local);
      await transceiver.sender.replaceTrack(kind === 'audio' ? this.#microphone : (this.#screen ?? this.#camera ?? null));
    }
    try {
      await this.#pc.setLocalDescription();
    } catch {
      return failure('call.sdp-rejected', 'The call could not be set up on this device.');
    }
    return this.#gatheredDescription();
  }

  /** Caller: applies the answer once its fingerprint checks out; media flows when DTLS completes. */
  async complete(answer: SignedDescription): Promise<SessionResult<null>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    if (this.#pc.signalingState !== 'have-local-offer') return failure('call.wrong-state', 'No offer is waiting for this answer.');
    const applied = await this.#applyRemote('answer', answer);
    return applied.ok ? { ok: true, value: null } : applied;
  }

  setMuted(muted: boolean): void {
    // A disabled track sends silence frames: the packet rhythm (and with CBR the size) stays the same.
    this.#microphone.enabled = !muted;
    this.#update({ muted });
  }

  /** Camera off stops the capture (the camera light goes out); on captures it again. */
  async setCameraOn(on: boolean): Promise<SessionResult<null>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    if (!on) {
      this.#camera?.stop();
      this.#camera = undefined;
      if (this.#screen === undefined) await this.#videoSender()?.replaceTrack(null);
      this.#update({ cameraOff: true });
      return { ok: true, value: null };
    }
    if (this.#camera !== undefined) return { ok: true, value: null };
    const camera = await this.#capture('video', this.#cameraId);
    if (!camera.ok) return camera;
    this.#camera = camera.value;
    if (this.#screen === undefined) await this.#videoSender()?.replaceTrack(camera.value);
    this.#update({ cameraOff: false });
    return { ok: true, value: null };
  }

  /** Replaces the camera picture with a screen or window the user picks; ends by itself when the user stops sharing. */
  async startScreenShare(): Promise<SessionResult<null>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    if (this.#screen !== undefined) return { ok: true, value: null };
    let screen: MediaStreamTrack | undefined;
    try {
      screen = (await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false })).getVideoTracks()[0];
    } catch {
      return failure('call.share-refused', 'Screen sharing was cancelled or is not allowed.');
    }
    if (screen === undefined) return failure('call.share-refused', 'Screen sharing was cancelled or is not allowed.');
    if (this.#closed) {
      screen.stop();
      return failure('call.closed', 'The call has ended.');
    }
    this.#screen = screen;
    screen.contentHint = 'detail';
    screen.addEventListener('ended', () => void this.stopScreenShare());
    await this.#videoSender()?.replaceTrack(screen);
    this.#update({ sharing: true });
    return { ok: true, value: null };
  }

  async stopScreenShare(): Promise<void> {
    const screen = this.#screen;
    if (screen === undefined) return;
    this.#screen = undefined;
    screen.stop();
    if (!this.#closed) await this.#videoSender()?.replaceTrack(this.#camera ?? null);
    this.#update({ sharing: false });
  }

  /**
   * Switches the running call to another microphone (undefined: the system's): the new track
   * replaces the old on the same sender, so the frame transform on that sender (frameCrypto.ts)
   * encrypts it as before and no renegotiation is needed. Mute carries over.
   */
  async selectMicrophone(deviceId: string | undefined): Promise<SessionResult<null>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    const next = await this.#capture('audio', deviceId);
    if (!next.ok) return next;
    next.value.enabled = !this.#state.muted;
    await this.#audioSender()?.replaceTrack(next.value);
    this.#local.removeTrack(this.#microphone);
    this.#microphone.stop();
    this.#microphone = next.value;
    this.#local.addTrack(next.value);
    return { ok: true, value: null };
  }

  /**
   * Switches to another camera (undefined: the system's) on the same sender, like the microphone.
   * With the camera off the choice is only remembered: turning it on opens that camera.
   */
  async selectCamera(deviceId: string | undefined): Promise<SessionResult<null>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    this.#cameraId = deviceId;
    if (this.#camera === undefined) return { ok: true, value: null };
    const next = await this.#capture('video', deviceId);
    if (!next.ok) return next;
    const previous = this.#camera;
    this.#camera = next.value;
    if (this.#screen === undefined) await this.#videoSender()?.replaceTrack(next.value);
    previous.stop();
    return { ok: true, value: null };
  }

  /** Plays the peer on another output device (undefined: the system's); `setSinkId` is missing in some browsers (then: unsupported). */
  async selectSpeaker(deviceId: string | undefined): Promise<SessionResult<null>> {
    if (typeof this.#remoteAudio.setSinkId !== 'function') return failure('call.speaker-unsupported', 'This device cannot choose a speaker for calls.');
    try {
      await this.#remoteAudio.setSinkId(deviceId ?? '');
      return { ok: true, value: null };
    } catch {
      return failure('call.speaker-unavailable', 'That speaker is not available.');
    }
  }

  /** Audio level, round-trip time and packet loss, graded for the call screen. */
  async quality(): Promise<CallQuality> {
    return summarizeStats(await this.#pc.getStats());
  }

  /** The browser's full statistics (diagnostics, tests); `quality()` is what the call screen needs. */
  rawStats(): Promise<RTCStatsReport> {
    return this.#pc.getStats();
  }

  /** Tells the peer over the data channel, then closes everything; the E2EE hang-up is the state machine's fallback. */
  async hangUp(): Promise<{ readonly sentPeerToPeer: boolean }> {
    if (this.#closed) return { sentPeerToPeer: false };
    const channel = this.#channel;
    let sent = false;
    if (channel.readyState === 'open') {
      channel.send(encodeChannelMessage({ type: 'hangup' }));
      sent = true;
      await new Promise<void>((resolve) => {
        if (channel.bufferedAmount === 0) return resolve();
        const timer = setTimeout(resolve, HANGUP_FLUSH_MS);
        channel.bufferedAmountLowThreshold = 0;
        channel.addEventListener('bufferedamountlow', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
    this.close();
    return { sentPeerToPeer: sent };
  }

  /** Stops every track, closes the connection and makes the frame worker forget its keys. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ended = true;
    for (const track of [this.#microphone, this.#camera, this.#screen, ...this.#local.getTracks()]) track?.stop();
    this.#channel.close();
    this.#pc.close();
    this.#crypto.close();
    this.#remoteAudio.srcObject = null;
    for (const track of this.#remoteStream.getTracks()) track.stop();
  }

  #addTransceiver(kind: 'audio' | 'video', track: MediaStreamTrack | undefined): void {
    const transceiver = this.#pc.addTransceiver(track ?? kind, { direction: 'sendrecv', streams: [this.#local] });
    this.#protect(transceiver);
  }

  #protect(transceiver: RTCRtpTransceiver): void {
    if (this.#protected.has(transceiver) || this.#closed) return;
    this.#protected.add(transceiver);
    const kind = transceiver.receiver.track.kind === 'audio' ? 'audio' : 'video';
    this.#crypto.protectTransceiver(transceiver, kind);
    if (kind === 'video') preferVp8(transceiver);
  }

  async #applyRemote(type: 'offer' | 'answer', description: SignedDescription): Promise<SessionResult<null>> {
    const shape = signedDescriptionSchema.safeParse(description);
    if (!shape.success) return failure('call.description-invalid', 'The other device sent a call setup that could not be read.');
    const verified = verifyDescription(description);
    if (!verified.ok) return verified;
    let sdp = verified.value;
    if (this.#options.constantBitRate) {
      const cbr = withOpusConstantBitRate(sdp);
      if (!cbr.ok) return failure('call.no-opus', 'The other device offered no audio codec this app can use.');
      sdp = cbr.sdp;
    }
    try {
      await this.#pc.setRemoteDescription({ type, sdp });
      return { ok: true, value: null };
    } catch {
      return failure('call.sdp-rejected', 'The other device sent a call setup this app cannot use.');
    }
  }

  async #gatheredDescription(): Promise<SessionResult<SignedDescription>> {
    await waitForGathering(this.#pc, this.#options.gatherTimeoutMs ?? GATHER_TIMEOUT_MS);
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    const sdp = this.#pc.localDescription?.sdp;
    if (sdp === undefined) return failure('call.sdp-rejected', 'The call could not be set up on this device.');
    if (this.#options.config.iceTransportPolicy === 'relay') {
      const relay = checkRelayOnly(candidatesOf(sdp));
      if (!relay.ok) {
        return relay.error === 'no-candidates'
          ? failure('call.relay-unavailable', 'The relay server for calls did not accept this device (wrong or expired credentials, or it is unreachable).')
          : failure('call.relay-leak', 'The call was stopped because it would have revealed this device\'s network address.');
      }
    }
    const fingerprint = dtlsFingerprint(sdp);
    if (!fingerprint.ok) return fingerprintError(fingerprint.error);
    return { ok: true, value: { sdp, fingerprint: fingerprint.fingerprint } };
  }

  async #capture(kind: 'audio' | 'video', deviceId: string | undefined): Promise<SessionResult<MediaStreamTrack>> {
    try {
      const device = deviceId === undefined ? {} : { deviceId: { exact: deviceId } };
      const stream = await navigator.mediaDevices.getUserMedia(kind === 'audio' ? { audio: { ...device } } : { video: { ...CAMERA, ...device } });
      const track = stream.getTracks()[0];
      if (track === undefined) return failure('call.media-unavailable', 'The microphone or camera could not be started.');
      if (this.#closed) {
        track.stop();
        return failure('call.closed', 'The call has ended.');
      }
      return { ok: true, value: track };
    } catch {
      return failure('call.media-unavailable', 'The microphone or camera could not be started.');
    }
  }

  #sender(kind: 'audio' | 'video'): RTCRtpSender | undefined {
    return this.#pc.getTransceivers().find((t) => t.receiver.track.kind === kind && t.direction !== 'stopped')?.sender;
  }

  #audioSender(): RTCRtpSender | undefined {
    return this.#sender('audio');
  }

  #videoSender(): RTCRtpSender | undefined {
    return this.#sender('video');
  }

  #update(change: Partial<MediaState>): void {
    this.#state = { ...this.#state, ...change };
    this.#sendState();
  }

  #sendState(): void {
    if (this.#channel.readyState === 'open') this.#channel.send(encodeChannelMessage({ type: 'media', state: this.#state }));
  }

  #receive(data: unknown): void {
    const message = decodeChannelMessage(data);
    if (message === undefined) return;
    switch (message.type) {
      case 'media':
        this.#options.onEvent({ type: 'remote-media', state: message.state });
        return;
      case 'hangup':
        this.#end({ kind: 'peer-hung-up' });
        return;
      default:
        missingCase(message);
    }
  }

  /** ICE reached a pair but the connection failed: the DTLS handshake (certificate) is what broke. */
  #failure(): EndReason {
    const dtls = this.#pc.getSenders()[0]?.transport ?? this.#pc.sctp?.transport;
    const ice = dtls?.iceTransport.state;
    const dtlsFailed = dtls?.state === 'failed' || ice === 'connected' || ice === 'completed';
    return { kind: 'failed', cause: dtlsFailed ? 'dtls' : 'ice' };
  }

  #onConnectionState(): void {
    if (this.#closed) return;
    switch (this.#pc.connectionState) {
      case 'connected':
        this.#wasConnected = true;
        this.#options.onEvent({ type: 'connected' });
        return;
      case 'disconnected':
        if (this.#wasConnected) this.#options.onEvent({ type: 'reconnecting' });
        return;
      case 'failed':
        this.#end(this.#failure());
        return;
      case 'new':
      case 'connecting':
      case 'closed':
        return;
      default:
        missingCase(this.#pc.connectionState);
    }
  }

  #end(reason: EndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#options.onEvent({ type: 'ended', reason });
    this.close();
  }
}
