/**
 * The media side of one conference in the renderer (issue 14): a publishing RTCPeerConnection
 * (this device's microphone and camera or screen, sendonly) and a subscribing one (every other
 * participant's streams as the SFU offers them), both behind one SFrame frame worker. The
 * conference controller (conferenceController.ts) moves the descriptions between these
 * connections and the core, which alone talks to the SFU.
 *
 * Security choices:
 * - Frame encryption sits on every sender before the publish offer exists and on every receiver
 *   the SFU's offer creates before the answer exists, so no frame leaves or plays in clear (the
 *   worker drops what it cannot encrypt or authenticate: shared/reference/feas-calls §2, §4).
 * - One worker for both connections: this sender's counter is never reused and the per-sender
 *   keys of the others are derived in one place (frameKeys.ts).
 * - Opus `cbr=1;usedtx=0` on every remote description applied here (SFU answer and offers),
 *   since Chrome's encoder follows the remote fmtp (feas-calls §5): packet sizes do not tell the
 *   SFU who speaks (issue 14, always on in conferences).
 * - Descriptions are complete before they leave (non-trickle, one round trip through the core),
 *   so nothing about ICE reaches the SFU outside those descriptions.
 */
import type { ConferenceKeyInput, ConferenceMedia, ConferenceMediaOptions, ConferenceMediaState, SubscribedStream } from './conferenceMedia';
import type { FrameStats } from './frameCipher';
import { FrameCrypto, isFrameEncryptionSupported, preferVp8 } from './frameCrypto';
import type { CallConfig } from './callSessionTypes';
import { callConfigSchema, waitForGathering } from './callSessionTypes';
import { withOpusConstantBitRate } from './sdp';
import type { SessionResult } from './signedDescription';

const GATHER_TIMEOUT_MS = 10_000;
const CAMERA: MediaTrackConstraints = { width: 1280, height: 720, frameRate: 30 };

export interface ConferenceSessionOptions extends ConferenceMediaOptions {
  readonly gatherTimeoutMs?: number;
}

const failure = <T>(code: string, message: string): SessionResult<T> => ({ ok: false, error: { code, message } });

function withCbr(sdp: string): SessionResult<string> {
  const cbr = withOpusConstantBitRate(sdp);
  return cbr.ok ? { ok: true, value: cbr.sdp } : failure('conference.no-opus', 'The call server offered no audio codec this app can use.');
}

export class ConferenceSession implements ConferenceMedia<MediaStream> {
  readonly #options: ConferenceSessionOptions;
  readonly #config: CallConfig;
  readonly #crypto: FrameCrypto;
  readonly #publisher: RTCPeerConnection;
  #subscriber: RTCPeerConnection | undefined;
  readonly #protected = new WeakSet<RTCRtpTransceiver>();
  readonly #local: MediaStream;
  readonly #streams = new Map<number, MediaStream>();
  readonly #players = new Map<number, HTMLAudioElement>();
  /** Decrypted frames per leaf at the last `heard()`, to report only who was heard since. */
  readonly #heardBefore = new Map<number, number>();
  #microphone: MediaStreamTrack;
  #camera: MediaStreamTrack | undefined;
  #screen: MediaStreamTrack | undefined;
  #state: ConferenceMediaState;
  #localVideo: MediaStream | undefined;
  #closed = false;

  private constructor(options: ConferenceSessionOptions, config: CallConfig, local: MediaStream) {
    this.#options = options;
    this.#config = config;
    this.#local = local;
    const microphone = local.getAudioTracks()[0];
    if (microphone === undefined) throw new Error('no microphone track');
    this.#microphone = microphone;
    this.#camera = local.getVideoTracks()[0];
    this.#state = { muted: false, cameraOff: this.#camera === undefined, sharing: false };
    this.#crypto = FrameCrypto.start();
    this.#crypto.onRejected((code) => {
      if (code === 'worker-failed') options.onEvent({ type: 'frame-crypto-failed' });
    });
    this.#publisher = this.#connection('publish');
    // Sendonly: the SFU forwards others' media on the subscribing connection. Video always has a
    // transceiver (without a track when the camera is off), so camera and screen are a replaceTrack.
    const audio = this.#publisher.addTransceiver(microphone, { direction: 'sendonly', streams: [local] });
    this.#crypto.protectSender(audio.sender, 'audio');
    const video = this.#publisher.addTransceiver(this.#camera ?? 'video', { direction: 'sendonly', streams: [local] });
    this.#crypto.protectSender(video.sender, 'video');
    preferVp8(video);
  }

  /** Captures the microphone (and camera) and builds the session; refuses without frame encryption. */
  static async start(options: ConferenceSessionOptions): Promise<SessionResult<ConferenceSession>> {
    const config = callConfigSchema.safeParse(options.config);
    if (!config.success) return failure('call.config-invalid', 'The call settings from the server could not be read.');
    if (!isFrameEncryptionSupported()) return failure('call.unsupported', 'This app version cannot encrypt call media, so it does not place calls.');
    try {
      const local = await navigator.mediaDevices.getUserMedia({
        audio: options.microphoneId === undefined ? true : { deviceId: { exact: options.microphoneId } },
        video: options.video ? { ...CAMERA, ...(options.cameraId === undefined ? {} : { deviceId: { exact: options.cameraId } }) } : false,
      });
      return { ok: true, value: new ConferenceSession(options, config.data, local) };
    } catch (error) {
      const denied = error instanceof DOMException && error.name === 'NotAllowedError';
      return failure(denied ? 'call.media-denied' : 'call.media-unavailable', denied ? 'Cairn may not use the microphone or camera.' : 'The microphone or camera could not be started.');
    }
  }

  get remoteStreams(): ReadonlyMap<number, MediaStream> {
    return this.#streams;
  }

  /** What this device sends as video now (screen while sharing, else camera), as one stream for its tile. */
  get localVideo(): MediaStream | undefined {
    const track = this.#screen ?? this.#camera;
    if (track === undefined) return undefined;
    if (this.#localVideo?.getVideoTracks()[0] !== track) this.#localVideo = new MediaStream([track]);
    return this.#localVideo;
  }

  get mediaState(): ConferenceMediaState {
    return this.#state;
  }

  /** Installs the epoch key (a repeat of the same key changes nothing) and moves this sender to the step due. */
  setKey(key: ConferenceKeyInput): void {
    this.#crypto.setKey(key);
    if (key.step > 0) this.#crypto.ratchet(key.step);
  }

  async publishOffer(): Promise<SessionResult<string>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    try {
      await this.#publisher.setLocalDescription();
    } catch {
      return failure('call.sdp-rejected', 'The call could not be set up on this device.');
    }
    return this.#gathered(this.#publisher);
  }

  async completePublish(answer: string): Promise<SessionResult<null>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    const sdp = withCbr(answer);
    if (!sdp.ok) return sdp;
    try {
      await this.#publisher.setRemoteDescription({ type: 'answer', sdp: sdp.value });
      return { ok: true, value: null };
    } catch {
      return failure('call.sdp-rejected', 'The call server sent a setup this app cannot use.');
    }
  }

  /** Applies the SFU's offer (a later version replaces the earlier one), protects every new receiver, answers. */
  async answerSubscription(offer: string, streams: readonly SubscribedStream[]): Promise<SessionResult<string>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    const sdp = withCbr(offer);
    if (!sdp.ok) return sdp;
    const pc = (this.#subscriber ??= this.#connection('subscribe'));
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: sdp.value });
    } catch {
      return failure('call.sdp-rejected', 'The call server sent a setup this app cannot use.');
    }
    for (const transceiver of pc.getTransceivers()) this.#protect(transceiver);
    try {
      await pc.setLocalDescription();
    } catch {
      return failure('call.sdp-rejected', 'The call could not be set up on this device.');
    }
    this.#map(pc, streams);
    return this.#gathered(pc);
  }

  async heard(): Promise<readonly number[]> {
    if (this.#closed) return [];
    // The session may close while the worker answers (its pending request then fails): nobody heard.
    const stats = await this.#crypto.stats().catch(() => undefined);
    if (stats === undefined) return [];
    const totals = new Map<number, number>();
    for (const kind of [stats.audio, stats.video]) for (const { leaf, decrypted } of kind.bySender) totals.set(leaf, (totals.get(leaf) ?? 0) + decrypted);
    const heard = [...totals].filter(([leaf, total]) => total > (this.#heardBefore.get(leaf) ?? 0)).map(([leaf]) => leaf);
    for (const [leaf, total] of totals) this.#heardBefore.set(leaf, total);
    return heard.sort((a, b) => a - b);
  }

  frameStats(): Promise<FrameStats> {
    return this.#crypto.stats();
  }

  setMuted(muted: boolean): void {
    // A disabled track sends silence frames: with CBR they are as large as speech.
    this.#microphone.enabled = !muted;
    this.#state = { ...this.#state, muted };
  }

  async setCameraOn(on: boolean): Promise<SessionResult<null>> {
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    if (!on) {
      this.#camera?.stop();
      this.#camera = undefined;
      if (this.#screen === undefined) await this.#videoSender()?.replaceTrack(null);
      this.#state = { ...this.#state, cameraOff: true };
      return { ok: true, value: null };
    }
    if (this.#camera !== undefined) return { ok: true, value: null };
    try {
      const device = this.#options.cameraId === undefined ? {} : { deviceId: { exact: this.#options.cameraId } };
      const camera = (await navigator.mediaDevices.getUserMedia({ video: { ...CAMERA, ...device } })).getVideoTracks()[0];
      if (camera === undefined) return failure('call.media-unavailable', 'The microphone or camera could not be started.');
      if (this.#closed) {
        camera.stop();
        return failure('call.closed', 'The call has ended.');
      }
      this.#camera = camera;
      if (this.#screen === undefined) await this.#videoSender()?.replaceTrack(camera);
      this.#state = { ...this.#state, cameraOff: false };
      return { ok: true, value: null };
    } catch {
      return failure('call.media-unavailable', 'The microphone or camera could not be started.');
    }
  }

  /** The screen replaces the camera on the one video sender: no renegotiation with the SFU. */
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
    this.#state = { ...this.#state, sharing: true };
    return { ok: true, value: null };
  }

  async stopScreenShare(): Promise<void> {
    const screen = this.#screen;
    if (screen === undefined) return;
    this.#screen = undefined;
    screen.stop();
    if (!this.#closed) await this.#videoSender()?.replaceTrack(this.#camera ?? null);
    this.#state = { ...this.#state, sharing: false };
  }

  /** Stops every track, closes both connections and makes the worker forget its keys. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const track of [this.#microphone, this.#camera, this.#screen, ...this.#local.getTracks()]) track?.stop();
    this.#publisher.close();
    this.#subscriber?.close();
    this.#crypto.close();
    for (const player of this.#players.values()) player.srcObject = null;
    this.#players.clear();
    for (const stream of this.#streams.values()) for (const track of stream.getTracks()) track.stop();
    this.#streams.clear();
  }

  #connection(which: 'publish' | 'subscribe'): RTCPeerConnection {
    const config = this.#config;
    const pc = new RTCPeerConnection({
      iceServers: config.iceServers.map((s) => ({ ...s })),
      iceTransportPolicy: config.iceTransportPolicy,
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    });
    pc.addEventListener('connectionstatechange', () => {
      if (this.#closed) return;
      if (pc.connectionState === 'connected') this.#options.onEvent({ type: 'connected', connection: which });
      if (pc.connectionState === 'failed') this.#options.onEvent({ type: 'failed', connection: which, cause: dtlsFailed(pc) ? 'dtls' : 'ice' });
    });
    // Transceivers the SFU's offer creates: protected here too, in case `track` fires before the loop after applying it.
    if (which === 'subscribe') pc.addEventListener('track', (event) => this.#protect(event.transceiver));
    return pc;
  }

  #protect(transceiver: RTCRtpTransceiver): void {
    if (this.#protected.has(transceiver) || this.#closed) return;
    this.#protected.add(transceiver);
    this.#crypto.protectReceiver(transceiver.receiver, transceiver.receiver.track.kind === 'audio' ? 'audio' : 'video');
  }

  /** Regroups the subscribed tracks by sender leaf (one MediaStream per participant) and plays their audio. */
  #map(pc: RTCPeerConnection, streams: readonly SubscribedStream[]): void {
    const wanted = new Map<number, MediaStreamTrack[]>();
    for (const entry of streams) {
      const transceiver = pc.getTransceivers().find((t) => t.mid === entry.mid && t.direction !== 'stopped' && t.currentDirection !== 'inactive');
      if (transceiver === undefined) continue;
      wanted.set(entry.leaf, [...(wanted.get(entry.leaf) ?? []), transceiver.receiver.track]);
    }
    for (const [leaf, stream] of this.#streams) {
      const tracks = wanted.get(leaf) ?? [];
      for (const track of stream.getTracks()) if (!tracks.includes(track)) stream.removeTrack(track);
      if (tracks.length === 0) {
        this.#streams.delete(leaf);
        const player = this.#players.get(leaf);
        if (player) player.srcObject = null;
        this.#players.delete(leaf);
      }
    }
    for (const [leaf, tracks] of wanted) {
      let stream = this.#streams.get(leaf);
      if (stream === undefined) {
        stream = new MediaStream();
        this.#streams.set(leaf, stream);
      }
      for (const track of tracks) if (!stream.getTracks().includes(track)) stream.addTrack(track);
      if (!this.#players.has(leaf)) {
        const player = new Audio();
        player.autoplay = true;
        player.srcObject = stream;
        this.#players.set(leaf, player);
      }
    }
    this.#options.onEvent({ type: 'streams' });
  }

  async #gathered(pc: RTCPeerConnection): Promise<SessionResult<string>> {
    await waitForGathering(pc, this.#options.gatherTimeoutMs ?? GATHER_TIMEOUT_MS);
    if (this.#closed) return failure('call.closed', 'The call has ended.');
    const sdp = pc.localDescription?.sdp;
    return sdp === undefined ? failure('call.sdp-rejected', 'The call could not be set up on this device.') : { ok: true, value: sdp };
  }

  #videoSender(): RTCRtpSender | undefined {
    return this.#publisher.getTransceivers().find((t) => t.sender.track?.kind === 'video' || (t.receiver.track.kind === 'video' && t.direction !== 'stopped'))?.sender;
  }
}

/** ICE reached a pair but the connection failed: the DTLS handshake (the SFU's certificate) broke. */
function dtlsFailed(pc: RTCPeerConnection): boolean {
  const dtls = pc.getSenders()[0]?.transport ?? pc.getReceivers()[0]?.transport;
  const ice = dtls?.iceTransport.state;
  return dtls?.state === 'failed' || ice === 'connected' || ice === 'completed';
}
