/**
 * One WebAudio analyser per remote participant's decrypted audio: reads each level a few times
 * a second and says who the active speaker is (speakerLevels.ts decides). Nothing leaves the
 * renderer: the highlight is local to this window.
 */
import type { SpeakerState } from './speakerLevels';
import { NO_SPEAKER, nextSpeaker, rms } from './speakerLevels';

const READ_EVERY_MS = 250;

export class SpeakerDetector {
  readonly #onChange: (leaf: number | undefined) => void;
  readonly #analysers = new Map<number, { readonly track: MediaStreamTrack; readonly source: MediaStreamAudioSourceNode; readonly analyser: AnalyserNode }>();
  #context: AudioContext | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #state: SpeakerState = NO_SPEAKER;
  #levels: ReadonlyMap<number, number> = new Map();

  constructor(onChange: (leaf: number | undefined) => void) {
    this.#onChange = onChange;
  }

  /** Follows exactly these participants' audio (leaf → stream); others are dropped. */
  follow(streams: ReadonlyMap<number, MediaStream>): void {
    for (const [leaf, entry] of this.#analysers) {
      const track = streams.get(leaf)?.getAudioTracks()[0];
      if (track !== entry.track) {
        entry.source.disconnect();
        this.#analysers.delete(leaf);
      }
    }
    for (const [leaf, stream] of streams) {
      const track = stream.getAudioTracks()[0];
      if (track === undefined || this.#analysers.has(leaf)) continue;
      this.#context ??= new AudioContext();
      const analyser = this.#context.createAnalyser();
      analyser.fftSize = 2048;
      const source = this.#context.createMediaStreamSource(new MediaStream([track]));
      source.connect(analyser);
      this.#analysers.set(leaf, { track, source, analyser });
    }
    this.#timer ??= setInterval(() => this.#read(), READ_EVERY_MS);
  }

  /** The last level read per leaf (RMS, full scale 1). */
  get levels(): ReadonlyMap<number, number> {
    return this.#levels;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const entry of this.#analysers.values()) entry.source.disconnect();
    this.#analysers.clear();
    void this.#context?.close();
    this.#context = undefined;
  }

  #read(): void {
    const levels = new Map<number, number>();
    for (const [leaf, { analyser }] of this.#analysers) {
      const samples = new Float32Array(analyser.fftSize);
      analyser.getFloatTimeDomainData(samples);
      levels.set(leaf, rms(samples));
    }
    this.#levels = levels;
    const before = this.#state.active;
    this.#state = nextSpeaker(this.#state, levels);
    if (this.#state.active !== before) this.#onChange(this.#state.active);
  }
}
