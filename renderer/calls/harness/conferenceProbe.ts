/**
 * Runs inside a test host page before the app's scripts (an init script) for the conference
 * e2e test (test/sfu/conferenceCall.test.ts): it remembers the app's RTCPeerConnections and
 * reads, per tile of the conference grid, the tone on that tile's audio (each participant's fake
 * microphone plays its own frequency, so the tone names whose audio the tile really carries) and
 * the video frames its track decoded (getStats `inbound-rtp` by track id). Test host only; never
 * part of the app build.
 */
import { numberOf, toneOf } from './oracles';

const connections: RTCPeerConnection[] = [];
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

/**
 * The app's frame workers (named 'cairn-frame-crypto' by frameCrypto.ts): the probe asks the
 * newest one for its counters with the worker's own `stats` message, under ids the app never uses.
 */
const frameWorkers: Worker[] = [];
const NativeWorker = globalThis.Worker;
class RecordedWorker extends NativeWorker {
  constructor(url: string | URL, options?: WorkerOptions) {
    super(url, options);
    if (options?.name === 'cairn-frame-crypto') frameWorkers.push(this);
  }
}
Object.defineProperty(globalThis, 'Worker', { value: RecordedWorker, configurable: true, writable: true });
let nextStatsId = 1_000_000_000;

/** The frame worker's counters (audio and video, per sender leaf too), or null when it does not answer within 20 s (a loaded machine). */
function frameStats(): Promise<unknown> {
  const worker = frameWorkers.at(-1);
  if (worker === undefined) return Promise.resolve(null);
  const id = nextStatsId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(null), 20_000);
    const onMessage = (event: MessageEvent): void => {
      const data: unknown = event.data;
      if (typeof data === 'object' && data !== null && Reflect.get(data, 'type') === 'stats' && Reflect.get(data, 'id') === id) done(Reflect.get(data, 'stats'));
    };
    function done(value: unknown): void {
      clearTimeout(timer);
      worker?.removeEventListener('message', onMessage);
      resolve(value);
    }
    worker.addEventListener('message', onMessage);
    worker.postMessage({ type: 'stats', id });
  });
}

type TileReading = { leaf: number; name: string; peakHz: number | null; rms: number; framesDecoded: number; speaking: boolean };

function toneOfTrack(track: MediaStreamTrack): { peakHz: number | null; rms: number } {
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

/** Frames decoded per remote video track id, over every open connection. */
async function framesByTrack(): Promise<Map<string, number>> {
  const frames = new Map<string, number>();
  for (const pc of connections) {
    if (pc.connectionState === 'closed') continue;
    (await pc.getStats()).forEach((stat: Record<string, unknown>) => {
      if (stat.type === 'inbound-rtp' && stat.kind === 'video' && typeof stat.trackIdentifier === 'string') {
        frames.set(stat.trackIdentifier, (frames.get(stat.trackIdentifier) ?? 0) + numberOf(stat, 'framesDecoded'));
      }
    });
  }
  return frames;
}

/** Every remote tile of the conference grid: leaf, shown name, tone, decoded video frames, speaker ring. */
async function tiles(): Promise<TileReading[]> {
  const frames = await framesByTrack();
  const out: TileReading[] = [];
  for (const tile of document.querySelectorAll<HTMLElement>('[data-testid="conference-tile"][data-self="false"]')) {
    const video = tile.querySelector('video');
    const stream = video?.srcObject instanceof MediaStream ? video.srcObject : undefined;
    const audio = stream?.getAudioTracks()[0];
    const videoTrack = stream?.getVideoTracks()[0];
    const tone = audio === undefined ? { peakHz: null, rms: 0 } : toneOfTrack(audio);
    out.push({
      leaf: Number(tile.dataset.leaf),
      name: tile.querySelector('figcaption')?.textContent?.trim() ?? '',
      ...tone,
      framesDecoded: videoTrack === undefined ? 0 : (frames.get(videoTrack.id) ?? 0),
      speaking: tile.dataset.speaking === 'true',
    });
  }
  return out;
}

/** How many connections the app made and how many are still open. */
function resources(): { connections: number; open: number } {
  return { connections: connections.length, open: connections.filter((c) => c.connectionState !== 'closed').length };
}

Object.defineProperty(globalThis, 'cairnConferenceProbe', { value: Object.freeze({ tiles, resources, frameStats }), enumerable: true });
