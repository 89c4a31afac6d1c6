import { describe, expect, it } from 'vitest';
import { NO_SPEAKER, SPEAKER_HOLD_READINGS, SPEAKING_RMS, nextSpeaker, rms } from '../../../../renderer/calls/speakerLevels';

const loud = SPEAKING_RMS * 10;
const quiet = SPEAKING_RMS / 10;

function run(readings: readonly [number, number][][]): (number | undefined)[] {
  let state = NO_SPEAKER;
  return readings.map((levels) => {
    state = nextSpeaker(state, new Map(levels));
    return state.active;
  });
}

describe('active speaker', () => {
  it('highlights the loudest audible participant once they held it for a few readings', () => {
    const readings = Array.from({ length: SPEAKER_HOLD_READINGS }, (): [number, number][] => [[0, quiet], [2, loud]]);
    const active = run(readings);
    expect(active.at(-1)).toBe(2);
    expect(active.slice(0, -1).every((a) => a === undefined)).toBe(true);
  });

  it('does not jump to someone louder for a single reading, and clears after lasting silence', () => {
    const hold = Array.from({ length: SPEAKER_HOLD_READINGS }, (): [number, number][] => [[0, loud], [1, quiet]]);
    expect(run([...hold, [[0, loud], [1, loud * 2]], [[0, loud], [1, quiet]]]).at(-1)).toBe(0);
    const silence = Array.from({ length: SPEAKER_HOLD_READINGS }, (): [number, number][] => [[0, quiet], [1, quiet]]);
    expect(run([...hold, ...silence]).at(-1)).toBeUndefined();
  });

  it('measures the RMS of a block of samples', () => {
    expect(rms(new Float32Array([0.5, -0.5, 0.5, -0.5]))).toBeCloseTo(0.5);
    expect(rms(new Float32Array(0))).toBe(0);
  });
});
