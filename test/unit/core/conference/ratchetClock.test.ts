import { describe, expect, it } from 'vitest';
import type { TimerPort } from '../../../../electron/core/calls/conference/ratchetClock';
import { RatchetClock } from '../../../../electron/core/calls/conference/ratchetClock';

/** A clock moved by hand: timers fire in order as time passes. */
function manualTime(start: number): TimerPort & { advance(ms: number): void; pending(): number } {
  let now = start;
  let timers: { at: number; run: () => void; id: number }[] = [];
  let next = 0;
  return {
    now: () => now,
    setTimer: (delayMs, run) => {
      const id = next++;
      timers.push({ at: now + delayMs, run, id });
      return () => {
        timers = timers.filter((timer) => timer.id !== id);
      };
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const first = timers[0];
        if (first === undefined || first.at > until) break;
        timers.shift();
        now = first.at;
        first.run();
      }
      now = until;
    },
    pending: () => timers.length,
  };
}

describe('the conference ratchet clock', () => {
  it('reports step 0 at once and one step at each 30 s boundary of the epoch', () => {
    const time = manualTime(1_000_000);
    const steps: Array<[number, number]> = [];
    const clock = new RatchetClock(time, (epoch, step) => steps.push([epoch, step]));
    clock.start(7, 1_000_000 - 1_000);
    expect(steps).toEqual([[7, 0]]);
    time.advance(28_999);
    expect(steps).toEqual([[7, 0]]);
    time.advance(1);
    expect(steps).toEqual([[7, 0], [7, 1]]);
    time.advance(60_000);
    expect(steps).toEqual([[7, 0], [7, 1], [7, 2], [7, 3]]);
    clock.stop();
    expect(time.pending()).toBe(0);
  });

  it('reports the step due when it starts late in an epoch, and starts again at 0 with the next epoch', () => {
    const time = manualTime(500_000);
    const steps: Array<[number, number]> = [];
    const clock = new RatchetClock(time, (epoch, step) => steps.push([epoch, step]), 500);
    clock.start(3, 500_000 - 2_600);
    expect(steps).toEqual([[3, 5]]);
    time.advance(400);
    expect(steps).toEqual([[3, 5], [3, 6]]);
    clock.start(4, time.now());
    time.advance(1_000);
    expect(steps).toEqual([[3, 5], [3, 6], [4, 0], [4, 1], [4, 2]]);
    expect(time.pending()).toBe(1);
  });

  it('reports nothing more once stopped, even from inside a report', () => {
    const time = manualTime(0);
    const steps: number[] = [];
    const clock = new RatchetClock(time, (_epoch, step) => {
      steps.push(step);
      if (step === 1) clock.stop();
    }, 1_000);
    clock.start(1, 0);
    time.advance(10_000);
    expect(steps).toEqual([0, 1]);
    expect(time.pending()).toBe(0);
  });
});
