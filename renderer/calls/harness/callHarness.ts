/**
 * Test page for the call media building blocks: two RTCPeerConnections in one page (Alice and
 * Bob), each with its own frame worker through frameCrypto.ts, connected over loopback with one
 * non-trickle offer/answer. The e2e test and `npm run bench callSetup` build this page with the
 * renderer's Vite config and serve it under the renderer's CSP; it is not part of the app build
 * (renderer/vite.config.ts builds index.html only).
 *
 * Driven from Playwright as `cairnCallHarness.<method>(json)`; answers are plain JSON the test
 * parses with zod.
 */
import type { FrameStats } from '../frameCipher';
import type { Measured } from '../frameMessages';
import { FrameCrypto, isFrameEncryptionSupported, preferVp8 } from '../frameCrypto';
import { numberOf, toneOf } from './oracles';

type Side = 'alice' | 'bob';

interface SetupOptions {
  /** Frame encryption on both ends; false for the bench's baseline. */
  readonly encrypt: boolean;
  /** Hex base keys per side (32 bytes); null: that side gets no key at all. */
  readonly keys: Readonly<Record<Side, string | null>>;
  readonly epoch: number;
  readonly width: number;
  readonly height: number;
}

interface Peer {
  readonly pc: RTCPeerConnection;
  readonly crypto: FrameCrypto | undefined;
  readonly rejections: string[];
  video: HTMLVideoElement | undefined;
  analyser: AnalyserNode | undefined;
  firstFrameAt: number | undefined;
}

const LEAF: Readonly<Record<Side, number>> = { alice: 0, bob: 1 };
let peers: Record<Side, Peer> | undefined;
let local: MediaStream | undefined;
let audioContext: AudioContext | undefined;
let connectStartedAt = 0;

function bytesOf(hex: string): ArrayBuffer {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out.buffer;
}

function need(): Record<Side, Peer> {
  if (peers === undefined) throw new Error('harness not set up');
  return peers;
}

function kindOf(track: MediaStreamTrack): 'audio' | 'video' {
  return track.kind === 'audio' ? 'audio' : 'video';
}

function watchRemote(peer: Peer, event: RTCTrackEvent): void {
  const track = event.track;
  if (track.kind === 'video') {
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([track]);
    document.body.append(video);
    const onFrame = (): void => {
      peer.firstFrameAt ??= performance.now();
    };
    video.requestVideoFrameCallback(onFrame);
    void video.play().catch(() => undefined);
    peer.video = video;
    return;
  }
  // Chromium feeds a remote WebRTC track into Web Audio only while a media element plays it.
  const audio = document.createElement('audio');
  audio.autoplay = true;
  audio.srcObject = new MediaStream([track]);
  document.body.append(audio);
  void audio.play().catch(() => undefined);
  audioContext ??= new AudioContext();
  void audioContext.resume();
  const analyser = audioContext.createAnalyser();
  analyser.fftSize = 8192;
  audioContext.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  peer.analyser = analyser;
}

function newPeer(side: Side, options: SetupOptions, stream: MediaStream): Peer {
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: [] });
  const crypto = options.encrypt ? FrameCrypto.start() : undefined;
  const key = options.keys[side];
  if (crypto !== undefined && key !== null) crypto.setKey({ epoch: options.epoch, baseKey: bytesOf(key), selfLeaf: LEAF[side] });
  const peer: Peer = { pc, crypto, rejections: [], video: undefined, analyser: undefined, firstFrameAt: undefined };
  crypto?.onRejected((code) => peer.rejections.push(code));
  for (const track of stream.getTracks()) {
    const sender = pc.addTrack(track, stream);
    const transceiver = pc.getTransceivers().find((t) => t.sender === sender);
    if (transceiver === undefined) throw new Error('addTrack made no transceiver');
    // Transforms go on before negotiation (see frameCrypto.ts); both runs use VP8 so the bench compares like with like.
    if (crypto !== undefined) crypto.protectTransceiver(transceiver, kindOf(track));
    else if (track.kind === 'video') preferVp8(transceiver);
  }
  pc.addEventListener('track', (event) => watchRemote(peer, event));
  return peer;
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
  });
}

async function setup(options: SetupOptions): Promise<{ supported: boolean }> {
  if (!isFrameEncryptionSupported()) return { supported: false };
  local ??= await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: options.width, height: options.height, frameRate: 30 } });
  peers = { alice: newPeer('alice', options, local), bob: newPeer('bob', options, local) };
  return { supported: true };
}

/** One round trip as a call does it: gather first, then one offer and one answer. */
async function connect(): Promise<{ offerToAnswerMs: number }> {
  const { alice, bob } = need();
  connectStartedAt = performance.now();
  await alice.pc.setLocalDescription();
  await gathered(alice.pc);
  const offer = alice.pc.localDescription;
  if (offer === null) throw new Error('no offer');
  await bob.pc.setRemoteDescription(offer);
  await bob.pc.setLocalDescription();
  await gathered(bob.pc);
  const answer = bob.pc.localDescription;
  if (answer === null) throw new Error('no answer');
  await alice.pc.setRemoteDescription(answer);
  return { offerToAnswerMs: performance.now() - connectStartedAt };
}

interface RtpKind {
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  readonly framesDecoded: number;
  readonly keyFramesDecoded: number;
  readonly framesReceived: number;
  readonly totalSamplesReceived: number;
  readonly framesEncoded: number;
  readonly packetsSent: number;
}

async function rtp(side: Side): Promise<Record<'audio' | 'video', RtpKind>> {
  const report = await need()[side].pc.getStats();
  const totals: Record<'audio' | 'video', Record<keyof RtpKind, number>> = {
    audio: { packetsReceived: 0, bytesReceived: 0, framesDecoded: 0, keyFramesDecoded: 0, framesReceived: 0, totalSamplesReceived: 0, framesEncoded: 0, packetsSent: 0 },
    video: { packetsReceived: 0, bytesReceived: 0, framesDecoded: 0, keyFramesDecoded: 0, framesReceived: 0, totalSamplesReceived: 0, framesEncoded: 0, packetsSent: 0 },
  };
  report.forEach((stat: Record<string, unknown>) => {
    const kind = stat.kind === 'audio' ? 'audio' : stat.kind === 'video' ? 'video' : undefined;
    if (kind === undefined) return;
    const into = totals[kind];
    if (stat.type === 'inbound-rtp') {
      for (const name of ['packetsReceived', 'bytesReceived', 'framesDecoded', 'keyFramesDecoded', 'framesReceived', 'totalSamplesReceived'] as const) into[name] += numberOf(stat, name);
    } else if (stat.type === 'outbound-rtp') {
      for (const name of ['framesEncoded', 'packetsSent'] as const) into[name] += numberOf(stat, name);
    }
  });
  return totals;
}

/** The loudest frequency on the side's remote audio right now, and how loud it is (RMS). */
function tone(side: Side): { peakHz: number | null; rms: number } {
  const analyser = need()[side].analyser;
  if (analyser === undefined || audioContext === undefined) return { peakHz: null, rms: 0 };
  return toneOf(analyser, audioContext.sampleRate);
}

function firstFrame(side: Side): { firstFrameMs: number | null; videoWidth: number } {
  const peer = need()[side];
  return { firstFrameMs: peer.firstFrameAt === undefined ? null : peer.firstFrameAt - connectStartedAt, videoWidth: peer.video?.videoWidth ?? 0 };
}

async function frames(side: Side): Promise<FrameStats | null> {
  const crypto = need()[side].crypto;
  return crypto === undefined ? null : crypto.stats();
}

function measure(args: { bytes: number; frames: number }): Promise<Measured> {
  const crypto = need().alice.crypto;
  if (crypto === undefined) throw new Error('measure needs frame encryption');
  return crypto.measure(args.bytes, args.frames);
}

/** A new epoch key for one side mid-call, as the core sends after an MLS commit. */
function rekey(args: { side: Side; epoch: number; key: string }): void {
  const crypto = need()[args.side].crypto;
  if (crypto === undefined) throw new Error('rekey needs frame encryption');
  crypto.setKey({ epoch: args.epoch, baseKey: bytesOf(args.key), selfLeaf: LEAF[args.side] });
}

function rejections(side: Side): readonly string[] {
  return need()[side].rejections;
}

function state(): Record<Side, RTCPeerConnectionState> {
  const { alice, bob } = need();
  return { alice: alice.pc.connectionState, bob: bob.pc.connectionState };
}

/** Ends both calls: peer connections closed, workers told to forget their keys and stopped. */
function close(): void {
  if (peers === undefined) return;
  for (const peer of Object.values(peers)) {
    peer.pc.close();
    peer.crypto?.close();
    peer.video?.remove();
  }
  for (const element of document.querySelectorAll('audio')) element.remove();
  peers = undefined;
}

Object.assign(globalThis, { cairnCallHarness: { setup, connect, rtp, tone, firstFrame, frames, measure, rekey, rejections, state, close } });
