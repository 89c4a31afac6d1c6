/**
 * Runs inside a test host page before the app's scripts (an init script, like test/host/pageBridge.ts) for
 * the e2e tests of real calls: it remembers every RTCPeerConnection and every captured track the
 * app creates, so a test can read what the app's call actually decodes (the tone of the other
 * side's fake microphone, video frames from getStats) and see that the camera and microphone were
 * released, without any hook in the app. Test host only; never part of the app build.
 */
import { numberOf, toneOf } from './oracles';

const connections: RTCPeerConnection[] = [];
const captured: MediaStreamTrack[] = [];
const analysers = new Map<string, AnalyserNode>();
let audioContext: AudioContext | undefined;

const NativeConnection = globalThis.RTCPeerConnection;
class RecordedConnection extends NativeConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    connections.push(this);
  }
}
Object.defineProperty(globalThis, 'RTCPeerConnection', { value: RecordedConnection, configurable: true, writable: true });

const devices = navigator.mediaDevices;
const getUserMedia = devices.getUserMedia.bind(devices);
const getDisplayMedia = devices.getDisplayMedia.bind(devices);
const remember = (stream: MediaStream): MediaStream => {
  captured.push(...stream.getTracks());
  return stream;
};
devices.getUserMedia = async (constraints) => remember(await getUserMedia(constraints));

/** Media elements the app chose an output device for (the call's remote audio is not in the DOM). */
const sinks = new Set<HTMLMediaElement>();
const setSinkId = HTMLMediaElement.prototype.setSinkId;
HTMLMediaElement.prototype.setSinkId = function (this: HTMLMediaElement, sinkId: string): Promise<void> {
  sinks.add(this);
  return setSinkId.call(this, sinkId);
};
devices.getDisplayMedia = async (options) => remember(await getDisplayMedia(options));

/** The call's connection: the newest one that is not closed. */
function current(): RTCPeerConnection | undefined {
  return connections.findLast((c) => c.connectionState !== 'closed');
}

/** The tone on the remote audio track of the current call (null peak in silence or with no call). */
function tone(): { peakHz: number | null; rms: number } {
  const track = current()?.getReceivers().find((r) => r.track.kind === 'audio')?.track;
  if (track === undefined) return { peakHz: null, rms: 0 };
  audioContext ??= new AudioContext();
  let analyser = analysers.get(track.id);
  if (analyser === undefined) {
    analyser = audioContext.createAnalyser();
    analyser.fftSize = 8192;
    audioContext.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    analysers.set(track.id, analyser);
  }
  return toneOf(analyser, audioContext.sampleRate);
}

/** Video frames the current call decoded, their width, and how the connection stands. */
async function rtp(): Promise<{ framesDecoded: number; frameWidth: number; connection: string }> {
  const pc = current();
  const out = { framesDecoded: 0, frameWidth: 0, connection: pc?.connectionState ?? 'none' };
  if (pc === undefined) return out;
  (await pc.getStats()).forEach((stat: Record<string, unknown>) => {
    if (stat.type === 'inbound-rtp' && stat.kind === 'video') {
      out.framesDecoded += numberOf(stat, 'framesDecoded');
      out.frameWidth = Math.max(out.frameWidth, numberOf(stat, 'frameWidth'));
    }
  });
  return out;
}

/** The candidate types of the current call's selected pair (local, remote), e.g. relay/relay. */
async function selectedPair(): Promise<{ local: string | null; remote: string | null }> {
  const pc = current();
  if (pc === undefined) return { local: null, remote: null };
  const stats = new Map<string, Record<string, unknown>>();
  (await pc.getStats()).forEach((stat: Record<string, unknown>) => stats.set(String(stat.id), stat));
  const transport = [...stats.values()].find((s) => s.type === 'transport');
  const pair = stats.get(String(transport?.selectedCandidatePairId));
  const typeOf = (id: unknown): string | null => {
    const type = stats.get(String(id))?.candidateType;
    return typeof type === 'string' ? type : null;
  };
  return { local: typeOf(pair?.localCandidateId), remote: typeOf(pair?.remoteCandidateId) };
}

/** What the current call sends: each sender's track (label, device id) and whether a frame transform sits on it. */
function senders(): { kind: string; label: string; deviceId: string | null; transform: boolean }[] {
  return (current()?.getSenders() ?? []).flatMap((sender) => {
    const track = sender.track;
    if (track === null) return [];
    return [{ kind: track.kind, label: track.label, deviceId: track.getSettings().deviceId ?? null, transform: sender.transform !== null && sender.transform !== undefined }];
  });
}

/** The output device of every media element that still plays something and had one chosen. */
function sinkIds(): string[] {
  return [...sinks].filter((element) => element.srcObject !== null).map((element) => element.sinkId);
}

/** How many connections the app made, how many are still open, and the captured tracks still live. */
function resources(): { connections: number; open: number; liveTracks: string[] } {
  return {
    connections: connections.length,
    open: connections.filter((c) => c.connectionState !== 'closed').length,
    liveTracks: captured.filter((t) => t.readyState === 'live').map((t) => t.kind),
  };
}

Object.defineProperty(globalThis, 'cairnCallProbe', { value: Object.freeze({ tone, rtp, selectedPair, resources, senders, sinkIds }), enumerable: true });
