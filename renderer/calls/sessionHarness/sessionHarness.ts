/**
 * Test page for callSession.ts: two CallSessions in one page (Alice calls Bob), wired by an
 * in-page signalling function that hands each description to the other side as the MLS call
 * setup would, optionally altered on the way (the "server rewrites the fingerprint" cases).
 * Built by test/host/callHarness.ts with the renderer's Vite config and served under its CSP;
 * not part of the app build. Driven as `cairnCallHarness.<method>(json)`, answers are plain JSON.
 */
import type { CallSessionEvent, SignedDescription } from '../callSession';
import { CallSession } from '../callSession';
import type { DtlsFingerprint } from '../sdp';
import { dtlsFingerprint } from '../sdp';
import { numberOf, toneOf } from '../harness/oracles';

type Side = 'alice' | 'bob';

interface Peer {
  session: CallSession;
  readonly events: { type: string; detail: string; at: number }[];
  analyser: AnalyserNode | undefined;
}

let peers: Record<Side, Peer> | undefined;
let audioContext: AudioContext | undefined;
const KEY = crypto.getRandomValues(new Uint8Array(32));
const LEAF: Readonly<Record<Side, number>> = { alice: 0, bob: 1 };

function need(): Record<Side, Peer> {
  if (peers === undefined) throw new Error('harness not set up');
  return peers;
}

function describe(event: CallSessionEvent): string {
  switch (event.type) {
    case 'ended':
      return event.reason.kind === 'failed' ? `failed:${event.reason.cause}` : event.reason.kind;
    case 'remote-media':
      return JSON.stringify(event.state);
    case 'remote-track':
      return event.track.kind;
    case 'frame-crypto-rejected':
      return event.code;
    case 'connected':
    case 'reconnecting':
      return '';
  }
}

function onRemoteTrack(peer: Peer, track: MediaStreamTrack): void {
  if (track.kind !== 'audio') return;
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

interface SetupOptions {
  readonly video: boolean;
  readonly cbr: boolean;
  /** "Always relay calls" with no TURN server at all: gathering finds no relay candidate. */
  readonly relay?: boolean;
}

async function newPeer(side: Side, options: SetupOptions): Promise<Peer> {
  const events: Peer['events'] = [];
  const holder: { peer?: Peer } = {};
  const started = await CallSession.start({
    config: { iceServers: [], iceTransportPolicy: options.relay === true ? 'relay' : 'all' },
    gatherTimeoutMs: 3_000,
    video: options.video,
    constantBitRate: options.cbr,
    onEvent: (event) => {
      events.push({ type: event.type, detail: describe(event), at: performance.now() });
      if (event.type === 'remote-track' && holder.peer !== undefined) onRemoteTrack(holder.peer, event.track);
    },
  });
  if (!started.ok) throw new Error(started.error.message);
  started.value.setKey({ epoch: 1, baseKey: KEY.slice().buffer, selfLeaf: LEAF[side] });
  holder.peer = { session: started.value, events, analyser: undefined };
  return holder.peer;
}

async function setup(options: SetupOptions): Promise<string | null> {
  try {
    peers = { alice: await newPeer('alice', options), bob: await newPeer('bob', options) };
    return null;
  } catch (error) {
    return String(error);
  }
}

/** How the in-page "server" treats Bob's answer: pass it, alter only the SDP, or alter SDP and the fingerprint beside it. */
type Tamper = 'none' | 'sdp' | 'both';

function flipFirstByte(sdp: string): string {
  return sdp.replace(/(a=fingerprint:\S+ )([0-9A-F]{2})/g, (_, head: string, byte: string) => `${head}${byte === '00' ? '01' : '00'}`);
}

function tampered(answer: SignedDescription, tamper: Tamper): SignedDescription {
  switch (tamper) {
    case 'none':
      return answer;
    case 'sdp':
      return { sdp: flipFirstByte(answer.sdp), fingerprint: answer.fingerprint };
    case 'both': {
      const sdp = flipFirstByte(answer.sdp);
      const found = dtlsFingerprint(sdp);
      const fingerprint: DtlsFingerprint = found.ok ? found.fingerprint : answer.fingerprint;
      return { sdp, fingerprint };
    }
  }
}

/** One round trip: Alice's gathered offer to Bob, Bob's gathered answer back. */
async function connect(args: { tamper: Tamper; iceRestart?: boolean }): Promise<{ ok: boolean; code: string | null; setupMs: number; ufrag: string | null }> {
  const { alice, bob } = need();
  const started = performance.now();
  const offer = await alice.session.createOffer({ iceRestart: args.iceRestart === true });
  if (!offer.ok) return { ok: false, code: offer.error.code, setupMs: 0, ufrag: null };
  const answer = await bob.session.answer(offer.value);
  if (!answer.ok) return { ok: false, code: answer.error.code, setupMs: 0, ufrag: null };
  const done = await alice.session.complete(tampered(answer.value, args.tamper));
  const ufrag = /a=ice-ufrag:(\S+)/.exec(offer.value.sdp)?.[1] ?? null;
  return { ok: done.ok, code: done.ok ? null : done.error.code, setupMs: performance.now() - started, ufrag };
}

function events(side: Side): Peer['events'] {
  return need()[side].events;
}

/** The loudest frequency on the side's remote audio right now, and how loud it is (RMS). */
function tone(side: Side): { peakHz: number | null; rms: number } {
  const analyser = need()[side].analyser;
  if (analyser === undefined || audioContext === undefined) return { peakHz: null, rms: 0 };
  return toneOf(analyser, audioContext.sampleRate);
}

/** RTP counters the tests read: video frames decoded, audio payload bytes and packets sent. */
async function rtp(side: Side): Promise<{ framesDecoded: number; audioBytesSent: number; audioPacketsSent: number; videoWidth: number }> {
  const out = { framesDecoded: 0, audioBytesSent: 0, audioPacketsSent: 0, videoWidth: 0 };
  const report = await need()[side].session.rawStats();
  report.forEach((stat: Record<string, unknown>) => {
    if (stat.type === 'inbound-rtp' && stat.kind === 'video') {
      out.framesDecoded += numberOf(stat, 'framesDecoded');
      out.videoWidth = Math.max(out.videoWidth, numberOf(stat, 'frameWidth'));
    } else if (stat.type === 'outbound-rtp' && stat.kind === 'audio') {
      out.audioBytesSent += numberOf(stat, 'bytesSent');
      out.audioPacketsSent += numberOf(stat, 'packetsSent');
    }
  });
  return out;
}

function quality(side: Side): Promise<unknown> {
  return need()[side].session.quality();
}

function mute(args: { side: Side; muted: boolean }): null {
  need()[args.side].session.setMuted(args.muted);
  return null;
}

async function share(side: Side): Promise<string | null> {
  const result = await need()[side].session.startScreenShare();
  return result.ok ? null : result.error.code;
}

async function camera(args: { side: Side; on: boolean }): Promise<string | null> {
  const result = await need()[args.side].session.setCameraOn(args.on);
  return result.ok ? null : result.error.code;
}

/** Hangs up on one side; answers when that side started (page clock) so the test can time the other side's end. */
async function hangUp(side: Side): Promise<{ at: number; sentPeerToPeer: boolean }> {
  const at = performance.now();
  const { sentPeerToPeer } = await need()[side].session.hangUp();
  return { at, sentPeerToPeer };
}

/** Switches one side's microphone to another fake capture device; answers the device ids (old, new). */
async function switchMicrophone(side: Side): Promise<{ code: string | null; devices: number }> {
  const inputs = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput' && d.deviceId !== 'default');
  const target = inputs[inputs.length - 1];
  if (target === undefined) return { code: 'no-device', devices: 0 };
  const result = await need()[side].session.selectMicrophone(target.deviceId);
  return { code: result.ok ? null : result.error.code, devices: inputs.length };
}

/** readyState of every track the side captures (all 'ended' once its session closed). */
function localTracks(side: Side): string[] {
  return need()[side].session.localTracks.map((t) => `${t.kind}:${t.readyState}`);
}

/** The label of the video the side sends now (Chromium's fake screen is `screen:…`), null for none. */
function localVideo(side: Side): string | null {
  return need()[side].session.localVideoTrack?.label ?? null;
}

async function speaker(args: { side: Side; deviceId: string }): Promise<string | null> {
  const result = await need()[args.side].session.selectSpeaker(args.deviceId);
  return result.ok ? null : result.error.code;
}

function close(): null {
  if (peers === undefined) return null;
  for (const peer of Object.values(peers)) peer.session.close();
  for (const element of document.querySelectorAll('audio')) element.remove();
  peers = undefined;
  return null;
}

Object.assign(globalThis, { cairnCallHarness: { setup, connect, events, tone, rtp, quality, mute, share, camera, hangUp, switchMicrophone, localTracks, localVideo, speaker, close } });
