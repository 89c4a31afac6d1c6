/**
 * The test oracles both call harness pages (harness/, sessionHarness/) read in the page: which
 * tone the remote audio carries (each fake microphone plays its own frequency) and numbers out of
 * `getStats` entries. Test pages only; not part of the app build.
 */

/** The loudest frequency of `analyser`'s audio right now, and how loud it is (RMS); no peak in silence. */
export function toneOf(analyser: AnalyserNode, sampleRate: number): { peakHz: number | null; rms: number } {
  const spectrum = new Float32Array(analyser.frequencyBinCount);
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatFrequencyData(spectrum);
  analyser.getFloatTimeDomainData(samples);
  let best = 1;
  for (let i = 2; i < spectrum.length; i++) if ((spectrum[i] ?? -Infinity) > (spectrum[best] ?? -Infinity)) best = i;
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  return { peakHz: rms > 0.001 ? Math.round((best * sampleRate) / analyser.fftSize) : null, rms };
}

/** A numeric field of a `getStats` entry, 0 when it is missing. */
export function numberOf(stat: Readonly<Record<string, unknown>>, name: string): number {
  const value = stat[name];
  return typeof value === 'number' ? value : 0;
}
