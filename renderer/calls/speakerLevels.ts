/**
 * Who is speaking in a conference, decided in the renderer from the decrypted audio only (the
 * SFU sees ciphertext of constant size, so it cannot tell, and the core is never told): the
 * level of each participant's audio, and the active speaker with a little hysteresis so the
 * highlight does not flicker between two people talking at once. Pure; the WebAudio part is in
 * speakerDetector.ts.
 */

/** RMS (full scale 1) below which a participant counts as silent: room noise, comfort noise. */
export const SPEAKING_RMS = 0.01;
/** A new speaker must be the loudest for this many readings in a row before the highlight moves. */
export const SPEAKER_HOLD_READINGS = 2;

export type SpeakerState = Readonly<{ active: number | undefined; candidate: number | undefined; streak: number }>;

export const NO_SPEAKER: SpeakerState = { active: undefined, candidate: undefined, streak: 0 };

/** The next state after one reading of every participant's level (leaf → RMS). */
export function nextSpeaker(state: SpeakerState, levels: ReadonlyMap<number, number>): SpeakerState {
  let loudest: number | undefined;
  let loudestLevel = SPEAKING_RMS;
  for (const [leaf, level] of levels) {
    if (level >= loudestLevel) {
      loudest = leaf;
      loudestLevel = level;
    }
  }
  // The current speaker keeps the highlight while loudest; another (or silence) must hold for a few readings.
  if (loudest === state.active) return { active: state.active, candidate: undefined, streak: 0 };
  const streak = loudest === state.candidate ? state.streak + 1 : 1;
  if (streak >= SPEAKER_HOLD_READINGS) return { active: loudest, candidate: undefined, streak: 0 };
  return { active: state.active, candidate: loudest, streak };
}

/** Root mean square of one block of samples (−1…1). */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / samples.length);
}
